package org.faultline.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The benchmark statistics against known values: medians, exact Mann–Whitney p-values, verdicts. */
class StatsTest {
    @Test
    void medians() {
        assertEquals(2, Stats.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}));
    }

    @Test
    void exactMannWhitneyMatchesTheTables() {
        // complete separation: 2 of the C(10,5) = 252 splits are as extreme (U = 0 and U = 25)
        assertEquals(2.0 / 252, Stats.mannWhitneyP(new double[] {1, 2, 3, 4, 5}, new double[] {6, 7, 8, 9, 10}), 1e-12);
        // 3 and 3: 2 of 20
        assertEquals(0.1, Stats.mannWhitneyP(new double[] {1, 2, 3}, new double[] {4, 5, 6}), 1e-12);
        // identical samples: nothing is more central
        assertEquals(1.0, Stats.mannWhitneyP(new double[] {5, 5, 5}, new double[] {5, 5, 5}), 1e-12);
        // interleaved at the centre: U = 8 of 16, p = 1
        assertEquals(1.0, Stats.mannWhitneyP(new double[] {1, 4, 5, 8}, new double[] {2, 3, 6, 7}), 1e-12);
        // U = 10.5 of 25 (a tie counts half): |U - 12.5| >= 2 in 188 of the 252 splits
        assertEquals(188.0 / 252, Stats.mannWhitneyP(new double[] {1, 3, 5, 7, 9}, new double[] {2, 4, 6, 8, 9}), 1e-12);
    }

    @Test
    void largeSamplesUseTheNormalApproximation() {
        double[] a = new double[15];
        double[] b = new double[15];
        for (int i = 0; i < 15; i++) {
            a[i] = i;
            b[i] = i + 100;
        }
        double p = Stats.mannWhitneyP(a, b);
        assertTrue(p > 0 && p < 1e-4, "p " + p);
    }

    @Test
    void aClearSlowdownIsReportedWithItsInterval() {
        double[] a = {100, 102, 98, 101, 99};
        double[] b = {80, 82, 79, 81, 78};
        Stats.Verdict v = Stats.compare(a, b, 1);
        assertTrue(v.differ());
        assertEquals(0.80, v.ratio(), 1e-9);
        assertTrue(v.ciLow() < 0.80 && v.ciHigh() > 0.78 && v.ciHigh() < 0.85, v.toString());
        assertTrue(v.text("A", "B").startsWith("B is 20% slower than A (95% CI "), v.text("A", "B"));
        assertEquals(v, Stats.compare(a, b, 1), "the same seed, the same interval");
    }

    @Test
    void noiseIsNoDifference() {
        double[] a = {100, 140, 90, 120, 110};
        double[] b = {105, 95, 135, 115, 125};
        Stats.Verdict v = Stats.compare(a, b, 1);
        assertFalse(v.differ(), v.toString());
        assertTrue(v.text("A", "B").startsWith("B vs A: no difference detected ("), v.text("A", "B"));
        assertTrue(v.ciLow() < 1 && v.ciHigh() > 1, v.toString());
    }
}
