package org.faultline.tools.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.faultline.kernel.Failure;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Pct;
import org.junit.jupiter.api.Test;

/**
 * For each reproduced reference bug: exploration with a small budget finds it on the buggy profile
 * (so the budget is meaningful), and finds nothing with each patch that removes it; a patch that
 * only changes the symptom is shown to do so.
 */
class ReferenceBugPatchesTest {
    static Explorer.Found explore(String scenario, String profile, List<String> patches, int depth, long n) {
        Scenario sc = Scenarios.byName(scenario);
        Explorer ex = new Explorer(sc, KernelProfile.byName(profile).with(patches), 200_000);
        return ex.explore(0, n, s -> new Pct(s, depth, 20_000), i -> { });
    }

    // bug 1: PCT depth 3 finds it at seed 48

    @Test
    void bug1IsFoundWithinTheBudget() {
        Explorer.Found f = explore("gup-dio-dirty-no-buffers", "4.16", List.of(), 3, 60);
        assertNotNull(f);
        assertEquals("kernel BUG at fs/ext4/inode.c!", f.result().fatal().title());
    }

    @Test
    void bug1FixesRemoveIt() {
        for (String p : List.of("+set-page-dirty-lock-simulates-fault", "+defer-buffer-release-to-last-put")) {
            Explorer.Found f = explore("gup-dio-dirty-no-buffers", "4.16", List.of(p), 3, 60);
            assertNull(f, () -> p + ": " + f.result().fatal().report());
        }
    }

    @Test
    void bug1WarnInsteadOfBugLosesTheDataAndTheOracleSeesIt() {
        Explorer.Found f = explore("gup-dio-dirty-no-buffers", "4.16", List.of("+ext4-warn-not-bug-on-dirty-no-buffers"), 3, 60);
        assertNotNull(f, "the crash goes, but the data read by direct I/O is lost");
        assertEquals(Failure.Kind.CORRUPTION, f.result().fatal().kind());
        assertEquals(true, f.result().dmesg().contains("does not have buffers attached"), f.result().dmesg());
    }

    // bug 4: PCT depth 3 over the execution's length finds it at seed 2458; a window of 100 seeds around it

    static Explorer.Found exploreBug4(List<String> patches) {
        Scenario sc = Scenarios.byName("writeback-stale-wake-bug-on");
        Explorer ex = new Explorer(sc, KernelProfile.byName("5.10").with(patches), 200_000);
        long k = Math.max(100, ex.run(new org.faultline.kernel.RandomWalk(0)).decisions()); // as explore does
        return ex.explore(2400, 100, s -> new Pct(s, 3, k), i -> { });
    }

    @Test
    void bug4IsFoundInItsSeedWindowAndNotWithItsFixes() {
        Explorer.Found f = exploreBug4(List.of());
        assertNotNull(f, "the window contains the failing seed 2458 on 5.10");
        assertEquals("kernel BUG at mm/page-writeback.c!", f.result().fatal().title());
        for (String p : List.of("+wait-on-page-writeback-loops", "+clear-and-wake-atomic", "+page-wait-recheck")) {
            Explorer.Found g = exploreBug4(List.of(p));
            assertNull(g, () -> p + ": " + g.result().fatal().report());
        }
    }

    // bug 3: PCT depth 2 finds it at seed 39 (with the probed k that explore uses)

    @Test
    void bug3IsFoundWithinTheBudget() {
        Explorer.Found f = explore("fault-vs-writepages-memcg-deadlock", "4.20", List.of(), 2, 15);
        assertNotNull(f);
        assertEquals(Failure.Kind.DEADLOCK, f.result().fatal().kind());
    }

    @Test
    void bug3FixesRemoveIt() {
        for (String p : List.of("+memcg-prealloc-pte", "+ext4-submit-bio-on-trylock-fail", "+ext4-bio-per-page",
                "+ext4-writepages-plug-callback", "+vmscan-no-writeback-wait-legacy-memcg", "+memcg-v2")) {
            Explorer.Found f = explore("fault-vs-writepages-memcg-deadlock", "4.20", List.of(p), 2, 15);
            assertNull(f, () -> p + ": " + f.result().fatal().report());
        }
    }
}
