package org.faultline.kernel;

import java.util.Arrays;

/**
 * A recorded controlled execution: the seed it was explored with, every scheduling choice (the pid
 * picked at each decision point that had two or more runnable tasks), every random value handed
 * out, and a digest of the runnable sets seen, so a replay can tell that it diverged.
 *
 * <p>Text form (copy-pasteable, one line): {@code fl1:SEED:DIGEST:CHOICES[:RANDOMS]} where CHOICES is
 * a dot-separated run-length list of pids ({@code 3*12.5.3*2} = pid 3 twelve times, 5 once, 3 twice),
 * DIGEST is hex, and RANDOMS is a dot-separated list of hex values.
 */
public final class Schedule {
    private static final String MAGIC = "fl1";

    private final long seed;
    private final int[] choices;
    private final long[] randoms;
    private final long digest;

    public Schedule(long seed, int[] choices, long[] randoms, long digest) {
        this.seed = seed;
        this.choices = choices.clone();
        this.randoms = randoms.clone();
        this.digest = digest;
    }

    public long seed() {
        return seed;
    }

    /** Pids chosen at each decision point, in order. */
    public int[] choices() {
        return choices.clone();
    }

    int choice(int i) {
        return choices[i];
    }

    int choiceCount() {
        return choices.length;
    }

    long random(int i) {
        return randoms[i];
    }

    int randomCount() {
        return randoms.length;
    }

    /** FNV digest over every runnable set seen at a decision point. */
    public long digest() {
        return digest;
    }

    /** The one-line text form. */
    public String encode() {
        StringBuilder sb = new StringBuilder(MAGIC).append(':').append(seed).append(':')
                .append(Long.toHexString(digest)).append(':');
        for (int i = 0; i < choices.length; ) {
            int j = i;
            while (j < choices.length && choices[j] == choices[i]) {
                j++;
            }
            if (i > 0) {
                sb.append('.');
            }
            sb.append(choices[i]);
            if (j - i > 1) {
                sb.append('*').append(j - i);
            }
            i = j;
        }
        if (randoms.length > 0) {
            sb.append(':');
            for (int i = 0; i < randoms.length; i++) {
                sb.append(i == 0 ? "" : ".").append(Long.toHexString(randoms[i]));
            }
        }
        return sb.toString();
    }

    /**
     * Parses the text form.
     *
     * @throws IllegalArgumentException with a one-line reason when the text is not a schedule
     */
    public static Schedule decode(String text) {
        String t = text.strip();
        String[] parts = t.split(":", -1);
        if (parts.length < 4 || parts.length > 5 || !parts[0].equals(MAGIC)) {
            throw new IllegalArgumentException("not a Faultline schedule (expected fl1:SEED:DIGEST:CHOICES[:RANDOMS])");
        }
        try {
            long seed = Long.parseLong(parts[1]);
            long digest = Long.parseUnsignedLong(parts[2], 16);
            int[] ch = new int[16];
            int n = 0;
            if (!parts[3].isEmpty()) {
                for (String tok : parts[3].split("\\.")) {
                    int star = tok.indexOf('*');
                    int pid = Integer.parseInt(star < 0 ? tok : tok.substring(0, star));
                    int count = star < 0 ? 1 : Integer.parseInt(tok.substring(star + 1));
                    if (pid <= 0 || count <= 0) {
                        throw new IllegalArgumentException("bad schedule step '" + tok + "'");
                    }
                    while (n + count > ch.length) {
                        ch = Arrays.copyOf(ch, ch.length * 2);
                    }
                    Arrays.fill(ch, n, n + count, pid);
                    n += count;
                }
            }
            long[] rs = new long[0];
            if (parts.length == 5 && !parts[4].isEmpty()) {
                String[] toks = parts[4].split("\\.");
                rs = new long[toks.length];
                for (int i = 0; i < toks.length; i++) {
                    rs[i] = Long.parseUnsignedLong(toks[i], 16);
                }
            }
            return new Schedule(seed, Arrays.copyOf(ch, n), rs, digest);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad schedule: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return encode();
    }

    /** Collects a schedule while a controlled execution runs. */
    static final class Recorder {
        private int[] choices = new int[256];
        private int nChoices;
        private long[] randoms = new long[8];
        private int nRandoms;
        private long digest = 0xcbf29ce484222325L;

        void choice(int pid) {
            if (nChoices == choices.length) {
                choices = Arrays.copyOf(choices, nChoices * 2);
            }
            choices[nChoices++] = pid;
        }

        void random(long v) {
            if (nRandoms == randoms.length) {
                randoms = Arrays.copyOf(randoms, nRandoms * 2);
            }
            randoms[nRandoms++] = v;
        }

        /** Folds one runnable set (pids ascending) into the digest. */
        void runnableSet(int[] pids, int n) {
            long d = digest;
            for (int i = 0; i < n; i++) {
                d = (d ^ pids[i]) * 0x100000001b3L;
            }
            digest = (d ^ 0xff) * 0x100000001b3L;
        }

        long digest() {
            return digest;
        }

        Schedule build(long seed) {
            return new Schedule(seed, Arrays.copyOf(choices, nChoices), Arrays.copyOf(randoms, nRandoms), digest);
        }
    }
}
