package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.faultline.kernel.RunResult;
import org.junit.jupiter.api.Test;

class ReclaimTest {

    static byte[] pattern(int pages, int salt) {
        byte[] b = new byte[pages * Page.PAGE_SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + salt + i / Page.PAGE_SIZE);
        }
        return b;
    }

    @Test
    void writingFourTimesRamKeepsTheCacheWithinRamAndTheDataIntact() {
        MmFixture fx = MmFixture.controlled(3, "4.20", 128);
        byte[] data = pattern(512, 1);
        long[] seen = new long[2];
        byte[][] back = new byte[2][];
        RunResult r = fx.run("writer", f -> {
            TestFs.TestFile file = f.fs.create("big");
            for (int off = 0; off < data.length; off += 16 * Page.PAGE_SIZE) {
                byte[] chunk = java.util.Arrays.copyOfRange(data, off, off + 16 * Page.PAGE_SIZE);
                assertEquals(chunk.length, file.write(off, chunk));
                seen[0] = Math.max(seen[0], file.mapping.nrpages());
                file.fsync(); // makes pages clean, so reclaim can take them
            }
            back[0] = file.storeCopy();
            back[1] = file.read(0, data.length);
            seen[1] = f.mm.vmscan().pgsteal();
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertTrue(seen[0] < 128, "page cache stayed within RAM: " + seen[0]);
        assertTrue(seen[1] > 0, "reclaim freed pages");
        assertArrayEquals(data, back[0], "everything reached the disk");
        assertArrayEquals(data, back[1], "and reads back through the cache");
    }

    @Test
    void reclaimWritesBackDirtyPagesThroughKswapd() {
        MmFixture fx = MmFixture.controlled(4, "4.20", 96);
        byte[] data = pattern(200, 2);
        byte[][] back = new byte[1][];
        RunResult r = fx.run("writer", f -> {
            TestFs.TestFile file = f.fs.create("dirty");
            assertEquals(data.length, file.write(0, data)); // no fsync: reclaim must write
            back[0] = file.read(0, data.length);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertArrayEquals(data, back[0]);
    }

    @Test
    void removeMappingFailsWhileAnotherReferenceIsHeld() {
        MmFixture fx = MmFixture.controlled(5, "4.20", 64);
        boolean[] res = new boolean[2];
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile file = f.fs.create("x");
            file.write(0, new byte[Page.PAGE_SIZE]);
            file.fsync();
            Page p = Filemap.findGetPage(file.mapping, 0); // cache ref + ours = 2, as reclaim's isolation has
            Filemap.lockPage(p);
            f.mm.vmscan().delFromLru(p);                   // isolated, as reclaim has it
            assertTrue(Vmscan.tryToReleasePage(p, Gfp.GFP_KERNEL), "clean page: buffers can go");
            p.get();                                       // a third reference: "direct I/O"
            res[0] = Vmscan.removeMapping(file.mapping, p);
            p.put();
            res[1] = Vmscan.removeMapping(file.mapping, p); // now frozen at 2 -> removed
            p.clearBit(Page.PG_LOCKED);
            if (res[1]) {
                f.mm.allocator().freeFrozenPage(p);
            }
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertFalse(res[0], "__remove_mapping fails while an extra reference is held");
        assertTrue(res[1], "and succeeds once only the cache and reclaim hold it");
    }

    @Test
    void aMappedAndReferencedPageSurvivesPressure() {
        MmFixture fx = MmFixture.controlled(6, "4.20", 96);
        boolean[] stillMapped = {false};
        RunResult r = fx.run("t", f -> {
            TestFs.TestFile hot = f.fs.create("hot");
            hot.write(0, new byte[Page.PAGE_SIZE]);
            hot.fsync();
            MmStruct as = new MmStruct(f.mm, "t");
            long addr = hot.mmapShared(as, Page.PAGE_SIZE);
            byte[] b = new byte[1];
            TestFs.TestFile cold = f.fs.create("cold");
            for (int i = 0; i < 300; i++) {
                assertTrue(Memory.access(as, addr, b, 0, 1, false).ok()); // keeps the PTE young
                cold.write((long) i * Page.PAGE_SIZE, new byte[Page.PAGE_SIZE]);
                if (i % 16 == 15) {
                    cold.fsync();
                }
            }
            Page p = Filemap.findGetPage(hot.mapping, 0);
            assertNotNull(p);
            stillMapped[0] = p.mapped();
            f.mm.allocator().putPage(p);
            Mmap.doMunmap(as, addr);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertTrue(stillMapped[0], "a mapped page whose PTE keeps being referenced is not reclaimed");
    }
}
