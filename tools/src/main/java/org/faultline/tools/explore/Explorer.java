package org.faultline.tools.explore;

import java.util.function.LongFunction;
import java.util.List;
import org.faultline.block.BlockDriver;
import org.faultline.block.WriteLogDriver;
import org.faultline.fs.Machine;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Super;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.ParallelRuns;
import org.faultline.kernel.Pct;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Strategy;
import org.faultline.kernel.Trace;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.tools.workload.Oracle;
import org.faultline.tools.workload.WorkloadRunner;

/**
 * Controlled executions of a scenario: each boots a kernel on a fresh copy of the in-memory image,
 * mounts it, spawns the workload (with a fresh data oracle) and runs it under a strategy. {@link #explore} tries seeds until a
 * run fails or the budget is spent.
 */
public final class Explorer {
    private final Scenario scenario;
    private final KernelProfile profile;
    private final long maxDecisions;
    private final MemImage image;

    public Explorer(Scenario scenario, KernelProfile profile, long maxDecisions) {
        this(scenario, profile, maxDecisions, new MemImage(scenario.imageBytes(), scenario.mkfsOptions()));
    }

    /** Executions booting on {@code disk} (a captured disk at boot) instead of a fresh filesystem. */
    public Explorer(Scenario scenario, KernelProfile profile, long maxDecisions, byte[] disk) {
        this(scenario, profile, maxDecisions, new MemImage(disk));
    }

    private Explorer(Scenario scenario, KernelProfile profile, long maxDecisions, MemImage image) {
        this.scenario = scenario;
        this.profile = profile;
        this.maxDecisions = maxDecisions;
        this.image = image;
    }

    /**
     * One controlled execution: boot, mount the fresh image ({@code -o iomap} if the workload sets it),
     * spawn the workload's tasks and its epilogue (final check, unmount) and run them under
     * {@code strategy}.
     */
    public RunResult run(Strategy strategy) {
        return execute(strategy, BootParams.TRACE_CAPACITY);
    }

    /**
     * One execution of a search: {@link #run} without a trace (not even its digest). Formatting the
     * events cost a sixth of an execution, and a search reads none of them: the failing execution
     * it finds is run again, traced ({@link Found}, {@link #record}). The schedule it records is the
     * same (the recorder does not depend on the trace), so minimisation and probes use it too.
     */
    public RunResult search(Strategy strategy) {
        return execute(strategy, BootParams.NO_TRACE);
    }

    private RunResult execute(Strategy strategy, int traceCapacity) {
        try (Machine m = boot(strategy, traceCapacity, image.fresh())) {
            WorkloadRunner.spawn(m.kernel(), scenario.workload(), new Oracle());
            return m.run();
        }
    }

    private Machine boot(Strategy strategy, int traceCapacity, BlockDriver disk) {
        BootParams bp = BootParams.controlled(strategy).withProfile(profile).withMaxDecisions(maxDecisions)
                .withDebugVm(scenario.workload().boolSetting("debug-vm", true)).withTraceCapacity(traceCapacity);
        Machine.Spec spec = new Machine.Spec(bp, scenario.ramPages(), disk,
                (int) scenario.workload().longSetting("hw-queues", 2), false, scenario.iomap());
        try {
            return Machine.boot(spec);
        } catch (Ext4Exception e) {
            throw new IllegalStateException("scenario image does not mount: " + e.getMessage(), e);
        }
    }

    /** Trace events a capture keeps: the whole trace of any run the schedule budget allows. */
    public static final int CAPTURE_TRACE_EVENTS = 4_000_000;

    /**
     * The run of {@link #run} again, recorded for a capture: the whole trace and kernel log, the
     * disk at boot and at the end (the failure), and the block write log in between.
     */
    public Recorded record(Strategy strategy) {
        WriteLogDriver disk = new WriteLogDriver(image.fresh());
        try (Machine m = boot(strategy, CAPTURE_TRACE_EVENTS, disk)) {
            WorkloadRunner.spawn(m.kernel(), scenario.workload(), new Oracle());
            RunResult r = m.run();
            byte[] after = new byte[(int) (disk.capacitySectors() << 9)];
            try (AlignedMemory buf = AlignedMemory.allocate(after.length)) {
                disk.rawTransfer(false, 0, buf, after.length);
                buf.get(0, after, 0, after.length);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Trace t = m.kernel().trace();
            return new Recorded(r, image.template(), after, disk.entries(), m.kernel().log().dmesg(),
                    t.last(CAPTURE_TRACE_EVENTS), t.count());
        }
    }

    /**
     * A recorded run.
     *
     * @param result      its result
     * @param diskAtBoot  the disk it booted on
     * @param diskAtEnd   the disk when it stopped (at the failure)
     * @param writes      the block write log: the completed write bios and flushes, in completion order
     * @param log         the whole kernel log
     * @param trace       the trace, one event per line ({@code #step task event})
     * @param traceEvents events recorded (more than {@code trace.size()} only past the capture limit)
     */
    public record Recorded(RunResult result, byte[] diskAtBoot, byte[] diskAtEnd, List<WriteLogDriver.Entry> writes,
                           String log, List<String> trace, long traceEvents) {
    }

    /**
     * PCT's k: the decisions of a probe execution under the random walk of {@code seed} (at least
     * 100), over which PCT draws its change points (Burckhardt et al.).
     */
    public long pctLength(long seed) {
        return Math.max(100, search(new RandomWalk(seed)).decisions());
    }

    /**
     * The strategy of each seed, as {@code explore --strategy S --depth D} runs it: PCT over {@code k}
     * decisions ({@link #pctLength}), or the random walk.
     */
    public static LongFunction<Strategy> strategies(String strategy, int depth, long k) {
        return strategy.equals("pct") ? s -> new Pct(s, depth, k) : RandomWalk::new;
    }

    /** The first failing execution among seeds [seed0, seed0 + iterations), or null. */
    public Found explore(long seed0, long iterations, LongFunction<Strategy> strategies, Progress progress) {
        return explore(seed0, iterations, 1, 0, 1, strategies, progress);
    }

    /**
     * The failing execution with the smallest seed among this shard's seeds, run on {@code jobs}
     * host threads; or null. Shard {@code k} of {@code n} takes seeds {@code seed0 + k + i*n}, so a
     * campaign can be spread over machines by any batch system.
     */
    public Found explore(long seed0, long iterations, int jobs, int shard, int shards, LongFunction<Strategy> strategies,
                         Progress progress) {
        long first = ParallelRuns.firstFailure(jobs, iterations, i -> {
            RunResult r = search(strategies.apply(seed0 + shard + i * shards));
            progress.ran(i, !r.ok());
            return !r.ok();
        });
        if (first < 0) {
            return null;
        }
        long seed = seed0 + shard + first * shards;
        return new Found(seed, first + 1, run(strategies.apply(seed))); // re-run: the same result, by determinism
    }

    /** A failing execution: its seed, how many schedules it took, and its result. */
    public record Found(long seed, long schedules, RunResult result) {
    }

    /** Progress callback: work item {@code i} (seed {@code seed0 + shard + i * shards}) has run. */
    @FunctionalInterface
    public interface Progress {
        void ran(long i, boolean failed);
    }
}
