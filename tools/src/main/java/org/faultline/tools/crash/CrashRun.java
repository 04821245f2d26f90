package org.faultline.tools.crash;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.faultline.block.BlockDriver;
import org.faultline.block.CowMemDisk;
import org.faultline.block.CrashStates;
import org.faultline.block.WriteLogDriver;
import org.faultline.fs.Machine;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.images.ext4.DriverBlockIo;
import org.faultline.images.ext4.Ext4Image;
import org.faultline.images.ext4.Fsck;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Prng;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.tools.workload.Oracle;
import org.faultline.tools.workload.Promises;
import org.faultline.tools.workload.Workload;
import org.faultline.tools.workload.WorkloadRunner;

/**
 * A crash-consistency check of one workload run, as CrashMonkey (Mohan et al., OSDI 2018) and
 * xfstests' dm-log-writes tests do it on real kernels: the workload runs once under the controlled
 * scheduler (schedule {@code seed}) on a RAM copy of the image, every completed write bio and flush
 * logged ({@link WriteLogDriver}, per bio as dm-log-writes logs) and every durability promise recorded ({@link Promises}); then, at
 * each persistence point of the log (each completed flush or FUA write), crash states are built — the
 * durable prefix plus a bounded, seeded choice of subsets of the writes in flight
 * ({@link CrashStates}) — and each is mounted read-write (journal recovery, orphan cleanup, as the
 * kernel's mount does), read back against what the workload was promised by then, and checked by
 * Faultline's fsck.
 *
 * <p>Deviation: a state is mounted by the offline volume ({@link Ext4Image}, the same recovery and
 * orphan code as the kernel's mount) rather than by booting a fresh machine on it: thousands of
 * states a second rather than tens.
 */
public final class CrashRun {
    /**
     * @param states      crash states to check at most, spread over the persistence points (at least
     *                    2 per point: none and all of its in-flight writes)
     * @param seed        the schedule of the run, and the choice of subsets
     * @param stopAtFirst stop at the first violation
     */
    public record Options(int states, long seed, boolean stopAtFirst) {
    }

    /** A crash state that broke a promise, or did not mount or check clean; its disk (before recovery) for the first few, else null. */
    public record Violation(int entry, int inFlight, BitSet kept, String what, byte[] image) {
        /** One line: where the crash is and what was wrong. */
        public String describe() {
            return "crash after log entry " + (entry + 1) + " (" + kept.cardinality() + " of the " + inFlight
                    + " writes in flight kept " + kept + "): " + what;
        }
    }

    /**
     * What the check found.
     *
     * @param run        the workload run's own result (a failing run is not crash-checked)
     * @param entries    entries of its write log: the write bios and flushes it completed
     * @param points     its persistence points
     * @param states     crash states checked
     * @param promises   durability promises the workload was given
     * @param checkedFiles files read back against a promise, over all states
     * @param violations what went wrong
     */
    public record Result(RunResult run, int entries, int points, long states, int promises, long checkedFiles,
                         List<Violation> violations) {
    }

    /** Violations whose crash image is kept. */
    public static final int KEPT_IMAGES = 3;

    private final byte[] image;
    private final int blockSize;

    /** @param image the disk the run boots on (never written: runs and states are copies) */
    public CrashRun(byte[] image) {
        this.image = image;
        int log = (image[1024 + 24] & 0xFF) | (image[1024 + 25] & 0xFF) << 8;
        this.blockSize = 1024 << Math.min(log, 6);
    }

    /**
     * A recorded run: its result, the block write log, the promises made, and where crashes are
     * simulated ({@link #crashPoints}).
     */
    public record Recording(RunResult run, List<WriteLogDriver.Entry> log, Promises promises, List<Integer> points) {
    }

    /** Runs {@code w} under {@code profile} and checks its crash states. */
    public Result check(Workload w, int ramPages, KernelProfile profile, Options o) {
        return check(record(w, ramPages, profile, o.seed()), o);
    }

    /** Runs {@code w} under {@code profile} on schedule {@code seed}, logging writes and promises. */
    public Recording record(Workload w, int ramPages, KernelProfile profile, long seed) {
        WriteLogDriver disk = new WriteLogDriver(new CowMemDisk(image));
        Oracle oracle = new Oracle();
        Promises promises = new Promises(disk::completed);
        oracle.recordPromises(promises);
        BootParams bp = BootParams.controlled(new RandomWalk(seed)).withProfile(profile)
                .withDebugVm(w.boolSetting("debug-vm", true));
        RunResult r;
        try (Machine m = Machine.boot(new Machine.Spec(bp, ramPages, disk, (int) w.longSetting("hw-queues", 2), false,
                false))) {
            WorkloadRunner.spawn(m.kernel(), w, oracle);
            r = m.run();
        } catch (Ext4Exception e) {
            throw new IllegalArgumentException("the image does not mount: " + e.getMessage(), e);
        }
        List<WriteLogDriver.Entry> log = disk.entries();
        return new Recording(r, log, promises, crashPoints(log));
    }

    /** Checks the crash states of a recorded run (none if the run itself failed). */
    public Result check(Recording rec, Options o) {
        RunResult r = rec.run();
        List<WriteLogDriver.Entry> log = rec.log();
        List<Integer> points = rec.points();
        Promises promises = rec.promises();
        if (!r.ok()) {
            return new Result(r, log.size(), points.size(), 0, promises.promises().size(), 0, List.of());
        }
        // every point's two extreme states first; the rest of the budget shared by the points with
        // more in-flight writes than those two cover
        int open = 0;
        for (int p : points) {
            open += CrashStates.inFlight(log, p).size() >= 2 ? 1 : 0;
        }
        int perPoint = Math.max(2, (o.states() - points.size()) / Math.max(1, open) + 2);
        Prng rng = new Prng(o.seed() ^ 0x6372617368L);
        List<Violation> bad = new ArrayList<>();
        long states = 0;
        long files = 0;
        for (int p : points) {
            List<Integer> inFlight = CrashStates.inFlight(log, p);
            int flying = inFlight.size();
            long durable = lastDurable(log, p, inFlight);
            for (BitSet keep : CrashStates.subsets(flying, perPoint, rng)) {
                long last = keep.isEmpty() ? durable : Math.max(durable, inFlight.get(keep.length() - 1));
                List<Promises.Check> checks = promises.checksAt(p + 1, last);
                files += checks.size();
                String what = checkState(log, p, keep, checks);
                states++;
                if (what != null) {
                    // the first few keep their disk (a whole image each: memory, not time, is the bound)
                    bad.add(new Violation(p, flying, keep, what, bad.size() < keptImages() ? stateImage(log, p, keep) : null));
                    if (o.stopAtFirst()) {
                        return new Result(r, log.size(), points.size(), states, promises.promises().size(), files, bad);
                    }
                }
            }
        }
        return new Result(r, log.size(), points.size(), states, promises.promises().size(), files, bad);
    }

    /**
     * Where crashes are simulated: just before each persistence point completes (the writes since
     * the previous flush are all in flight there: a crash leaves any subset of them), and at the end
     * of the log. Entry indexes, ascending.
     */
    static List<Integer> crashPoints(List<WriteLogDriver.Entry> log) {
        java.util.TreeSet<Integer> at = new java.util.TreeSet<>();
        for (int p : CrashStates.persistencePoints(log)) {
            if (p >= 1) {
                at.add(p - 1);
            }
        }
        if (!log.isEmpty()) {
            at.add(log.size() - 1);
        }
        return new ArrayList<>(at);
    }

    /** Crash images kept: {@link #KEPT_IMAGES}, or one for an image over 256 MiB (each is a whole copy in memory). */
    private int keptImages() {
        return image.length > (256L << 20) ? 1 : KEPT_IMAGES;
    }

    /** The index of the last log entry at or before {@code p} that is durable there (-1: none). */
    private static long lastDurable(List<WriteLogDriver.Entry> log, int p, List<Integer> inFlight) {
        for (int i = p; i >= 0; i--) {
            if (!inFlight.contains(i)) {
                return i;
            }
        }
        return -1;
    }

    /** The disk of a crash state, as a driver over a copy-on-write copy of the image. */
    private CowMemDisk stateDisk(List<WriteLogDriver.Entry> log, int p, BitSet keep) {
        CowMemDisk d = new CowMemDisk(image);
        CrashStates.apply(log, p, keep, (sector, data) -> {
            try (AlignedMemory buf = AlignedMemory.allocate(data.length)) {
                buf.put(0, data, 0, data.length);
                d.rawTransfer(true, sector << 9, buf, data.length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return d;
    }

    /** The bytes of a crash state before its mount: what a capture keeps for debugfs. */
    public byte[] stateImage(List<WriteLogDriver.Entry> log, int p, BitSet keep) {
        byte[] out = image.clone();
        CrashStates.apply(log, p, keep, (sector, data) -> System.arraycopy(data, 0, out, (int) (sector << 9), data.length));
        return out;
    }

    /**
     * Mounts one crash state read-write (recovery), reads the promised files, unmounts, runs fsck.
     *
     * @return what is wrong, or null
     */
    private String checkState(List<WriteLogDriver.Entry> log, int p, BitSet keep, List<Promises.Check> checks) {
        BlockDriver d = stateDisk(log, p, keep);
        try (DriverBlockIo io = new DriverBlockIo(d, blockSize, true)) {
            List<String> dmesg = new ArrayList<>();
            String wrong = null;
            try (Ext4Image v = Ext4Image.open(io, "sda", Ext4Volume.Options.readWrite().withPrintk(dmesg::add))) {
                for (Promises.Check c : checks) {
                    byte[] actual;
                    try {
                        actual = v.readAll(c.file().path());
                    } catch (IOException e) {
                        wrong = c.file().path() + ": missing after " + c.promise().what() + " returned: " + e.getMessage();
                        break;
                    }
                    var diff = c.file().compare(actual);
                    if (diff.isPresent()) {
                        wrong = "after " + c.promise().what() + " returned: " + diff.get();
                        break;
                    }
                    long blocks = c.promise().blocksOf(c.file());
                    long now = blocks < 0 ? -1 : v.stat(c.file().path()).blocks512();
                    if (blocks >= 0 && now != blocks) {
                        wrong = "after " + c.promise().what() + " returned: " + c.file().path() + " has " + now
                                + " blocks (of 512 bytes), had " + blocks;
                        break;
                    }
                }
            } catch (IOException e) {
                return "does not mount: " + e.getMessage();
            }
            if (wrong != null) {
                return wrong;
            }
            Fsck.Report f = Fsck.check(io, "sda");
            if (f.exitCode() != 0) {
                return "fsck after recovery: " + (f.problems().isEmpty() ? f.summary() : f.problems().get(0))
                        + (f.problems().size() > 1 ? " (+" + (f.problems().size() - 1) + " more)" : "");
            }
            return null;
        }
    }
}
