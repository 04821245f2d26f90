package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Files written through {@link Ext4Volume} read back identically with debugfs, and e2fsck -fn finds
 * nothing to fix.
 */
class WriteReadBackTest {

    static byte[] random(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    @Test
    void filesDirectoriesSparseAndFragmented() throws Exception {
        E2fs.assumeInstalled();
        Path dir = E2fs.scratch("readback");
        Path img = dir.resolve("img");
        Mkfs.createImage(img, 64L << 20, Mkfs.Options.seeded(5));
        SplittableRandom rnd = new SplittableRandom(1234);
        Map<String, byte[]> expect = new LinkedHashMap<>();
        int[] sizes = {0, 1, 4095, 4096, 4097, (1 << 20) + 3};
        int fragBlocks = 1500;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            v.mkdir("/sizes", 0755);
            for (int s : sizes) {
                String p = "/sizes/f" + s;
                long ino = v.create(p, 0644);
                byte[] data = random(rnd, s);
                // write in uneven chunks to exercise partial blocks
                int off = 0;
                while (off < s) {
                    int n = Math.min(s - off, 1 + rnd.nextInt(9000));
                    v.write(ino, off, data, off, n);
                    off += n;
                }
                expect.put(p, data);
            }
            // sparse: data at 0 and at 10 MiB
            long sp = v.create("/sparse", 0600);
            byte[] head = random(rnd, 5000);
            byte[] tail = random(rnd, 7000);
            v.write(sp, 0, head, 0, head.length);
            v.write(sp, 10L << 20, tail, 0, tail.length);
            byte[] sparse = new byte[(10 << 20) + tail.length];
            System.arraycopy(head, 0, sparse, 0, head.length);
            System.arraycopy(tail, 0, sparse, 10 << 20, tail.length);
            expect.put("/sparse", sparse);
            assertEquals(4 * 8, v.stat("/sparse").blocks512(), "2 blocks at 0, 2 at 10 MiB");

            // two files interleaved block by block: no two extents can merge
            long a = v.create("/fragA", 0644);
            long b = v.create("/fragB", 0644);
            byte[] da = random(rnd, fragBlocks * 4096);
            byte[] db = random(rnd, fragBlocks * 4096);
            for (int i = 0; i < fragBlocks; i++) {
                v.write(a, (long) i * 4096, da, i * 4096, 4096);
                v.write(b, (long) i * 4096, db, i * 4096, 4096);
            }
            expect.put("/fragA", da);
            expect.put("/fragB", db);
            assertEquals(fragBlocks, v.extents(a).size());
            assertEquals(2, v.extentDepth(a), "1500 extents need index nodes below the root");

            v.mkdir("/many", 0755);
            for (int i = 0; i < 2000; i++) {
                long ino = v.create(String.format("/many/file-%04d", i), 0644);
                if (i % 100 == 0) {
                    byte[] small = random(rnd, 10 + i);
                    v.write(ino, 0, small, 0, small.length);
                    expect.put(String.format("/many/file-%04d", i), small);
                }
            }
            v.mkdir("/many/sub", 0700);
            assertEquals(3, v.stat("/many").links());
            for (Map.Entry<String, byte[]> e : expect.entrySet()) {
                assertArrayEquals(e.getValue(), v.readAll(e.getKey()), e.getKey());
            }
        }
        Fsck.Report ours = Fsck.checkImage(img);
        assertTrue(ours.clean(), ours.toString());
        E2fs.Run fsck = E2fs.e2fsck(img);
        assertEquals(0, fsck.exit(), fsck.out());

        for (Map.Entry<String, byte[]> e : expect.entrySet()) {
            Path out = dir.resolve("dump" + e.getKey().replace('/', '_'));
            E2fs.Run d = E2fs.debugfs(img, "dump " + e.getKey() + " " + out);
            assertTrue(Files.exists(out), d.out());
            byte[] got = Files.readAllBytes(out);
            assertEquals(e.getValue().length, got.length, e.getKey());
            assertTrue(Arrays.equals(e.getValue(), got), "debugfs dump differs: " + e.getKey());
        }
        E2fs.Run ls = E2fs.debugfs(img, "ls -l /many");
        Set<String> names = new HashSet<>();
        for (String line : ls.out().split("\n")) {
            String[] t = line.trim().split("\\s+");
            names.add(t[t.length - 1]);
        }
        for (int i = 0; i < 2000; i++) {
            assertTrue(names.contains(String.format("file-%04d", i)), "missing file-" + i);
        }
        E2fs.Run ex = E2fs.debugfs(img, "ex /fragA");
        assertTrue(ex.out().contains("Level Entries"), ex.out());
        assertTrue(ex.out().contains(" 2/ 2 "), "depth-2 leaves listed:\n" + ex.out().substring(0, Math.min(600, ex.out().length())));

        // and back through a fresh open
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            for (Map.Entry<String, byte[]> e : expect.entrySet()) {
                assertArrayEquals(e.getValue(), v.readAll(e.getKey()), e.getKey());
            }
            List<DirEntry> many = v.readdir("/many");
            assertEquals(2003, many.size());
        }
    }
}
