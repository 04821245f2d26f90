package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The guard against writing to a device the host is using. Only {@link Images#inUse} is called: these
 * tests never open a device, let alone write to one.
 */
class InUseTest {
    @Test
    void aMountedBlockDeviceIsInUse() throws IOException {
        Path dev = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = java.util.Arrays.asList(f).indexOf("-");
            if (dash > 0 && dash + 2 < f.length && f[dash + 2].startsWith("/dev/")) {
                Path p = Path.of(f[dash + 2]);
                if (Files.exists(p) && !Files.isRegularFile(p) && !Files.isDirectory(p)) {
                    dev = p;
                    break;
                }
            }
        }
        assumeTrue(dev != null, "no block device is mounted here");
        String why = Images.inUse(dev, true);
        assertNotNull(why, dev + " is mounted but was not reported in use");
    }

    @Test
    void aPlainImageFileIsNotInUse() throws IOException {
        Path img = CliTestSupport.image(CliTestSupport.scratch("in-use"), "plain.img", 1 << 20);
        assertNull(Images.inUse(img, false));
    }
}
