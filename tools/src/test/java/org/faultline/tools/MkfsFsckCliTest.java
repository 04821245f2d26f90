package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MkfsFsckCliTest {
    @Test
    void mkfsMakesAnImageOurFsckAndE2fsckAccept() throws Exception {
        Path dir = CliTestSupport.scratch("mkfs");
        Path img = dir.resolve("a.img");
        CliTestSupport.Run r = CliTestSupport.run("mkfs", img.toString(), "--size", "16M");
        assertEquals(0, r.code(), r.err());
        assertEquals(16L << 20, Files.size(img));
        assertEquals(0, CliTestSupport.run("fsck", img.toString()).code());
        Process p = new ProcessBuilder("e2fsck", "-fn", img.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), "the real e2fsck accepts it");
    }

    @Test
    void mkfsJournalsAndChecksumsByDefaultAndTurnsEachOff() throws Exception {
        Path dir = CliTestSupport.scratch("mkfs-features");
        for (String o : new String[] {"", "^has_journal", "^metadata_csum", "^has_journal,^metadata_csum"}) {
            Path img = dir.resolve("f" + o.replace("^", "no-").replace(",", "-") + ".img");
            Files.deleteIfExists(img);
            CliTestSupport.Run r = o.isEmpty() ? CliTestSupport.run("mkfs", img.toString(), "--size", "32M")
                    : CliTestSupport.run("mkfs", img.toString(), "--size", "32M", "-O", o);
            assertEquals(0, r.code(), r.toString());
            Process p = new ProcessBuilder("dumpe2fs", "-h", img.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), out);
            String features = out.lines().filter(l -> l.startsWith("Filesystem features:")).findFirst().orElse("");
            assertEquals(!o.contains("^has_journal"), features.contains("has_journal"), o + ": " + features);
            assertEquals(!o.contains("^metadata_csum"), features.contains("metadata_csum"), o + ": " + features);
            Process e = new ProcessBuilder("e2fsck", "-fn", img.toString()).redirectErrorStream(true).start();
            String eo = new String(e.getInputStream().readAllBytes());
            assertEquals(0, e.waitFor(), "the real e2fsck accepts it: " + eo);
            // the host kernel mounts it and writes; e2fsck and Faultline agree afterwards
            Path mnt = Files.createDirectories(dir.resolve("mnt"));
            if (new ProcessBuilder("mount", "-o", "loop", img.toString(), mnt.toString()).start().waitFor() == 0) {
                Files.writeString(mnt.resolve("host"), "written by the host kernel");
                assertEquals(0, new ProcessBuilder("umount", mnt.toString()).start().waitFor());
                Process e2 = new ProcessBuilder("e2fsck", "-fn", img.toString()).redirectErrorStream(true).start();
                String eo2 = new String(e2.getInputStream().readAllBytes());
                assertEquals(0, e2.waitFor(), "e2fsck after the host kernel wrote: " + eo2);
                CliTestSupport.Run cat = CliTestSupport.run("cat", img + ":/host");
                assertEquals("written by the host kernel", cat.out(), cat.toString());
            }
        }
        CliTestSupport.Run bad = CliTestSupport.run("mkfs", dir.resolve("bad.img").toString(), "--size", "16M", "-O", "^extent");
        assertEquals(2, bad.code(), bad.toString());
        assertFalse(Files.exists(dir.resolve("bad.img")));
    }

    @Test
    void mkfsMakesSmallBlocksAndInodesOnRequest() throws Exception {
        Path dir = CliTestSupport.scratch("mkfs-sizes");
        for (String[] sizes : new String[][] {{"1024", "128"}, {"2048", "256"}, {"4096", "128"}}) {
            Path img = dir.resolve("s" + sizes[0] + "-" + sizes[1] + ".img");
            CliTestSupport.Run r = CliTestSupport.run("mkfs", img.toString(), "--size", "16M", "--block-size", sizes[0],
                    "--inode-size", sizes[1]);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("blocks of " + Integer.parseInt(sizes[0]) / 1024 + " KiB"), r.out());
            assertEquals(0, CliTestSupport.run("fsck", img.toString()).code());
            Process p = new ProcessBuilder("dumpe2fs", "-h", img.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.matches("(?s).*Block size:\\s+" + sizes[0] + "\\b.*"), out);
            assertTrue(out.matches("(?s).*Inode size:\\s+" + sizes[1] + "\\b.*"), out);
            Process e = new ProcessBuilder("e2fsck", "-fn", img.toString()).redirectErrorStream(true).start();
            e.getInputStream().readAllBytes();
            assertEquals(0, e.waitFor(), "the real e2fsck accepts it");
        }
        CliTestSupport.Run bad = CliTestSupport.run("mkfs", dir.resolve("bad.img").toString(), "--size", "16M",
                "--block-size", "8192");
        assertEquals(2, bad.code());
        assertEquals("faultline: --block-size 8192: 1024, 2048 or 4096\n", bad.err());
        CliTestSupport.Run badInode = CliTestSupport.run("mkfs", dir.resolve("bad.img").toString(), "--size", "16M",
                "--block-size", "1024", "--inode-size", "2048");
        assertEquals(2, badInode.code());
        assertFalse(Files.exists(dir.resolve("bad.img")));
    }

    @Test
    void fsckReportsACorruptedBitmapWithExit4() throws Exception {
        Path dir = CliTestSupport.scratch("fsck-bad");
        Path img = dir.resolve("b.img");
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "8M").code());
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            // group 0's block bitmap: its location is in the first group descriptor (bytes 0..3 of block 1)
            f.seek(4096);
            int lo = f.read() | f.read() << 8 | f.read() << 16 | f.read() << 24;
            f.seek((long) lo * 4096);
            f.write(0); // clear the bits of the first 8 (metadata) blocks
        }
        CliTestSupport.Run r = CliTestSupport.run("fsck", img.toString());
        assertEquals(4, r.code(), r.out());
        assertTrue(r.out().contains("Block bitmap differences"), r.out());
    }

    @Test
    void badInputIsOneLineAndExit2WithoutCreatingFiles() throws Exception {
        Path dir = CliTestSupport.scratch("mkfs-bad");
        Path tiny = dir.resolve("tiny.img");
        CliTestSupport.Run r = CliTestSupport.run("mkfs", tiny.toString(), "--size", "100k");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(tiny));
        Path existing = CliTestSupport.image(dir, "full.img", 4 << 20);
        byte[] before = Files.readAllBytes(existing);
        assertEquals(2, CliTestSupport.run("mkfs", existing.toString(), "--size", "4M").code());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(existing)), "an existing image is not touched");
        assertEquals(2, CliTestSupport.run("fsck", dir.resolve("missing.img").toString()).code());
    }

    @Test
    void mkfsAndBenchFsRefuseToFormatADevice() {
        for (String[] cmd : new String[][] {{"mkfs", "--force", "/dev/null", "--size", "8M"},
            {"bench", "fs", "--force", "--image", "/dev/null", "--size", "4M"}}) {
            CliTestSupport.Run r = CliTestSupport.run(cmd);
            assertEquals(2, r.code(), r.toString());
            assertEquals("faultline: /dev/null: not a regular file; images are made as regular files only\n", r.err());
        }
    }
}
