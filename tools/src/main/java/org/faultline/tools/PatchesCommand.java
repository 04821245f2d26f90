package org.faultline.tools;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Patch;
import org.faultline.kernel.Patches;
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
        Table t = new Table("ID", "STATUS", "WHERE", "PROFILE", "NEEDS", "TITLE");
        for (Patch p : Patches.all()) {
            String first = KernelProfile.firstWith(p);
            String rel = (p.requires().isEmpty() ? "-" : String.join(",", p.requires()))
                    + (p.conflicts().isEmpty() ? "" : " / not with " + String.join(",", p.conflicts()))
                    + (p.overrides().isEmpty() ? "" : " / overrides " + String.join(",", p.overrides()));
            String status = p.until() != null ? "before " + p.until()
                    : p.status().name().toLowerCase(Locale.ROOT) + (p.since() == null ? "" : " " + p.since());
            t.row(p.id(), status, p.layer(), first == null ? "-" : first, rel, p.title());
        }
        t.print(out, "");
        out.println();
        out.println("upstream:");
        for (Patch p : Patches.all()) {
            out.println("  " + p.id() + ": " + p.ref());
        }
        out.flush();
        return 0;
    }
}
