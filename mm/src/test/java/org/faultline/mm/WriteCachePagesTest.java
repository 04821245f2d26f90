package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.Failure;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskKind;
import org.junit.jupiter.api.Test;

/** write_cache_pages(): which pages a pass writes, and its BUG_ON(PageWriteback) (bug 4). */
class WriteCachePagesTest {
    private static final long MS = 1_000_000L;

    /** A synchronous ->writepage that records the index it was called for. */
    static PageWriteback.Writepage recorder(List<Long> written) {
        return (p, wbc) -> {
            written.add(p.index());
            PageWriteback.setPageWriteback(p);
            Filemap.unlockPage(p);
            Filemap.endPageWriteback(p);
            return 0;
        };
    }

    static WritebackControl wbc(WritebackControl.SyncMode mode, long nrToWrite) {
        WritebackControl w = new WritebackControl();
        w.syncMode = mode;
        w.nrToWrite = nrToWrite;
        return w;
    }

    static void writePages(TestFs.TestFile file, int from, int to) {
        for (int i = from; i < to; i++) {
            file.write((long) i * Page.PAGE_SIZE, new byte[Page.PAGE_SIZE]);
        }
    }

    static boolean dirty(TestFs.TestFile file, long index) {
        Page p = Filemap.findGetPage(file.mapping, index);
        boolean d = p != null && p.dirty();
        if (p != null) {
            file.mapping.mm().allocator().putPage(p);
        }
        return d;
    }

    /** Page 1 of three dirty pages is also under writeback (dirtied again after its writeback started). */
    static Page threePagesMiddleUnderWriteback(TestFs.TestFile file) {
        writePages(file, 0, 3);
        Page p1 = Filemap.findGetPage(file.mapping, 1);
        EndPageWritebackTest.startWriteback(p1);
        MmFixture.storeRedirties(p1);
        return p1;
    }

    @Test
    void syncNoneSkipsAPageUnderWriteback() {
        MmFixture fx = MmFixture.controlled(41, "5.10", 128);
        List<Long> written = new ArrayList<>();
        boolean[] p1 = new boolean[2];
        RunResult r = fx.run("flusher", f -> {
            TestFs.TestFile file = f.fs.create("a");
            Page p = threePagesMiddleUnderWriteback(file);
            PageWriteback.writeCachePages(file.mapping, wbc(WritebackControl.SyncMode.WB_SYNC_NONE, Long.MAX_VALUE),
                    recorder(written));
            p1[0] = p.dirty();
            p1[1] = p.writeback();
            Filemap.endPageWriteback(p);
            f.mm.allocator().putPage(p);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(List.of(0L, 2L), written);
        assertTrue(p1[0] && p1[1], "page 1 stays dirty and under writeback for a later pass");
    }

    @Test
    void syncAllWaitsForWritebackThenWritesThePage() {
        MmFixture fx = MmFixture.controlled(42, "5.10", 128);
        List<Long> written = new ArrayList<>();
        long[] at = {-1};
        RunResult r = fx.run("fsync", f -> {
            TestFs.TestFile file = f.fs.create("a");
            Page p = threePagesMiddleUnderWriteback(file);
            f.k.spawn("irq", TaskKind.SOFTIRQ, () -> {
                f.k.sched().msleep(5);
                Filemap.endPageWriteback(p);
            });
            PageWriteback.Writepage rec = recorder(written);
            PageWriteback.writeCachePages(file.mapping, wbc(WritebackControl.SyncMode.WB_SYNC_ALL, Long.MAX_VALUE),
                    (pg, w) -> {
                        if (pg.index() == 1) {
                            at[0] = f.k.sched().clockNs();
                        }
                        return rec.write(pg, w);
                    });
            f.mm.allocator().putPage(p);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(List.of(0L, 1L, 2L), written);
        assertTrue(at[0] >= 5 * MS, "page 1 was written only after its writeback ended at 5 ms: " + at[0]);
    }

    @Test
    void aPageLockedByAnotherTaskIsWaitedForEvenInSyncNone() {
        MmFixture fx = MmFixture.controlled(43, "5.10", 128);
        List<Long> written = new ArrayList<>();
        long[] at = {-1};
        RunResult r = fx.run("flusher", f -> {
            TestFs.TestFile file = f.fs.create("a");
            writePages(file, 0, 3);
            Page p0 = Filemap.findGetPage(file.mapping, 0);
            Task holder = f.k.spawn("holder", TaskKind.USER, () -> {
                Filemap.lockPage(p0);
                f.k.sched().msleep(5);
                Filemap.unlockPage(p0);
            });
            EndPageWritebackTest.awaitSleepingOn(holder, "timer");
            PageWriteback.Writepage rec = recorder(written);
            PageWriteback.writeCachePages(file.mapping, wbc(WritebackControl.SyncMode.WB_SYNC_NONE, Long.MAX_VALUE),
                    (pg, w) -> {
                        if (pg.index() == 0) {
                            at[0] = f.k.sched().clockNs();
                        }
                        return rec.write(pg, w);
                    });
            f.mm.allocator().putPage(p0);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(List.of(0L, 1L, 2L), written, "lock_page, not trylock: the locked page is not skipped");
        assertTrue(at[0] >= 5 * MS, "it was written after the holder unlocked it at 5 ms: " + at[0]);
    }

    @Test
    void syncAllWritesThePagesTaggedAtTheStartAndNotThoseDirtiedDuringThePass() {
        MmFixture fx = MmFixture.controlled(44, "5.10", 256);
        List<Long> written = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        boolean[] d = new boolean[2];
        RunResult r = fx.run("fsync", f -> {
            TestFs.TestFile file = f.fs.create("a");
            writePages(file, 0, 5);
            file.fsync();
            writePages(file, 0, 4); // pages 0..3 dirty, page 4 clean
            PageWriteback.Writepage rec = recorder(written);
            boolean[] once = {false};
            PageWriteback.writeCachePages(file.mapping, wbc(WritebackControl.SyncMode.WB_SYNC_ALL, Long.MAX_VALUE),
                    (pg, w) -> {
                        int ret = rec.write(pg, w);
                        if (!once[0]) { // a concurrent writer, after the tagging
                            once[0] = true;
                            writePages(file, 4, 6); // redirties page 4, creates page 5
                        }
                        return ret;
                    });
            d[0] = dirty(file, 4);
            d[1] = dirty(file, 5);
            PageWriteback.writeCachePages(file.mapping, wbc(WritebackControl.SyncMode.WB_SYNC_ALL, Long.MAX_VALUE),
                    recorder(second));
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(List.of(0L, 1L, 2L, 3L), written, "only the TOWRITE-tagged pages: no livelock on a busy writer");
        assertTrue(d[0] && d[1], "pages dirtied after the tagging wait for the next pass");
        assertEquals(List.of(4L, 5L), second);
    }

    @Test
    void syncNoneDoesNotTagAndSoWritesPagesDirtiedAheadOfItsCursor() {
        MmFixture fx = MmFixture.controlled(45, "5.10", 256);
        List<Long> written = new ArrayList<>();
        RunResult r = fx.run("flusher", f -> {
            TestFs.TestFile file = f.fs.create("a");
            writePages(file, 0, 5);
            file.fsync();
            writePages(file, 0, 4);
            PageWriteback.Writepage rec = recorder(written);
            boolean[] once = {false};
            PageWriteback.writeCachePages(file.mapping, wbc(WritebackControl.SyncMode.WB_SYNC_NONE, Long.MAX_VALUE),
                    (pg, w) -> {
                        int ret = rec.write(pg, w);
                        if (!once[0]) {
                            once[0] = true;
                            writePages(file, 4, 6);
                        }
                        return ret;
                    });
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), written);
    }

    @Test
    void nrToWriteLimitsSyncNoneButNotSyncAll() {
        MmFixture fx = MmFixture.controlled(46, "5.10", 256);
        List<Long> none = new ArrayList<>();
        List<Long> all = new ArrayList<>();
        long[] left = new long[1];
        boolean[] d = new boolean[1];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            writePages(file, 0, 5);
            WritebackControl w = wbc(WritebackControl.SyncMode.WB_SYNC_NONE, 2);
            PageWriteback.writeCachePages(file.mapping, w, recorder(none));
            left[0] = w.nrToWrite;
            d[0] = dirty(file, 2) && dirty(file, 3) && dirty(file, 4);
            writePages(file, 0, 2);
            PageWriteback.writeCachePages(file.mapping, wbc(WritebackControl.SyncMode.WB_SYNC_ALL, 2), recorder(all));
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(List.of(0L, 1L), none);
        assertEquals(0, left[0]);
        assertTrue(d[0], "the rest stays dirty");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), all, "integrity writeback ignores nr_to_write");
    }

    @Test
    void rangeCyclicResumesAtWritebackIndexAndResetsItAtTheEnd() {
        MmFixture fx = MmFixture.controlled(47, "5.10", 256);
        List<List<Long>> passes = new ArrayList<>();
        long[] idx = new long[4];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            writePages(file, 0, 5);
            long[] budget = {2, 2, 10, 10};
            for (int i = 0; i < 4; i++) {
                List<Long> w = new ArrayList<>();
                WritebackControl c = wbc(WritebackControl.SyncMode.WB_SYNC_NONE, budget[i]);
                c.rangeCyclic = true;
                PageWriteback.writeCachePages(file.mapping, c, recorder(w));
                passes.add(w);
                idx[i] = file.mapping.writebackIndex;
                if (i == 0) {
                    writePages(file, 0, 1); // page 0 dirty again, behind the cursor
                }
            }
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(List.of(0L, 1L), passes.get(0));
        assertEquals(1, idx[0], "writeback_index = the index of the last page the pass handled");
        assertEquals(List.of(2L, 3L), passes.get(1), "the next pass resumes there, not at the redirtied page 0");
        assertEquals(3, idx[1]);
        assertEquals(List.of(4L), passes.get(2), "the pass ends at the end of the file (no wrap since 5.3)");
        assertEquals(0, idx[2], "and restarts from 0 next time");
        assertEquals(List.of(0L), passes.get(3));
    }

    // ------------------------------------------------------------------ bug 4

    /**
     * Bug 4 at the mm level. The page is dirty and under an old writeback. Task "writer" (C) holds the
     * page lock, has cleaned it for I/O and has it redirtied, and waits (polling, lock held) for the
     * old writeback to end so it can start a new one. Task "fsync" (A) runs write_cache_pages
     * (WB_SYNC_ALL) and sleeps on the page lock. Then "irq" (B) ends the old writeback:
     * test_clear_page_writeback ... wake_up_page. If C sets PG_writeback and unlocks, and A locks the
     * page, sees it dirty and under writeback and queues on PG_writeback, all between B's clear and
     * B's wake, then B's stale wake returns A from wait_on_page_writeback (5.10: woken, no re-check)
     * with PG_writeback set: BUG_ON(PageWriteback(page)).
     */
    static RunResult bug4(long seed, String profile) {
        MmFixture fx = new MmFixture(new RandomWalk(seed), profile, Mm.Params.ofPages(64).withKswapd(false));
        return fx.run("setup", f -> {
            TestFs.TestFile file = f.fs.create("f");
            file.write(0, new byte[Page.PAGE_SIZE]);
            int[] fd = FsyncErrorTest.open(file);
            Page p = Filemap.findGetPage(file.mapping, 0);
            EndPageWritebackTest.startWriteback(p); // the old writeback, ended by B
            MmFixture.storeRedirties(p);
            boolean[] cReady = {false};
            f.k.spawn("writer", TaskKind.USER, () -> {
                Filemap.lockPage(p);
                PageWriteback.clearPageDirtyForIo(p);
                MmFixture.storeRedirties(p); // a store redirties it
                cReady[0] = true;
                MmFixture.spinUntil(() -> !p.writeback(), "the old writeback to end"); // lock held
                PageWriteback.setPageWriteback(p); // the new writeback
                Filemap.unlockPage(p);
                f.k.sched().msleep(5); // its I/O
                Filemap.endPageWriteback(p);
            });
            MmFixture.spinUntil(() -> cReady[0], "the writer");
            Task a = f.k.spawn("fsync", TaskKind.USER, () -> Filemap.fileWriteAndWaitRange(file.mapping, fd, 0, Long.MAX_VALUE));
            EndPageWritebackTest.awaitSleepingOn(a, "PG_locked");
            f.k.spawn("irq", TaskKind.SOFTIRQ, () -> {
                Task.current().setSoftirqActive(true);
                Filemap.endPageWriteback(p);
            });
            f.mm.allocator().putPage(p);
        });
    }

    static final int BUG4_SEEDS = 3000;

    /** The first seed in [0, limit) whose run ends in a BUG, or -1; fails on any other kind of failure. */
    static long firstBug4Seed(String profile, int limit) {
        for (long seed = 0; seed < limit; seed++) {
            RunResult r = bug4(seed, profile);
            if (!r.ok()) {
                assertEquals(Failure.Kind.BUG, r.fatal().kind(), () -> "seed " + r.schedule().seed() + ": " + r.fatal().report());
                return seed;
            }
        }
        return -1;
    }

    @Test
    void staleWakeHitsBugOnPageWritebackInWriteCachePagesOn510() {
        long seed = firstBug4Seed("5.10", BUG4_SEEDS);
        assertTrue(seed >= 0, "no seed in 0.." + (BUG4_SEEDS - 1) + " reproduced bug 4 on 5.10");
        RunResult r = bug4(seed, "5.10");
        assertFalse(r.ok(), "seed " + seed + " reproduces deterministically");
        assertEquals(Failure.Kind.BUG, r.fatal().kind(), r.fatal().report());
        assertEquals("kernel BUG at mm/page-writeback.c!", r.fatal().title());
        assertTrue(r.fatal().report().contains("write_cache_pages"), r.fatal().report());
        assertTrue(r.fatal().report().contains("Comm: fsync"), r.fatal().report());
    }

    @Test
    void waitOnPageWritebackLoopingFindsNothingOnTheSameSeeds() {
        long seed = firstBug4Seed("5.10", BUG4_SEEDS);
        assertTrue(seed >= 0, "precondition: 5.10 reproduces");
        for (String profile : new String[] {"5.10 +wait-on-page-writeback-loops", "5.10 +clear-and-wake-atomic", "4.20"}) {
            for (long s = 0; s <= seed; s++) {
                RunResult r = bug4(s, profile);
                long fs = s;
                assertTrue(r.ok(), () -> profile + " seed " + fs + ": " + r.fatal().report());
            }
        }
    }
}
