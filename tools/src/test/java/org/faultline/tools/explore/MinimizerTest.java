package org.faultline.tools.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.faultline.kernel.Replay;
import org.faultline.kernel.RunResult;
import org.junit.jupiter.api.Test;

/** A minimised schedule has no more preemptions than the one found, and replays to the same failure. */
class MinimizerTest {
    @Test
    void theMinimalScheduleReplaysToTheSameFailureWithNoMorePreemptions() {
        for (String name : List.of("mkwrite-not-uptodate-after-eio", "writeback-stale-wake-page-reuse")) {
            Scenario sc = Scenarios.byName(name);
            Explorer ex = new Explorer(sc, sc.kernel(null, List.of()), 200_000);
            Explorer.Found f = ex.explore(0, 3000, Explorer.strategies("pct", 3, ex.pctLength(0)), (i, failed) -> { });
            assertNotNull(f, name + " is found within 3000 schedules");
            Minimizer.Result m = Minimizer.minimize(ex, f.result().schedule(), 200);
            assertTrue(m.after() <= m.before() && m.runs() <= 200, name + ": " + m.before() + " -> " + m.after());
            RunResult again = ex.run(new Replay(m.schedule()));
            assertNotNull(again.fatal(), name);
            assertEquals(f.result().fatal().kind(), again.fatal().kind(), name);
            assertEquals(f.result().fatal().title(), again.fatal().title(), name);
        }
    }

    @Test
    void theReducedWorkloadIsNoLongerAndFailsTheSameWay() {
        Scenario sc = Scenarios.byName("mkwrite-not-uptodate-after-eio");
        var prof = sc.kernel(null, List.of());
        Explorer ex = new Explorer(sc, prof, 200_000);
        java.util.function.LongFunction<org.faultline.kernel.Strategy> strategies = Explorer.strategies("pct", 3, ex.pctLength(0));
        Explorer.Found f = ex.explore(0, 200, strategies, (i, failed) -> { });
        assertNotNull(f);
        String sig = f.result().fatal().kind() + " " + f.result().fatal().title();
        WorkloadReducer.Result r = WorkloadReducer.reduce(sc, prof, 200_000, strategies, 100, sig, 60, line -> { });
        assertTrue(r.after() < r.before(), "a statement goes: " + r.before() + " -> " + r.after() + "\n" + r.text());
        assertTrue(!r.text().contains(" 4k "), "sizes shrink (the scenario writes and maps 4k):\n" + r.text());
        Scenario min = Scenarios.fromText("min", r.text());
        Explorer.Found again = new Explorer(min, prof, 200_000).explore(0, 100, strategies, (i, failed) -> { });
        assertNotNull(again, r.text());
        assertEquals(sig, again.result().fatal().kind() + " " + again.result().fatal().title(), r.text());
    }
}
