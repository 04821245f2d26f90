package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random writes, punches, truncates and preallocations on several files against an in-memory model;
 * our Fsck runs along the way, and e2fsck on the final image.
 */
class RandomOpsTest {
    private static final int FILES = 4;
    private static final int MAX = 12 << 20;

    /** The expected contents of one file. */
    private static final class Model {
        byte[] data = new byte[0];
        long size;

        void ensure(long n) {
            if (n > data.length) {
                data = Arrays.copyOf(data, (int) Math.max(n, Math.min(MAX + (1 << 20), data.length * 2L)));
            }
        }

        void write(long off, byte[] src) {
            ensure(off + src.length);
            System.arraycopy(src, 0, data, (int) off, src.length);
            size = Math.max(size, off + src.length);
        }

        void zero(long from, long to) {
            to = Math.min(to, size);
            if (from < to) {
                Arrays.fill(data, (int) from, (int) to, (byte) 0);
            }
        }

        void truncate(long n) {
            ensure(n);
            if (n < size) {
                Arrays.fill(data, (int) n, (int) size, (byte) 0);
            }
            size = n;
        }
    }

    private static void verify(Ext4Image v, long[] inos, Model[] m) throws Exception {
        for (int i = 0; i < FILES; i++) {
            assertEquals(m[i].size, v.stat(inos[i]).size(), "size of file " + i);
            byte[] got = new byte[(int) m[i].size];
            v.read(inos[i], 0, got, 0, got.length);
            assertArrayEquals(Arrays.copyOf(m[i].data, (int) m[i].size), got, "contents of file " + i);
        }
    }

    @Test
    void randomOperationsStayConsistent() throws Exception {
        run(Ext4Volume.DEFAULT_CACHE_BLOCKS, 1500, 2024, "random");
    }

    @Test
    void aTinyMetadataCacheEvictsSafely() throws Exception {
        run(16, 600, 77, "random-tinycache");
    }

    private static void run(int cacheBlocks, int steps, long seed, String scratch) throws Exception {
        Ext4Volume.Options opts = new Ext4Volume.Options(false, () -> Mkfs.DEFAULT_EPOCH, cacheBlocks);
        DriverBlockIo io = DriverBlockIo.ram(16384);
        Mkfs.Result made = Mkfs.format(io, "mem", Mkfs.Options.seeded(21));
        long usedAfterMkfs = made.superBlock().blocksCount() - made.superBlock().freeBlocksCount();
        SplittableRandom r = new SplittableRandom(seed);
        Model[] m = new Model[FILES];
        long[] inos = new long[FILES];
        try (Ext4Image v = Ext4Image.open(io, "mem", opts)) {
            for (int i = 0; i < FILES; i++) {
                m[i] = new Model();
                inos[i] = v.create("/f" + i, 0644);
            }
            int maxDepth = 0;
            for (int step = 0; step < steps; step++) {
                int f = r.nextInt(FILES);
                int op = r.nextInt(100);
                long off = r.nextInt(MAX);
                if (op < 40) {
                    // small scattered writes fragment the files
                    byte[] b = new byte[1 + r.nextInt(op < 20 ? 300 : 20_000)];
                    r.nextBytes(b);
                    off = op < 20 ? (long) r.nextInt(MAX / 4096) * 4096 + r.nextInt(4000) : off;
                    v.write(inos[f], off, b, 0, b.length);
                    m[f].write(off, b);
                } else if (op < 60) {
                    long len = 1 + r.nextInt(op < 50 ? 4096 * 3 : 1 << 20);
                    v.punchHole(inos[f], off, len);
                    m[f].zero(off, Math.min(off + len, (m[f].size + 4095) / 4096 * 4096));
                } else if (op < 70) {
                    long n = r.nextInt(3) == 0 ? 0 : r.nextInt(MAX);
                    v.truncate(inos[f], n);
                    m[f].truncate(n);
                } else if (op < 80) {
                    long len = 1 + r.nextInt(200_000);
                    boolean keep = r.nextBoolean();
                    v.fallocate(inos[f], keep ? Ext4Image.FALLOC_FL_KEEP_SIZE : 0, off, len);
                    if (!keep && off + len > m[f].size) {
                        m[f].truncate(off + len);
                    }
                } else {
                    // interleaved block writes between two files
                    int g = (f + 1) % FILES;
                    long base = (long) r.nextInt(MAX / 4096 - 64) * 4096;
                    byte[] b = new byte[4096];
                    for (int k = 0; k < 32; k++) {
                        r.nextBytes(b);
                        v.write(inos[f], base + k * 8192L, b, 0, 4096);
                        m[f].write(base + k * 8192L, b);
                        r.nextBytes(b);
                        v.write(inos[g], base + k * 8192L + 4096, b, 0, 4096);
                        m[g].write(base + k * 8192L + 4096, b);
                    }
                }
                for (long ino : inos) {
                    maxDepth = Math.max(maxDepth, v.extentDepth(ino));
                }
                if (step % 250 == 249 || step == steps - 1) {
                    verify(v, inos, m);
                    v.sync();
                    Fsck.Report rep = Fsck.check(io, "mem");
                    assertTrue(rep.clean(), "after step " + step + ":\n" + rep);
                }
            }
            assertTrue(maxDepth >= 1, "the trees grew index levels");
            verify(v, inos, m);
        }
        Fsck.Report rep = Fsck.check(io, "mem");
        assertTrue(rep.clean(), rep.toString());
        if (E2fs.tool("e2fsck") != null) {
            Path img = E2fs.scratch(scratch).resolve("img");
            E2fs.writeImage(io, img);
            E2fs.Run e = E2fs.e2fsck(img);
            assertEquals(0, e.exit(), e.out());
            // the only remarks allowed are e2fsck's optional tree-packing hints, which kernel-made trees
            // get too (ext4 never rebalances leaves after removals); they do not change the exit code
            for (String line : e.out().split("\n")) {
                assertTrue(line.isBlank() || line.startsWith("e2fsck ") || line.startsWith("Pass ")
                        || line.contains(" files (") || line.matches("Inode \\d+ extent tree \\(at level \\d+\\) could be (narrower|shorter)\\.  Optimize\\? no"),
                        "unexpected e2fsck output: " + line);
            }
        }
        // shrink everything away: all blocks come back
        try (Ext4Image v = Ext4Image.open(io, "mem", opts)) {
            for (int i = 0; i < FILES; i++) {
                v.unlink("/f" + i);
            }
            long used = v.superBlock().blocksCount() - v.freeBlocks();
            assertEquals(usedAfterMkfs, used, "only metadata, / and lost+found remain");
        }
        assertTrue(Fsck.check(io, "mem").clean());
    }
}
