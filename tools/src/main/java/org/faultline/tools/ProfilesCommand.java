package org.faultline.tools;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Patch;
import org.faultline.kernel.Patches;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code faultline profiles}: the built-in kernel eras and the patches each has. */
@Command(name = "profiles",
        mixinStandardHelpOptions = true,
        description = {
            "List the built-in kernel profiles (--kernel NAME), oldest first, with the patches each has.",
            "Behaviour not listed as a patch is the same in every profile."})
final class ProfilesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String dflt = BootParams.free().profile().name();
        KernelProfile prev = null;
        for (KernelProfile p : KernelProfile.builtIn()) {
            if (prev != null) {
                out.println();
            }
            int n = p.patches().size();
            StringBuilder aka = new StringBuilder();
            KernelProfile.aliases().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .filter(e -> e.getValue().equals(p.name())).forEach(e -> aka.append(", also ").append(e.getKey()));
            out.println(p.name() + (p.name().equals(dflt) ? " (default)" : "") + aka + ": " + n + " patch"
                    + (n == 1 ? "" : "es") + (prev == null ? "" : "; since " + prev.name() + ": " + changes(prev, p)));
            Table t = new Table();
            for (Patch x : p.patches()) {
                t.row(x.id(), x.ref().commit() != null ? x.ref().commit() : x.ref().series(), x.title());
            }
            t.print(out, "  ");
            prev = p;
        }
        out.flush();
        return 0;
    }

    /** What upstream changed between two profiles, as +id / -id. */
    static String changes(KernelProfile from, KernelProfile to) {
        StringBuilder b = new StringBuilder();
        for (Patch x : Patches.all()) {
            if (from.has(x) != to.has(x)) {
                b.append(b.length() == 0 ? "" : " ").append(to.has(x) ? '+' : '-').append(x.id());
            }
        }
        return b.toString();
    }
}
