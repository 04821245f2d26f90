package org.faultline.mm;

import java.util.function.Consumer;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Strategy;
import org.faultline.kernel.TaskKind;

/** Boots a kernel with mm and a TestFs, runs a body as a user task. */
final class MmFixture {
    final Kernel k;
    final Mm mm;
    final TestFs fs;

    MmFixture(Strategy s, String profile, Mm.Params p) {
        this(s, KernelProfile.byName(profile), p);
    }

    MmFixture(Strategy s, KernelProfile profile, Mm.Params p) {
        BootParams bp = s == null ? BootParams.free() : BootParams.controlled(s);
        this.k = Kernel.boot(bp.withProfile(profile));
        this.mm = Mm.init(k, p);
        this.fs = new TestFs(k, mm);
    }

    static MmFixture controlled(long seed, String profile, int ramPages) {
        return new MmFixture(new RandomWalk(seed), profile, Mm.Params.ofPages(ramPages));
    }

    RunResult run(String comm, Consumer<MmFixture> body) {
        k.spawn(comm, TaskKind.USER, () -> body.accept(this));
        RunResult r = k.run();
        mm.memMap().close();
        return r;
    }
}
