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
        long seed = field(parts[1], "SEED", false);
        long digest = field(parts[2], "DIGEST", true);
        int[] ch = new int[16];
        int n = 0;
        if (!parts[3].isEmpty()) {
            String[] toks = parts[3].split("\\.", -1);
            for (int i = 0; i < toks.length; i++) {
                String tok = toks[i];
                int star = tok.indexOf('*');
                long pid = step(star < 0 ? tok : tok.substring(0, star), i, tok);
                long count = star < 0 ? 1 : step(tok.substring(star + 1), i, tok);
                if (pid > Integer.MAX_VALUE || count > MAX_DECODED_STEPS - n) {
                    throw new IllegalArgumentException("bad schedule: step " + (i + 1) + " '" + tok + "' makes it longer "
                            + "than " + MAX_DECODED_STEPS + " choices; copy the whole schedule line explore saved");
                }
                while (n + count > ch.length) {
                    ch = Arrays.copyOf(ch, (int) Math.min(MAX_DECODED_STEPS, ch.length * 2L));
                }
                Arrays.fill(ch, n, n + (int) count, (int) pid);
                n += (int) count;
            }
        }
        long[] rs = new long[0];
        if (parts.length == 5 && !parts[4].isEmpty()) {
            String[] toks = parts[4].split("\\.", -1);
            rs = new long[toks.length];
            for (int i = 0; i < toks.length; i++) {
                rs[i] = field(toks[i], "random value " + (i + 1), true);
            }
        }
        return new Schedule(seed, Arrays.copyOf(ch, n), rs, digest);
    }

    /** The most choices a decoded schedule may hold (far above any saved one; bounds a mistyped count). */
    static final int MAX_DECODED_STEPS = 1 << 26;

    private static long field(String v, String what, boolean hex) {
        try {
            return hex ? Long.parseUnsignedLong(v, 16) : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad schedule: " + what + " '" + v + "' is not a " + (hex ? "hex " : "")
                    + "number (fl1:SEED:DIGEST:CHOICES[:RANDOMS]); copy the whole schedule line explore saved");
        }
    }

    /** A pid or repeat count of CHOICES ({@code PID} or {@code PID*COUNT}), positive. */
    private static long step(String v, int index, String tok) {
        long x;
        try {
            x = Long.parseLong(v);
        } catch (NumberFormatException e) {
            x = -1;
        }
        if (x <= 0) {
            throw new IllegalArgumentException("bad schedule: step " + (index + 1) + " '" + tok + "' is not PID or "
                    + "PID*COUNT with positive numbers; copy the whole schedule line explore saved");
        }
        return x;
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
