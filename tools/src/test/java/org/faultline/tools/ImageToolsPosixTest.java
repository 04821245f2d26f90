package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.faultline.tools.CliTestSupport.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ls, stat and cat as a kernel developer reads ls(1), stat(1) and cat(1): on an image made by the
 * host's mkfs.ext4 and populated by {@code debugfs -w} with special modes, every file type, and
 * fast, slow, relative, absolute, dangling and looping symbolic links.
 */
class ImageToolsPosixTest {
    private static final String LONG = "x".repeat(70); // a name that makes a >= 60-byte target: a slow symlink
    private static Path img;

    private static String sh(Path cwd, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    @BeforeAll
    static void image() throws Exception {
        Path dir = CliTestSupport.scratch("imgtools-posix");
        img = dir.resolve("p.img");
        sh(dir, "mkfs.ext4", "-q", "-F", "-O", "^has_journal,^metadata_csum,^64bit,^flex_bg,^resize_inode,^dir_index,"
                + "^huge_file,^dir_nlink,^extra_isize,^orphan_file", "-b", "4096", "-I", "256", img.toString(), "16M");
        Files.writeString(dir.resolve("hello"), "hello\n");
        List<String> req = new ArrayList<>(List.of(
                "write hello f", "write hello g", "write hello u", "mkdir d", "mkdir e", "mkdir " + LONG,
                "write hello " + LONG + "/target",
                "sif f mode 0104755", "sif g mode 0102644", "sif u mode 0104644", "sif d mode 041777", "sif e mode 041776",
                "mknod fifo p", "sif fifo mode 010644", "mknod cdev c 1 3", "sif cdev mode 020666",
                "mknod bdev b 8 0", "sif bdev mode 060660", "mknod sock p", "sif sock mode 0140755",
                "symlink fast f", "symlink slow /" + LONG + "/target", "symlink d/rel ../f", "symlink abs /d/../f",
                "symlink slowrel " + LONG + "/../" + LONG + "/target", "symlink dirlink d", "symlink dangling nowhere",
                "symlink loop loop", "symlink c0 f"));
        for (int i = 1; i <= 40; i++) { // c39 -> ... -> c1 -> c0 -> f follows exactly 40 links; c40 one too many
            req.add("symlink c" + i + " c" + (i - 1));
        }
        Path script = dir.resolve("debugfs.cmds");
        Files.write(script, req);
        sh(dir, "debugfs", "-w", "-f", script.toString(), img.toString());
        String slow = sh(dir, "debugfs", "-R", "stat slow", img.toString());
        assertTrue(slow.contains("EXTENTS") || slow.contains("BLOCKS"), "/slow is a slow symlink:\n" + slow);
    }

    private static Run ok(String... args) {
        Run r = CliTestSupport.run(args);
        assertEquals(0, r.code(), r::toString);
        return r;
    }

    private static String lsLine(String out, String name) {
        for (String l : CliTestSupport.lines(out)) {
            if (l.endsWith(" " + name) || l.contains(" " + name + " -> ")) {
                return l;
            }
        }
        throw new AssertionError("no " + name + " in\n" + out);
    }

    @Test
    void lsShowsSpecialBitsAndEveryFileTypeAsLsDoes() {
        String out = ok("ls", "-l", img + ":/").out();
        assertTrue(lsLine(out, "f").startsWith("-rwsr-xr-x "), out);
        assertTrue(lsLine(out, "g").startsWith("-rw-r-Sr-- "), out);
        assertTrue(lsLine(out, "u").startsWith("-rwSr--r-- "), out);
        assertTrue(lsLine(out, "d").startsWith("drwxrwxrwt "), out);
        assertTrue(lsLine(out, "e").startsWith("drwxrwxrwT "), out);
        assertTrue(lsLine(out, "fifo").startsWith("prw-r--r-- "), out);
        assertTrue(lsLine(out, "cdev").startsWith("crw-rw-rw- "), out);
        assertTrue(lsLine(out, "bdev").startsWith("brw-rw---- "), out);
        assertTrue(lsLine(out, "sock").startsWith("srwxr-xr-x "), out);
    }

    @Test
    void statNamesTheFileTypeAndShowsTheSpecialBits() {
        String out = ok("stat", img + ":/fifo", img + ":/sock", img + ":/cdev", img + ":/bdev", img + ":/f",
                img + ":/d").out();
        for (String t : new String[] {"fifo", "socket", "character special file", "block special file", "regular file",
            "directory"}) {
            assertTrue(out.contains("IO Block: 4096   " + t + "\n"), () -> t + "\n" + out);
        }
        assertTrue(out.contains("Access: (4755/-rwsr-xr-x)"), out);
        assertTrue(out.contains("Access: (1777/drwxrwxrwt)"), out);
        assertTrue(out.contains("Access: (0644/prw-r--r--)"), out);
    }

    @Test
    void lsDashAListsDotAndDotDotFirst() {
        String[] all = CliTestSupport.lines(ok("ls", "-a", img + ":/d").out());
        assertArrayEquals(new String[] {".", "..", "rel"}, all);
        String[] plain = CliTestSupport.lines(ok("ls", img + ":/d").out());
        assertArrayEquals(new String[] {"rel"}, plain);
        String[] longAll = CliTestSupport.lines(ok("ls", "-la", img + ":/").out());
        assertTrue(longAll[0].startsWith("drwxr-xr-x ") && longAll[0].endsWith(" .")
                && longAll[1].endsWith(" ..") && longAll[1].contains("        2 "), String.join("\n", longAll));
    }

    @Test
    void catFollowsFastSlowRelativeAndAbsoluteSymlinks() {
        for (String link : new String[] {"fast", "slow", "d/rel", "abs", "slowrel", "c39", "dirlink/rel"}) {
            Run r = CliTestSupport.run("cat", img + ":/" + link);
            assertEquals(0, r.code(), () -> link + "\n" + r);
            assertEquals("hello\n", r.out(), link);
        }
        assertArrayEquals(new String[] {"rel"}, CliTestSupport.lines(ok("ls", img + ":/dirlink").out()));
        Run loop = CliTestSupport.run("cat", img + ":/loop");
        assertEquals(2, loop.code(), loop::toString);
        assertEquals("faultline cat: /loop: Too many levels of symbolic links (ELOOP)\n", loop.err());
        Run tooMany = CliTestSupport.run("cat", img + ":/c40");
        assertEquals(2, tooMany.code(), tooMany::toString);
        assertTrue(tooMany.err().contains("(ELOOP)"), "MAXSYMLINKS is 40\n" + tooMany);
        Run dangling = CliTestSupport.run("cat", img + ":/dangling");
        assertEquals("faultline cat: /dangling: No such file or directory (ENOENT)\n", dangling.err());
        Path out = img.resolveSibling("copied");
        ok("cp", img + ":/slow", out.toString());
        assertEquals(List.of("hello"), readLines(out));
    }

    @Test
    void lsLongShowsTheTargetAndStatDoesNotFollow() {
        String out = ok("ls", "-l", img + ":/").out();
        assertTrue(lsLine(out, "fast").startsWith("lrwxrwxrwx ") && lsLine(out, "fast").endsWith(" fast -> f"), out);
        assertTrue(lsLine(out, "slow").endsWith(" slow -> /" + LONG + "/target"), out);
        assertTrue(lsLine(out, "dangling").endsWith(" dangling -> nowhere"), out);
        assertTrue(ok("ls", "-l", img + ":/d").out().endsWith(" rel -> ../f\n"));
        String st = ok("stat", img + ":/fast").out();
        assertTrue(st.startsWith("  File: /fast -> f\n"), st);
        assertTrue(st.contains("  Size: 1 ") && st.contains("symbolic link") && st.contains("(0777/lrwxrwxrwx)"), st);
        assertTrue(ok("stat", img + ":/loop").out().contains("symbolic link"), "lstat of a loop is fine");
    }

    private static List<String> readLines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
