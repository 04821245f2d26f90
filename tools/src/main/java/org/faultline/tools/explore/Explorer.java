package org.faultline.tools.explore;

import java.util.function.LongFunction;
import org.faultline.block.BlockDevice;
import org.faultline.block.MemDiskDriver;
import org.faultline.block.QueueLimits;
import org.faultline.fs.SuperBlock;
import org.faultline.fs.Vfs;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Super;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Strategy;
import org.faultline.mm.Mm;

/**
 * Controlled executions of a scenario: each boots a kernel on a fresh copy of the in-memory image,
 * mounts it, spawns the workload and runs it under a strategy. {@link #explore} tries seeds until a
 * run fails or the budget is spent.
 */
public final class Explorer {
    private final Scenario scenario;
    private final KernelProfile profile;
    private final long maxDecisions;
    private final MemImage image;

    public Explorer(Scenario scenario, KernelProfile profile, long maxDecisions) {
        this.scenario = scenario;
        this.profile = profile;
        this.maxDecisions = maxDecisions;
        this.image = new MemImage(scenario.imageBytes());
    }

    /** One controlled execution. */
    public RunResult run(Strategy strategy) {
        Kernel k = Kernel.boot(BootParams.controlled(strategy).withProfile(profile).withMaxDecisions(maxDecisions));
        Mm mm = Mm.init(k, Mm.Params.ofPages(scenario.ramPages()));
        MemDiskDriver disk = image.fresh();
        try {
            BlockDevice bdev = BlockDevice.addDisk(k, "sda", disk, QueueLimits.defaults(), 2);
            SuperBlock sb;
            try {
                sb = Ext4Super.mount(k, bdev, false, scenario.iomap());
            } catch (Ext4Exception e) {
                throw new IllegalStateException("scenario image does not mount: " + e.getMessage(), e);
            }
            Vfs.of(k).mountRoot(sb);
            scenario.workload().accept(new ScenarioContext(k, mm, Ext4Super.of(sb)));
            return k.run();
        } finally {
            disk.close();
            mm.memMap().close();
        }
    }

    /** The first failing execution among seeds [seed0, seed0 + iterations), or null. */
    public Found explore(long seed0, long iterations, LongFunction<Strategy> strategies, Progress progress) {
        for (long i = 0; i < iterations; i++) {
            long seed = seed0 + i;
            RunResult r = run(strategies.apply(seed));
            progress.ran(i + 1);
            if (!r.ok()) {
                return new Found(seed, i + 1, r);
            }
        }
        return null;
    }

    /** A failing execution: its seed, how many schedules it took, and its result. */
    public record Found(long seed, long schedules, RunResult result) {
    }

    /** Progress callback. */
    @FunctionalInterface
    public interface Progress {
        void ran(long executions);
    }
}
