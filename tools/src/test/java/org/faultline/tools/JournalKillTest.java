package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.faultline.tools.fuzz.HostChecks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of {@code faultline boot} on a journaled image (the host's mkfs.ext4 defaults) at
 * random moments: each killed image is consistent once its journal is recovered — by Faultline's next
 * read-write open (e2fsck -fn clean afterwards) and by the host kernel's mount (likewise).
 *
 * <p>What makes it hold: every kernel operation's metadata changes are in one jbd2 handle, and a
 * commit waits for the handles of its transaction (before handles, 3 of 59 kills left an extent past
 * {@code i_size} after recovery: a commit between writeback's allocation and its size update).
 */
class JournalKillTest {
    private static final int KILLS = 20;

    @Test
    void aBootKilledAtAnyMomentRecoversToAConsistentImage() throws Exception {
        Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "e2fsprogs not installed");
        Path dir = CliTestSupport.scratch("journal-kill");
        Path clean = dir.resolve("clean.img");
        assertEquals(0, exec("mkfs.ext4", "-F", "-q", "-b", "4096", clean.toString(), "128M"));
        String hostWhy = HostChecks.probeLoopMount(dir);
        Random rnd = new Random(20261207);
        int recovered = 0;
        for (int i = 0; i < KILLS; i++) {
            Path img = dir.resolve("killed.img");
            Files.copy(clean, img, StandardCopyOption.REPLACE_EXISTING);
            Process p = CliTestSupport.process("boot", "--image", img.toString(), "--no-capture", "--size", "32M")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("boot.log").toFile()).start();
            long delayMs = 300 + rnd.nextInt(1200);
            boolean exited = p.waitFor(delayMs, TimeUnit.MILLISECONDS);
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "killed");
            byte[] sb = new byte[2048];
            try (var in = Files.newInputStream(img)) {
                in.readNBytes(sb, 0, sb.length);
            }
            boolean needsRecovery = (sb[1024 + 0x60] & 0x4) != 0; // s_feature_incompat: needs_recovery
            recovered += needsRecovery ? 1 : 0;
            Path host = dir.resolve("host.img");
            Files.copy(img, host, StandardCopyOption.REPLACE_EXISTING);

            CliTestSupport.Run r = CliTestSupport.run("mkdir", img + ":/after-kill");
            assertEquals(0, r.code(), "kill " + i + " after " + delayMs + " ms" + (exited ? " (had exited)" : "") + ": " + r);
            assertEquals(0, exec("e2fsck", "-fn", img.toString()), "kill " + i + " after " + delayMs
                    + " ms: e2fsck -fn after Faultline's recovery");
            if (hostWhy == null) {
                Path mnt = Files.createDirectories(dir.resolve("mnt"));
                assertEquals(0, exec("mount", "-o", "loop", host.toString(), mnt.toString()), "host mount, kill " + i);
                exec("umount", mnt.toString());
                assertEquals(0, exec("e2fsck", "-fn", host.toString()), "kill " + i + " after " + delayMs
                        + " ms: e2fsck -fn after the host kernel's recovery");
            }
        }
        assertTrue(recovered > 0, "no kill landed while the journal was in use: the test checks nothing");
    }

    private static int exec(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            System.err.println(String.join(" ", argv) + ": exit " + rc + "\n" + out);
        }
        return rc;
    }
}
