package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** An image made and filled by mkfs.ext4 and debugfs opens here; our changes keep it e2fsck-clean. */
class DebugfsInteropTest {

    @Test
    void readAndModifyADebugfsImage() throws Exception {
        E2fs.assumeInstalled();
        Path dir = E2fs.scratch("interop");
        Path img = dir.resolve("img");
        HostMkfs.supported(img, "16M");
        SplittableRandom rnd = new SplittableRandom(77);
        Map<String, byte[]> host = new LinkedHashMap<>();
        host.put("empty", new byte[0]);
        host.put("one", WriteReadBackTest.random(rnd, 1));
        host.put("small", WriteReadBackTest.random(rnd, 5000));
        host.put("medium", WriteReadBackTest.random(rnd, 100_000));
        host.put("big", WriteReadBackTest.random(rnd, 3 << 20));
        List<String> cmds = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : host.entrySet()) {
            Path f = dir.resolve("host-" + e.getKey());
            Files.write(f, e.getValue());
            cmds.add("write " + f + " " + e.getKey());
        }
        cmds.add("mkdir d");
        cmds.add("cd d");
        byte[] inDir = WriteReadBackTest.random(rnd, 12345);
        Path f = dir.resolve("host-indir");
        Files.write(f, inDir);
        cmds.add("write " + f + " inner");
        cmds.add("mkdir sub");
        Path cmdFile = dir.resolve("cmds");
        Files.write(cmdFile, cmds);
        E2fs.Run w = E2fs.run("debugfs", "-w", "-f", cmdFile.toString(), img.toString());
        assertEquals(0, w.exit(), w.out());
        assertEquals(0, E2fs.e2fsck(img).exit(), "debugfs image clean before we touch it");

        long freeBefore;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            for (Map.Entry<String, byte[]> e : host.entrySet()) {
                assertArrayEquals(e.getValue(), v.readAll("/" + e.getKey()), e.getKey());
            }
            assertArrayEquals(inDir, v.readAll("/d/inner"));
            List<String> names = v.readdir("/d").stream().map(DirEntry::nameString).toList();
            assertEquals(List.of(".", "..", "inner", "sub"), names);
            assertEquals(3, v.stat("/d").links());
            freeBefore = v.freeBlocks();

            // modify: overwrite the middle of big, append to small, new files, unlink, mkdir, truncate
            byte[] big = host.get("big");
            byte[] patch = WriteReadBackTest.random(rnd, 70_000);
            v.write("/big", 1_000_001, patch);
            System.arraycopy(patch, 0, big, 1_000_001, patch.length);
            byte[] small = host.get("small");
            byte[] more = WriteReadBackTest.random(rnd, 9000);
            v.write("/small", small.length, more);
            byte[] grown = Arrays.copyOf(small, small.length + more.length);
            System.arraycopy(more, 0, grown, small.length, more.length);
            host.put("small", grown);
            long n = v.create("/d/new", 0640);
            byte[] fresh = WriteReadBackTest.random(rnd, 200_000);
            v.write(n, 0, fresh, 0, fresh.length);
            v.unlink("/medium");
            v.mkdir("/d/sub/deeper", 0755);
            v.truncate("/big", 2_000_000);
            host.put("big", Arrays.copyOf(big, 2_000_000));
            host.remove("medium");
            host.put("d/new", fresh);
            v.rename("/one", "/d/sub/deeper/one-moved");
            host.put("d/sub/deeper/one-moved", host.remove("one"));
            assertThrows(Ext4Exception.class, () -> v.rmdir("/d"));
        }
        E2fs.Run fsck = E2fs.e2fsck(img);
        assertEquals(0, fsck.exit(), fsck.out());
        Fsck.Report ours = Fsck.checkImage(img);
        assertTrue(ours.clean(), ours.toString());
        for (Map.Entry<String, byte[]> e : host.entrySet()) {
            Path out = dir.resolve("dump-" + e.getKey().replace('/', '_'));
            E2fs.debugfs(img, "dump /" + e.getKey() + " " + out);
            assertArrayEquals(e.getValue(), Files.readAllBytes(out), e.getKey());
        }
        E2fs.Run ls = E2fs.debugfs(img, "ls -l /d/sub/deeper");
        assertTrue(ls.out().contains("one-moved"), ls.out());
        E2fs.Run gone = E2fs.debugfs(img, "stat /medium");
        assertTrue(gone.out().contains("File not found"), gone.out());
        assertTrue(freeBefore > 0);
    }
}
