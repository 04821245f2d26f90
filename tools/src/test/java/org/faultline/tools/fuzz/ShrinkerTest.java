package org.faultline.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.faultline.kernel.KernelProfile;
import org.junit.jupiter.api.Test;

/** The shrinker reduces a sequence that changes a file behind the oracle's back to a few statements. */
class ShrinkerTest {
    @Test
    void aWriteUncheckedShrinksToAFewStatements() throws Exception {
        // plain buffered I/O only: the sequence without the unchecked write must pass
        Map<Op.Kind, Integer> mix = new EnumMap<>(Op.Kind.class);
        mix.put(Op.Kind.OPEN, 5);
        mix.put(Op.Kind.WRITE, 10);
        mix.put(Op.Kind.READ, 6);
        mix.put(Op.Kind.CLOSE, 2);
        mix.put(Op.Kind.FSYNC, 2);
        mix.put(Op.Kind.STAT, 2);
        mix.put(Op.Kind.MKDIR, 1);
        OpsGenerator gen = new OpsGenerator(OpsGenerator.Options.defaults().withOps(60).withMix(mix).withFillPercent(0));
        List<Op> ops = new ArrayList<>();
        for (Op o : gen.generate(11).ops()) {
            ops.add(o.kind() == Op.Kind.OPEN ? new Op(o.kind(), o.h(), o.m(), o.path(), o.path2(), o.off(), o.len(), o.moff(),
                    o.bits() & ~(Op.O_DIRECT | Op.O_TRUNC | Op.O_APPEND), o.data(), o.expect()) : o);
        }
        ops = Model.normalize(ops);
        Path scratch = Files.createDirectories(Path.of("target", "test-scratch", "shrinker").toAbsolutePath());
        SequenceChecker checker = new SequenceChecker(new SequenceChecker.Options(KernelProfile.byName("6.6"), false, false,
                false, scratch));
        OpsSequence clean = new OpsSequence(11, 32L << 20, 32L << 20, ops);
        assertTrue(checker.check(clean).ok(), () -> "the base sequence passes: " + checker.check(clean).findings());

        // after the first write, write 100 bytes behind the oracle's back where no later statement writes
        // (nothing truncates, unlinks or replaces a file in this mix)
        int at = -1;
        for (int i = 0; i < ops.size() && at < 0; i++) {
            if (ops.get(i).kind() == Op.Kind.WRITE) {
                at = i + 1;
            }
        }
        Op w = ops.get(at - 1);
        List<Op> bad = new ArrayList<>(ops);
        bad.add(at, new Op(Op.Kind.WRITE_UNCHECKED, w.h(), null, null, null, Model.MAX_FILE, 100, -1, 0, "byte=0x5a", null));
        OpsSequence failing = clean.withOps(bad);
        SequenceChecker.Result r = checker.check(failing);
        assertEquals(List.of(Finding.Kind.DATA_CORRUPTION), r.findings().stream().map(Finding::kind).toList(),
                failing::text);

        Shrinker.Outcome o = new Shrinker(checker, 300).shrink(failing, r.first());
        List<Op> min = o.minimal().ops();
        assertTrue(min.size() <= 4, () -> "shrunk to " + min.size() + " statements:\n" + o.minimal().text());
        assertTrue(min.stream().anyMatch(x -> x.kind() == Op.Kind.WRITE_UNCHECKED), o.minimal().text());
        assertEquals(Finding.Kind.DATA_CORRUPTION, o.finding().kind());
        assertTrue(checker.check(o.minimal()).has(Finding.Kind.DATA_CORRUPTION), "the minimal sequence still fails");
    }
}
