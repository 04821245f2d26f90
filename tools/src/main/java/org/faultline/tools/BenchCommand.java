package org.faultline.tools;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code faultline bench}: measurements of one layer against the host. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Measure a layer of the emulated kernel against the host.",
        subcommands = {BenchBlock.class, BenchFs.class, BenchFio.class, BenchExplore.class})
final class BenchCommand implements Callable<Integer> {
    @ParentCommand
    Faultline root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Faultline.EXIT_USAGE;
    }
}
