package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.Failure;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Task;
import org.junit.jupiter.api.Test;

class PageAllocatorTest {

    static MmFixture noKswapd(long seed, int ramPages) {
        return new MmFixture(new RandomWalk(seed), "5.10", Mm.Params.ofPages(ramPages).withKswapd(false));
    }

    @Test
    void exhaustionWithNothingReclaimableReturnsNullAndInvokesTheOomKiller() {
        MmFixture fx = noKswapd(21, 64);
        long[] v = new long[4];
        RunResult r = fx.run("hog", f -> {
            PageAllocator a = f.mm.allocator();
            List<Page> held = new ArrayList<>();
            Page p;
            while ((p = a.allocPages(Gfp.GFP_KERNEL)) != null) {
                held.add(p);
                if (held.size() > 64) {
                    throw new AssertionError("more pages than RAM");
                }
            }
            v[0] = held.size();
            v[1] = a.nrFree();
            v[2] = a.oomCount();
            v[3] = a.minWatermark();
            for (Page q : held) {
                a.putPage(q);
            }
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(64 - v[3], v[0], "GFP_KERNEL stops at the min watermark");
        assertEquals(v[3], v[1]);
        assertEquals(1, v[2], "the failed allocation went to out_of_memory once");
        assertTrue(r.dmesg().contains("hog invoked oom-killer: gfp_mask=GFP_KERNEL"), r.dmesg());
    }

    @Test
    void atomicAllocationsDipBelowMinAndFailWithoutTheOomKiller() {
        MmFixture fx = noKswapd(22, 64);
        long[] v = new long[3];
        RunResult r = fx.run("hog", f -> {
            PageAllocator a = f.mm.allocator();
            List<Page> held = new ArrayList<>();
            Page p;
            while ((p = a.allocPages(Gfp.GFP_KERNEL)) != null) {
                held.add(p);
                if (held.size() > 64) {
                    throw new AssertionError("more pages than RAM");
                }
            }
            long oom = a.oomCount();
            int atomic = 0;
            while ((p = a.allocPages(Gfp.GFP_ATOMIC)) != null) {
                held.add(p);
                if (++atomic > 64) {
                    throw new AssertionError("more pages than RAM");
                }
            }
            v[0] = atomic;
            v[1] = a.oomCount() - oom;
            v[2] = a.nrFree();
            for (Page q : held) {
                a.putPage(q);
            }
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertTrue(v[0] > 0, "__GFP_HIGH may use part of the reserve below min");
        assertTrue(v[2] > 0, "but not all of it");
        assertEquals(0, v[1], "an allocation that cannot reclaim never invokes the OOM killer");
        assertTrue(r.dmesg().contains("hog: page allocation failure: order:0"), r.dmesg());
    }

    @Test
    void aFreedPageIsTheNextOneAllocated() {
        MmFixture fx = noKswapd(23, 64);
        long[] pfn = new long[6];
        RunResult r = fx.run("t", f -> {
            PageAllocator a = f.mm.allocator();
            Page x = a.allocPages(Gfp.GFP_KERNEL);
            Page y = a.allocPages(Gfp.GFP_KERNEL);
            pfn[0] = x.pfn();
            pfn[1] = y.pfn();
            a.putPage(x);
            a.putPage(y);
            Page first = a.allocPages(Gfp.GFP_KERNEL);
            Page second = a.allocPages(Gfp.GFP_KERNEL);
            pfn[2] = first.pfn();
            pfn[3] = second.pfn();
            pfn[4] = first.count();
            pfn[5] = first.flags();
            a.putPage(first);
            a.putPage(second);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(pfn[1], pfn[2], "the last page freed is handed out first (hot)");
        assertEquals(pfn[0], pfn[3]);
        assertEquals(1, pfn[4], "a new page has one reference");
        assertEquals(0, pfn[5], "and no flags");
    }

    @Test
    void gfpZeroZeroesAReusedPageAndPlainAllocationDoesNot() {
        MmFixture fx = noKswapd(24, 64);
        byte[][] seen = new byte[2][Page.PAGE_SIZE];
        boolean[] same = new boolean[2];
        RunResult r = fx.run("t", f -> {
            PageAllocator a = f.mm.allocator();
            MemMap mem = f.mm.memMap();
            byte[] junk = new byte[Page.PAGE_SIZE];
            java.util.Arrays.fill(junk, (byte) 0x5a);
            Page p = a.allocPages(Gfp.GFP_KERNEL);
            mem.write(p, 0, junk, 0, junk.length);
            long pfn = p.pfn();
            a.putPage(p);
            Page q = a.allocPages(Gfp.GFP_KERNEL);
            same[0] = q.pfn() == pfn;
            mem.read(q, 0, seen[0], 0, Page.PAGE_SIZE);
            a.putPage(q);
            Page z = a.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO);
            same[1] = z.pfn() == pfn;
            mem.read(z, 0, seen[1], 0, Page.PAGE_SIZE);
            a.putPage(z);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertTrue(same[0] && same[1], "the same frame was reused both times");
        assertEquals(0x5a, seen[0][100], "without __GFP_ZERO the old contents remain");
        for (int i = 0; i < Page.PAGE_SIZE; i++) {
            assertEquals(0, seen[1][i], "byte " + i);
        }
    }

    @Test
    void freeingALockedPageIsABadPageStateInvariant() {
        MmFixture fx = noKswapd(25, 64);
        boolean[] after = {false};
        RunResult r = fx.run("freer", f -> {
            Page p = f.mm.allocator().allocPages(Gfp.GFP_KERNEL);
            Filemap.lockPage(p);
            f.mm.allocator().putPage(p);
            after[0] = true;
        });
        assertFalse(r.ok());
        assertEquals(Failure.Kind.INVARIANT, r.fatal().kind(), r.fatal().report());
        assertTrue(r.fatal().title().startsWith("BUG: Bad page state in process freer"), r.fatal().title());
        assertTrue(r.fatal().report().contains("locked"), r.fatal().report());
        assertFalse(after[0], "the invariant ends the task");
    }

    @Test
    void freeingAPageStillInAMappingIsABadPageStateInvariant() {
        MmFixture fx = noKswapd(26, 64);
        RunResult r = fx.run("freer", f -> {
            TestFs.TestFile file = f.fs.create("m");
            Page p = f.mm.allocator().allocPages(Gfp.GFP_KERNEL);
            p.mapping = file.mapping; // a page-cache page whose last reference goes without __delete_from_page_cache
            f.mm.allocator().putPage(p);
        });
        assertFalse(r.ok());
        assertEquals(Failure.Kind.INVARIANT, r.fatal().kind(), r.fatal().report());
        assertTrue(r.fatal().title().startsWith("BUG: Bad page state"), r.fatal().title());
        assertTrue(r.fatal().report().contains("mapping:testfs file m"), r.fatal().report());
    }

    @Test
    void badPageStateTitleIsOneLine() {
        MmFixture fx = noKswapd(27, 64);
        RunResult r = fx.run("freer", f -> {
            Page p = f.mm.allocator().allocPages(Gfp.GFP_KERNEL);
            Filemap.lockPage(p);
            f.mm.allocator().putPage(p);
        });
        assertFalse(r.ok());
        assertFalse(r.fatal().title().contains("\n"),
                "Failure.title is documented as the report's one-line headline, got:\n" + r.fatal().title());
    }

    @Test
    void puttingAFreePageIsABug() {
        MmFixture fx = noKswapd(28, 64);
        RunResult r = fx.run("t", f -> {
            Page p = f.mm.allocator().allocPages(Gfp.GFP_KERNEL);
            f.mm.allocator().putPage(p);
            f.mm.allocator().putPage(p);
        });
        assertFalse(r.ok());
        assertEquals(Failure.Kind.BUG, r.fatal().kind(), r.fatal().report());
        assertEquals("kernel BUG at mm/page_alloc.c!", r.fatal().title());
    }

    @Test
    void accountedAllocationAtTheMemcgLimitFailsBumpsFailcntAndUnchargesOnFree() {
        MmFixture fx = noKswapd(29, 128);
        MemCgroup cg = fx.mm.createMemcg("small", 4, false);
        long[] v = new long[7];
        RunResult r = fx.run("t", f -> {
            cg.attach(Task.current());
            PageAllocator a = f.mm.allocator();
            long free0 = a.nrFree();
            v[0] = cg.usagePages();
            List<Page> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Page p = a.allocPages(Gfp.GFP_KERNEL_ACCOUNT);
                assertNotNull(p);
                assertTrue(p.memcg() == cg);
                held.add(p);
            }
            v[1] = cg.usagePages();
            v[2] = cg.failcnt();
            Page over = a.allocPages(Gfp.GFP_KERNEL_ACCOUNT);
            v[3] = over == null ? 1 : 0;
            v[4] = cg.failcnt();
            Page unaccounted = a.allocPages(Gfp.GFP_KERNEL);
            v[5] = unaccounted != null && cg.usagePages() == 4 ? 1 : 0;
            a.putPage(unaccounted);
            for (Page p : held) {
                a.putPage(p);
            }
            v[6] = cg.usagePages() == v[0] && a.nrFree() == free0 ? 1 : 0;
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(4, v[1] - v[0], "each __GFP_ACCOUNT page is charged");
        assertEquals(1, v[3], "the fifth charge fails: nothing in the memcg is reclaimable");
        assertTrue(v[4] > v[2], "failcnt counts the limit hit");
        assertEquals(1, v[5], "an allocation without __GFP_ACCOUNT is not charged");
        assertEquals(1, v[6], "freeing uncharges; the failed allocation's page went back to the free list");
        assertTrue(r.dmesg().contains("Memory cgroup out of memory: small"), r.dmesg());
    }
}
