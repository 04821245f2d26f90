package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.faultline.tools.CliTestSupport.Run;
import org.junit.jupiter.api.Test;

/** Standard input and output as cat(1), cp(1) and e2cp users expect: '-' and write errors. */
class StdioTest {
    /** Runs a command line with {@code stdin} as standard input and {@code stdout} as the raw standard output. */
    private static Run run(byte[] stdin, OutputStream stdout, Faultline.StdoutErrors rec, String... args) {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(stdout, false);
        int code;
        try (PrintStream err = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            code = Faultline.run(args, out, err, new ByteArrayInputStream(stdin), System.getenv(), rec);
        }
        return new Run(code, stdout instanceof ByteArrayOutputStream b ? b.toString(StandardCharsets.ISO_8859_1) : "",
                e.toString(StandardCharsets.UTF_8));
    }

    /** What writing to /dev/full does: every write fails with ENOSPC. */
    private static final class Full extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("No space left on device");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("No space left on device");
        }
    }

    private static Path image(String name) throws IOException {
        Path dir = CliTestSupport.scratch(name);
        Path img = dir.resolve("s.img");
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "16M").code());
        return img;
    }

    @Test
    void cpDashReadsStandardInputIntoTheImageAndWritesAFileToStandardOutput() throws IOException {
        Path img = image("stdio-cp");
        byte[] data = new byte[3 * 1048576 + 5];
        new SplittableRandom(7).nextBytes(data);
        Run in = run(data, new ByteArrayOutputStream(), null, "cp", "-", img + ":/x");
        assertEquals(0, in.code(), in::toString);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        Run out = run(new byte[0], got, null, "cp", img + ":/x", "-");
        assertEquals(0, out.code(), out::toString);
        assertArrayEquals(data, got.toByteArray(), "cp IMG:/x - writes the file's bytes to standard output");
        assertFalse(Files.exists(Path.of("-")), "no host file named '-'");
        ByteArrayOutputStream cat = new ByteArrayOutputStream();
        assertEquals(0, run(new byte[0], cat, null, "cat", img + ":/x").code());
        assertArrayEquals(data, cat.toByteArray(), "what cp - wrote is what cat reads");
        // standard input needs a name in the image
        Run dir = run(data, new ByteArrayOutputStream(), null, "cp", "-", img + ":/");
        assertEquals(2, dir.code(), dir::toString);
        assertEquals(1, CliTestSupport.lines(dir.err()).length, dir::toString);
        assertTrue(dir.err().contains("standard input") && dir.err().contains("NAME"), dir::toString);
        Run empty = run(new byte[0], new ByteArrayOutputStream(), null, "cp", "-", img + ":/empty");
        assertEquals(0, empty.code(), empty::toString);
        assertTrue(CliTestSupport.run("stat", img + ":/empty").out().contains("regular empty file"));
    }

    @Test
    void aWriteErrorOnStandardOutputIsAnError() throws IOException {
        Path img = image("stdio-full");
        Files.writeString(img.resolveSibling("f"), "some bytes\n");
        assertEquals(0, CliTestSupport.run("cp", img.resolveSibling("f").toString(), img + ":/f").code());
        String[][] commands = {{"cat", img + ":/f"}, {"ls", "-l", img + ":/"}, {"stat", img + ":/f"},
            {"cp", img + ":/f", "-"}, {"patches"}};
        for (String[] args : commands) {
            Faultline.StdoutErrors rec = new Faultline.StdoutErrors(new Full());
            Run r = run(new byte[0], rec, rec, args);
            assertEquals(2, r.code(), () -> String.join(" ", args) + "\n" + r);
            String[] err = CliTestSupport.lines(r.err());
            assertEquals(1, err.length, r::toString);
            assertEquals("faultline: write error on standard output: No space left on device (ENOSPC); "
                    + "the output is incomplete", err[0], r::toString);
        }
    }
}
