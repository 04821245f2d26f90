package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An image on a full host filesystem: the host's ENOSPC is reported as the host's, naming the image,
 * exit 2 — not as corruption the emulated kernel caused (exit 4). Needs root, to mount a small
 * tmpfs; skipped otherwise.
 */
class HostIoErrorTest {
    private static Path mnt;
    private static boolean mounted;

    private static int sh(String... cmd) throws IOException, InterruptedException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    @BeforeAll
    static void mount() throws Exception {
        mnt = CliTestSupport.scratch("host-full");
        mounted = sh("mount", "-t", "tmpfs", "-o", "size=3M", "tmpfs", mnt.toString()) == 0;
    }

    @AfterAll
    static void umount() throws Exception {
        if (mounted) {
            sh("umount", mnt.toString());
        }
    }

    @Test
    void aFullHostFilesystemIsAHostErrorNotCorruption() throws Exception {
        assumeTrue(mounted, "cannot mount a tmpfs here (not root)");
        Path img = mnt.resolve("a.img");
        CliTestSupport.Run mk = CliTestSupport.run("mkfs", img.toString(), "--size", "64M");
        assertEquals(0, mk.code(), mk.toString());
        String line = "faultline: host I/O error on " + img + ": No space left on device (ENOSPC)";

        CliTestSupport.Run boot = CliTestSupport.run("boot", "--image", img.toString(), "--size", "8M");
        assertEquals(2, boot.code(), boot.toString());
        assertTrue(boot.err().startsWith(line), boot.toString());
        assertTrue(boot.out().contains("HOST I/O ERROR"), boot.toString());

        Path big = CliTestSupport.scratch("host-full-src").resolve("big.bin");
        byte[] b = new byte[4 << 20];
        new java.util.Random(1).nextBytes(b);
        Files.write(big, b);
        CliTestSupport.Run cp = CliTestSupport.run("cp", big.toString(), img + ":/big2");
        assertEquals(2, cp.code(), cp.toString());
        assertTrue(cp.err().contains(line), cp.toString());
    }
}
