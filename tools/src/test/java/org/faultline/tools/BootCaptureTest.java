package org.faultline.tools;

import static org.faultline.tools.CliTestSupport.run;
import static org.faultline.tools.CliTestSupport.scratch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.faultline.tools.CliTestSupport.Run;
import org.junit.jupiter.api.Test;

/**
 * A boot that fails on a user's image is captured with the image as it was at boot, so the failure
 * can be searched again without the original file; a clean boot leaves nothing behind.
 */
class BootCaptureTest {
    @Test
    void aFailingBootIsCapturedWithTheImageAsItWasAtBoot() throws Exception {
        Path d = scratch("boot-capture");
        Path img = d.resolve("user.img");
        Path store = d.resolve("store");
        assertEquals(0, run("mkfs", img.toString(), "--size", "32M").code());
        byte[] atBoot = Files.readAllBytes(img);
        Path wl = Files.writeString(d.resolve("bug2.wl"), run("scenarios", "--show", "mkwrite-not-uptodate-after-eio").out());

        Run boot = run("boot", "--image", img.toString(), wl.toString(), "--store", store.toString());
        assertEquals(4, boot.code(), boot::toString);
        Matcher m = Pattern.compile("captured ([0-9a-f]{8}): faultline captures show \\1").matcher(boot.out());
        assertTrue(m.find(), boot::toString);
        String id = m.group(1);
        try (var s = Files.list(store.resolve("tmp"))) {
            assertEquals(0, s.count(), "the undo file is gone");
        }

        Run replay = run("replay", id, "--store", store.toString());
        assertEquals(2, replay.code(), replay::toString);
        assertTrue(replay.err().contains("no schedule to replay") && replay.err().contains("faultline explore " + id),
                replay::toString);

        Path before = d.resolve("before.img");
        assertEquals(0, run("captures", "export", id, "--store", store.toString(), "--image", before.toString(),
                "--at-write", "0").code());
        assertArrayEquals(atBoot, Files.readAllBytes(before), "the image as it was at boot, though the run changed it");
        Path after = d.resolve("after.img");
        assertEquals(0, run("captures", "export", id, "--store", store.toString(), "--image", after.toString()).code());
        assertArrayEquals(Files.readAllBytes(img), Files.readAllBytes(after), "the image at the failure");
        assertFalse(java.util.Arrays.equals(atBoot, Files.readAllBytes(after)));

        Files.delete(img); // the original is not needed any more
        Run explore = run("explore", id, "--store", store.toString(), "--iterations", "50", "--out", d.toString(),
                "--no-capture");
        assertEquals(4, explore.code(), explore::toString);
        assertTrue(explore.out().contains("FOUND"), explore::toString);
    }

    @Test
    void aCleanBootCapturesNothingAndLeavesNothing() throws Exception {
        Path d = scratch("boot-capture-clean");
        Path img = d.resolve("user.img");
        Path store = d.resolve("store");
        assertEquals(0, run("mkfs", img.toString(), "--size", "32M").code());
        Path wl = Files.writeString(d.resolve("ok.wl"), "task t\n  open f /f create rdwr\n  write f 0 64k seed=1\n  fsync f\n");
        Run boot = run("boot", "--image", img.toString(), wl.toString(), "--store", store.toString());
        assertEquals(0, boot.code(), boot::toString);
        assertFalse(boot.out().contains("captured"), boot::toString);
        assertTrue(run("captures", "--store", store.toString()).out().contains("no captures"));
        try (var s = Files.list(store.resolve("tmp"))) {
            assertEquals(0, s.count(), "the undo file is gone");
        }
    }
}
