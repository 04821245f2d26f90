package org.faultline.kernel;

import java.util.Arrays;

/**
 * A recorded controlled execution: the seed it was explored with, every scheduling choice (the pid
 * picked at each decision point that had two or more runnable tasks), every random value handed
 * out, a digest of the runnable sets seen, so a replay can tell that it diverged, and a tag its
 * owner sets to say what it was recorded on (the tools put the workload's digest there; 0: none).
 *
 * <p>Text form (copy-pasteable, one line): {@code fl2:SEED:TAG:DIGEST:CHOICES:RANDOMS:CHECK} where
 * CHOICES is a dot-separated run-length list of pids ({@code 3*12.5.3*2} = pid 3 twelve times, 5
 * once, 3 twice), TAG and DIGEST are hex, RANDOMS is a dot-separated list of hex values (may be
 * empty), and CHECK is the CRC-32C of everything before its colon, eight lower-case hex digits: a
 * schedule changed or cut short anywhere is refused rather than replayed as something else.
 */
public final class Schedule {
    private static final String MAGIC = "fl2";
    private static final String FORM = "fl2:SEED:TAG:DIGEST:CHOICES:RANDOMS:CHECK";

    private final long seed;
    private final int[] choices;
    private final long[] randoms;
    private final long digest;
    private final long tag;

    public Schedule(long seed, int[] choices, long[] randoms, long digest) {
        this(seed, choices, randoms, digest, 0);
    }

    private Schedule(long seed, int[] choices, long[] randoms, long digest, long tag) {
        this.seed = seed;
        this.choices = choices.clone();
        this.randoms = randoms.clone();
        this.digest = digest;
        this.tag = tag;
    }

    /** This schedule, tagged with what it was recorded on. */
    public Schedule withTag(long t) {
        return new Schedule(seed, choices, randoms, digest, t);
    }

    /** What the schedule was recorded on (the owner's meaning), or 0. */
    public long tag() {
        return tag;
    }

    public long seed() {
        return seed;
    }

    public int choice(int i) {
        return choices[i];
    }

    public int choiceCount() {
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
                .append(Long.toHexString(tag)).append(':').append(Long.toHexString(digest)).append(':');
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
        sb.append(':');
        for (int i = 0; i < randoms.length; i++) {
            sb.append(i == 0 ? "" : ".").append(Long.toHexString(randoms[i]));
        }
        String check = check(sb);
        return sb.append(':').append(check).toString();
    }

    /** CHECK: the CRC-32C of {@code text}, eight lower-case hex digits. */
    public static String check(CharSequence text) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue());
    }

    /**
     * Parses the text form.
     *
     * @throws IllegalArgumentException with a one-line reason when the text is not a schedule, or
     *                                  was changed since it was written
     */
    public static Schedule decode(String text) {
        String t = text.strip();
        if (t.startsWith("fl1:")) {
            throw new IllegalArgumentException("an fl1 schedule (saved by an older Faultline) carries no checksum "
                    + "and cannot be verified; explore again to save an fl2 one");
        }
        int last = t.lastIndexOf(':');
        if (!t.startsWith(MAGIC + ":") || last < 0) {
            throw new IllegalArgumentException("not a Faultline schedule (expected " + FORM + ")");
        }
        if (!t.substring(last + 1).equals(check(t.substring(0, last)))) {
            throw new IllegalArgumentException("the schedule's checksum does not match: it was changed, cut short or "
                    + "mistyped since explore wrote it; copy the whole schedule line explore saved");
        }
        String[] parts = t.substring(0, last).split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a Faultline schedule (expected " + FORM + ")");
        }
        long seed = field(parts[1], "SEED", false);
        long tag = field(parts[2], "TAG", true);
        long digest = field(parts[3], "DIGEST", true);
        int[] ch = new int[16];
        int n = 0;
        if (!parts[4].isEmpty()) {
            String[] toks = parts[4].split("\\.", -1);
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
        if (!parts[5].isEmpty()) {
            String[] toks = parts[5].split("\\.", -1);
            rs = new long[toks.length];
            for (int i = 0; i < toks.length; i++) {
                rs[i] = field(toks[i], "random value " + (i + 1), true);
            }
        }
        return new Schedule(seed, Arrays.copyOf(ch, n), rs, digest, tag);
    }

    /** The most choices a decoded schedule may hold (far above any saved one; bounds a mistyped count). */
    static final int MAX_DECODED_STEPS = 1 << 26;

    private static long field(String v, String what, boolean hex) {
        try {
            return hex ? Long.parseUnsignedLong(v, 16) : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad schedule: " + what + " '" + v + "' is not a " + (hex ? "hex " : "")
                    + "number (" + FORM + "); copy the whole schedule line explore saved");
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
