package org.faultline.fs.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.Prng;
import org.junit.jupiter.api.Test;

/** The extent status tree against a block-by-block model: inserts and removals split and replace. */
class ExtentStatusTest {
    private static final int BLOCKS = 400;

    /** What one block is cached as: kind ordinal + 1 and its pblk, or 0 if not cached. */
    private static long[] lookup(ExtentStatus es, long lblk) {
        ExtentStatus.Es e = es.lookupExtent(lblk);
        if (e == null) {
            return new long[] {0, 0};
        }
        long pblk = e.kind() == ExtentStatus.Kind.HOLE ? 0 : e.pblk() + (lblk - e.lblk());
        return new long[] {e.kind().ordinal() + 1, pblk};
    }

    @Test
    void randomInsertsAndRemovalsAgreeWithABlockModel() {
        Kernel k = Kernel.boot(BootParams.free()); // boot context: the tree's lock is not taken
        for (long seed = 1; seed <= 4; seed++) {
            Prng r = new Prng(seed);
            ExtentStatus es = new ExtentStatus(k, 12);
            long[][] model = new long[BLOCKS][2];
            for (int op = 0; op < 3000; op++) {
                long lblk = r.nextLong(BLOCKS - 1);
                long len = 1 + r.nextLong(Math.min(40, BLOCKS - lblk));
                if (r.nextInt(3) == 0) {
                    es.removeExtent(lblk, len);
                    for (long b = lblk; b < lblk + len; b++) {
                        model[(int) b] = new long[] {0, 0};
                    }
                } else {
                    ExtentStatus.Kind kind = ExtentStatus.Kind.values()[r.nextInt(3)];
                    long pblk = 1000 + r.nextLong(100_000);
                    es.insertExtent(lblk, len, pblk, kind);
                    for (long b = lblk; b < lblk + len; b++) {
                        model[(int) b] = new long[] {kind.ordinal() + 1, kind == ExtentStatus.Kind.HOLE ? 0 : pblk + (b - lblk)};
                    }
                }
                long probe = r.nextLong(BLOCKS);
                long[] got = lookup(es, probe);
                assertEquals(model[(int) probe][0], got[0], "kind of block " + probe + " after op " + op);
                assertEquals(model[(int) probe][1], got[1], "pblk of block " + probe + " after op " + op);
            }
            for (int b = 0; b < BLOCKS; b++) {
                long[] got = lookup(es, b);
                assertEquals(model[b][0], got[0], "kind of block " + b);
                assertEquals(model[b][1], got[1], "pblk of block " + b);
            }
        }
    }

    @Test
    void removingToTheEndOfTheFileForgetsEverythingBeyond() {
        Kernel k = Kernel.boot(BootParams.free());
        ExtentStatus es = new ExtentStatus(k, 12);
        es.insertExtent(0, 100, 5000, ExtentStatus.Kind.WRITTEN);
        es.insertExtent(100, Long.MAX_VALUE / 8, 0, ExtentStatus.Kind.HOLE);
        es.removeExtent(50, Long.MAX_VALUE - 50); // truncate to 50 blocks
        assertEquals(5049, es.lookupExtent(49).pblk() + 49);
        assertNull(es.lookupExtent(50));
        assertNull(es.lookupExtent(1L << 40));
        assertEquals(1, es.size());
    }
}
