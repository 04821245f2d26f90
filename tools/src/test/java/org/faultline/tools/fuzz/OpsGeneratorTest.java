package org.faultline.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.faultline.tools.workload.Workload;
import org.junit.jupiter.api.Test;

class OpsGeneratorTest {
    private final OpsGenerator gen = new OpsGenerator(OpsGenerator.Options.defaults().withFillPercent(50));

    @Test
    void theSameSeedGivesTheSameSequenceAndNearbySeedsDiffer() {
        assertEquals(gen.generate(7).text(), gen.generate(7).text());
        assertNotEquals(gen.generate(7).ops().subList(0, 10), gen.generate(8).ops().subList(0, 10));
    }

    @Test
    void everySequenceParsesIsValidAndUsesEveryKind() throws Exception {
        Set<Op.Kind> seen = EnumSet.noneOf(Op.Kind.class);
        boolean direct512 = false;
        boolean fill = false;
        for (long s = 0; s < 40; s++) {
            OpsSequence q = gen.generate(s);
            assertEquals(100, q.ops().size(), "seed " + s);
            Workload.parse(q.text(), "seed" + s + ".wl");
            assertEquals(q.ops(), Model.normalize(q.ops()), "every statement valid where it stands, seed " + s);
            for (Op op : q.ops()) {
                seen.add(op.kind());
                direct512 |= op.kind() == Op.Kind.WRITE && op.off() % 4096 != 0 && op.off() % 512 == 0 && op.len() % 512 == 0;
                fill |= "ENOSPC|ok".equals(op.expect());
            }
        }
        Set<Op.Kind> want = EnumSet.allOf(Op.Kind.class);
        want.remove(Op.Kind.WRITE_UNCHECKED); // a debugging aid, never generated
        want.remove(Op.Kind.BARRIER); // several tasks only
        assertEquals(want, seen);
        assertTrue(direct512, "512-aligned (not 4k-aligned) writes");
        assertTrue(fill, "near-full phases");
    }

    @Test
    void multiTaskSequencesParseWithBarriersAndDisjointDirectories() throws Exception {
        OpsGenerator g = new OpsGenerator(OpsGenerator.Options.defaults().withTasks(3));
        for (long s = 0; s < 20; s++) {
            OpsSequence q = g.generate(s);
            Workload w = Workload.parse(q.text(), "mt" + s + ".wl");
            assertEquals(3, w.tasks().size());
            assertEquals(java.util.Set.of("phase1", "phase2"), w.barriers().keySet());
            assertEquals(q.ops(), Model.normalize(q.ops()), "seed " + s);
            for (Op op : q.ops()) {
                assertTrue(op.path() == null || op.path().startsWith("/t" + op.task()), op::text);
                assertTrue(op.expect() == null || !op.expect().contains("ENOSPC"), "no near-full phase with several tasks");
            }
            // dropping a task's barrier drops it from every task (a barrier one task names does not parse)
            var l = new java.util.ArrayList<>(q.ops());
            l.removeIf(o -> o.kind() == Op.Kind.BARRIER && o.task() == 1 && o.h().equals("phase1"));
            Workload.parse(q.withOps(Model.normalize(l)).text(), "mt" + s + "-shrunk.wl");
        }
    }

    @Test
    void normalizeDropsTheDependentsOfADroppedOpen() {
        OpsSequence q = gen.generate(3);
        Op firstOpen = q.ops().stream().filter(o -> o.kind() == Op.Kind.OPEN).findFirst().orElseThrow();
        var without = new java.util.ArrayList<>(q.ops());
        without.remove(firstOpen);
        for (Op o : Model.normalize(without)) {
            if (firstOpen.h().equals(o.h()) && o.kind() != Op.Kind.OPEN) {
                // a later open of the same handle name may have made it valid again
                assertTrue(Model.normalize(without).stream().anyMatch(x -> x.kind() == Op.Kind.OPEN && x.h().equals(o.h())));
            }
        }
    }
}
