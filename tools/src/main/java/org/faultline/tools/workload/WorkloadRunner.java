package org.faultline.tools.workload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.faultline.fs.File;
import org.faultline.fs.Kstat;
import org.faultline.fs.SuperBlock;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Vfs;
import org.faultline.fs.ext4.Ext4Super;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskKind;
import org.faultline.kernel.WaitQueue;
import org.faultline.kernel.WaitTarget;
import org.faultline.mm.MemCgroup;
import org.faultline.mm.Mm;
import org.faultline.tools.workload.Shadow.Actor;
import org.faultline.tools.workload.Shadow.FileShadow;

/**
 * Runs a {@link Workload} on a booted kernel: one USER task per {@code task}, each executing its
 * statements through {@link Syscalls} and checked by an {@link Oracle}, plus an epilogue task.
 *
 * <p>Call {@link #spawn} on the boot thread after the root filesystem is mounted and before
 * {@link Kernel#run}: it creates the workload's memcgs (so {@link Mm} must be initialised if the
 * workload declares any) and spawns the tasks in file order. Each task joins its memcg when it starts.
 *
 * <p><b>Epilogue.</b> A last USER task, {@code epilogue}, sleeps until every workload task has exited
 * (a kernel wait the wait-for graph sees). It has then seen everything (its vector clock is the join
 * of all), so it reads every file the workload left linked back through the kernel and checks it
 * against the oracle (the final check; {@code set final-check off} skips it), and then unmounts the
 * root filesystem with {@link Vfs#umountRoot} ({@link Options#umount}), leaving a clean image the
 * boot layer can compare with {@link Oracle#verifyImage}. The unmount's result (0, or the first
 * writeback error) is {@link #umountResult()}; it is logged, not a failure. If the run ends with a
 * failure earlier, the epilogue is unwound with every other task and the image is left as it is.
 */
public final class WorkloadRunner {
    /** {@link #umountResult()} before the epilogue unmounted anything. */
    public static final int NOT_UNMOUNTED = Integer.MIN_VALUE;

    /**
     * @param finalCheck read every file back and check it before unmounting
     * @param umount     unmount the root filesystem at the end
     */
    public record Options(boolean finalCheck, boolean umount, Meter meter) {
        public Options(boolean finalCheck, boolean umount) {
            this(finalCheck, umount, null);
        }

        /** The workload's own choice ({@code set final-check}), and unmount. */
        public static Options of(Workload w) {
            return new Options(w.boolSetting("final-check", true), true);
        }

        /** These options, the tasks' system calls recorded in {@code m} (one slot per task). */
        public Options metered(Meter m) {
            return new Options(finalCheck, umount, m);
        }

    }

    private final Kernel k;
    private final Workload w;
    private final Oracle o;
    private final Options opts;
    private final List<Task> tasks = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final WaitQueue exited;
    private volatile int umountResult = NOT_UNMOUNTED;
    private volatile boolean finished;
    private final AtomicInteger statements = new AtomicInteger();
    private final List<FailWrite> failWrites;
    private final java.util.concurrent.atomic.AtomicBoolean[] armed;

    private WorkloadRunner(Kernel k, Workload w, Oracle o, Options opts) {
        this.k = k;
        this.w = w;
        this.o = o;
        this.opts = opts;
        this.exited = new WaitQueue(k);
        this.failWrites = w.failWrites();
        this.armed = new java.util.concurrent.atomic.AtomicBoolean[failWrites.size()];
        for (int i = 0; i < armed.length; i++) {
            armed[i] = new java.util.concurrent.atomic.AtomicBoolean();
        }
    }

    /**
     * A task opened {@code path}, which is inode {@code ino}: arms the {@code fail-write} settings
     * naming it, the first time (on the ext4 root filesystem's fault-injection knob).
     */
    void opened(String path, long ino) {
        for (int i = 0; i < failWrites.size(); i++) {
            FailWrite f = failWrites.get(i);
            if (f.path().equals(path) && armed[i].compareAndSet(false, true)) {
                SuperBlock root = Vfs.of(k).root();
                if (root == null || !(root.fsInfo() instanceof Ext4Super es)) {
                    k.corruption("workload error: set fail-write " + path + ": the root filesystem is not ext4",
                            "fail-write uses ext4's block-mapping fault injection");
                    return;
                }
                es.injectMapBlocksFailure(ino, f.nth(), f.count(), f.errno());
                k.printk("workload: fail-write armed on " + path + " (inode " + ino + "): mapping " + f.nth()
                        + (f.count() > 1 ? ".." + (f.nth() + f.count() - 1) : "") + " fails with "
                        + org.faultline.kernel.Errno.name(f.errno()));
            }
        }
    }

    private java.util.function.Consumer<StepResult> steps;

    /**
     * {@link #spawn(Kernel, Workload, Oracle, Options)} that also reports every statement's result to
     * {@code steps} (called from the tasks: single-task workloads give one ordered list).
     */
    public static WorkloadRunner spawn(Kernel k, Workload w, Oracle o, Options opts,
                                       java.util.function.Consumer<StepResult> steps) {
        return spawnWith(k, w, o, opts, steps);
    }

    /** {@link #spawn(Kernel, Workload, Oracle, Options)} with {@link Options#of}. */
    public static WorkloadRunner spawn(Kernel k, Workload w, Oracle o) {
        return spawn(k, w, o, Options.of(w));
    }

    /**
     * Creates the memcgs and spawns the tasks and the epilogue. Context: boot, before {@link Kernel#run}.
     *
     * @throws IllegalStateException if the oracle already served a run, or memcgs are declared and
     *                               mm is not initialised
     */
    public static WorkloadRunner spawn(Kernel k, Workload w, Oracle o, Options opts) {
        return spawnWith(k, w, o, opts, null);
    }

    private static WorkloadRunner spawnWith(Kernel k, Workload w, Oracle o, Options opts,
                                            java.util.function.Consumer<StepResult> steps) {
        WorkloadRunner r = new WorkloadRunner(k, w, o, opts);
        r.steps = steps;
        String lkdtm = w.stringSetting("lkdtm", null);
        if (lkdtm != null) {
            k.lkdtm().arm(org.faultline.kernel.Lkdtm.parse(lkdtm));
        }
        List<String> names = new ArrayList<>();
        for (Workload.TaskDecl t : w.tasks()) {
            names.add(t.name());
        }
        Actor[] actors = o.bind(names);
        Map<String, MemCgroup> memcgs = new LinkedHashMap<>();
        for (Workload.MemcgDecl m : w.memcgs()) {
            memcgs.put(m.name(), Mm.of(k).createMemcg(m.name(), (m.limitBytes() + 4095) / 4096, m.v2()));
        }
        Map<String, Barrier> barriers = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> b : w.barriers().entrySet()) {
            barriers.put(b.getKey(), new Barrier(k, b.getKey(), b.getValue().size(), o.lock()));
        }
        r.running.set(w.tasks().size());
        for (int i = 0; i < w.tasks().size(); i++) {
            Workload.TaskDecl t = w.tasks().get(i);
            Actor a = actors[i];
            MemCgroup mc = t.memcg() == null ? null : memcgs.get(t.memcg());
            List<Barrier> mine = new ArrayList<>();
            for (Map.Entry<String, List<String>> b : w.barriers().entrySet()) {
                if (b.getValue().contains(t.name())) {
                    mine.add(barriers.get(b.getKey()));
                }
            }
            Meter.TaskMeter tm = opts.meter() == null ? null : opts.meter().task(i, Meter.hasMeasure(w));
            r.tasks.add(k.spawn(t.name(), TaskKind.USER, () -> r.taskMain(t, a, mc, mine, barriers, tm)));
        }
        r.tasks.add(k.spawn("epilogue", TaskKind.USER, () -> r.epilogue(actors[actors.length - 1])));
        return r;
    }

    private void taskMain(Workload.TaskDecl t, Actor a, MemCgroup mc, List<Barrier> mine, Map<String, Barrier> barriers,
                          Meter.TaskMeter tm) {
        Task cur = Task.current();
        if (mc != null) {
            mc.attach(cur);
        }
        for (Barrier b : mine) {
            b.register(a, cur);
        }
        if (k.tracing()) {
            k.trace("workload " + t.name() + " starts" + (mc == null ? "" : " in " + mc));
        }
        Interp in = new Interp(k, w, o, a, barriers, this::opened);
        if (steps != null) {
            in.steps(steps);
        }
        if (tm != null) {
            in.meter(tm);
        }
        in.run(t.body());
        statements.addAndGet((int) Math.min(Integer.MAX_VALUE, in.statements()));
        if (k.tracing()) {
            k.trace("workload " + t.name() + " exits");
        }
        for (Barrier b : mine) {
            b.leave(a);
        }
        running.decrementAndGet();
        exited.wakeUpAll();
    }

    private void epilogue(Actor me) {
        exited.waitEventIdle(() -> running.get() == 0, new WaitTarget() {
            @Override
            public String describe() {
                return "the exit of every workload task (" + running.get() + " running)";
            }

            @Override
            public List<Object> owedBy() {
                List<Object> l = new ArrayList<>();
                for (Task t : tasks.subList(0, tasks.size() - 1)) {
                    if (!t.hasExited()) {
                        l.add(t);
                    }
                }
                return l;
            }
        });
        o.joinAll(me);
        if (opts.finalCheck()) {
            for (Map.Entry<String, FileShadow> e : o.liveFiles().entrySet()) {
                finalCheck(me, e.getKey(), e.getValue());
            }
        }
        Vfs vfs = Vfs.of(k);
        if (opts.umount() && vfs.root() != null) {
            k.trace("workload epilogue: umount");
            int rc = vfs.umountRoot();
            umountResult = rc;
            if (rc != 0) {
                k.printk("workload: umount returned " + org.faultline.kernel.Errno.name(rc));
            }
        }
        finished = true;
    }

    /** Reads {@code path} back in 1 MiB chunks and checks it, as a reader after every task. */
    private void finalCheck(Actor me, String path, FileShadow f) {
        if (k.tracing()) {
            k.trace("workload epilogue: final check " + path);
        }
        int fd = Syscalls.open(path, File.O_RDONLY, 0);
        if (fd < 0) {
            k.corruption("data corruption: " + path + ": missing at the end of the workload",
                    "the final check's open failed with " + org.faultline.kernel.Errno.name(fd));
        }
        Kstat[] st = new Kstat[1];
        Syscalls.fstat(fd, st);
        if (st[0].ino() != f.ino) {
            k.corruption("data corruption: " + path + " is inode " + st[0].ino() + ", expected inode " + f.ino,
                    "the workload's file at " + path + " was inode " + f.ino);
        }
        Oracle.Mismatch m = o.verifyStat(me, path, st[0].size());
        if (m != null) {
            k.corruption(m.title(), "final check\n" + m.details());
        }
        long end = Math.max(st[0].size(), 1);
        int chunk = 1 << 20;
        for (long off = 0; off < end; off += chunk) {
            // a page past the expected end too, so a file longer than its shadow shows
            int len = (int) Math.min(chunk, end - off + 4096);
            byte[] buf = new byte[len];
            long n = Syscalls.pread(fd, buf, 0, len, off);
            if (n < 0) {
                k.corruption("workload error: final check: read of " + path + " at " + off + " failed with "
                        + org.faultline.kernel.Errno.name(n), "epilogue");
            }
            m = o.verifyRead(me, f, off, len, buf, n, false);
            if (m != null) {
                k.corruption(m.title(), "final check (after every task)\n" + m.details());
            }
        }
        Syscalls.close(fd);
    }

    /** The tasks spawned, the epilogue last. */
    public List<Task> tasks() {
        return List.copyOf(tasks);
    }

    /** The unmount's result: 0, a negative errno, or {@link #NOT_UNMOUNTED}. */
    public int umountResult() {
        return umountResult;
    }

    /** True once the epilogue has run to its end (no failure ended the run first). */
    public boolean finished() {
        return finished;
    }

    /** Statements executed by tasks that finished (loop bodies counted per iteration). */
    public long statements() {
        return statements.get();
    }
}
