package org.faultline.tools;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.faultline.tools.explore.Scenario;
import org.faultline.tools.explore.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code faultline scenarios [--show NAME]}: the built-in reproduction scenarios, or one scenario's
 * workload file — the public format, so it can be copied, changed and explored as a file.
 */
@Command(name = "scenarios", mixinStandardHelpOptions = true, description = {"List the built-in reproduction scenarios.",
    "With --show NAME, print that scenario's workload (docs/workloads.md): save it, change it, explore the file."})
final class ScenariosCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = "--show", paramLabel = "NAME", description = "print this scenario's workload file")
    String show;

    /** The search the scenario carries, as explore will run it: {@code pct d3 x2000}. */
    static String search(Scenario s) {
        return s.strategy() + (s.strategy().equals("pct") ? " d" + s.depth() : "") + " x" + s.iterations();
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (show != null) {
            try {
                out.print(Scenarios.byName(show).text());
            } catch (IllegalArgumentException e) {
                throw new CliError(e.getMessage());
            }
            out.flush();
            return 0;
        }
        Table t = new Table("SCENARIO", "BUG", "KERNEL", "SEARCH", "DESCRIPTION");
        for (Scenario s : Scenarios.all()) {
            t.row(s.name(), s.bug() == 0 ? "-" : String.valueOf(s.bug()), s.kernel(null, java.util.List.of()).name(),
                    search(s), s.description());
        }
        t.print(out, "");
        out.flush();
        return 0;
    }
}
