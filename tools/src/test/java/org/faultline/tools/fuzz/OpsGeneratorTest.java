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
        assertEquals(want, seen);
        assertTrue(direct512, "512-aligned (not 4k-aligned) writes");
        assertTrue(fill, "near-full phases");
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
