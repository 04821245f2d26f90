package org.faultline.tools.bench;

import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;
import org.faultline.kernel.Prng;

/**
 * The statistics of an A/B benchmark: medians, and whether B differs from A — a Mann–Whitney U test
 * (exact over every split of the runs when there are few, commons-math3's normal approximation
 * otherwise) and a bootstrap 95% confidence interval of the ratio of the medians (seeded, so the same
 * figures give the same interval). The verdict says a difference only when the test rejects at 5% and
 * the interval excludes no change.
 */
public final class Stats {
    /** Bootstrap resamples. */
    public static final int RESAMPLES = 10_000;
    /** Exact Mann–Whitney up to this many splits; the normal approximation beyond. */
    private static final long EXACT_SPLITS = 200_000;

    private Stats() {
    }

    /** The median (the mean of the middle two for an even count). */
    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /**
     * The comparison of B with A on a metric where higher is better (throughput).
     *
     * @param ratio  median(B) / median(A)
     * @param ciLow  the bootstrap interval's 2.5th percentile of the ratio
     * @param ciHigh its 97.5th
     * @param p      the two-sided Mann–Whitney p-value
     * @param differ whether a difference is detected (p &lt; 0.05 and the interval excludes 1)
     */
    public record Verdict(double ratio, double ciLow, double ciHigh, double p, boolean differ) {
        /**
         * "B is 18% slower than A (95% CI -24% to -12%, p 0.008)", or "B vs A: no difference detected
         * (-3%, 95% CI ...)".
         */
        public String text(String a, String b) {
            String ci = String.format(Locale.ROOT, "95%% CI %s to %s, p %.3f", pct(ciLow), pct(ciHigh), p);
            if (!differ) {
                return b + " vs " + a + ": no difference detected (" + pct(ratio) + ", " + ci + ")";
            }
            double d = Math.abs(ratio - 1) * 100;
            return String.format(Locale.ROOT, "%s is %.0f%% %s than %s (%s)", b, d, ratio < 1 ? "slower" : "faster", a, ci);
        }

        /**
         * The verdict on a metric named {@code metric}: for a rate (higher is better) as {@link
         * #text(String, String)} says it; for a cost (CPU per GiB, a latency: lower is better) "B's
         * METRIC is 18% higher (worse) than A's (...)".
         */
        public String text(String a, String b, String metric, boolean higherBetter) {
            if (higherBetter || !differ) {
                return metric + ": " + text(a, b);
            }
            String ci = String.format(Locale.ROOT, "95%% CI %s to %s, p %.3f", pct(ciLow), pct(ciHigh), p);
            double d = Math.abs(ratio - 1) * 100;
            return String.format(Locale.ROOT, "%s: %s is %.0f%% %s than %s (%s)", metric, b, d,
                    ratio > 1 ? "higher (worse)" : "lower (better)", a, ci);
        }

        private static String pct(double r) {
            return String.format(Locale.ROOT, "%+.0f%%", (r - 1) * 100);
        }
    }

    /** Compares runs {@code b} with runs {@code a} (higher is better); {@code seed} fixes the bootstrap. */
    public static Verdict compare(double[] a, double[] b, long seed) {
        if (a.length < 2 || b.length < 2) {
            throw new IllegalArgumentException("at least two runs of each");
        }
        double ratio = median(b) / median(a);
        double[] ratios = new double[RESAMPLES];
        Prng rng = new Prng(seed);
        double[] ra = new double[a.length];
        double[] rb = new double[b.length];
        for (int i = 0; i < RESAMPLES; i++) {
            for (int j = 0; j < a.length; j++) {
                ra[j] = a[(int) Long.remainderUnsigned(rng.nextLong(), a.length)];
            }
            for (int j = 0; j < b.length; j++) {
                rb[j] = b[(int) Long.remainderUnsigned(rng.nextLong(), b.length)];
            }
            ratios[i] = median(rb) / median(ra);
        }
        Percentile pc = new Percentile();
        double lo = pc.evaluate(ratios, 2.5);
        double hi = pc.evaluate(ratios, 97.5);
        double p = mannWhitneyP(a, b);
        return new Verdict(ratio, lo, hi, p, p < 0.05 && (lo > 1 || hi < 1));
    }

    /**
     * The two-sided Mann–Whitney U p-value: exact (every way to split the pooled runs into groups of
     * the two sizes, ties counted half) when there are at most {@value #EXACT_SPLITS} splits, else
     * commons-math3's normal approximation.
     */
    public static double mannWhitneyP(double[] a, double[] b) {
        int n = a.length;
        int m = b.length;
        if (binomial(n + m, n) > EXACT_SPLITS) {
            return new MannWhitneyUTest().mannWhitneyUTest(a, b);
        }
        double[] pooled = new double[n + m];
        System.arraycopy(a, 0, pooled, 0, n);
        System.arraycopy(b, 0, pooled, n, m);
        double observed = Math.abs(u(a, b) - n * m / 2.0);
        long total = 0;
        long asExtreme = 0;
        int[] pick = new int[n];
        for (int i = 0; i < n; i++) {
            pick[i] = i;
        }
        boolean[] inA = new boolean[n + m];
        double[] xa = new double[n];
        double[] xb = new double[m];
        while (true) {
            Arrays.fill(inA, false);
            for (int i : pick) {
                inA[i] = true;
            }
            int ia = 0;
            int ib = 0;
            for (int i = 0; i < n + m; i++) {
                if (inA[i]) {
                    xa[ia++] = pooled[i];
                } else {
                    xb[ib++] = pooled[i];
                }
            }
            total++;
            if (Math.abs(u(xa, xb) - n * m / 2.0) >= observed - 1e-9) {
                asExtreme++;
            }
            int k = n - 1; // the next combination of n indexes out of n + m
            while (k >= 0 && pick[k] == n + m - n + k) {
                k--;
            }
            if (k < 0) {
                break;
            }
            pick[k]++;
            for (int j = k + 1; j < n; j++) {
                pick[j] = pick[j - 1] + 1;
            }
        }
        return (double) asExtreme / total;
    }

    /** U of sample a: the pairs (x in a, y in b) with x &gt; y, ties counting half. */
    private static double u(double[] a, double[] b) {
        double u = 0;
        for (double x : a) {
            for (double y : b) {
                u += x > y ? 1 : x == y ? 0.5 : 0;
            }
        }
        return u;
    }

    private static long binomial(int n, int k) {
        long r = 1;
        for (int i = 1; i <= k; i++) {
            r = r * (n - k + i) / i;
            if (r > Long.MAX_VALUE / 64) {
                return Long.MAX_VALUE;
            }
        }
        return r;
    }
}
