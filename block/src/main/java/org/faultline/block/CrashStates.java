package org.faultline.block;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.faultline.kernel.Prng;

/**
 * What a power cut can leave on a disk with a volatile write cache, from the block write log of a run
 * ({@link WriteLogDriver}, dm-log-writes): the model xfstests' log-writes replay and CrashMonkey
 * (Mohan et al., "Finding Crash-Consistency Bugs with Bounded Black-Box Crash Testing", OSDI 2018)
 * use.
 *
 * <p>A write that completed is in the device's cache; it is on the media for certain once a flush
 * completes after it ({@code REQ_OP_FLUSH}, or the {@code REQ_PREFLUSH} of a later write, which
 * flushes before that write's own data), or at once if it was written with {@code REQ_FUA}. A write
 * not yet durable when the power goes may or may not have reached the media: any subset of them, each
 * surviving write applied in completion order (so a later write to the same sectors wins over an
 * earlier one that also survived).
 *
 * <p>A <em>persistence point</em> is a log entry after which the media holds a known prefix: each
 * completed flush, and each FUA write. Crash states are built at each: the durable prefix plus a
 * bounded, seeded choice of subsets of the writes that completed after the point's previous flush
 * and are not yet durable — the in-flight writes a crash there can leave.
 *
 * <p>A write here is one entry of the log: one bio, as dm-log-writes logs them. The bios of one
 * merged request are separate writes, each kept or lost by itself (a device completes a request as a
 * whole, but its cache holds the sectors, not the request), so merging in the block layer never hides
 * a state.
 *
 * <p>Stateless; the log is read, never changed.
 */
public final class CrashStates {
    private CrashStates() {
    }

    /** Where the media of a crash state goes: the bytes of one write at its sector. */
    @FunctionalInterface
    public interface Target {
        void write(long sector, byte[] data);
    }

    /** Whether entry {@code e} flushes the cache before completing (a flush, or a write with REQ_PREFLUSH). */
    static boolean flushes(WriteLogDriver.Entry e) {
        return e.op() == Bio.Op.FLUSH || (e.flags() & Bio.REQ_PREFLUSH) != 0;
    }

    private static boolean fua(WriteLogDriver.Entry e) {
        return e.op() == Bio.Op.WRITE && (e.flags() & Bio.REQ_FUA) != 0;
    }

    /**
     * The persistence points of a log: the indexes of its flushes and FUA writes, in order.
     *
     * @param log entries in completion order
     */
    public static List<Integer> persistencePoints(List<WriteLogDriver.Entry> log) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < log.size(); i++) {
            if (flushes(log.get(i)) || fua(log.get(i))) {
                out.add(i);
            }
        }
        return out;
    }

    /**
     * The writes of {@code log[0..crash]} not durable at a crash right after entry {@code crash}: those
     * after the last flush that completed by then, not FUA. (A write with REQ_PREFLUSH is itself after
     * its own flush.)
     *
     * @return their indexes in the log, ascending
     */
    public static List<Integer> inFlight(List<WriteLogDriver.Entry> log, int crash) {
        int lastFlush = -1;
        for (int i = 0; i <= crash; i++) {
            if (flushes(log.get(i))) {
                lastFlush = i;
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int i = Math.max(0, lastFlush); i <= crash; i++) {
            WriteLogDriver.Entry e = log.get(i);
            boolean flushedBefore = i < lastFlush || (i == lastFlush && e.op() == Bio.Op.FLUSH);
            if (e.op() == Bio.Op.WRITE && !fua(e) && !flushedBefore) {
                out.add(i);
            }
        }
        return out;
    }

    /**
     * Writes the media a crash right after entry {@code crash} leaves onto {@code disk} (which holds the
     * disk as it was before the log began): every durable write, and of the {@link #inFlight} ones those
     * {@code keep} selects (bit {@code j} for the {@code j}-th in-flight write), all in completion order.
     */
    public static void apply(List<WriteLogDriver.Entry> log, int crash, BitSet keep, Target disk) {
        List<Integer> flying = inFlight(log, crash);
        int j = 0;
        for (int i = 0; i <= crash; i++) {
            WriteLogDriver.Entry e = log.get(i);
            if (e.op() != Bio.Op.WRITE) {
                continue;
            }
            if (j < flying.size() && flying.get(j) == i) {
                if (keep.get(j)) {
                    disk.write(e.sector(), e.data());
                }
                j++;
            } else {
                disk.write(e.sector(), e.data());
            }
        }
    }

    /**
     * A bounded, seeded choice of which in-flight writes survive: none of them and all of them first
     * (the two states every crash tester checks), then, while fewer than {@code max}, random subsets
     * (each write kept with probability 1/2), without repeats; every subset when there are few enough.
     *
     * @param inFlight how many writes are in flight
     * @param max      states wanted at most (&gt;= 1)
     * @param rng      the seeded generator
     */
    public static List<BitSet> subsets(int inFlight, int max, Prng rng) {
        List<BitSet> out = new ArrayList<>();
        BitSet none = new BitSet();
        out.add(none);
        if (inFlight == 0 || max == 1) {
            return out;
        }
        BitSet all = new BitSet();
        all.set(0, inFlight);
        out.add(all);
        if (inFlight < 20 && (1L << inFlight) <= max) {
            for (long m = 1; m < (1L << inFlight) - 1; m++) {
                out.add(BitSet.valueOf(new long[] {m}));
            }
            return out;
        }
        int tries = 0;
        while (out.size() < max && tries++ < 4 * max) {
            BitSet s = new BitSet();
            for (int i = 0; i < inFlight; i++) {
                if ((rng.nextLong() & 1) != 0) {
                    s.set(i);
                }
            }
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }
}
