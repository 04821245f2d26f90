package org.faultline.kernel;

import java.util.function.Consumer;
import java.util.function.LongFunction;

/** Test helpers: boot a kernel, let a scenario spawn tasks, run it. */
final class Runs {
    private Runs() {
    }

    static RunResult controlled(Strategy s, String profile, Consumer<Kernel> setup) {
        Kernel k = Kernel.boot(BootParams.controlled(s).withProfile(KernelProfile.byName(profile)));
        setup.accept(k);
        return k.run();
    }

    /** Explores seeds 0..n-1; returns the first failing result, or null. */
    static RunResult firstFailure(int n, LongFunction<Strategy> strategy, String profile, Consumer<Kernel> setup) {
        for (long seed = 0; seed < n; seed++) {
            RunResult r = controlled(strategy.apply(seed), profile, setup);
            if (!r.ok()) {
                return r;
            }
        }
        return null;
    }
}
