package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A depth-2 extent tree shrinks correctly under random punches, back to an empty in-inode root. */
class DeepTreeTest {

    @Test
    void punchADepthTwoTreeAway() throws Exception {
        DriverBlockIo io = DriverBlockIo.ram(16384);
        Mkfs.format(io, "mem", Mkfs.Options.seeded(8));
        SplittableRandom r = new SplittableRandom(99);
        int n = 2400;
        byte[] model = new byte[n * 4096];
        r.nextBytes(model);
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long a = v.create("/a", 0644);
            long b = v.create("/b", 0644);
            byte[] other = new byte[4096];
            for (int i = 0; i < n; i++) {
                v.write(a, i * 4096L, model, i * 4096, 4096);
                v.write(b, i * 4096L, other, 0, 4096);
            }
            assertEquals(2, v.extentDepth(a));
            long blocksBefore = v.stat(a).blocks512();
            assertEquals((n + 8 + 1) * 8L, blocksBefore, "2400 data blocks, 8 leaves, 1 index block");
            int step = 0;
            while (!v.extents(a).isEmpty()) {
                long off = (long) r.nextInt(n) * 4096 + r.nextInt(4096);
                long len = 1 + r.nextInt(step % 3 == 0 ? 200 * 4096 : 8 * 4096);
                v.punchHole(a, off, len);
                long end = Math.min(off + len, (long) n * 4096);
                Arrays.fill(model, (int) off, (int) end, (byte) 0);
                if (++step % 40 == 0) {
                    byte[] got = new byte[model.length];
                    v.read(a, 0, got, 0, got.length);
                    assertArrayEquals(model, got, "after " + step + " punches");
                    v.sync();
                    Fsck.Report rep = Fsck.check(io, "mem");
                    assertTrue(rep.clean(), "after " + step + " punches:\n" + rep);
                }
                if (step > 3000) {
                    v.punchHole(a, 0, (long) n * 4096);
                }
            }
            assertEquals(0, v.extentDepth(a));
            assertEquals(0, v.stat(a).blocks512());
            assertEquals((long) n * 4096, v.stat(a).size());
            List<Extent> none = v.extents(a);
            assertTrue(none.isEmpty());
        }
        Fsck.Report rep = Fsck.check(io, "mem");
        assertTrue(rep.clean(), rep.toString());
        if (E2fs.tool("e2fsck") != null) {
            Path img = E2fs.scratch("deeptree").resolve("img");
            E2fs.writeImage(io, img);
            E2fs.Run e = E2fs.e2fsck(img);
            assertEquals(0, e.exit(), e.out());
        }
    }

    @Test
    void middleInsertsSplitAndKeepOrder() throws Exception {
        DriverBlockIo io = DriverBlockIo.ram(16384);
        Mkfs.format(io, "mem", Mkfs.Options.seeded(8));
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long a = v.create("/a", 0644);
            long b = v.create("/b", 0644);
            byte[] blk = new byte[4096];
            // fill even blocks first (descending, so every insert goes to the front), then odd ones
            for (int i = 1998; i >= 0; i -= 2) {
                blk[0] = (byte) i;
                v.write(a, i * 4096L, blk, 0, 4096);
                v.write(b, i * 4096L, blk, 0, 4096);
            }
            for (int i = 1; i < 2000; i += 2) {
                blk[0] = (byte) i;
                v.write(a, i * 4096L, blk, 0, 4096);
                v.write(b, i * 4096L, blk, 0, 4096);
            }
            List<Extent> ex = v.extents(a);
            for (int i = 1; i < ex.size(); i++) {
                assertTrue(ex.get(i - 1).lend() <= ex.get(i).lblk());
            }
            byte[] got = new byte[4096];
            for (int i = 0; i < 2000; i++) {
                v.read(a, i * 4096L, got, 0, 4096);
                assertEquals((byte) i, got[0]);
            }
        }
        Fsck.Report rep = Fsck.check(io, "mem");
        assertTrue(rep.clean(), rep.toString());
        if (E2fs.tool("e2fsck") != null) {
            Path img = E2fs.scratch("deeptree-mid").resolve("img");
            E2fs.writeImage(io, img);
            E2fs.Run e = E2fs.e2fsck(img);
            assertEquals(0, e.exit(), e.out());
        }
    }
}
