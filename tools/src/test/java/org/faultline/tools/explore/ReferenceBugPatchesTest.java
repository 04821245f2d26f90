package org.faultline.tools.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.faultline.kernel.Failure;
import org.faultline.mm.MmPatch;
import org.junit.jupiter.api.Test;

/**
 * For each reproduced reference bug: {@code faultline explore SCENARIO} (the scenario's own search, PCT
 * depth 3, from seed 0) finds it within a budget of schedules, and finds nothing within the same
 * budget with each patch that removes it; a patch that only changes the symptom, or fixes one variant
 * and not the other, is shown to do so. Each budget is several times the schedules the search takes
 * today (5, 51, 35, 97, 1,163), so moving a preemption point does not break the test; the budgets are
 * in the test names.
 */
class ReferenceBugPatchesTest {
    /** The first failure within {@code n} schedules from seed 0, explored as {@code faultline explore} does; or null. */
    static Explorer.Found within(String scenario, List<String> patches, long n) {
        return within(Scenarios.byName(scenario), patches, n);
    }

    static Explorer.Found within(Scenario sc, List<String> patches, long n) {
        Explorer ex = new Explorer(sc, sc.kernel(null, patches), 200_000);
        return ex.explore(0, n, 2, 0, 1, Explorer.strategies(sc.strategy(), sc.depth(), ex.pctLength(0)), (i, failed) -> { });
    }

    static final long BUG1_BUDGET = 50;
    static final long BUG1_NO_RECLAIM_BUDGET = 250;
    static final long BUG3_BUDGET = 200;
    static final long BUG4_BUDGET = 400;
    static final long BUG4_REUSE_BUDGET = 3500;

    private static void assertKind(Failure.Kind kind, Explorer.Found f, String what) {
        assertNotNull(f, what);
        assertEquals(kind, f.result().fatal().kind(), () -> what + ": " + f.result().fatal().report());
    }

    // bug 1: found today after 5 schedules (gup-dio-dirty-no-buffers), the invariant after 51
    // (gup-dio-redirty-no-reclaim)

    private static final String BUG1 = "gup-dio-dirty-no-buffers";
    private static final String BUG1_NO_RECLAIM = "gup-dio-redirty-no-reclaim";

    @Test
    void bug1AndItsVariantAreFoundWithin50And250Schedules() {
        Explorer.Found f = within(BUG1, List.of(), BUG1_BUDGET);
        assertKind(Failure.Kind.BUG, f, "bug 1 on 4.16");
        assertEquals("kernel BUG at fs/ext4/inode.c!", f.result().fatal().title());
        assertKind(Failure.Kind.INVARIANT, within(BUG1_NO_RECLAIM, List.of(), BUG1_NO_RECLAIM_BUDGET), "bug 1's second variant on 4.16");
    }

    @Test
    void simulatingTheFaultRemovesBothVariantsWithin50And250Schedules() {
        String p = "+set-page-dirty-lock-simulates-fault";
        Explorer.Found f = within(BUG1, List.of(p), BUG1_BUDGET);
        assertNull(f, () -> p + ": " + f.result().fatal().report());
        // (seed 236, inside the budget, once reported a false invariant violation here: munmap dirtied a
        // page after dropping the page-table lock, behind a writeback that had just cleaned it)
        Explorer.Found g = within(BUG1_NO_RECLAIM, List.of(p), BUG1_NO_RECLAIM_BUDGET);
        assertNull(g, () -> p + ": " + g.result().fatal().report());
    }

    @Test
    void keepingTheBuffersRemovesTheCrashButNotTheSecondVariantWithin50And250Schedules() {
        // Dan Williams' deferral, and 6.4's pin-aware reclaim, keep the buffers: no BUG, but the page is
        // still dirtied without page_mkwrite since writeback cleaned it — the invariant checker sees it
        for (List<String> fix : List.of(List.of("+defer-buffer-release-to-last-put"),
                List.of("+gup-pin-tracking", "+dio-uses-pins", "+vmscan-skip-pinned-private"))) {
            Explorer.Found f = within(BUG1, fix, BUG1_BUDGET);
            assertTrue(f == null || f.result().fatal().kind() != Failure.Kind.BUG,
                    () -> fix + " must not crash: " + f.result().fatal().report());
            assertKind(Failure.Kind.INVARIANT, within(BUG1_NO_RECLAIM, fix, BUG1_NO_RECLAIM_BUDGET), fix + " on the second variant");
        }
    }

    @Test
    void bug1WarnInsteadOfBugLosesTheDataAndTheOracleSeesItWithin50Schedules() {
        Explorer.Found f = within(BUG1, List.of("+ext4-warn-not-bug-on-dirty-no-buffers"), BUG1_BUDGET);
        assertKind(Failure.Kind.CORRUPTION, f, "the crash goes, but the data read by direct I/O is lost");
        assertTrue(f.result().dmesg().contains("does not have buffers attached"), f.result().dmesg());
        assertTrue(f.result().fatal().title().startsWith("data corruption: /file1"), f.result().fatal().title());
    }

    // bug 3: found today after 35 schedules

    private static final String BUG3 = "fault-vs-writepages-memcg-deadlock";

    @Test
    void bug3IsFoundWithin200SchedulesAndNotWithItsFixes() throws Exception {
        Explorer.Found f = within(BUG3, List.of(), BUG3_BUDGET);
        assertKind(Failure.Kind.DEADLOCK, f, "found within the budget on 4.20");
        for (String p : List.of("+memcg-prealloc-pte", "+ext4-submit-bio-on-trylock-fail", "+ext4-bio-per-page",
                "+ext4-writepages-plug-callback", "+vmscan-no-writeback-wait-legacy-memcg")) {
            Explorer.Found g = within(BUG3, List.of(p), BUG3_BUDGET);
            assertNull(g, () -> p + ": " + g.result().fatal().report());
        }
        // cgroup v2 (configuration, not a patch): the same workload with its memcg on the unified hierarchy
        Scenario v1 = Scenarios.byName(BUG3);
        String text = v1.text().replace("memcg app 160k v1", "memcg app 160k v2");
        assertNotEquals(v1.text(), text, "the scenario declares its memcg as v1");
        Scenario v2 = new Scenario(v1.name(), v1.description(), v1.bug(),
                org.faultline.tools.workload.Workload.parse(text, v1.name() + ".wl"), text);
        Explorer.Found g = within(v2, List.of(), BUG3_BUDGET);
        assertNull(g, () -> "memcg v2: " + g.result().fatal().report());
    }

    // bug 4: found today after 50 schedules; the page-reuse variant after 1,163

    private static final String BUG4 = "writeback-stale-wake-bug-on";
    private static final String BUG4_REUSE = "writeback-stale-wake-page-reuse";

    @Test
    void bug4IsFoundWithin400SchedulesAndNotWithItsFixes() {
        Explorer.Found f = within(BUG4, List.of(), BUG4_BUDGET);
        assertKind(Failure.Kind.BUG, f, "found within the budget on 5.10");
        assertEquals("kernel BUG at mm/page-writeback.c!", f.result().fatal().title());
        for (String p : List.of("+wait-on-page-writeback-loops", "+clear-and-wake-atomic", "+page-wait-recheck")) {
            Explorer.Found g = within(BUG4, List.of(p), BUG4_BUDGET);
            assertNull(g, () -> p + ": " + g.result().fatal().report());
        }
    }

    @Test
    void holdingAReferenceAcrossClearAndWakeRemovesOnlyThePageReuseVariantWithin3500Schedules() {
        // 5.10 has 073861ed77b6 (end-page-writeback-get-page): the stale wake-up of a live page is found
        // above all the same. The reuse variant takes it out (5.10-rc) and is found; with it back, the
        // frame cannot be freed between clear and wake, and nothing is found
        assertTrue(Scenarios.byName(BUG4).kernel(null, List.of()).has(MmPatch.END_PAGE_WRITEBACK_GET_PAGE));
        Explorer.Found f = within(BUG4_REUSE, List.of(), BUG4_REUSE_BUDGET);
        assertKind(Failure.Kind.BUG, f, "the reuse variant found within the budget");
        assertEquals("kernel BUG at mm/page-writeback.c!", f.result().fatal().title());
        for (String p : List.of("+end-page-writeback-get-page", "+wait-on-page-writeback-loops", "+clear-and-wake-atomic",
                "+page-wait-recheck")) {
            Explorer.Found g = within(BUG4_REUSE, List.of(p), BUG4_REUSE_BUDGET);
            assertNull(g, () -> p + ": " + g.result().fatal().report());
        }
    }
}
