package org.faultline.tools;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.faultline.tools.explore.Scenario;
import org.faultline.tools.explore.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code faultline scenarios}: the built-in reproduction scenarios. */
@Command(name = "scenarios", mixinStandardHelpOptions = true, description = "List the built-in reproduction scenarios.")
final class ScenariosCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Table t = new Table("SCENARIO", "BUG", "KERNEL", "DESCRIPTION");
        for (Scenario s : Scenarios.all()) {
            t.row(s.name(), s.bug() == 0 ? "-" : String.valueOf(s.bug()), s.profile(), s.description());
        }
        t.print(out, "");
        out.flush();
        return 0;
    }
}
