package org.faultline.images.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.faultline.block.Bio;
import org.faultline.block.WriteLogDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The capture store: content in and out, block dedup, the write log rebuilding a disk, refusals. */
class CaptureStoreTest {
    @TempDir
    Path tmp;

    private static Manifest manifest(String title, String base, String fin, String log, long writes, long size) {
        return new Manifest(Manifest.FORMAT, "test", 1000, "explore", "BUG", 1, title, "sc", "00", "5.10", List.of(),
                "5.10", "pct", 7, 3, "fl2:x", 200_000, 42, "00", "00", "0", 0, size, base, fin, log, writes, true);
    }

    /** A disk of {@code blocks} blocks: every third written with seeded bytes, the rest zero. */
    private static byte[] disk(int blocks, long seed) {
        byte[] d = new byte[blocks * 4096];
        Random r = new Random(seed);
        for (int b = 0; b < blocks; b += 3) {
            for (int i = 0; i < 4096; i++) {
                d[b * 4096 + i] = (byte) r.nextInt();
            }
        }
        return d;
    }

    @Test
    void aCaptureComesBackAsStoredAndItsDiskRebuildsAtEveryWrite() throws Exception {
        byte[] boot = disk(64, 1);
        List<WriteLogDriver.Entry> log = new ArrayList<>();
        byte[] after = boot.clone();
        Random r = new Random(9);
        List<byte[]> states = new ArrayList<>();
        states.add(boot.clone());
        for (int i = 1; i <= 20; i++) {
            int block = r.nextInt(60);
            byte[] data = new byte[4096 * (1 + r.nextInt(3))];
            r.nextBytes(data);
            System.arraycopy(data, 0, after, block * 4096, data.length);
            log.add(new WriteLogDriver.Entry(i, Bio.Op.WRITE, block * 8L, i % 5 == 0 ? Bio.REQ_FUA : 0, data));
            states.add(after.clone());
        }
        String id;
        Manifest m;
        try (CaptureStore s = CaptureStore.open(tmp.resolve("store")); CaptureStore.Batch b = s.batch()) {
            m = manifest("kernel BUG at mm/page-writeback.c:2240!", CapturedDisk.putDisk(b, boot),
                    CapturedDisk.putDisk(b, after), CapturedDisk.putWriteLog(b, log), log.size(), boot.length);
            id = b.putCapture(m);
            b.commit();
        }
        try (CaptureStore s = CaptureStore.open(tmp.resolve("store"))) { // reopened: committed means durable
            CaptureStore.Stored got = s.find(id.substring(0, 6));
            assertEquals(id, got.id());
            assertEquals(m, got.manifest());
            assertArrayEquals(after, CapturedDisk.rebuild(s, m, -1), "the disk at the failure");
            for (int n = 0; n <= 20; n++) {
                assertArrayEquals(states.get(n), CapturedDisk.rebuild(s, m, n), "the disk after write " + n);
            }
            assertEquals(20, CapturedDisk.writeLog(s, m.writeLog()).size());
            Path img = tmp.resolve("x.img");
            CapturedDisk.export(s, m, -1, img);
            assertArrayEquals(after, Files.readAllBytes(img));
            assertThrows(CaptureStoreException.class, () -> CapturedDisk.export(s, m, -1, img), "never overwrites");
        }
    }

    @Test
    void theSameFailureCapturedTwiceIsOneCaptureAndSimilarDisksShareTheirBlocks() throws Exception {
        try (CaptureStore s = CaptureStore.open(tmp.resolve("store"))) {
            byte[] d = disk(256, 2);
            String first;
            try (CaptureStore.Batch b = s.batch()) {
                String map = CapturedDisk.putDisk(b, d);
                first = b.putCapture(manifest("t", map, map, CapturedDisk.putWriteLog(b, List.of()), 0, d.length));
                b.commit();
            }
            long size1 = s.bytes();
            for (int i = 0; i < 20; i++) {
                d[i * 4096 * 3] ^= 1; // one byte more differs each time: one new block each
                try (CaptureStore.Batch b = s.batch()) {
                    String map = CapturedDisk.putDisk(b, d);
                    b.putCapture(manifest("t" + i, map, map, CapturedDisk.putWriteLog(b, List.of()), 0, d.length)
                            .withCapturedAt(5000 + i));
                    b.commit();
                }
            }
            try (CaptureStore.Batch b = s.batch()) { // the first again, at another time: the same id
                String map = CapturedDisk.putDisk(b, disk(256, 2));
                assertEquals(first, b.putCapture(manifest("t", map, map, CapturedDisk.putWriteLog(b, List.of()), 0,
                        d.length).withCapturedAt(99)));
                b.commit();
            }
            assertEquals(21, s.list().size());
            assertTrue(s.bytes() < 4 * size1, "21 captures of near-identical disks: " + s.bytes() + " bytes vs " + size1);
        }
    }

    @Test
    void aForeignOrDamagedStoreIsRefusedInOneLine() throws Exception {
        Path notDir = Files.writeString(tmp.resolve("file"), "x");
        assertTrue(assertThrows(CaptureStoreException.class, () -> CaptureStore.open(notDir)).getMessage()
                .contains("not a directory"));
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        assertTrue(assertThrows(CaptureStoreException.class, () -> CaptureStore.open(other)).getMessage()
                .contains("not a capture store"));
        Path garbage = Files.createDirectories(tmp.resolve("garbage"));
        byte[] junk = new byte[65536];
        new Random(3).nextBytes(junk);
        Files.write(garbage.resolve("data.mdb"), junk);
        CaptureStoreException e = assertThrows(CaptureStoreException.class, () -> CaptureStore.open(garbage));
        assertTrue(e.getMessage().contains("not a readable capture store") && !e.getMessage().contains("\n"), e.getMessage());
        assertArrayEquals(junk, Files.readAllBytes(garbage.resolve("data.mdb")), "a refused store is left as it was");
    }

    /** A dictionary family key without its kind (only damage makes one): gc says so in one line. */
    @Test
    void gcRefusesADictionaryFamilyWithoutItsKindInOneLine() throws Exception {
        try (CaptureStore s = CaptureStore.open(tmp.resolve("store"))) {
            try (CaptureStore.Batch b = s.batch()) {
                b.putText("text", "damaged"); // Faultline's families are WORKLOAD/KIND
                b.commit();
            }
            CaptureStoreException e = assertThrows(CaptureStoreException.class, s::gc);
            assertTrue(e.getMessage().endsWith("the capture store is damaged (dictionary family 'damaged' has no kind)"), e.getMessage());
        }
    }

    @Test
    void idsAreFoundByUniquePrefixesOnly() throws Exception {
        try (CaptureStore s = CaptureStore.open(tmp.resolve("store"))) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                try (CaptureStore.Batch b = s.batch()) {
                    ids.add(b.putCapture(manifest("t" + i, "00", "00", "00", 0, 0)));
                    b.commit();
                }
            }
            for (String id : ids) {
                assertEquals(id, s.find(id).id());
            }
            assertThrows(CaptureStoreException.class, () -> s.find("zz12"), "not hex");
            assertThrows(CaptureStoreException.class, () -> s.find("abc"), "too short");
            for (String id : ids) { // a 4-digit prefix finds its capture when unique, and refuses when shared
                String p = id.substring(0, 4);
                long n = ids.stream().filter(x -> x.startsWith(p)).count();
                if (n == 1) {
                    assertEquals(id, s.find(p).id());
                } else {
                    assertTrue(assertThrows(CaptureStoreException.class, () -> s.find(p)).getMessage().contains("ambiguous"));
                }
            }
            s.remove(ids.get(0));
            assertEquals(39, s.list().size());
            assertThrows(CaptureStoreException.class, () -> s.find(ids.get(0)));
        }
    }

    @Test
    void gcKeepsWhatLiveCapturesNameAndDropsTheRest() throws Exception {
        try (CaptureStore s = CaptureStore.open(tmp.resolve("store"))) {
            byte[] a = disk(32, 5);
            byte[] b = disk(32, 6); // every written block differs from a's
            String keep;
            String drop;
            Manifest ma;
            try (CaptureStore.Batch t = s.batch()) {
                String map = CapturedDisk.putDisk(t, a);
                ma = manifest("a", map, null, CapturedDisk.putWriteLog(t, List.of(new WriteLogDriver.Entry(1, Bio.Op.WRITE,
                        0, 0, java.util.Arrays.copyOf(a, 4096)))), 1, a.length);
                keep = t.putCapture(ma);
                String mb = CapturedDisk.putDisk(t, b);
                drop = t.putCapture(manifest("b", mb, null, CapturedDisk.putWriteLog(t, List.of()), 0, b.length));
                t.commit();
            }
            s.remove(drop);
            long before = s.list().size();
            assertTrue(s.gc() > 0, "b's blocks and map go");
            assertEquals(0, s.gc(), "nothing more to collect");
            assertEquals(before, s.list().size());
            assertArrayEquals(a, CapturedDisk.rebuild(s, s.find(keep).manifest(), -1), "a is whole");
            assertEquals(keep, s.find(keep).id());
        }
    }

    @Test
    void alikeTextsOfOneWorkloadCostLittleEachAndSurviveGc() throws Exception {
        StringBuilder base = new StringBuilder();
        Random r = new Random(11);
        for (int i = 0; i < 200; i++) {
            base.append("task:t").append(i % 9).append(" state:D waiting for PG_writeback of page pfn ").append(i).append('\n');
        }
        try (CaptureStore s = CaptureStore.open(tmp.resolve("store"))) {
            List<String> digests = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            try (CaptureStore.Batch b = s.batch()) {
                for (int i = 0; i < 50; i++) {
                    String t = base + "seed " + i + " step " + r.nextInt(100000) + "\n";
                    texts.add(t);
                    digests.add(b.putText(t, "wl/report"));
                }
                b.putCapture(manifest("keep", "00", null, "00", 0, 0)); // workload "00": its family is live
                b.commit();
            }
            for (int i = 0; i < 50; i++) {
                assertEquals(texts.get(i), s.text(digests.get(i)), "text " + i + " comes back");
            }
            long plain = CaptureStore.deflate(texts.get(1).getBytes(java.nio.charset.StandardCharsets.UTF_8)).length;
            long before = s.bytes();
            try (CaptureStore.Batch b = s.batch()) {
                for (int i = 50; i < 250; i++) {
                    b.putText(base + "seed " + i + " step " + r.nextInt(100000) + "\n", "wl/report");
                }
                b.commit();
            }
            assertTrue(s.bytes() - before < 200 * plain * 6 / 10, "200 alike texts: " + (s.bytes() - before)
                    + " bytes, against " + plain + " each alone");
            s.gc(); // no live capture of workload "wl": its texts and dictionary go
            assertThrows(CaptureStoreException.class, () -> s.text(digests.get(3)));
        }
    }

    /**
     * Kernel logs of one workload whose every line carries the failing step (as a task dump does) cost
     * little each: the repeated line prefix is folded before deflating ({@link LineFold}); unfolded,
     * each costs several times more, since deflate must break its match with the dictionary per line.
     */
    @Test
    void logsWhoseLinesCarryTheirStepCostLittleEach() throws Exception {
        Random r = new Random(12);
        java.util.function.IntFunction<String> log = step -> {
            StringBuilder t = new StringBuilder();
            for (int i = 0; i < 150; i++) {
                t.append("[    0.000000 #").append(step).append("]  frame_").append(i % 40).append(" [File.java:").append(i).append("]\n");
            }
            return t.toString();
        };
        try (CaptureStore s = CaptureStore.open(tmp.resolve("store"))) {
            try (CaptureStore.Batch b = s.batch()) {
                b.putText(log.apply(1), "wl/log");
                b.commit();
            }
            long before = s.bytes();
            List<String> digests = new ArrayList<>();
            List<Integer> steps = new ArrayList<>();
            try (CaptureStore.Batch b = s.batch()) {
                for (int i = 0; i < 300; i++) {
                    steps.add(1000 + r.nextInt(100000));
                    digests.add(b.putText(log.apply(steps.get(i)), "wl/log"));
                }
                b.commit();
            }
            long each = (s.bytes() - before) / 300;
            assertTrue(each < 400, "300 logs: " + each + " bytes each");
            for (int i = 0; i < 300; i += 37) {
                assertEquals(log.apply(steps.get(i)), s.text(digests.get(i)), "log " + i + " comes back");
            }
        }
    }

    /**
     * Two writer threads under garbage-collection pressure: every value stored reads back whole
     * (lmdbjava's byte-array proxy let a value's native copy be freed before LMDB read it, lmdbjava
     * issue #252, and a capture stored then failed to inflate).
     */
    @Test
    void valuesStoredByTwoThreadsUnderCollectionPressureReadBackWhole() throws Exception {
        try (CaptureStore s = CaptureStore.open(tmp.resolve("store"))) {
            List<List<byte[]>> stored = List.of(new ArrayList<>(), new ArrayList<>());
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            Thread gc = new Thread(() -> {
                while (!done.get()) {
                    System.gc();
                }
            });
            gc.start();
            Thread[] ws = new Thread[2];
            for (int w = 0; w < 2; w++) {
                int me = w;
                ws[w] = new Thread(() -> {
                    Random r = new Random(me);
                    for (int batch = 0; batch < 15; batch++) {
                        try (CaptureStore.Batch b = s.batch()) {
                            for (int i = 0; i < 25; i++) {
                                byte[] data = new byte[1 + r.nextInt(6000)];
                                r.nextBytes(data);
                                b.putObject(data);
                                stored.get(me).add(data);
                            }
                            b.commit();
                        }
                    }
                });
                ws[w].start();
            }
            for (Thread t : ws) {
                t.join();
            }
            done.set(true);
            gc.join();
            for (List<byte[]> l : stored) {
                for (byte[] data : l) {
                    assertArrayEquals(data, s.object(CaptureStore.hex(CaptureStore.sha256(data))));
                }
            }
        }
    }
}
