package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Paths that are not images, and workload or schedule files that are not workloads: one line, exit
 * 2, within a second, never a hang, a stack trace or an OutOfMemoryError. Range checks of explore.
 */
class BadInputTest {
    private static Path dir;
    private static Path fifo;

    @BeforeAll
    static void setUp() throws Exception {
        dir = CliTestSupport.scratch("bad-input");
        fifo = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    private static CliTestSupport.Run refused(String... args) {
        CliTestSupport.Run r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CliTestSupport.run(args),
                String.join(" ", args));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("faultline: "), r.toString());
        assertEquals(1, CliTestSupport.lines(r.err()).length, r.toString());
        assertFalse(r.err().contains("Exception") || r.err().contains("Error:"), r.toString());
        return r;
    }

    @Test
    void aFifoOrACharacterDeviceIsNotAnImage() {
        for (List<String> cmd : List.of(List.of("ls", fifo + ":/"), List.of("cat", fifo + ":/x"),
                List.of("stat", fifo + ":/"), List.of("fsck", fifo.toString()), List.of("mkdir", fifo + ":/d"),
                List.of("boot", "--image", fifo.toString(), "--size", "256k"),
                List.of("boot", "--image", "/dev/zero", "--size", "256k"), List.of("fsck", "/dev/zero"),
                List.of("ls", "/dev/null:/"))) {
            CliTestSupport.Run r = refused(cmd.toArray(String[]::new));
            assertTrue(r.err().contains("not an image"), r.toString());
        }
        assertTrue(refused("fsck", dir.toString()).err().contains("Is a directory (EISDIR)"));
    }

    @Test
    void aWorkloadOrScheduleThatIsNotARegularFileIsRefused() {
        for (String f : List.of(fifo.toString(), "/dev/zero")) {
            assertTrue(refused("explore", f).err().contains("not a regular file"));
            assertTrue(refused("boot", "--image", fifo.toString(), f).err().contains("not a regular file"));
            assertTrue(refused("replay", f).err().contains("not a regular file"));
        }
    }

    @Test
    void binaryAndHugeWorkloadsAreRefused() throws IOException {
        Path bin = dir.resolve("bin.wl");
        Files.write(bin, new byte[] {'t', 'a', 's', 'k', ' ', (byte) 0xc3, (byte) 0x28, '\n'});
        assertEquals("faultline: " + bin + ": not a UTF-8 text file\n", refused("explore", bin.toString()).err());
        Path nul = dir.resolve("nul.wl");
        Files.write(nul, new byte[] {'t', 0, 0, 0});
        assertTrue(refused("explore", nul.toString()).err().contains("not a UTF-8 text file"));
        Path big = dir.resolve("big.wl");
        Files.writeString(big, "#".repeat((1 << 20) + 1));
        assertTrue(refused("explore", big.toString()).err().contains("larger than the 1 MiB"));
    }

    @Test
    void deepNestingIsAParseError() throws IOException {
        StringBuilder sb = new StringBuilder("task t\n");
        for (int i = 0; i < 3000; i++) {
            sb.append("loop 1 v").append(i).append('\n');
        }
        sb.append("yield\n").append("end\n".repeat(3000));
        Path loops = dir.resolve("loops.wl");
        Files.writeString(loops, sb, StandardCharsets.UTF_8);
        assertEquals("faultline: " + loops + ":34: nesting deeper than 32 loops\n",
                refused("explore", loops.toString()).err());

        Path parens = dir.resolve("parens.wl");
        Files.writeString(parens, "task t\n  open f /a create\n  write f 0 " + "(".repeat(3000) + "1" + ")".repeat(3000) + "\n");
        assertEquals("faultline: " + parens + ":3: write: LENGTH: nesting deeper than 32\n",
                refused("explore", parens.toString()).err());

        Path minus = dir.resolve("minus.wl");
        Files.writeString(minus, "task t\n  loop " + "-".repeat(3000) + "1\n  end\n");
        assertTrue(refused("explore", minus.toString()).err().contains("nesting deeper than 32"));

        Path chain = dir.resolve("chain.wl");
        Files.writeString(chain, "task t\n  loop " + "1+".repeat(100_000) + "1\n  end\n");
        assertTrue(refused("explore", chain.toString()).err().contains("more than 256 operators"));
    }

    @Test
    void exploreRangesAreChecked() {
        assertTrue(refused("explore", "writeback-stale-wake-bug-on", "--depth", "2147483647").err().contains("--depth"));
        assertTrue(refused("explore", "writeback-stale-wake-bug-on", "--max-steps", "0").err().contains("--max-steps"));
        assertTrue(refused("explore", "writeback-stale-wake-bug-on", "--max-steps", "-5").err().contains("--max-steps"));
    }

    @Test
    void aTaskLoopingAloneIsBoundedUnderExplore() throws IOException {
        Path inf = dir.resolve("inf.wl");
        Files.writeString(inf, "task t\n  loop 1000000000\n    yield\n  end\n");
        CliTestSupport.Run r = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> CliTestSupport.run("explore", inf.toString(), "--iterations", "1", "--max-steps", "2000",
                        "--out", dir.toString()));
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.out().contains("livelock: no end after 128000 preemption points"), r.toString());
    }

    @Test
    void aBootThatNeverEndsStopsOnSigtermWithOneLine() throws Exception {
        Path img = dir.resolve("sig.img");
        Files.deleteIfExists(img);
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "8M").code());
        Path inf = dir.resolve("forever.wl");
        Files.writeString(inf, "task t\n  loop 1000000000\n    yield\n  end\n");
        Path err = dir.resolve("sig.err");
        Process p = CliTestSupport.process("boot", "--image", img.toString(), inf.toString())
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread.sleep(3000); // booted and looping
        assertTrue(p.isAlive(), "the run ended by itself: " + Files.readString(err));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "SIGTERM did not stop it");
        assertEquals(143, p.exitValue());
        String e = Files.readString(err);
        assertTrue(e.startsWith("faultline: interrupted by SIGTERM; stopped"), e);
        assertEquals(1, CliTestSupport.lines(e).length, e);
    }
}
