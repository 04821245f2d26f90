package org.faultline.tools;

import java.nio.file.Path;
import org.faultline.block.HostFileDriver;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --store} and {@code --no-capture} of the runners that capture a failure on a user's image
 * ({@code boot}, {@code mount}): the image's old blocks are kept as the run overwrites them
 * ({@link BootCapture}), so the failure can be captured with the image as it was.
 */
final class ImageCaptureOptions {
    @Option(names = "--store", paramLabel = "DIR",
            description = "Capture store for a failure (default: $FAULTLINE_STORE, else $FAULTLINE_HOME/store, else "
                    + "~/.faultline/store).")
    Path store;

    @Option(names = "--no-capture", description = "Do not capture a failure (nor keep the image's old blocks as the "
            + "run overwrites them, which a capture needs).")
    boolean noCapture;

    /**
     * The capture of a failure on {@code image}, under way from now; null if not asked for, or if the
     * store cannot be opened (said once on stderr: it costs the capture, never the run).
     */
    BootCapture start(HostFileDriver image, CommandSpec spec) {
        if (noCapture) {
            return null;
        }
        try {
            return BootCapture.start(Captures.open(store, spec), image);
        } catch (CliError e) {
            spec.commandLine().getErr().println("faultline: not capturing a failure: " + e.getMessage());
            return null;
        }
    }
}
