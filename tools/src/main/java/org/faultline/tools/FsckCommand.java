package org.faultline.tools;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.faultline.images.ext4.Fsck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code faultline fsck IMAGE}: Faultline's own read-only checker (bitmaps against extents, link
 * counts, directory structure, free counts). Exit 0 clean, 4 inconsistent, 2 if it cannot check.
 */
@Command(name = "fsck", mixinStandardHelpOptions = true,
        description = "Check an ext4 image read-only: exit 0 clean, 4 inconsistent, 2 cannot check.")
final class FsckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "the image to check")
    Path image;

    @Override
    public Integer call() {
        if (!Files.exists(image)) {
            throw new CliError(image + ": No such file or directory (ENOENT)");
        }
        Fsck.Report r;
        try (ImageLock lock = ImageLock.acquire(image, false)) {
            r = Fsck.checkImage(image);
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String n : r.notes()) { // printed as e2fsck -n prints them, not counted
            out.println(n);
        }
        for (String p : r.problems()) {
            out.println(p);
        }
        out.println(r.summary());
        out.flush();
        if (r.exitCode() == 0) {
            return 0;
        }
        return r.problems().isEmpty() || r.exitCode() > 4 ? Faultline.EXIT_USAGE : 4;
    }
}
