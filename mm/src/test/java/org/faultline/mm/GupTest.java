package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.faultline.kernel.Failure;
import org.faultline.kernel.RunResult;
import org.junit.jupiter.api.Test;

/** get_user_pages / pin_user_pages on a shared file mapping. */
class GupTest {
    private static final int PS = Page.PAGE_SIZE;

    /** A one-page file, written back, mapped shared; nothing faulted in yet. */
    static long mapOnePage(MmFixture f, TestFs.TestFile file, MmStruct as) {
        byte[] b = new byte[PS];
        Arrays.fill(b, (byte) 'A');
        file.write(0, b);
        file.fsync();
        return file.mmapShared(as, PS);
    }

    @Test
    void writeGupFaultsThePageInThroughPageMkwriteAndReturnsItReferenced() {
        MmFixture fx = MmFixture.controlled(71, "5.10", 128);
        long[] v = new long[8];
        RunResult r = fx.run("dio", f -> {
            TestFs.TestFile file = f.fs.create("a");
            MmStruct as = new MmStruct(f.mm, "dio");
            long addr = mapOnePage(f, file, as);
            Page[] pages = new Page[1];
            v[0] = file.mkwrites;
            v[1] = Gup.getUserPages(as, addr, 1, Gup.FOLL_WRITE, pages);
            v[2] = file.mkwrites;
            Page cache = Filemap.findGetPage(file.mapping, 0);
            assertSame(cache, pages[0], "GUP returned the page-cache page");
            v[3] = pages[0].count();
            Gup.putPage(pages[0]);
            v[4] = pages[0].count();
            v[5] = pages[0].dirty() && as.pteWritable(addr) ? 1 : 0;
            v[6] = Gup.getUserPages(as, addr, 1, Gup.FOLL_WRITE, pages); // PTE now writable
            v[7] = file.mkwrites;
            Gup.putPage(pages[0]);
            f.mm.allocator().putPage(cache);
            Mmap.doMunmap(as, addr);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(1, v[1]);
        assertEquals(v[0] + 1, v[2], "the write fault went through ->page_mkwrite");
        assertEquals(v[3] - 1, v[4], "GUP's reference, dropped by put_page");
        assertEquals(1, v[5], "the page is dirty and mapped writable");
        assertEquals(1, v[6]);
        assertEquals(v[2], v[7], "a present writable PTE needs no fault");
    }

    @Test
    void readGupDoesNotCallPageMkwrite() {
        MmFixture fx = MmFixture.controlled(72, "5.10", 128);
        long[] v = new long[3];
        RunResult r = fx.run("dio", f -> {
            TestFs.TestFile file = f.fs.create("a");
            MmStruct as = new MmStruct(f.mm, "dio");
            long addr = mapOnePage(f, file, as);
            Page[] pages = new Page[1];
            v[0] = Gup.getUserPages(as, addr, 1, 0, pages);
            v[1] = file.mkwrites;
            v[2] = pages[0].dirty() || as.pteWritable(addr) ? 1 : 0;
            Gup.putPage(pages[0]);
            Mmap.doMunmap(as, addr);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(1, v[0]);
        assertEquals(0, v[1]);
        assertEquals(0, v[2], "a read fault maps the page read-only and clean");
    }

    /** @return {maybeDmaPinned after pin, count delta of the pin, maybeDmaPinned after unpin, count after unpin == before} */
    static long[] pinUnpin(String profile) {
        MmFixture fx = MmFixture.controlled(73, profile, 128);
        long[] v = new long[4];
        RunResult r = fx.run("dio", f -> {
            TestFs.TestFile file = f.fs.create("a");
            MmStruct as = new MmStruct(f.mm, "dio");
            long addr = mapOnePage(f, file, as);
            byte[] b = {1};
            assertTrue(Memory.access(as, addr, b, 0, 1, true).ok()); // fault it in first
            Page p = Filemap.findGetPage(file.mapping, 0);
            int before = p.count();
            Page[] pages = new Page[1];
            assertEquals(1, Gup.pinUserPages(as, addr, 1, true, pages));
            v[0] = pages[0].maybeDmaPinned() ? 1 : 0;
            v[1] = pages[0].count() - before;
            Gup.unpinUserPage(pages[0]);
            v[2] = p.maybeDmaPinned() ? 1 : 0;
            v[3] = p.count() == before ? 1 : 0;
            f.mm.allocator().putPage(p);
            Mmap.doMunmap(as, addr);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        return v;
    }

    @Test
    void pinUserPagesIsVisibleAsMaybeDmaPinnedWithPinTracking() {
        long[] v = pinUnpin("6.6");
        assertEquals(1, v[0], "page_maybe_dma_pinned()");
        assertEquals(Page.GUP_PIN_COUNTING_BIAS, v[1], "a FOLL_PIN adds GUP_PIN_COUNTING_BIAS");
        assertEquals(0, v[2], "unpin_user_page clears it");
        assertEquals(1, v[3]);
    }

    @Test
    void beforePinTrackingAPinIsAPlainReference() {
        long[] v = pinUnpin("4.20");
        assertEquals(0, v[0]);
        assertEquals(1, v[1]);
        assertEquals(0, v[2]);
        assertEquals(1, v[3]);
    }

    @Test
    void gupOfAnUnmappedAddressIsEfault() {
        MmFixture fx = MmFixture.controlled(74, "5.10", 128);
        long[] v = new long[2];
        RunResult r = fx.run("dio", f -> {
            TestFs.TestFile file = f.fs.create("a");
            MmStruct as = new MmStruct(f.mm, "dio");
            long addr = mapOnePage(f, file, as);
            Page[] pages = new Page[1];
            v[0] = Gup.getUserPages(as, addr + (1L << 30), 1, Gup.FOLL_WRITE, pages);
            long ro = Mmap.doMmap(as, PS, VmArea.VM_READ | VmArea.VM_SHARED, file.mapping, 0, file, null);
            v[1] = Gup.getUserPages(as, ro, 1, Gup.FOLL_WRITE, pages); // write GUP of a read-only mapping
            Mmap.exitMmap(as);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(-14, v[0]);
        assertEquals(-14, v[1]);
    }

    @Test
    void gupStopsShortAtTheEndOfTheMapping() {
        MmFixture fx = MmFixture.controlled(75, "5.10", 128);
        long[] v = new long[1];
        RunResult r = fx.run("dio", f -> {
            TestFs.TestFile file = f.fs.create("a");
            MmStruct as = new MmStruct(f.mm, "dio");
            long addr = mapOnePage(f, file, as);
            Page[] pages = new Page[3];
            v[0] = Gup.getUserPages(as, addr, 3, 0, pages);
            for (int i = 0; i < v[0]; i++) {
                Gup.putPage(pages[i]);
            }
            Mmap.exitMmap(as);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(1, v[0], "pages taken before the bad address are returned");
    }

    @Test
    void unpinUserPagesDirtyLockDirtiesTheCleanedPage() {
        MmFixture fx = MmFixture.controlled(76, "6.6", 128);
        long[] v = new long[6];
        RunResult r = fx.run("dio", f -> {
            TestFs.TestFile file = f.fs.create("a");
            MmStruct as = new MmStruct(f.mm, "dio");
            long addr = mapOnePage(f, file, as);
            Page[] pages = new Page[1];
            assertEquals(1, Gup.pinUserPages(as, addr, 1, true, pages));
            Page p = pages[0];
            file.fsync(); // writeback cleans the pinned page while "DMA" is in flight
            v[0] = p.dirty() ? 1 : 0;
            long dirty0 = f.mm.dirtyLimits().nrDirty();
            Gup.unpinUserPagesDirtyLock(pages, 1, true);
            v[1] = p.dirty() ? 1 : 0;
            v[2] = file.mapping.tagged(AddressSpace.PAGECACHE_TAG_DIRTY) ? 1 : 0;
            v[3] = f.mm.dirtyLimits().nrDirty() - dirty0;
            v[4] = p.maybeDmaPinned() ? 1 : 0;
            file.fsync();
            assertEquals(1, Gup.pinUserPages(as, addr, 1, true, pages));
            file.fsync();
            Gup.unpinUserPagesDirtyLock(pages, 1, false);
            v[5] = pages[0].dirty() ? 1 : 0;
            Mmap.doMunmap(as, addr);
        });
        // the pinned page was cleaned by writeback and dirtied again without page_mkwrite: 6.6 still
        // does that (pins keep the buffers, not the filesystem informed), and CONFIG_DEBUG_VM says so
        assertEquals(Failure.Kind.INVARIANT, r.fatal() == null ? null : r.fatal().kind(), () -> String.valueOf(r.fatal()));
        assertTrue(r.fatal().title().startsWith(GupDirtyPatchesTest.INVARIANT), r.fatal().title());
        assertEquals(0, v[0], "setup: writeback cleaned it");
        assertEquals(1, v[1], "set_page_dirty_lock");
        assertEquals(1, v[2], "tagged DIRTY in the mapping");
        assertEquals(1, v[3], "and accounted");
        assertEquals(0, v[4], "and unpinned");
        assertEquals(0, v[5], "makeDirty=false leaves it clean");
    }
}
