package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.junit.jupiter.api.Test;

/** truncate_inode_pages_range() and invalidate_mapping_pages(). */
class TruncateTest {
    private static final int PS = Page.PAGE_SIZE;
    private static final long MS = 1_000_000L;

    static byte[] filled(int len, char c) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) c);
        return b;
    }

    /** The cached bytes of page {@code index}, or null if it is not cached. */
    static byte[] cached(TestFs.TestFile file, long index) {
        Page p = Filemap.findGetPage(file.mapping, index);
        if (p == null) {
            return null;
        }
        byte[] b = new byte[PS];
        file.mapping.mm().memMap().read(p, 0, b, 0, PS);
        file.mapping.mm().allocator().putPage(p);
        return b;
    }

    /** truncate_setsize(): i_size first, then the page cache. */
    static void truncate(TestFs.TestFile file, long size) {
        file.size = size;
        Truncate.truncateInodePages(file.mapping, size);
    }

    static void assertRange(byte[] page, int from, int to, char c, String what) {
        for (int i = from; i < to; i++) {
            if (page[i] != (byte) c) {
                throw new AssertionError(what + ": byte " + i + " is " + page[i] + ", expected " + (c == 0 ? "0" : "'" + c + "'"));
            }
        }
    }

    @Test
    void truncateRemovesThePagesBeyondTheNewSize() {
        MmFixture fx = MmFixture.controlled(51, "5.10", 128);
        long[] n = new long[2];
        boolean[] present = new boolean[4];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(4 * PS, 'A'));
            file.fsync();
            n[0] = file.mapping.nrpages();
            truncate(file, 2 * PS);
            n[1] = file.mapping.nrpages();
            for (int i = 0; i < 4; i++) {
                present[i] = cached(file, i) != null;
            }
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(4, n[0]);
        assertEquals(2, n[1]);
        assertTrue(present[0] && present[1]);
        assertFalse(present[2] || present[3], "find_get_page finds nothing beyond EOF");
    }

    @Test
    void truncatedPagesAreFreed() {
        MmFixture fx = new MmFixture(new org.faultline.kernel.RandomWalk(52), "5.10", Mm.Params.ofPages(128).withKswapd(false));
        long[] free = new long[2];
        long[] ref = new long[2];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(4 * PS, 'A'));
            Page p3 = Filemap.findGetPage(file.mapping, 3);
            free[0] = f.mm.allocator().nrFree();
            truncate(file, 2 * PS);
            free[1] = f.mm.allocator().nrFree();
            ref[0] = p3.count();
            ref[1] = p3.mapping() == null && !p3.hasPrivate() ? 1 : 0; // (still on the LRU until its last put, as in Linux)
            f.mm.allocator().putPage(p3);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(free[0] + 1, free[1], "page 2 went back to the allocator; page 3 is still ours");
        assertEquals(1, ref[0], "only our reference remains on page 3");
        assertEquals(1, ref[1], "it left the mapping and lost its buffers");
    }

    @Test
    void truncateZeroesThePartialPageBeyondTheNewSize() {
        MmFixture fx = MmFixture.controlled(53, "5.10", 128);
        byte[][] pg = new byte[2][];
        long[] n = new long[1];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(2 * PS, 'A'));
            truncate(file, PS + 904);
            n[0] = file.mapping.nrpages();
            pg[0] = cached(file, 0);
            pg[1] = cached(file, 1);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(2, n[0], "the page holding the new EOF stays");
        assertRange(pg[0], 0, PS, 'A', "page 0");
        assertRange(pg[1], 0, 904, 'A', "page 1 before EOF");
        assertRange(pg[1], 904, PS, (char) 0, "page 1 after EOF");
    }

    /**
     * pagecache_isize_extended() with what a mapping stored past EOF in the dirty EOF page: since
     * 52aecaee1c26 (6.13) the page is zeroed from the old EOF to the new one, but only after the early
     * returns — with 1 KiB blocks, not with 4 KiB ones; 6.6 zeroes nothing.
     */
    @Test
    void sizeExtensionZeroesTheDirtyEofPageOnlyWithTheMmPatchAndSmallBlocks() {
        assertEquals('S', extendAfterStorePastEof("6.13", 4096), "4 KiB blocks: the early return");
        assertEquals(0, extendAfterStorePastEof("6.13", 1024), "1 KiB blocks on 6.13: zeroed");
        assertEquals('S', extendAfterStorePastEof("6.6", 1024), "1 KiB blocks on 6.6: left");
    }

    /** @return byte 1500 of page 0 after a store past EOF 1000 and a size extension to 3000 */
    private static int extendAfterStorePastEof(String profile, int blockSize) {
        MmFixture fx = MmFixture.controlled(53, profile, 128);
        byte[][] pg = new byte[1][];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(PS, 'A'));
            truncate(file, 1000);
            Page p = Filemap.findGetPage(file.mapping, 0);
            file.mapping.mm().memMap().write(p, 1500, filled(100, 'S'), 0, 100); // a shared mapping's store
            PageWriteback.setPageDirty(p);
            file.mapping.mm().allocator().putPage(p);
            file.size = 3000;
            Truncate.pagecacheIsizeExtended(file.mapping, 1000, 3000, blockSize);
            pg[0] = cached(file, 0);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        return pg[0][1500];
    }

    @Test
    void punchingAHoleZeroesBothEdgePagesAndDropsTheWholeOnes() {
        MmFixture fx = MmFixture.controlled(54, "5.10", 128);
        byte[][] pg = new byte[4][];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(4 * PS, 'A'));
            Truncate.truncateInodePagesRange(file.mapping, 1000, 2 * PS + 1808); // bytes 1000..10000
            for (int i = 0; i < 4; i++) {
                pg[i] = cached(file, i);
            }
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertRange(pg[0], 0, 1000, 'A', "page 0 before the hole");
        assertRange(pg[0], 1000, PS, (char) 0, "page 0 in the hole");
        assertNull(pg[1], "page 1 lies wholly inside the hole");
        assertRange(pg[2], 0, 1809, (char) 0, "page 2 in the hole");
        assertRange(pg[2], 1809, PS, 'A', "page 2 after the hole");
        assertRange(pg[3], 0, PS, 'A', "page 3");
    }

    @Test
    void aHoleInsideOnePageZeroesJustThatRange() {
        MmFixture fx = MmFixture.controlled(55, "5.10", 128);
        byte[][] pg = new byte[1][];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(PS, 'A'));
            Truncate.truncateInodePagesRange(file.mapping, 1000, 2000);
            pg[0] = cached(file, 0);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertRange(pg[0], 0, 1000, 'A', "before");
        assertRange(pg[0], 1000, 2001, (char) 0, "the hole (lend inclusive)");
        assertRange(pg[0], 2001, PS, 'A', "after");
    }

    @Test
    void aHoleFromAPageBoundaryToInsideThatPageZeroesItsHead() {
        MmFixture fx = MmFixture.controlled(56, "5.10", 128);
        byte[][] pg = new byte[2][];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(2 * PS, 'A'));
            Truncate.truncateInodePagesRange(file.mapping, PS, PS + 2000); // bytes 4096..6096 of page 1
            pg[0] = cached(file, 0);
            pg[1] = cached(file, 1);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertRange(pg[0], 0, PS, 'A', "page 0");
        // truncate_inode_pages_range: start = 1, end = 6097 >> 12 = 1, partial_start = 0,
        // partial_end = 2001: zero_user_segment(page 1, 0, 2001)
        assertRange(pg[1], 0, 2001, (char) 0, "page 1 in the hole");
        assertRange(pg[1], 2001, PS, 'A', "page 1 after the hole");
    }

    @Test
    void aHoleFromInsideAPageToItsLastByteZeroesItsTail() {
        MmFixture fx = MmFixture.controlled(57, "5.10", 128);
        byte[][] pg = new byte[1][];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(PS, 'A'));
            Truncate.truncateInodePagesRange(file.mapping, 1000, PS - 1);
            pg[0] = cached(file, 0);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        // start = 1, end = 1, partial_start = 1000, partial_end = 0: start > end is false, so top = PAGE_SIZE
        assertRange(pg[0], 0, 1000, 'A', "before");
        assertRange(pg[0], 1000, PS, (char) 0, "the hole");
    }

    @Test
    void truncateWaitsForWritebackBeforeRemovingThePage() {
        MmFixture fx = MmFixture.controlled(58, "5.10", 128);
        long[] v = {-1, -1, -1};
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(2 * PS, 'A'));
            Page p1 = Filemap.findGetPage(file.mapping, 1);
            EndPageWritebackTest.startWriteback(p1);
            f.k.spawn("irq", TaskKind.SOFTIRQ, () -> {
                f.k.sched().msleep(10);
                Filemap.endPageWriteback(p1);
            });
            truncate(file, PS);
            v[0] = f.k.sched().clockNs();
            v[1] = p1.mapping() == null ? 1 : 0;
            v[2] = f.mm.dirtyLimits().nrWriteback();
            f.mm.allocator().putPage(p1);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertTrue(v[0] >= 10 * MS, "truncate returned only after the writeback ended at 10 ms: " + v[0]);
        assertEquals(1, v[1]);
        assertEquals(0, v[2]);
    }

    @Test
    void truncateUnmapsThePagesAndALaterAccessBeyondEofGetsSigbus() {
        MmFixture fx = MmFixture.controlled(59, "5.10", 128);
        String[] pte = new String[3];
        String[] sig = new String[2];
        boolean[] mapped = new boolean[1];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(2 * PS, 'A'));
            MmStruct as = new MmStruct(f.mm, "t");
            long addr = file.mmapShared(as, 2 * PS);
            byte[] b = new byte[1];
            assertTrue(Memory.access(as, addr, b, 0, 1, false).ok());
            assertTrue(Memory.access(as, addr + PS, b, 0, 1, false).ok());
            Page p1 = Filemap.findGetPage(file.mapping, 1);
            pte[0] = as.describePte(addr + PS);
            truncate(file, PS);
            pte[1] = as.describePte(addr + PS);
            pte[2] = as.describePte(addr);
            mapped[0] = p1.mapped();
            f.mm.allocator().putPage(p1);
            sig[0] = Memory.access(as, addr + PS, b, 0, 1, false).signal();
            sig[1] = Memory.access(as, addr, b, 0, 1, false).signal();
            Mmap.doMunmap(as, addr);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertTrue(pte[0].startsWith("pte{"), pte[0]);
        assertEquals("pte_none", pte[1], "the truncated page's PTE was zapped");
        assertTrue(pte[2].startsWith("pte{"), "the page before EOF stays mapped: " + pte[2]);
        assertFalse(mapped[0]);
        assertEquals("SIGBUS", sig[0], "the re-fault finds the offset beyond i_size");
        assertEquals(null, sig[1]);
    }

    @Test
    void truncatingDirtyPagesCancelsTheirDirtyAccounting() {
        MmFixture fx = MmFixture.controlled(60, "5.10", 128);
        long[] v = new long[3];
        boolean[] tagged = new boolean[2];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            v[0] = f.mm.dirtyLimits().nrDirty();
            file.write(0, filled(3 * PS, 'A'));
            v[1] = f.mm.dirtyLimits().nrDirty();
            Page p2 = Filemap.findGetPage(file.mapping, 2);
            truncate(file, 0);
            v[2] = f.mm.dirtyLimits().nrDirty();
            tagged[0] = file.mapping.tagged(AddressSpace.PAGECACHE_TAG_DIRTY);
            tagged[1] = p2.dirty();
            f.mm.allocator().putPage(p2);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(v[0] + 3, v[1]);
        assertEquals(v[0], v[2], "NR_FILE_DIRTY back where it was");
        assertFalse(tagged[0]);
        assertFalse(tagged[1], "cancel_dirty_page cleared PG_dirty on the page itself");
    }

    @Test
    void invalidateDropsOnlyCleanUnlockedUnmappedPagesNotUnderWriteback() {
        MmFixture fx = MmFixture.controlled(61, "5.10", 128);
        long[] v = new long[2];
        boolean[] present = new boolean[6];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("a");
            file.write(0, filled(6 * PS, 'A'));
            file.fsync();                       // all clean
            file.write(1L * PS, filled(PS, 'B')); // 1: dirty
            Page p1 = Filemap.findGetPage(file.mapping, 1);
            p1.detachPrivate();                 // without buffers, so ->releasepage cannot be what refuses it
            f.mm.allocator().putPage(p1);
            MmStruct as = new MmStruct(f.mm, "t");
            long addr = file.mmapShared(as, 6 * PS);
            byte[] b = new byte[1];
            assertTrue(Memory.access(as, addr + 2L * PS, b, 0, 1, false).ok()); // 2: mapped (clean)
            Page p3 = Filemap.findGetPage(file.mapping, 3);
            Filemap.lockPage(p3);               // 3: locked
            Page p5 = Filemap.findGetPage(file.mapping, 5);
            p5.detachPrivate();                 // likewise
            PageWriteback.setPageWriteback(p5); // 5: under writeback (clean)
            f.mm.allocator().putPage(p3);       // our references must not be what keeps them
            f.mm.allocator().putPage(p5);
            v[0] = Truncate.invalidateMappingPages(file.mapping, 0, Long.MAX_VALUE);
            v[1] = file.mapping.nrpages();
            for (int i = 0; i < 6; i++) {
                present[i] = cached(file, i) != null;
            }
            Filemap.unlockPage(p3);
            Filemap.endPageWriteback(p5); // the page cache still holds it
            Mmap.doMunmap(as, addr);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(2, v[0], "pages 0 and 4");
        assertEquals(4, v[1]);
        assertFalse(present[0]);
        assertTrue(present[1], "dirty");
        assertTrue(present[2], "mapped");
        assertTrue(present[3], "locked");
        assertFalse(present[4]);
        assertTrue(present[5], "under writeback");
    }
}
