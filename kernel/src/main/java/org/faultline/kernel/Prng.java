package org.faultline.kernel;

/**
 * SplitMix64 (Steele, Lea, Flood, OOPSLA 2014): the only source of randomness for strategies. Its own
 * code, so a seed means the same sequence on every JDK.
 */
public final class Prng {
    private long state;

    public Prng(long seed) {
        this.state = seed;
    }

    public long nextLong() {
        long z = (state += 0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, bound), bound &gt; 0. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        return (int) Long.remainderUnsigned(nextLong(), bound);
    }

    /** Uniform in [0, bound), bound &gt; 0. */
    public long nextLong(long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        return Long.remainderUnsigned(nextLong(), bound);
    }
}
