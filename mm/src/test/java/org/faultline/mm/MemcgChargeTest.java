package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskKind;
import org.junit.jupiter.api.Test;

/** Page-cache charging to the writer's memcg, and memcg reclaim staying inside its memcg. */
class MemcgChargeTest {
    private static final int PS = Page.PAGE_SIZE;

    static MmFixture fixture(long seed) {
        return new MmFixture(new RandomWalk(seed), "4.20", Mm.Params.ofPages(512).withKswapd(false));
    }

    @Test
    void pageCacheWrittenByAMemcgTaskIsChargedToItAndUnchargedWhenTruncated() {
        MmFixture fx = fixture(91);
        MemCgroup cg = fx.mm.createMemcg("job", 1000, false);
        long[] v = new long[5];
        RunResult r = fx.run("t", f -> {
            cg.attach(Task.current());
            TestFs.TestFile file = f.fs.create("a");
            v[0] = cg.usagePages();
            file.write(0, new byte[10 * PS]);
            v[1] = cg.usagePages();
            v[2] = cg.lruvec().fileSize();
            Page p = Filemap.findGetPage(file.mapping, 3);
            v[3] = p.memcg() == cg ? 1 : 0;
            f.mm.allocator().putPage(p);
            file.fsync();
            file.size = 0;
            Truncate.truncateInodePages(file.mapping, 0);
            v[4] = cg.usagePages();
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(10, v[1] - v[0], "each page-cache page is charged at add_to_page_cache");
        assertEquals(10, v[2], "and sits on the memcg's own LRU");
        assertEquals(1, v[3]);
        assertEquals(v[0], v[4], "freeing the truncated pages uncharges them");
    }

    @Test
    void aPageCachedByTheRootMemcgIsNotChargedToALaterReaderInAMemcg() {
        MmFixture fx = fixture(92);
        MemCgroup cg = fx.mm.createMemcg("job", 1000, false);
        long[] v = new long[2];
        TestFs.TestFile file = fx.fs.create("a");
        RunResult r = fx.run("root", f -> {
            file.write(0, new byte[4 * PS]);
            file.fsync();
            f.k.spawn("reader", TaskKind.USER, () -> {
                cg.attach(Task.current());
                v[0] = cg.usagePages();
                file.read(0, 4 * PS);
                v[1] = cg.usagePages();
            });
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(v[0], v[1], "a page is charged once, to the memcg that brought it in");
    }

    @Test
    void memcgReclaimTakesOnlyItsOwnPagesAndKeepsTheLimit() {
        MmFixture fx = fixture(93);
        MemCgroup cg = fx.mm.createMemcg("job", 16, false);
        long[] v = new long[6];
        TestFs.TestFile shared = fx.fs.create("root-file");
        TestFs.TestFile mine = fx.fs.create("job-file");
        RunResult r = fx.run("root", f -> {
            shared.write(0, new byte[32 * PS]);
            shared.fsync(); // clean: reclaimable if anyone looked
            v[0] = shared.mapping.nrpages();
            Task job = f.k.spawn("job", TaskKind.USER, () -> {
                cg.attach(Task.current());
                byte[] page = new byte[PS];
                long maxUsage = 0;
                for (int i = 0; i < 64; i++) {
                    assertEquals(PS, mine.write((long) i * PS, page), "write " + i);
                    maxUsage = Math.max(maxUsage, cg.usagePages());
                    if (i % 4 == 3) {
                        mine.fsync(); // clean pages the memcg can reclaim
                    }
                }
                v[3] = maxUsage;
            });
            MmFixture.awaitExit(job);
            v[1] = shared.mapping.nrpages();
            v[2] = f.mm.vmscan().pgsteal();
            v[4] = mine.mapping.nrpages();
            v[5] = cg.usagePages();
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(32, v[0]);
        assertTrue(v[2] > 0, "the memcg reclaimed");
        assertEquals(v[0], v[1], "the root memcg's clean pages were left alone");
        assertTrue(v[3] <= 16, "the limit held: " + v[3]);
        assertTrue(v[4] <= 16, "the memcg's file keeps at most its limit in cache: " + v[4]);
        assertEquals(v[4], v[5], "usage is exactly the memcg's cached pages");
    }
}
