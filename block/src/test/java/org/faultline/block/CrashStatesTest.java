package org.faultline.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.faultline.kernel.Prng;
import org.junit.jupiter.api.Test;

class CrashStatesTest {
    private static long seq;

    private static WriteLogDriver.Entry write(long sector, int flags, int value) {
        return new WriteLogDriver.Entry(++seq, Bio.Op.WRITE, sector, flags, new byte[] {(byte) value});
    }

    private static WriteLogDriver.Entry flush() {
        return new WriteLogDriver.Entry(++seq, Bio.Op.FLUSH, 0, Bio.REQ_PREFLUSH, new byte[0]);
    }

    /** The media after a crash at {@code crash} with {@code keep}: sector -> last value written. */
    private static TreeMap<Long, Integer> media(List<WriteLogDriver.Entry> log, int crash, BitSet keep) {
        TreeMap<Long, Integer> m = new TreeMap<>();
        CrashStates.apply(log, crash, keep, (sector, data) -> m.put(sector, (int) data[0]));
        return m;
    }

    @Test
    void aFlushMakesEarlierWritesDurableAndFuaIsDurableAtOnce() {
        // 0: w s1=1, 1: w s2=2, 2: flush, 3: w s1=3, 4: w FUA s3=4, 5: w PREFLUSH s2=5, 6: w s4=6
        List<WriteLogDriver.Entry> log = List.of(write(1, 0, 1), write(2, 0, 2), flush(), write(1, 0, 3),
                write(3, Bio.REQ_FUA, 4), write(2, Bio.REQ_PREFLUSH, 5), write(4, 0, 6));
        assertEquals(List.of(2, 4, 5), CrashStates.persistencePoints(log));
        assertEquals(List.of(0, 1), CrashStates.inFlight(log, 1), "nothing flushed yet");
        assertEquals(List.of(3), CrashStates.inFlight(log, 4), "the FUA write is not in flight");
        // entry 5's PREFLUSH made entry 3 durable; its own data and entry 6 are in flight
        assertEquals(List.of(5, 6), CrashStates.inFlight(log, 6));
        TreeMap<Long, Integer> none = media(log, 6, new BitSet());
        assertEquals(Integer.valueOf(3), none.get(1L));
        assertEquals(Integer.valueOf(2), none.get(2L), "the PREFLUSH write itself did not survive");
        assertEquals(Integer.valueOf(4), none.get(3L));
        assertEquals(null, none.get(4L));
        BitSet second = new BitSet();
        second.set(1);
        TreeMap<Long, Integer> some = media(log, 6, second);
        assertEquals(Integer.valueOf(2), some.get(2L));
        assertEquals(Integer.valueOf(6), some.get(4L));
    }

    @Test
    void survivingWritesToOneSectorApplyInCompletionOrder() {
        List<WriteLogDriver.Entry> log = List.of(flush(), write(7, 0, 1), write(7, 0, 2));
        BitSet both = new BitSet();
        both.set(0, 2);
        assertEquals(Integer.valueOf(2), media(log, 2, both).get(7L));
        BitSet first = new BitSet();
        first.set(0);
        assertEquals(Integer.valueOf(1), media(log, 2, first).get(7L), "the older write alone may survive");
    }

    @Test
    void subsetsAreBoundedDistinctAndBeginWithNoneAndAll() {
        List<BitSet> few = CrashStates.subsets(3, 100, new Prng(1));
        assertEquals(8, few.size(), "every subset of three writes");
        assertEquals(8, new HashSet<>(few).size());
        List<BitSet> many = CrashStates.subsets(40, 16, new Prng(2));
        assertEquals(16, many.size());
        assertTrue(many.get(0).isEmpty());
        assertEquals(40, many.get(1).cardinality());
        Set<BitSet> distinct = new HashSet<>(many);
        assertEquals(16, distinct.size());
        List<BitSet> again = CrashStates.subsets(40, 16, new Prng(2));
        assertEquals(many, again, "seeded: the same states every time");
        assertEquals(new ArrayList<>(List.of(new BitSet())), CrashStates.subsets(0, 10, new Prng(3)));
    }
}
