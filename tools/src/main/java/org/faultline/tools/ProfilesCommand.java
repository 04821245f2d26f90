package org.faultline.tools;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Patch;
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
        boolean firstProfile = true;
        for (KernelProfile p : KernelProfile.builtIn()) {
            if (!firstProfile) {
                out.println();
            }
            firstProfile = false;
            int n = p.patches().size();
            out.println(p.name() + (p.name().equals(dflt) ? " (default)" : "") + ": " + n + " patch" + (n == 1 ? "" : "es"));
            Table t = new Table();
            for (Patch x : Patch.values()) {
                if (p.has(x)) {
                    t.row(x.id, x.ref, x.title);
                }
            }
            t.print(out, "  ");
        }
        out.flush();
        return 0;
    }
}
