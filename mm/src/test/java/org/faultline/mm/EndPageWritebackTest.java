package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.faultline.kernel.Failure;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** end_page_writeback() in its three shapes: clear-then-wake, with get_page around it, clear-and-wake under i_pages. */
class EndPageWritebackTest {

    /** What a ->writepage does before submitting: lock, clean for I/O, set PG_writeback, unlock. */
    static void startWriteback(Page p) {
        Filemap.lockPage(p);
        PageWriteback.clearPageDirtyForIo(p);
        PageWriteback.setPageWriteback(p);
        Filemap.unlockPage(p);
    }

    static void awaitSleepingOn(Task t, String what) {
        MmFixture.awaitSleepingOn(t, what);
    }

    static void awaitExit(Task t) {
        MmFixture.awaitExit(t);
    }

    @ParameterizedTest
    @ValueSource(strings = {"5.10", "5.10 -end-page-writeback-get-page", "5.10 +clear-and-wake-atomic", "4.20", "6.6"})
    void endPageWritebackClearsTheFlagAndTagAccountsAndWakesTheWaiter(String profile) {
        MmFixture fx = new MmFixture(new RandomWalk(31), profile, Mm.Params.ofPages(128));
        long[] v = new long[8];
        boolean[] waiter = new boolean[2];
        RunResult r = fx.run("ender", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, new byte[Page.PAGE_SIZE]);
            Page p = Filemap.findGetPage(file.mapping, 0);
            startWriteback(p);
            DirtyLimits d = f.mm.dirtyLimits();
            v[0] = d.nrWriteback();
            v[1] = file.mapping.tagged(AddressSpace.PAGECACHE_TAG_WRITEBACK) ? 1 : 0;
            v[2] = d.written();
            v[3] = p.count();
            Task w = f.k.spawn("waiter", TaskKind.USER, () -> {
                Filemap.waitOnPageWriteback(p);
                waiter[0] = true;
                waiter[1] = p.writeback();
            });
            awaitSleepingOn(w, "PG_writeback");
            Filemap.endPageWriteback(p);
            v[4] = d.nrWriteback();
            v[5] = file.mapping.tagged(AddressSpace.PAGECACHE_TAG_WRITEBACK) ? 1 : 0;
            v[6] = d.written();
            v[7] = p.count();
            assertFalse(p.writeback());
            awaitExit(w);
            f.mm.allocator().putPage(p);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(1, v[1], "WRITEBACK tag while under writeback");
        assertEquals(0, v[5], "WRITEBACK tag cleared");
        assertEquals(v[0] - 1, v[4], "NR_WRITEBACK decremented");
        assertEquals(v[2] + 1, v[6], "NR_WRITTEN incremented");
        assertEquals(v[3], v[7], "any reference taken for the wake is dropped again");
        assertTrue(waiter[0], "the waiter was woken");
        assertFalse(waiter[1], "and saw PG_writeback clear");
    }

    @ParameterizedTest
    @ValueSource(strings = {"5.10", "5.10 +clear-and-wake-atomic", "4.20"})
    void endPageWritebackOfAPageNotUnderWritebackIsABug(String profile) {
        MmFixture fx = new MmFixture(new RandomWalk(32), profile, Mm.Params.ofPages(64));
        RunResult r = fx.run("ender", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, new byte[Page.PAGE_SIZE]);
            Page p = Filemap.findGetPage(file.mapping, 0);
            Filemap.endPageWriteback(p);
        });
        assertFalse(r.ok());
        assertEquals(Failure.Kind.BUG, r.fatal().kind(), r.fatal().report());
        assertEquals("kernel BUG at mm/filemap.c!", r.fatal().title());
        assertTrue(r.fatal().report().contains("end_page_writeback"), r.fatal().report());
    }

    @Test
    void endPageWritebackOfAReclaimPageClearsPgReclaimAndRotatesItToTheInactiveTail() {
        MmFixture fx = new MmFixture(new RandomWalk(33), "5.10", Mm.Params.ofPages(128).withKswapd(false));
        boolean[] v = new boolean[3];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, new byte[2 * Page.PAGE_SIZE]);
            Page p0 = Filemap.findGetPage(file.mapping, 0);
            startWriteback(p0);
            p0.setFlag(Page.PG_RECLAIM); // reclaim met it under writeback
            Lruvec lv = f.mm.rootMemcg().lruvec();
            f.mm.lruLock.spinLock();
            v[0] = lv.fromTail(Lruvec.LRU_INACTIVE_FILE, 1).get(0) == p0; // oldest: at the tail already
            f.mm.lruLock.spinUnlock();
            // make page 1 the oldest by moving p0 to the head, as a new page would be
            f.mm.lruLock.spinLock();
            lv.delPageFromLruList(p0);
            lv.addPageToLruList(p0, Lruvec.LRU_INACTIVE_FILE);
            f.mm.lruLock.spinUnlock();
            Filemap.endPageWriteback(p0);
            v[1] = p0.reclaim();
            f.mm.lruLock.spinLock();
            v[2] = lv.fromTail(Lruvec.LRU_INACTIVE_FILE, 1).get(0) == p0;
            f.mm.lruLock.spinUnlock();
            f.mm.allocator().putPage(p0);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertTrue(v[0], "setup: the first page written is the oldest");
        assertFalse(v[1], "PG_reclaim cleared at the end of writeback");
        assertTrue(v[2], "rotate_reclaimable_page moved it to the tail, to be reclaimed next");
    }

    /**
     * The window between test_clear_page_writeback() and wake_up_page(): task "owner" holds the only
     * other reference to a page under writeback and polls PG_writeback; when it sees the bit clear while
     * the ender has not returned, it is inside the window. With 073861ed77b6 the ender's get_page holds
     * the page there, so the owner's put does not free it; without, the page is freed under the wake.
     *
     * @return {count seen in the window, count after the owner's put, seed}, or null if no seed in range hit the window
     */
    static long[] window(String profile, int seeds) {
        for (long seed = 0; seed < seeds; seed++) {
            MmFixture fx = new MmFixture(new RandomWalk(seed), profile, Mm.Params.ofPages(64).withKswapd(false));
            long[] seen = {-1, -1, seed};
            boolean[] enderDone = {false};
            RunResult r = fx.run("owner", f -> {
                Page p = f.mm.allocator().allocPages(Gfp.GFP_KERNEL); // our reference: count 1
                PageWriteback.setPageWriteback(p);
                f.k.spawn("irq", TaskKind.SOFTIRQ, () -> {
                    Filemap.endPageWriteback(p);
                    enderDone[0] = true;
                });
                MmFixture.spinUntil(() -> !p.writeback(), "the clear"); // PageWriteback() is a preemption point
                if (!enderDone[0]) {
                    seen[0] = p.count();
                    f.mm.allocator().putPage(p); // drop the last "owner" reference inside the window
                    seen[1] = p.count();
                } else {
                    f.mm.allocator().putPage(p);
                }
            });
            assertTrue(r.ok(), () -> r.fatal().report());
            if (seen[0] >= 0) {
                return seen;
            }
        }
        return null;
    }

    @Test
    void getPageAroundClearAndWakeHoldsThePageInTheWindow() {
        long[] w = window("5.10", 200);
        assertTrue(w != null, "no seed in 0..199 stopped the ender between the clear and the wake");
        assertEquals(2, w[0], "seed " + w[2] + ": the owner's reference plus end_page_writeback's own");
        assertEquals(1, w[1], "seed " + w[2] + ": the owner's put does not free the page under the wake");
    }

    @Test
    void withoutGetPageTheLastPutInTheWindowFreesThePage() {
        long[] w = window("5.10 -end-page-writeback-get-page", 200);
        assertTrue(w != null, "no seed in 0..199 stopped the ender between the clear and the wake");
        assertEquals(1, w[0], "seed " + w[2] + ": only the owner's reference");
        assertEquals(0, w[1], "seed " + w[2] + ": freed while end_page_writeback has yet to wake it");
    }
}
