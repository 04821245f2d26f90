package org.faultline.images.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.faultline.fs.ext4.Ext4Volume;
import org.junit.jupiter.api.Test;

/**
 * Deferred checkpoints (jbd2's checkpoint.c, {@code Ext4Jbd2}): a commit leaves its blocks in the log
 * and the cache, not in place, until the log needs the room or the volume is unmounted; a metadata
 * block freed while its copy is still in the log is revoked by the next commit, so recovery does not
 * write that copy over the block's next owner. Checked on a crash copy of the device, recovered by
 * the host's e2fsck and by Faultline.
 */
class JournalCheckpointTest {
    private static byte[] pattern(long off, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            long p = off + i;
            b[i] = (byte) (p * 31 + (p >>> 12) * 7 + 1);
        }
        return b;
    }

    @Test
    void aFreedExtentBlockIsRevokedSoItsReuseAsDataSurvivesRecovery() throws Exception {
        E2fs.assumeInstalled();
        Path dir = E2fs.scratch("journal-checkpoint");
        DriverBlockIo io = DriverBlockIo.ram((16L << 20) / 4096);
        Mkfs.format(io, "mem", Mkfs.Options.seeded(11).withJournal(Mkfs.Options.DEFAULT_JOURNAL));
        Ext4Image v = Ext4Image.open(io, "mem", false);
        assertTrue(v.volume().journaled());

        // T1: a fragmented file, its extents in an extent block
        long a = v.create("/a", 0644);
        for (int i = 0; i < 40; i++) {
            v.write(a, i * 8192L, pattern(i * 8192L, 4096), 0, 4096);
        }
        assertEquals(1, v.extentDepth(a));
        long extentBlock = v.volume().extents().nodeBlocks(a).get(0);
        v.sync();
        byte[] raw = new byte[4096];
        io.read(extentBlock, raw);
        assertFalse(Arrays.equals(raw, v.cache().get(extentBlock)),
                "committed, not checkpointed: the extent block is in the log, not yet in place");

        // T2: the unlink frees it (revoked by the next commit); T3: a file filling the disk reuses it for data
        v.unlink("/a");
        v.sync();
        long b = v.create("/b", 0644);
        long size = 0;
        try {
            for (;;) {
                v.write(b, size, pattern(size, 65536), 0, 65536);
                size += 65536;
            }
        } catch (IOException enospc) {
            assertTrue(enospc.getMessage().contains("No space") || enospc.getMessage().contains("ENOSPC"), enospc.toString());
        }
        size = v.stat(b).size();
        boolean reused = v.extents(b).stream().anyMatch(e -> extentBlock >= e.pblk() && extentBlock < e.pblk() + e.len());
        assertTrue(reused, "the freed extent block " + extentBlock + " holds /b's data now");
        v.sync();

        // the power goes: the device as it is, the log holding T1..T3
        Path crashed = dir.resolve("crashed.img");
        E2fs.writeImage(io, crashed);
        byte[] want = pattern(0, (int) size);

        Path host = dir.resolve("host.img");
        Files.copy(crashed, host);
        E2fs.Run fix = E2fs.run("e2fsck", "-fy", host.toString());
        assertTrue(fix.exit() <= 1, fix.out());
        assertEquals(0, E2fs.e2fsck(host).exit(), "clean after the host's recovery");
        Path dumped = dir.resolve("b.host");
        E2fs.Run dump = E2fs.debugfs(host, "dump /b " + dumped);
        assertEquals(0, dump.exit(), dump.out());
        assertArrayEquals(want, Files.readAllBytes(dumped), "the host's replay kept /b's data over the revoked block");

        try (Ext4Image ours = Ext4Image.openImage(crashed, Ext4Volume.Options.readWrite())) {
            assertArrayEquals(want, ours.readAll("/b"), "Faultline's replay kept /b's data over the revoked block");
        }
        assertEquals(0, E2fs.e2fsck(crashed).exit(), "clean after Faultline's recovery");
    }
}
