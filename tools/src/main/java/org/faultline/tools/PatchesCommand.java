package org.faultline.tools;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Patch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code faultline patches}: every switchable behaviour, where it came from, and which era has it. */
@Command(name = "patches",
        mixinStandardHelpOptions = true,
        description = {
            "List the kernel patches Faultline models as switchable (use with --patch +ID / -ID).",
            "PROFILE is the oldest built-in kernel profile that has the patch ('-': none, add it with --patch)."})
final class PatchesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Table t = new Table("ID", "STATUS", "UPSTREAM", "VERSION", "PROFILE", "TITLE");
        for (Patch p : Patch.values()) {
            String first = KernelProfile.firstWith(p);
            t.row(p.id, p.status.name().toLowerCase(Locale.ROOT), p.ref, p.version, first == null ? "-" : first, p.title);
        }
        t.print(out, "");
        out.flush();
        return 0;
    }
}
