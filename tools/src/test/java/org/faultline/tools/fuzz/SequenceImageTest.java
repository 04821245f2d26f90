package org.faultline.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.images.ext4.Ext4Image;
import org.faultline.kernel.KernelProfile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The image each sequence runs on: the mkfs and the block size {@code --mkfs who:SIZE} names. */
class SequenceImageTest {
    private static int blockSizeOf(boolean hostMkfs, int bs, Path dir) throws Exception {
        Path img = dir.resolve((hostMkfs ? "host" : "faultline") + bs + ".img");
        Files.deleteIfExists(img);
        new SequenceChecker.Options(KernelProfile.byName("6.6"), false, false, false, dir,
                SequenceChecker.Options.HUNG_TASK_TIMEOUT_MS, hostMkfs, bs).makeImage(img, 16L << 20, 3);
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            assertEquals(16L << 20, v.superBlock().blocksCount() * v.blockSize());
            return v.blockSize();
        }
    }

    @Test
    void aMinimalWorkloadSaysHowToMakeItsImage() {
        Path dir = Path.of("target");
        SequenceChecker.Options host1k = new SequenceChecker.Options(KernelProfile.byName("6.6"), false, false, false, dir,
                SequenceChecker.Options.HUNG_TASK_TIMEOUT_MS, true, 1024);
        assertEquals("--mkfs host:1024 ", host1k.mkfsOption());
        assertEquals("mkfs.ext4 -F -q -b 1024 x.img 32M", host1k.mkfsCommand(32));
        SequenceChecker.Options own = new SequenceChecker.Options(KernelProfile.byName("6.6"), false, false, false, dir);
        assertEquals("", own.mkfsOption());
        assertEquals("faultline mkfs x.img --size 32M", own.mkfsCommand(32));
        SequenceChecker.Options own2k = new SequenceChecker.Options(KernelProfile.byName("6.6"), false, false, false, dir,
                SequenceChecker.Options.HUNG_TASK_TIMEOUT_MS, false, 2048);
        assertEquals("--mkfs faultline:2048 ", own2k.mkfsOption());
        assertEquals("faultline mkfs x.img --size 32M --block-size 2048", own2k.mkfsCommand(32));
    }

    @Test
    void eachMkfsMakesTheBlockSizeAskedFor() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "test-scratch", "sequence-image").toAbsolutePath());
        for (int bs : new int[] {1024, 2048, 4096}) {
            assertEquals(bs, blockSizeOf(false, bs, dir));
        }
        Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "e2fsprogs not installed");
        for (int bs : new int[] {1024, 2048, 4096}) {
            assertEquals(bs, blockSizeOf(true, bs, dir));
        }
    }
}
