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
