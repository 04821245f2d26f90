package org.faultline.tools.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.faultline.kernel.Failure;
import org.faultline.kernel.Pct;
import org.faultline.kernel.RandomWalk;
import org.faultline.mm.MmPatch;
import org.junit.jupiter.api.Test;

/**
 * For each reproduced reference bug: exploration of a small window of seeds that contains the first
 * failing seed {@code faultline explore} finds on the buggy profile (so the window is meaningful)
 * finds it, and the same window finds nothing with each patch that removes it; a patch that only
 * changes the symptom, or fixes one variant and not the other, is shown to do so.
 *
 * <p>Windows are explored as {@code faultline explore SCENARIO --strategy pct --depth D} does: PCT over
 * the length of a probe execution. A change that moves preemption points moves the first failing
 * seeds: find them again with explore and move the windows (the pinned schedules need a re-pin then).
 */
class ReferenceBugPatchesTest {
    /** The first failure in seeds [from, from + n), explored as the command line does; or null. */
    static Explorer.Found window(String scenario, List<String> patches, int depth, long from, long n) {
        return window(Scenarios.byName(scenario), patches, depth, from, n);
    }

    static Explorer.Found window(Scenario sc, List<String> patches, int depth, long from, long n) {
        Explorer ex = new Explorer(sc, sc.kernel(null, patches), 200_000);
        long k = Math.max(100, ex.run(new RandomWalk(0)).decisions());
        return ex.explore(from, n, s -> new Pct(s, depth, k), (i, failed) -> { });
    }

    private static void assertKind(Failure.Kind kind, Explorer.Found f, String what) {
        assertNotNull(f, what);
        assertEquals(kind, f.result().fatal().kind(), () -> what + ": " + f.result().fatal().report());
    }

    // bug 1: PCT depth 3 finds the BUG at seed 4 (gup-dio-dirty-no-buffers), the invariant at seed 50
    // (gup-dio-redirty-no-reclaim)

    private static final String BUG1 = "gup-dio-dirty-no-buffers";
    private static final String BUG1_NO_RECLAIM = "gup-dio-redirty-no-reclaim";

    @Test
    void bug1IsFoundInItsWindow() {
        Explorer.Found f = window(BUG1, List.of(), 3, 0, 8);
        assertKind(Failure.Kind.BUG, f, "bug 1 on 4.16");
        assertEquals("kernel BUG at fs/ext4/inode.c!", f.result().fatal().title());
        assertKind(Failure.Kind.INVARIANT, window(BUG1_NO_RECLAIM, List.of(), 3, 45, 10), "bug 1's second variant on 4.16");
    }

    @Test
    void simulatingTheFaultRemovesBothVariants() {
        String p = "+set-page-dirty-lock-simulates-fault";
        Explorer.Found f = window(BUG1, List.of(p), 3, 0, 8);
        assertNull(f, () -> p + ": " + f.result().fatal().report());
        Explorer.Found g = window(BUG1_NO_RECLAIM, List.of(p), 3, 45, 10);
        assertNull(g, () -> p + ": " + g.result().fatal().report());
        // seed 236 once reported a false invariant violation here: munmap dirtied a page after dropping
        // the page-table lock, behind a writeback that had just cleaned it
        Explorer.Found h = window(BUG1_NO_RECLAIM, List.of(p), 3, 230, 20);
        assertNull(h, () -> p + ": " + h.result().fatal().report());
    }

    @Test
    void keepingTheBuffersRemovesTheCrashButNotTheSecondVariant() {
        // Dan Williams' deferral, and 6.4's pin-aware reclaim, keep the buffers: no BUG, but the page is
        // still dirtied without page_mkwrite since writeback cleaned it — the invariant checker sees it
        for (List<String> fix : List.of(List.of("+defer-buffer-release-to-last-put"),
                List.of("+gup-pin-tracking", "+dio-uses-pins", "+vmscan-skip-pinned-private"))) {
            Explorer.Found f = window(BUG1, fix, 3, 0, 8);
            assertTrue(f == null || f.result().fatal().kind() != Failure.Kind.BUG,
                    () -> fix + " must not crash: " + f.result().fatal().report());
            assertKind(Failure.Kind.INVARIANT, window(BUG1_NO_RECLAIM, fix, 3, 45, 10), fix + " on the second variant");
        }
    }

    @Test
    void bug1WarnInsteadOfBugLosesTheDataAndTheOracleSeesIt() {
        Explorer.Found f = window(BUG1, List.of("+ext4-warn-not-bug-on-dirty-no-buffers"), 3, 0, 8);
        assertKind(Failure.Kind.CORRUPTION, f, "the crash goes, but the data read by direct I/O is lost");
        assertTrue(f.result().dmesg().contains("does not have buffers attached"), f.result().dmesg());
        assertTrue(f.result().fatal().title().startsWith("data corruption: /file1"), f.result().fatal().title());
    }

    // bug 3: PCT depth 2 finds it at seed 1691

    private static final String BUG3 = "fault-vs-writepages-memcg-deadlock";

    @Test
    void bug3IsFoundInItsWindowAndNotWithItsFixes() throws Exception {
        Explorer.Found f = window(BUG3, List.of(), 2, 1680, 20);
        assertKind(Failure.Kind.DEADLOCK, f, "the window contains the failing seed 1691 on 4.20");
        for (String p : List.of("+memcg-prealloc-pte", "+ext4-submit-bio-on-trylock-fail", "+ext4-bio-per-page",
                "+ext4-writepages-plug-callback", "+vmscan-no-writeback-wait-legacy-memcg")) {
            Explorer.Found g = window(BUG3, List.of(p), 2, 1680, 20);
            assertNull(g, () -> p + ": " + g.result().fatal().report());
        }
        // cgroup v2 (configuration, not a patch): the same workload with its memcg on the unified hierarchy
        Scenario v1 = Scenarios.byName(BUG3);
        String text = v1.text().replace("memcg app 160k v1", "memcg app 160k v2");
        assertNotEquals(v1.text(), text, "the scenario declares its memcg as v1");
        Scenario v2 = new Scenario(v1.name(), v1.description(), v1.bug(),
                org.faultline.tools.workload.Workload.parse(text, v1.name() + ".wl"), text);
        Explorer.Found g = window(v2, List.of(), 2, 1680, 20);
        assertNull(g, () -> "memcg v2: " + g.result().fatal().report());
    }

    // bug 4: PCT depth 3 finds it at seed 96; the page-reuse variant, PCT depth 2, at seed 529

    private static final String BUG4 = "writeback-stale-wake-bug-on";
    private static final String BUG4_REUSE = "writeback-stale-wake-page-reuse";

    @Test
    void bug4IsFoundInItsWindowAndNotWithItsFixes() {
        Explorer.Found f = window(BUG4, List.of(), 3, 80, 30);
        assertKind(Failure.Kind.BUG, f, "the window contains the failing seed 96 on 5.10");
        assertEquals("kernel BUG at mm/page-writeback.c!", f.result().fatal().title());
        for (String p : List.of("+wait-on-page-writeback-loops", "+clear-and-wake-atomic", "+page-wait-recheck")) {
            Explorer.Found g = window(BUG4, List.of(p), 3, 80, 30);
            assertNull(g, () -> p + ": " + g.result().fatal().report());
        }
    }

    @Test
    void holdingAReferenceAcrossClearAndWakeRemovesOnlyThePageReuseVariant() {
        // 5.10 has 073861ed77b6 (end-page-writeback-get-page): the stale wake-up of a live page is found
        // above all the same. The reuse variant takes it out (5.10-rc) and is found; with it back, the
        // frame cannot be freed between clear and wake, and nothing is found
        assertTrue(Scenarios.byName(BUG4).kernel(null, List.of()).has(MmPatch.END_PAGE_WRITEBACK_GET_PAGE));
        Explorer.Found f = window(BUG4_REUSE, List.of(), 2, 520, 20);
        assertKind(Failure.Kind.BUG, f, "the window contains the reuse variant's failing seed 529");
        assertEquals("kernel BUG at mm/page-writeback.c!", f.result().fatal().title());
        for (String p : List.of("+end-page-writeback-get-page", "+wait-on-page-writeback-loops", "+clear-and-wake-atomic",
                "+page-wait-recheck")) {
            Explorer.Found g = window(BUG4_REUSE, List.of(p), 2, 520, 20);
            assertNull(g, () -> p + ": " + g.result().fatal().report());
        }
    }
}
