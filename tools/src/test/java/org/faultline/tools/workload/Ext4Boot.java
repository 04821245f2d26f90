package org.faultline.tools.workload;

import java.nio.file.Files;
import java.nio.file.Path;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.Machine;
import org.faultline.images.ext4.Mkfs;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;

/** Test helper: boots a controlled kernel on a fresh ext4 image under tools/target and runs a workload. */
final class Ext4Boot {
    private Ext4Boot() {
    }

    /** A run's result, with the oracle and runner to inspect. */
    record Outcome(RunResult result, Oracle oracle, WorkloadRunner runner, Path image, Kernel kernel) {
        String why() {
            return (result.fatal() == null ? "ok" : result.fatal().report()) + "\n--- last events\n"
                    + String.join("\n", result.lastEvents()) + "\n--- dmesg\n" + result.dmesg();
        }
    }

    static Path scratch(String name) throws Exception {
        Path dir = Path.of("target", "workload-tests");
        Files.createDirectories(dir);
        return dir.resolve(name);
    }

    /**
     * Boots with a RandomWalk scheduler of {@code seed}, {@code ramPages} of RAM, ext4 on a new
     * 16 MiB image named {@code name}, and runs {@code text}.
     */
    static Outcome run(String name, String text, long seed, int ramPages) throws Exception {
        return run(name, text, BootParams.controlled(new RandomWalk(seed)), ramPages);
    }

    /** As {@link #run(String, String, long, int)} with explicit boot parameters (free-running, say). */
    static Outcome run(String name, String text, BootParams params, int ramPages) throws Exception {
        Workload w = Workload.parse(text, name + ".wl");
        Path img = scratch(name + ".img");
        Mkfs.createImage(img, 16L << 20, Mkfs.Options.seeded(1));
        HostFileDriver drv = HostFileDriver.open(img, false, false);
        try (Machine m = Machine.boot(new Machine.Spec(params, ramPages, drv, 2, false, w.boolSetting("iomap", false)))) {
            Oracle o = new Oracle();
            WorkloadRunner r = WorkloadRunner.spawn(m.kernel(), w, o);
            RunResult res = m.run();
            return new Outcome(res, o, r, img, m.kernel());
        }
    }
}
