package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The image tools against the real e2fsprogs: what {@code faultline cp} writes, {@code e2fsck -fn}
 * passes and {@code debugfs} dumps byte for byte; what {@code debugfs -w write} puts on a
 * {@code mkfs.ext4} image, {@code faultline cat} and {@code cp} read back.
 */
class ImageCommandsTest {
    private static final SplittableRandom RND = new SplittableRandom(42);

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RND.nextBytes(b);
        return b;
    }

    private static String run(Path cwd, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    private static void assertDebugfsDumps(Path dir, Path img, String path, byte[] want) throws Exception {
        Path d = dir.resolve("dumped");
        Files.deleteIfExists(d);
        run(dir, "debugfs", "-R", "dump " + path + " " + d, img.toString());
        assertArrayEquals(want, Files.readAllBytes(d), path + " as debugfs dumps it");
    }

    private static String sha(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void filesCopiedInPassE2fsckAndDumpIdentically() throws Exception {
        Path dir = CliTestSupport.scratch("imgtools-in");
        Path img = dir.resolve("t.img");
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "160M").code());
        List<Path> files = new ArrayList<>();
        for (int size : new int[] {0, 1, 4095, 4097, (1 << 20) + 3, 64 << 20}) {
            Path f = dir.resolve("s" + size);
            Files.write(f, random(size));
            files.add(f);
        }
        // sparse: data, 3 MB of zeros (a hole), data; fragmented: 300 data blocks between 300 holes
        byte[] sparse = new byte[3_105_000];
        System.arraycopy(random(100_000), 0, sparse, 0, 100_000);
        System.arraycopy(random(5_000), 0, sparse, sparse.length - 5_000, 5_000);
        byte[] frag = new byte[600 * 4096];
        for (int i = 0; i < 600; i += 2) {
            System.arraycopy(random(4096), 0, frag, i * 4096, 4096);
        }
        Files.write(dir.resolve("sparse"), sparse);
        Files.write(dir.resolve("frag"), frag);
        files.add(dir.resolve("sparse"));
        files.add(dir.resolve("frag"));
        List<String> args = new ArrayList<>(List.of("cp"));
        files.forEach(f -> args.add(f.toString()));
        args.add(img + ":/");
        CliTestSupport.Run r = CliTestSupport.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());

        Path many = Files.createDirectories(dir.resolve("many"));
        List<String> manyArgs = new ArrayList<>(List.of("cp"));
        for (int i = 0; i < 2000; i++) {
            Path f = many.resolve("f" + i);
            Files.write(f, random(i * 7 % 5000));
            manyArgs.add(f.toString());
        }
        assertEquals(0, CliTestSupport.run("mkdir", img + ":/many").code());
        manyArgs.add(img + ":/many");
        r = CliTestSupport.run(manyArgs.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());

        run(dir, "e2fsck", "-fn", img.toString());
        for (Path f : files) {
            assertDebugfsDumps(dir, img, "/" + f.getFileName(), Files.readAllBytes(f));
        }
        for (int i : new int[] {0, 1, 999, 1999}) {
            assertDebugfsDumps(dir, img, "/many/f" + i, Files.readAllBytes(many.resolve("f" + i)));
        }
        String extents = run(dir, "debugfs", "-R", "ex /frag", img.toString());
        assertTrue(extents.lines().count() > 300, "frag has hundreds of extents:\n" + extents);
        String blocks = run(dir, "debugfs", "-R", "stat /sparse", img.toString());
        assertTrue(blocks.contains("Blockcount: 224"), "the zeros of /sparse stayed a hole:\n" + blocks);
        String year = " " + java.time.LocalDate.now(java.time.ZoneOffset.UTC).getYear();
        assertTrue(blocks.lines().anyMatch(l -> l.strip().startsWith("mtime:") && l.endsWith(year)), // " mtime: 0x..:.." with extra fields
                "mtime is the free-running machine's wall clock (booted at the host's time), not seconds since boot:\n" + blocks);
        CliTestSupport.Run ls = CliTestSupport.run("ls", img + ":/many");
        assertEquals(2000, CliTestSupport.lines(ls.out()).length);
    }

    @Test
    void filesWrittenByDebugfsReadBackWithCatAndCp() throws Exception {
        Path dir = CliTestSupport.scratch("imgtools-out");
        Path img = dir.resolve("m.img");
        run(dir, "mkfs.ext4", "-q", "-F", "-O", "^has_journal,^metadata_csum,^64bit,^flex_bg,^resize_inode,^dir_index,"
                + "^huge_file,^dir_nlink,^extra_isize,^orphan_file", "-b", "4096", "-I", "256", img.toString(), "32M");
        byte[] bin = random(3 * 1048576 + 17);
        Files.write(dir.resolve("bin"), bin);
        Files.writeString(dir.resolve("text"), "hello from debugfs\n".repeat(500));
        run(dir, "debugfs", "-w", "-R", "write bin bin", img.toString());
        run(dir, "debugfs", "-w", "-R", "write text text", img.toString());
        String before = sha(img);

        CliTestSupport.Run cat = CliTestSupport.run("cat", img + ":/text");
        assertEquals(0, cat.code(), cat.toString());
        assertEquals("hello from debugfs\n".repeat(500), cat.out());
        Path out = Files.createDirectories(dir.resolve("out"));
        assertEquals(0, CliTestSupport.run("cp", img + ":/bin", img + ":/text", out.toString()).code());
        assertArrayEquals(bin, Files.readAllBytes(out.resolve("bin")));
        CliTestSupport.Run ls = CliTestSupport.run("ls", "-l", img + ":/");
        assertTrue(ls.out().contains(" 3145745 bin"), ls.out());
        assertEquals(before, sha(img), "reading tools mount read-only and never write the image");
    }

    @Test
    void mkdirRmAndErrorsAsACoreutilsUserExpects() throws Exception {
        Path dir = CliTestSupport.scratch("imgtools-rm");
        Path img = dir.resolve("r.img");
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "16M").code());
        assertEquals(0, CliTestSupport.run("mkdir", "-p", img + ":/a/b/c").code());
        Files.write(dir.resolve("x"), random(200_000));
        assertEquals(0, CliTestSupport.run("cp", dir.resolve("x").toString(), img + ":/a/b/c").code());
        String free = CliTestSupport.run("fsck", img.toString()).out();

        CliTestSupport.Run r = CliTestSupport.run("rm", img + ":/a");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("cannot remove '/a': Is a directory (EISDIR)"), r.err());
        assertEquals(0, CliTestSupport.run("rm", "-r", img + ":/a").code());
        run(dir, "e2fsck", "-fn", img.toString());
        String after = CliTestSupport.run("fsck", img.toString()).out();
        assertFalse(after.equals(free), "rm -r freed the inodes and blocks: " + after);
        assertEquals("lost+found\n", CliTestSupport.run("ls", img + ":/").out());

        String before = sha(img);
        r = CliTestSupport.run("cat", img + ":/a/b/c/x");
        assertEquals(2, r.code());
        assertEquals("faultline cat: /a/b/c/x: No such file or directory (ENOENT)\n", r.err());
        r = CliTestSupport.run("cp", img + ":/nope", dir.resolve("never").toString());
        assertEquals(2, r.code());
        assertFalse(Files.exists(dir.resolve("never")), "a failed copy out creates no host file");
        r = CliTestSupport.run("cp", img + ":/lost+found", img.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("refusing to copy over the image itself"), r.err());
        assertEquals(before, sha(img));
        r = CliTestSupport.run("ls", dir.resolve("x") + ":/");
        assertEquals(2, r.code());
        assertEquals(1, CliTestSupport.lines(r.err()).length, r.err());
    }

    @Test
    void benchFsWritesTheFileThroughTheStackAndRefusesToClobber() throws Exception {
        Path dir = CliTestSupport.scratch("bench-fs");
        Path img = dir.resolve("b.img");
        CliTestSupport.Run r = CliTestSupport.run("bench", "fs", "--image", img.toString(), "--size", "8M", "--bs", "256k",
                "--ram", "16M");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().matches("(?s).*faultline +[0-9.]+ MB/s.*"), r.out());
        assertTrue(r.out().matches("(?s).*\n +write +32 calls, p50 [0-9.]+ [mun]?s, p99 [0-9.]+ [mun]?s, max [0-9.]+ [mun]?s\n.*")
                && r.out().matches("(?s).*\n +fsync +1 calls, p50 .*"), "8M in 256k writes: 32 calls timed\n" + r.out());
        run(dir, "e2fsck", "-fn", img.toString());
        String st = run(dir, "debugfs", "-R", "stat /bench.dat", img.toString());
        assertTrue(st.contains("Size: 8388608"), st);
        String before = sha(img);
        r = CliTestSupport.run("bench", "fs", "--image", img.toString(), "--size", "8M");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("exists"), r.err());
        assertEquals(before, sha(img), "an existing file is never overwritten without --force");

        // a fix measured: bug 3's ext4-bio-per-page submits one bio per page (the block layer merges them)
        r = CliTestSupport.run("bench", "fs", "--image", img.toString(), "--force", "--size", "4M", "--bs", "256k",
                "--ram", "16M", "--kernel", "4.20", "--patch", "+ext4-bio-per-page");
        assertEquals(0, r.code(), r.toString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("bios (\\d+), requests (\\d+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Long.parseLong(m.group(1)) >= 1024, "one bio per 4 KiB page: " + r.out());
        assertTrue(Long.parseLong(m.group(2)) < 1024, "merged into fewer requests: " + r.out());

        // with and without a journal, alternating: both medians and their ratio; the journal is in use
        r = CliTestSupport.run("bench", "fs", "--image", img.toString(), "--force", "--size", "4M", "--bs", "256k",
                "--ram", "16M", "--journal", "both", "--rounds", "1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().matches("(?s).*\n  journal +[0-9.]+ MB/s +median of 1.*\n  no journal +[0-9.]+ MB/s +median of 1.*"), r.out());
        assertTrue(r.out().matches("(?s).*ratio +[0-9.]+ +\\(journal / no journal\\).*"), r.out());
        r = CliTestSupport.run("bench", "fs", "--image", img.toString(), "--force", "--size", "4M", "--journal", "maybe");
        assertEquals(2, r.code(), r.toString());

        // two kernels compared: every run's figure in the JSON, and a verdict from the statistics
        r = CliTestSupport.run("bench", "fs", "--image", img.toString(), "--force", "--size", "4M", "--bs", "256k",
                "--ram", "16M", "--compare", "4.20", "4.20+ext4-bio-per-page", "--runs", "3", "--json", "--plot",
                dir.resolve("cmp.png").toString());
        assertEquals(0, r.code(), r.toString());
        byte[] png = Files.readAllBytes(dir.resolve("cmp.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG was drawn");
        com.google.gson.JsonObject j = com.google.gson.JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(2, j.getAsJsonArray("kernels").size(), r.out());
        assertEquals(3, j.getAsJsonArray("kernels").get(1).getAsJsonObject().getAsJsonArray("runs_mb_s").size(), r.out());
        String verdict = j.getAsJsonArray("verdicts").get(0).getAsJsonObject().get("verdict").getAsString();
        assertTrue(verdict.contains("4.20+ext4-bio-per-page") && verdict.contains("95% CI"), verdict);
        // one kernel against the host kernel's own write + fsync of the same size, beside the image
        r = CliTestSupport.run("bench", "fs", "--image", img.toString(), "--force", "--size", "4M", "--bs", "256k",
                "--ram", "16M", "--compare", "6.6", "--runs", "2", "--vs-host", "--csv", dir.resolve("runs.csv").toString());
        assertEquals(0, r.code(), r.toString());
        java.util.List<String> csvLines = Files.readAllLines(dir.resolve("runs.csv"));
        assertTrue(csvLines.get(0).startsWith("kernel,run,mb_s,calls_s,"), csvLines.get(0));
        assertEquals(5, csvLines.size(), "2 runs of 6.6 and 2 of the host: " + csvLines);
        assertTrue(csvLines.get(3).startsWith("host,1,"), csvLines.toString());
        assertTrue(r.out().matches("(?s).*6\\.6 .* [0-9.]+x the host\n.*the host kernel \\(.*"), r.out());
        assertTrue(!Files.exists(img.resolveSibling(img.getFileName() + ".host.d")), "the host's directory is removed");
        r = CliTestSupport.run("bench", "fs", "--image", img.toString(), "--force", "--size", "4M",
                "--compare", "4.20", "4.20+no-such-patch");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("'+no-such-patch' does not start with +ID or -ID of a known patch"), r.err());
    }
}
