package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Task;
import org.junit.jupiter.api.Test;

class MemcgReclaimTest {

    /**
     * A task in a memcg of 32 pages dirties 24 file pages, which the flusher (woken by reclaim)
     * writes back on a slow device, then faults in 32 anonymous pages: the GFP_KERNEL charges reclaim from the memcg and
     * meet those pages under writeback again and again. (Charges from write_begin are GFP_NOFS and
     * could never wait: ecf5fc6e9654.)
     *
     * @param profile a profile name followed by patch overrides ("4.20 +memcg-prealloc-pte")
     * @return reclaim's waits on PG_writeback
     */
    static long writebackWaits(String profile, boolean v2, long seed) {
        List<String> parts = Arrays.asList(profile.split(" "));
        KernelProfile prof = KernelProfile.byName(parts.get(0)).with(parts.subList(1, parts.size()));
        MmFixture fx = new MmFixture(new RandomWalk(seed), prof, Mm.Params.ofPages(512).withKswapd(false));
        fx.fs.ioDelayMs = 2;
        MemCgroup cg = fx.mm.createMemcg("test", 32, v2);
        TestFs.TestFile file = fx.fs.create("big");
        RunResult r = fx.run("writer", f -> {
            cg.attach(Task.current());
            byte[] page = new byte[Page.PAGE_SIZE];
            for (int i = 0; i < 24; i++) {
                page[0] = (byte) i;
                file.write((long) i * Page.PAGE_SIZE, page);
            }
            MmStruct as = new MmStruct(f.mm, "writer");
            long anon = Mmap.doMmap(as, 32L * Page.PAGE_SIZE, VmArea.VM_READ | VmArea.VM_WRITE, null, 0, null, null);
            byte[] one = {1};
            for (int i = 0; i < 32; i++) {
                Memory.access(as, anon + (long) i * Page.PAGE_SIZE, one, 0, 1, true); // may fail: memcg OOM
            }
            Mmap.exitMmap(as);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertTrue(cg.usagePages() <= 32, "the limit holds: " + cg.usagePages());
        return fx.mm.vmscan().writebackWaits();
    }

    static long sum(String profile, boolean v2) {
        long n = 0;
        for (long seed = 0; seed < 3; seed++) {
            n += writebackWaits(profile, v2, seed);
        }
        return n;
    }

    @Test
    void legacyMemcgReclaimWaitsOnWritebackAndV2DoesNot() {
        assertTrue(sum("4.20", false) > 0, "v1 (not sane_reclaim) waits on PG_writeback of a PG_reclaim page");
        assertEquals(0, sum("4.20", true), "a v2 memcg's reclaim never waits on writeback");
    }

    @Test
    void noWritebackWaitPatchRemovesTheLegacyWait() {
        assertEquals(0, sum("4.20 +vmscan-no-writeback-wait-legacy-memcg", false));
    }
}
