package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.TreeMap;
import java.util.TreeSet;
import org.faultline.kernel.Prng;
import org.junit.jupiter.api.Test;

/** The page-cache tree against a sorted-map model: loads, marks and marked searches agree. */
class XArrayTest {

    @Test
    void randomOperationsAgreeWithASortedModel() {
        for (long seed = 1; seed <= 6; seed++) {
            Prng r = new Prng(seed);
            // sparse and dense ranges, and indices large enough to need several levels
            long range = seed % 3 == 0 ? 300 : seed % 3 == 1 ? 70_000 : 1L << 40;
            XArray<Long> xa = new XArray<>();
            TreeMap<Long, Long> model = new TreeMap<>();
            @SuppressWarnings("unchecked")
            TreeSet<Long>[] marks = new TreeSet[] {new TreeSet<Long>(), new TreeSet<Long>(), new TreeSet<Long>()};
            for (int op = 0; op < 20_000; op++) {
                long i = r.nextLong(range);
                int m = r.nextInt(XArray.MAX_MARKS);
                switch (r.nextInt(6)) {
                    case 0, 1 -> {
                        assertEquals(model.put(i, i * 7), xa.store(i, i * 7));
                    }
                    case 2 -> {
                        assertEquals(model.remove(i), xa.erase(i));
                        for (TreeSet<Long> t : marks) {
                            t.remove(i);
                        }
                    }
                    case 3 -> {
                        xa.setMark(i, m);
                        if (model.containsKey(i)) {
                            marks[m].add(i);
                        }
                    }
                    case 4 -> {
                        xa.clearMark(i, m);
                        marks[m].remove(i);
                    }
                    default -> {
                        long end = i + r.nextLong(range / 4 + 1);
                        Long want = marks[m].ceiling(i);
                        assertEquals(want == null || want > end ? -1 : want, xa.findMarked(i, end, m), "marked from " + i);
                        Long key = model.ceilingKey(i);
                        assertEquals(key == null || key > end ? -1 : key, xa.find(i, end), "present from " + i);
                    }
                }
                assertEquals(model.get(i), xa.load(i));
                assertEquals(marks[m].contains(i), xa.getMark(i, m));
                assertEquals(!marks[m].isEmpty(), xa.marked(m));
                assertEquals(model.size(), xa.size());
            }
            // a full ordered walk visits exactly the model's keys
            long at = 0;
            for (long key : model.keySet()) {
                assertEquals(key, xa.find(at, Long.MAX_VALUE));
                at = key + 1;
            }
            assertEquals(-1, xa.find(at, Long.MAX_VALUE));
        }
    }

    @Test
    void erasingEverythingEmptiesTheTree() {
        XArray<String> xa = new XArray<>();
        for (long i = 0; i < 5000; i += 3) {
            xa.store(i, "p" + i);
            xa.setMark(i, 1);
        }
        xa.store(1L << 33, "far");
        for (long i = 0; i < 5000; i += 3) {
            assertEquals("p" + i, xa.erase(i));
        }
        assertFalse(xa.marked(1));
        assertEquals(1L << 33, xa.find(0, Long.MAX_VALUE));
        assertEquals("far", xa.erase(1L << 33));
        assertEquals(0, xa.size());
        assertEquals(-1, xa.find(0, Long.MAX_VALUE));
        assertNull(xa.load(0));
        xa.store(7, "again");
        assertTrue(xa.getMark(7, 1) == false && "again".equals(xa.load(7)));
    }
}
