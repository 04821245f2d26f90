package org.faultline.kernel;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One booted emulated kernel: its scheduler and clock, its profile (patches), its log and trace, and
 * the failures detected. Nothing in Faultline is static and mutable, so tests can boot many kernels,
 * and a controlled run is a pure function of (workload, parameters, schedule).
 *
 * <p>Higher layers hang their state here with {@link #attach} (the page allocator, block devices,
 * mounted filesystems), since kernel/ knows nothing above it.
 *
 * <p>Typical use:
 * <pre>
 *   Kernel k = Kernel.boot(BootParams.controlled(new Pct(seed, 3, 10_000)));
 *   k.spawn("writer", TaskKind.USER, () -&gt; ...);
 *   RunResult r = k.run();
 * </pre>
 */
public final class Kernel {
    private final BootParams params;
    private final KernelProfile profile;
    private final Scheduler sched;
    private final KernelLog log;
    private final Trace trace;
    private final boolean tracing;
    private final List<Failure> failures = new ArrayList<>();  // guarded by itself
    private final Set<String> warnedOnce = new HashSet<>();    // membership only, never iterated
    private final FaultInject faults = new FaultInject();
    private final Lkdtm lkdtm = new Lkdtm(this);
    private final Map<Class<?>, Object> subsystems = new java.util.concurrent.ConcurrentHashMap<>(); // never iterated
    private volatile Failure fatal;
    private Failure deferred;                                 // the first VM_WARN invariant violation; under failures
    private Failure oopsed;                                   // the first oops that killed only its task; under failures
    private final Taint taint = new Taint();
    private final long bootRealtimeNs;
    private final java.util.concurrent.atomic.AtomicInteger dieCounter = new java.util.concurrent.atomic.AtomicInteger();
    private boolean ran;

    private Kernel(BootParams p) {
        this.params = p;
        this.profile = p.profile();
        this.log = new KernelLog(this, p.logCapacity());
        this.trace = new Trace(p.traceCapacity());
        this.tracing = p.tracing();
        this.bootRealtimeNs = p.controlled() ? BOOT_EPOCH_SECONDS * 1_000_000_000L : Stopwatch.wallClockMs() * 1_000_000L;
        this.sched = p.controlled()
                ? new ControlledScheduler(this, p.strategy(), p.maxDecisions())
                : new FreeScheduler(this, p.seed(), p.hungTaskTimeoutMs());
    }

    /**
     * What a controlled execution's tasks run on in this JVM: "virtual threads" (one host thread per
     * execution), or "platform threads (why)" — the same schedules, several times slower.
     */
    public static String controlledTaskThreads() {
        return Cpu.mode();
    }

    /** Boots a kernel: nothing runs until tasks are spawned and {@link #run} is called. */
    public static Kernel boot(BootParams p) {
        Kernel k = new Kernel(p);
        k.printk("Linux version " + p.profile().name() + "-faultline (" + (p.controlled()
                ? "controlled, " + p.strategy().describe() : "free-running") + ")");
        return k;
    }

    public BootParams params() {
        return params;
    }

    public KernelProfile profile() {
        return profile;
    }

    /** Whether this kernel has the patch (its profile plus overrides). */
    public boolean has(Patch p) {
        return profile.has(p);
    }

    public Scheduler sched() {
        return sched;
    }

    public KernelLog log() {
        return log;
    }

    public Trace trace() {
        return trace;
    }

    /** Creates a task; see {@link Scheduler#spawn}. */
    public Task spawn(String comm, TaskKind kind, Runnable body) {
        return sched.spawn(comm, kind, body);
    }

    /** Runs the spawned tasks to the end or the first fatal failure. Call once. */
    public RunResult run() {
        if (ran) {
            throw new IllegalStateException("a kernel runs once");
        }
        ran = true;
        return sched.run();
    }

    /** The crash points of this kernel's lkdtm module (armed by {@link Lkdtm#arm}; none by default). */
    public Lkdtm lkdtm() {
        return lkdtm;
    }

    /** The fault-injection sites of this kernel ({@code should_fail}). */
    public FaultInject faults() {
        return faults;
    }

    /**
     * A controlled machine booted at 2024-01-01T00:00:00Z: deterministic timestamps that tools print as
     * dates.
     */
    public static final long BOOT_EPOCH_SECONDS = 1_704_067_200L;

    /**
     * ktime_get_real_ns(): the machine's wall clock — the boot time plus the kernel clock. Under control
     * the boot time is {@link #BOOT_EPOCH_SECONDS}, never the host's, so the same schedule writes the
     * same timestamps; a free-running machine (boot, mount) booted when the host says, so the files it
     * writes carry today's times, as programs such as make expect.
     */
    public long realtimeNs() {
        return sched.clockNs() + bootRealtimeNs;
    }

    /** Registers a subsystem's state (one per class). */
    public <T> void attach(Class<T> key, T value) {
        subsystems.put(key, value);
    }

    /** A subsystem's state, or null. */
    public <T> T subsys(Class<T> key) {
        return key.cast(subsystems.get(key));
    }

    /** printk(). */
    public void printk(String text) {
        log.printk(text);
    }

    /**
     * Whether trace events are recorded (see {@link BootParams#tracing}). Hot call sites test it
     * before formatting an event, as a tracepoint's static key does.
     */
    public boolean tracing() {
        return tracing;
    }

    /** Records a trace event, stamped with the step and the current task; nothing when not tracing. */
    public void trace(String event) {
        if (!tracing) {
            return;
        }
        Task t = Task.current();
        trace.record("#" + sched.step() + " " + (t == null ? "-" : t.toString()) + " " + event);
    }

    String timestamp() {
        long ns = sched.clockNs();
        String s = String.format("[%5d.%06d", ns / 1_000_000_000L, ns / 1000 % 1_000_000);
        return sched.controlled() ? s + " #" + sched.step() + "] " : s + "] ";
    }

    // ---------------------------------------------------------------- failure detection

    /**
     * BUG_ON(): if {@code cond}, prints a kernel-style oops naming the calling kernel file and kills
     * the current task; the run ends with exit code 1. Without panic_on_oops
     * ({@link BootParams#panicOnOops}) an oops in a user task's system call kills that task alone, the
     * kernel is tainted (D) and the machine goes on (die() → oops_end() → make_task_dead()); the run
     * still ends with exit code 1. Deviation: the killed task's Java stack unwinds through its
     * {@code finally} blocks, so locks released there are released, where the kernel's stay held.
     */
    public void bugOn(boolean cond) {
        if (cond) {
            bug(null);
        }
    }

    /** BUG_ON() with an extra line explaining the condition (printed after the headline). */
    public void bugOn(boolean cond, String why) {
        if (cond) {
            bug(why);
        }
    }

    /** BUG_ON() whose explanation is built only if it fires (for hot call sites). */
    public void bugOn(boolean cond, java.util.function.Supplier<String> why) {
        if (cond) {
            bug(why.get());
        }
    }

    private void bug(String why) {
        List<CallTrace.Frame> frames = callerFrames();
        String file = frames.isEmpty() ? "unknown" : frames.get(0).file();
        String title = "kernel BUG at " + file + "!";
        StringBuilder sb = new StringBuilder("------------[ cut here ]------------\n").append(title).append('\n');
        if (why != null) {
            sb.append(why).append('\n');
        }
        sb.append("invalid opcode: 0000 [#").append(dieCounter.incrementAndGet()).append("] SMP NOPTI\n").append(cpuLine());
        sb.append("RIP: ").append(frames.isEmpty() ? "?" : frames.get(0)).append('\n');
        sb.append(CallTrace.format(frames)).append("---[ end trace ]---");
        Task t = Task.current();
        Failure f = new Failure(Failure.Kind.BUG, title, sb.toString(), sched.step(), t == null ? 0 : t.pid);
        // oops_end(): in interrupt context ("Fatal exception in interrupt") the machine panics anyway
        boolean killTaskOnly = !params.panicOnOops() && t != null && t.kind == TaskKind.USER && !t.softirqActive;
        report(f, !killTaskOnly);
        if (killTaskOnly) { // oops_end(): taint, then the task dies
            synchronized (failures) {
                if (oopsed == null) {
                    oopsed = f;
                }
            }
            taint.add(Taint.DIE);
        }
        throw new KernelBugError(title);
    }

    /** WARN_ON(): prints a warning with a call trace and continues (fatal under panic_on_warn). */
    public boolean warnOn(boolean cond) {
        if (cond) {
            warn(null);
        }
        return cond;
    }

    /** WARN() with a message. */
    public boolean warnOn(boolean cond, String msg) {
        if (cond) {
            warn(msg);
        }
        return cond;
    }

    /** WARN() whose message is built only if it fires (for hot call sites). */
    public boolean warnOn(boolean cond, java.util.function.Supplier<String> msg) {
        if (cond) {
            warn(msg.get());
        }
        return cond;
    }

    /** WARN_ON_ONCE(): warns only the first time this call site fires in this kernel. */
    public boolean warnOnOnce(boolean cond) {
        if (cond && firstAtCallSite("")) {
            warn(null);
        }
        return cond;
    }

    /**
     * Whether this is the first time, in this kernel, that the caller of the calling check fired
     * ({@code kind} keeps separate checks at one site apart): the {@code _ONCE} of WARN_ON_ONCE.
     */
    private boolean firstAtCallSite(String kind) {
        StackTraceElement site = new Throwable().getStackTrace()[2];
        synchronized (warnedOnce) {
            return warnedOnce.add(kind + site.getClassName() + ":" + site.getLineNumber());
        }
    }

    private void warn(String msg) {
        List<CallTrace.Frame> frames = callerFrames();
        Task t = Task.current();
        String where = frames.isEmpty() ? "?" : frames.get(0).file() + " " + frames.get(0).function();
        String title = "WARNING: at " + where;
        StringBuilder sb = new StringBuilder("------------[ cut here ]------------\n");
        if (msg != null) {
            sb.append(msg).append('\n');
        }
        sb.append("WARNING: CPU: 0 PID: ").append(t == null ? 0 : t.pid).append(" at ").append(where).append('\n')
                .append(cpuLine()).append(CallTrace.format(frames)).append("---[ end trace ]---");
        Failure f = new Failure(Failure.Kind.WARN, title, sb.toString(), sched.step(), t == null ? 0 : t.pid);
        report(f, params.panicOnWarn());
        taint.add(Taint.WARN); // __warn(): later reports say W
        if (params.panicOnWarn()) {
            throw new KernelBugError(title);
        }
    }

    /** An invariant violation (exit 4): reported, and the run ends. */
    public void invariant(String what) {
        Task t = Task.current();
        String title = what.lines().findFirst().orElse(what);
        String report = what + "\n" + cpuLine() + CallTrace.format(callerFrames());
        report(new Failure(Failure.Kind.INVARIANT, title, report, sched.step(), t == null ? 0 : t.pid), true);
        throw new KernelBugError(title);
    }

    /**
     * VM_WARN_ON_ONCE()-style invariant check, on with {@link BootParams#debugVm}: if {@code cond},
     * reports the violation with a call trace and goes on — a BUG or deadlock it leads to is the
     * sharper signature — and if nothing fatal follows, the run ends as this invariant violation
     * (exit 4). Reported once per call site.
     */
    public void vmWarnInvariant(boolean cond, java.util.function.Supplier<String> what) {
        if (!cond || !params.debugVm() || !firstAtCallSite("invariant ")) {
            return;
        }
        String text = what.get();
        Task t = Task.current();
        String title = text.lines().findFirst().orElse(text);
        String report = "------------[ cut here ]------------\n" + text + "\n" + cpuLine()
                + CallTrace.format(callerFrames()) + "---[ end trace ]---";
        Failure f = new Failure(Failure.Kind.INVARIANT, title, report, sched.step(), t == null ? 0 : t.pid);
        synchronized (failures) {
            if (deferred == null) {
                deferred = f;
            }
        }
        report(f, false);
    }

    /** The data oracle saw wrong data (exit 4): reported, and the run ends. */
    public void corruption(String title, String details) {
        Task t = Task.current();
        report(new Failure(Failure.Kind.CORRUPTION, title, title + "\n" + details, sched.step(), t == null ? 0 : t.pid), true);
        throw new KernelBugError(title);
    }

    /** A Java exception escaped kernel code: a bug in Faultline itself, reported with the Java stack. */
    void emulatorBug(Task t, Throwable e) {
        StringWriter sw = new StringWriter();
        e.printStackTrace(new PrintWriter(sw));
        String title = "faultline internal error in " + t + ": " + e;
        report(new Failure(Failure.Kind.BUG, title, title + "\n" + sw, sched.step(), t.pid), true);
    }

    /** Records a failure; a fatal one ends the execution. The first fatal failure wins. */
    void report(Failure f, boolean isFatal) {
        synchronized (failures) {
            if (fatal != null && isFatal) {
                return; // already ending: later failures are consequences
            }
            failures.add(f);
            if (isFatal) {
                fatal = f;
            }
        }
        printk(f.report());
        trace("failure " + f.kind() + ": " + f.title());
        if (isFatal) {
            sched.endExecution();
        }
    }

    /** The taint mask: what later reports print, and what a host-facing server consults after an oops. */
    public Taint taint() {
        return taint;
    }

    /** Failures so far. */
    public List<Failure> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    RunResult result(Schedule s, long decisions, long points) {
        Failure f;
        synchronized (failures) {
            // an oops that killed its task alone, or an invariant violation nothing fatal followed, ends the run as one
            f = fatal != null ? fatal : oopsed != null ? oopsed : deferred;
        }
        return new RunResult(f, failures(), s, decisions, points, trace.digest(), trace.last(64),
                log.dmesg(), profile.name());
    }

    private String cpuLine() {
        Task t = Task.current();
        return "CPU: 0 PID: " + (t == null ? 0 : t.pid) + " Comm: " + (t == null ? "swapper" : t.comm)
                + " " + taint + " " + profile.name() + "-faultline\n";
    }

    /**
     * The kernel frames of the current stack, innermost first. This class's own BUG/WARN plumbing
     * appears in none: {@link CallTrace#here} keeps only frames of classes that model kernel source
     * ({@link KernelSource}), and this one does not.
     */
    private static List<CallTrace.Frame> callerFrames() {
        return CallTrace.here();
    }
}
