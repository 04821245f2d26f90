package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.junit.jupiter.api.Test;

/** balance_dirty_pages: a dirtier past the thresholds kicks the flusher and sleeps. */
class DirtyThrottleTest {
    private static final int PS = Page.PAGE_SIZE;

    /**
     * Writes {@code pages} pages without fsync.
     *
     * @return {kernel time the writer spent in its writes (ns), pages written back meanwhile,
     *         max dirty+writeback after a write, dirty threshold then, background threshold}
     */
    static long[] write(int dirtyRatio, int bgRatio, int pages) {
        return write(dirtyRatio, bgRatio, pages, 2);
    }

    static long[] write(int dirtyRatio, int bgRatio, int pages, int ioDelayMs) {
        MmFixture fx = new MmFixture(new RandomWalk(81), "5.10",
                Mm.Params.ofPages(256).withKswapd(false).withDirtyRatios(dirtyRatio, bgRatio));
        fx.fs.ioDelayMs = ioDelayMs;
        long[] v = new long[5];
        RunResult r = fx.run("dirtier", f -> {
            TestFs.TestFile file = f.fs.create("a");
            DirtyLimits d = f.mm.dirtyLimits();
            v[3] = d.thresh();
            v[4] = d.bgThresh();
            long t0 = f.k.sched().clockNs();
            long w0 = d.written();
            byte[] page = new byte[PS];
            for (int i = 0; i < pages; i++) {
                file.write((long) i * PS, page);
                v[2] = Math.max(v[2], d.nrDirty() + d.nrWriteback());
            }
            v[0] = f.k.sched().clockNs() - t0;
            v[1] = d.written() - w0;
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        return v;
    }

    @Test
    void aWriterPastTheDirtyThresholdIsThrottled() {
        long[] v = write(5, 2, 60);
        assertTrue(v[0] > 0, "the writer slept: virtual time advances only when no task can run");
    }

    @Test
    void theWriterKicksTheFlusherWithoutAnyFsync() {
        long[] v = write(5, 2, 60);
        assertTrue(v[1] > 0, "pages were written back during the writes: " + v[1]);
    }

    @Test
    void throttlingKeepsDirtyPlusWritebackNearTheThreshold() {
        long[] v = write(5, 2, 60);
        assertTrue(v[3] < 20, "setup: the threshold (" + v[3] + ") is well below the 60 pages written");
        assertTrue(v[2] <= v[3] + 1, "max dirty+writeback " + v[2] + " vs threshold " + v[3]);
    }

    @Test
    void belowTheBackgroundThresholdNothingIsWrittenAndNobodySleeps() {
        long[] v = write(20, 10, 10);
        assertTrue(v[4] > 10, "setup: 10 pages stay below the background threshold " + v[4]);
        assertEquals(0, v[0], "no throttling");
        assertEquals(0, v[1], "no background writeback");
    }

    @Test
    void betweenTheBackgroundAndDirtyThresholdsTheFlusherIsKickedButNobodySleeps() {
        long[] v = write(50, 2, 30, 0); // an instant device: completions need no kernel time
        assertTrue(v[4] < 30 && 30 < v[3], "setup: 30 pages lie between bg " + v[4] + " and thresh " + v[3]);
        assertTrue(v[1] > 0, "background writeback started past the background threshold");
        assertEquals(0, v[0], "the writer was not throttled");
    }
}
