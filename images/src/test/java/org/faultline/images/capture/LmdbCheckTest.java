package org.faultline.images.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.faultline.block.Bio;
import org.faultline.block.WriteLogDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LmdbCheck}: every store Faultline writes passes it, and a store with any one page damaged
 * (random bytes, zeros, one byte flipped) is refused in one line or reads back what it can, never
 * crashing the JVM (LMDB itself trusts its pages: without the check, some of these abort).
 */
class LmdbCheckTest {
    private static final int PAGE = 4096;
    private static final String[] MODES = {"random", "zeros", "flip"};

    @TempDir
    Path tmp;

    /** A store like explore's: captures with disks, write logs, texts in families, big values; some removed, then gc. */
    static List<String> build(Path dir, int captures) throws IOException {
        Random r = new Random(42);
        List<String> ids = new ArrayList<>();
        byte[] shared = new byte[PAGE * 6];
        r.nextBytes(shared);
        try (CaptureStore s = CaptureStore.open(dir)) {
            for (int c = 0; c < captures; c++) {
                try (CaptureStore.Batch b = s.batch()) {
                    ids.add(b.putCapture(capture(b, r, c, shared)));
                    b.commit();
                }
            }
            for (int i = 0; i < ids.size(); i += 3) {
                s.remove(ids.get(i));
            }
            assertTrue(s.gc() > 0);
        }
        return ids;
    }

    private static Manifest capture(CaptureStore.Batch b, Random r, int c, byte[] shared) {
        byte[] disk = new byte[PAGE * 16];
        System.arraycopy(shared, 0, disk, 0, shared.length); // alike captures share most blocks
        for (int i = 6; i < 12; i++) { // small, compressible blocks: inline values
            byte[] t = ("block " + i + " of capture " + c + " ").repeat(40).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(t, 0, disk, i * PAGE, Math.min(PAGE, t.length));
        }
        byte[] noise = new byte[PAGE + 100 * c]; // incompressible: values on overflow pages
        r.nextBytes(noise);
        System.arraycopy(noise, 0, disk, 12 * PAGE, Math.min(noise.length, 4 * PAGE));
        String base = CapturedDisk.putDisk(b, disk);
        byte[] w = new byte[PAGE];
        r.nextBytes(w);
        List<WriteLogDriver.Entry> log = List.of(new WriteLogDriver.Entry(1, Bio.Op.WRITE, 8L * (c % 16), 0, w));
        String wlog = CapturedDisk.putWriteLog(b, log);
        String workload = b.putText("workload " + (c % 3) + "\n");
        StringBuilder klog = new StringBuilder();
        for (int i = 0; i < 120 + 20 * c; i++) {
            klog.append("[ ").append(i).append("] task ").append(r.nextInt(1000)).append(" state D step ").append(c).append('\n');
        }
        String report = b.putText("report of capture " + c + ": " + "x".repeat(r.nextInt(3000)), workload + "/report");
        String kl = b.putText(klog.toString(), workload + "/log");
        return new Manifest(Manifest.FORMAT, "test", 1000 + c, "explore", "DEADLOCK", 1, "capture " + c, "sc", workload,
                "5.10", List.of(), "5.10", "pct", c, 3, "fl2:x", 200_000, 42, report, kl, "0", 0, disk.length, base, null,
                wlog, 1, true);
    }

    @Test
    void storesFaultlineWritesPassTheCheck() throws Exception {
        Path dir = tmp.resolve("store");
        build(dir, 40);
        LmdbCheck.check(dir);
        try (CaptureStore s = CaptureStore.open(dir)) { // opened again: checked again
            assertEquals(26, s.list().size());
            Random r = new Random(7);
            for (int batch = 0; batch < 8; batch++) { // after a gc: freed pages reused; the objects tree three deep
                try (CaptureStore.Batch b = s.batch()) {
                    for (int i = 0; i < 1000; i++) {
                        byte[] v = new byte[1 + r.nextInt(i % 50 == 0 ? 40_000 : 200)];
                        r.nextBytes(v);
                        b.putObject(v);
                    }
                    b.commit();
                }
                LmdbCheck.check(dir);
            }
            for (CaptureStore.Stored st : s.list().subList(0, 20)) {
                s.remove(st.id());
            }
            s.gc(); // the 8,000 objects no capture names go too: pages merged, the tree shallower
        }
        LmdbCheck.check(dir);
        try (CaptureStore s = CaptureStore.open(dir)) {
            assertEquals(6, s.list().size());
        }
        Path empty = tmp.resolve("empty");
        CaptureStore.open(empty).close(); // the format record only
        LmdbCheck.check(empty);
    }

    @Test
    void aDamagedOrForeignFileIsRefusedInOneLineBeforeLmdbReadsIt() throws Exception {
        Path dir = tmp.resolve("store");
        build(dir, 12);
        long pages = Files.size(dir.resolve("data.mdb")) / PAGE;
        Path foreign = copy(dir, tmp.resolve("foreign"));
        damage(foreign.resolve("data.mdb"), 0, 0, 1);
        String m = assertThrows(CaptureStoreException.class, () -> CaptureStore.open(foreign)).getMessage();
        assertTrue(m.contains("not a readable capture store (data.mdb is not an LMDB data file"), m);
        Path meta = copy(dir, tmp.resolve("meta"));
        damage(meta.resolve("data.mdb"), 1, 1, 1);
        m = assertThrows(CaptureStoreException.class, () -> CaptureStore.open(meta)).getMessage();
        assertTrue(m.endsWith(": the capture store is damaged (page 1: not an LMDB meta page of data version 1)"), m);
        int refused = 0;
        for (long p = 2; p < pages; p++) { // a zeroed page the snapshot uses says it is page 0: refused, LMDB never sees it
            Path d = copy(dir, tmp.resolve("z" + p));
            damage(d.resolve("data.mdb"), p, 1, p);
            try {
                LmdbCheck.check(d);
            } catch (CaptureStoreException e) {
                assertTrue(e.getMessage().startsWith(d + ": the capture store is damaged (") && !e.getMessage().contains("\n"));
                refused++;
            }
            deleteTree(d);
        }
        assertTrue(refused > 5, refused + " of " + pages + " zeroed pages refused");
    }

    /** One field LMDB trusts, set wrong in a copy of the file: its name, and the change (false: not applicable here). */
    private record Mutation(String name, java.util.function.Predicate<ByteBuffer> apply) {
    }

    /**
     * Each field LMDB takes on trust, set wrong on each page the snapshot uses (and in the newest meta and
     * the free list), is refused by the check (in this JVM: the check never calls LMDB).
     */
    @Test
    void eachFieldLmdbTrustsSetWrongIsRefused() throws Exception {
        Path dir = tmp.resolve("store");
        build(dir, 12);
        BitSet used = LmdbCheck.check(dir);
        byte[] file = Files.readAllBytes(dir.resolve("data.mdb"));
        ByteBuffer f = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int meta = f.getLong(144) > f.getLong(PAGE + 144) ? 16 : PAGE + 16;
        List<Mutation> all = new ArrayList<>(List.of(
                new Mutation("main entries", b -> put8(b, meta + 72 + 32, b.getLong(meta + 72 + 32) + 1)),
                new Mutation("main depth", b -> put2(b, meta + 72 + 6, 2)),
                new Mutation("main flags", b -> put2(b, meta + 72 + 4, 0x04)),
                new Mutation("free root", b -> put8(b, meta + 24 + 40, file.length / PAGE + 1)),
                new Mutation("last page", b -> put8(b, meta + 120, 0)),
                new Mutation("txnid parity", b -> put8(b, meta + 128, b.getLong(meta + 128) + 2 * PAGE + 1)),
                new Mutation("page size", b -> b.putInt(meta + 24, 8192) != null),
                new Mutation("free page in use", b -> freeInUse(b, f.getLong(meta + 24 + 40), used))));
        for (int p = used.nextSetBit(0); p >= 0; p = used.nextSetBit(p + 1)) {
            all.addAll(mutations(f, p, file.length / PAGE));
        }
        List<String> missed = new ArrayList<>();
        int tried = 0;
        for (Mutation m : all) {
            byte[] copy = file.clone();
            if (!m.apply().test(ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN))) {
                continue;
            }
            tried++;
            Path d = Files.createDirectories(tmp.resolve("m" + tried));
            Files.write(d.resolve("data.mdb"), copy);
            try {
                LmdbCheck.check(d);
                missed.add(m.name());
            } catch (CaptureStoreException e) {
                assertTrue(!e.getMessage().contains("\n") && e.getMessage().contains(": the capture store is damaged (")
                        && !e.getMessage().contains("the check stumbled"), e.getMessage());
            }
            deleteTree(d);
        }
        assertEquals(List.of(), missed);
        assertTrue(tried > 200, tried + " mutations");
    }

    /** The mutations of page {@code p}'s header and nodes (a branch or leaf page), or of an overflow page's header. */
    private static List<Mutation> mutations(ByteBuffer f, int p, int pages) {
        int at = p * PAGE;
        int flags = f.getShort(at + 10) & 0xffff;
        String pg = "page " + p + " ";
        if (f.getLong(at) != p || flags == 4) {
            return f.getLong(at) != p ? List.of() : List.of(
                    new Mutation(pg + "overflow pages 0", b -> b.putInt(at + 12, 0) != null),
                    new Mutation(pg + "overflow pages past the file", b -> b.putInt(at + 12, pages) != null),
                    new Mutation(pg + "overflow flags", b -> put2(b, at + 10, 2)));
        }
        int lower = f.getShort(at + 12) & 0xffff;
        int upper = f.getShort(at + 14) & 0xffff;
        int n = (lower - 16) / 2;
        int ptr0 = f.getShort(at + 16) & 0xffff;
        int first = flags == 1 ? 1 : 0; // a branch's first key is not compared
        List<Mutation> ms = new ArrayList<>(List.of(
                new Mutation(pg + "number", b -> put8(b, at, p + 1)),
                new Mutation(pg + "flags LEAF2", b -> put2(b, at + 10, 0x20 | flags)),
                new Mutation(pg + "flags", b -> put2(b, at + 10, 3 - flags)),
                new Mutation(pg + "lower above upper", b -> put2(b, at + 12, upper + 2)),
                new Mutation(pg + "upper past the page", b -> put2(b, at + 14, PAGE + 2)),
                new Mutation(pg + "node 0 past the page", b -> put2(b, at + 16, PAGE - 4)),
                new Mutation(pg + "node 0 in the free space", b -> upper - 2 >= lower && put2(b, at + 16, upper - 2)),
                new Mutation(pg + "node 0 key size", b -> put2(b, at + ptr0 + 6, 600)),
                new Mutation(pg + "node at upper overlaps", b -> n > 1 && grow(b, at, n, upper)),
                new Mutation(pg + "keys swapped", b -> n > first + 1 && swap(b, at + 16 + 2 * first))));
        if (flags == 2) {
            ms.add(new Mutation(pg + "node 0 data size", b -> put2(b, at + ptr0 + 2, (b.getShort(at + ptr0 + 2) & 0xffff) + 1)));
            ms.add(new Mutation(pg + "node 0 flags DUPDATA", b -> put2(b, at + ptr0 + 4, 0x04)));
            int ov = at + ptr0 + 8 + (f.getShort(at + ptr0 + 6) & 0xffff); // an F_BIGDATA node's overflow page number
            ms.add(new Mutation(pg + "node 0 overflow page", b -> (b.getShort(at + ptr0 + 4) & 1) != 0 && put8(b, ov, Long.MAX_VALUE)));
        } else {
            int ptr1 = f.getShort(at + 18) & 0xffff;
            ms.add(new Mutation(pg + "child outside", b -> put2(b, at + ptr0, pages + 5) && put2(b, at + ptr0 + 2, 0)));
            ms.add(new Mutation(pg + "child twice", b -> put2(b, at + ptr1, b.getShort(at + ptr0)) && put2(b, at + ptr1 + 2,
                    b.getShort(at + ptr0 + 2))));
        }
        return ms;
    }

    /** The node that starts at {@code upper} one key byte longer: into the node after it. */
    private static boolean grow(ByteBuffer b, int at, int n, int upper) {
        for (int i = 0; i < n; i++) {
            int ptr = b.getShort(at + 16 + 2 * i) & 0xffff;
            if (ptr == upper) {
                return put2(b, at + ptr + 6, (b.getShort(at + ptr + 6) & 0xffff) + 2);
            }
        }
        return false;
    }

    private static boolean swap(ByteBuffer b, int ptrs) {
        short a = b.getShort(ptrs);
        b.putShort(ptrs, b.getShort(ptrs + 2));
        return put2(b, ptrs + 2, a);
    }

    /** A page in use written into the free list's first record (a leaf root's inline one), keeping it descending. */
    private static boolean freeInUse(ByteBuffer b, long root, BitSet used) {
        int at = (int) root * PAGE;
        if (root <= 0 || (b.getShort(at + 10) & 0xffff) != 2 || (b.getShort(at + 4 + (b.getShort(at + 16) & 0xffff)) & 1) != 0) {
            return false;
        }
        int node = at + (b.getShort(at + 16) & 0xffff);
        int idl = node + 8 + (b.getShort(node + 6) & 0xffff);
        long count = b.getLong(idl);
        for (int j = 1; j <= count; j++) {
            long hi = j == 1 ? Long.MAX_VALUE : b.getLong(idl + 8 * (j - 1));
            long lo = j == count ? 1 : b.getLong(idl + 8 * (j + 1));
            int u = used.nextSetBit((int) lo + 1);
            if (u >= 0 && u < hi) {
                return put8(b, idl + 8 * j, u);
            }
        }
        return false;
    }

    private static boolean put2(ByteBuffer b, int at, int v) {
        b.putShort(at, (short) v);
        return true;
    }

    private static boolean put8(ByteBuffer b, int at, long v) {
        b.putLong(at, v);
        return true;
    }

    /**
     * Every page of a store, damaged three ways, opened, listed, read (each capture's disk and texts) and
     * collected in child JVMs (a crash fails the test rather than surefire): each child exits normally,
     * and each failure is the store's one-line error.
     */
    @Test
    void everyPageDamagedIsRefusedOrReadsBackNeverACrash() throws Exception {
        Path dir = tmp.resolve("store");
        build(dir, 12);
        int pages = (int) (Files.size(dir.resolve("data.mdb")) / PAGE);
        List<String> cases = new ArrayList<>();
        for (int p = 0; p < pages; p++) {
            for (int mode = 0; mode < MODES.length; mode++) {
                cases.add(p + ":" + mode);
            }
        }
        int children = 12;
        List<String> outcomes = new ArrayList<>();
        List<Process> running = new ArrayList<>();
        List<List<String>> slices = new ArrayList<>();
        for (int c = 0; c < children; c++) {
            List<String> slice = new ArrayList<>();
            for (int i = c; i < cases.size(); i += children) {
                slice.add(cases.get(i));
            }
            slices.add(slice);
            running.add(child(dir, tmp.resolve("child" + c), slice));
        }
        for (int c = 0; c < children; c++) {
            Process p = running.get(c);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child " + c + " finished");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            List<String> lines = out.lines().toList();
            if (p.exitValue() != 0) {
                String at = lines.stream().filter(l -> l.startsWith("START ")).reduce((a, b) -> b).orElse("START (none)");
                fail("child " + c + " died (exit " + p.exitValue() + ") on page:mode " + at.substring(6) + " (modes "
                        + List.of(MODES) + ")");
            }
            for (String l : lines) {
                assertTrue(l.startsWith("START ") || l.startsWith("OK ") || l.startsWith("REFUSED "), l);
                if (!l.startsWith("START ")) {
                    outcomes.add(l);
                }
            }
        }
        assertEquals(cases.size(), outcomes.size(), "every case has an outcome");
        long refused = outcomes.stream().filter(l -> l.startsWith("REFUSED ")).count();
        assertTrue(refused > cases.size() / 4 && refused < cases.size(), refused + " of " + cases.size() + " refused");
    }

    private static Process child(Path store, Path scratch, List<String> cases) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String f : System.getProperty("faultline.jvm.flags", "").trim().split("\\s+")) { // the pom's, as surefire's argLine
            if (!f.isEmpty()) {
                cmd.add(f);
            }
        }
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:ErrorFile=" + scratch.resolve("hs_err_%p.log"), // a crash's report: not in the tree
                "-cp", System.getProperty("java.class.path"),
                Probe.class.getName(), store.toString(), scratch.toString()));
        cmd.addAll(cases);
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** A child JVM: for each case (page:mode), a damaged copy of the store opened, read and collected. */
    static final class Probe {
        public static void main(String[] args) throws IOException {
            Path store = Path.of(args[0]);
            Path scratch = Files.createDirectories(Path.of(args[1]));
            for (int i = 2; i < args.length; i++) {
                String[] c = args[i].split(":");
                long page = Long.parseLong(c[0]);
                int mode = Integer.parseInt(c[1]);
                Path d = copy(store, scratch.resolve("p" + page + "m" + mode));
                damage(d.resolve("data.mdb"), page, mode, page * 3 + mode);
                System.out.println("START " + args[i]);
                System.out.flush();
                String outcome = probe(d);
                System.out.println(outcome.replace('\n', ' ') + " " + args[i]);
                System.out.flush();
                deleteTree(d);
            }
        }

        /** @return OK, or REFUSED and the one-line error (anything else escapes: the child fails) */
        static String probe(Path d) {
            try (CaptureStore s = CaptureStore.open(d)) {
                for (CaptureStore.Stored st : s.list()) {
                    Manifest m = st.manifest();
                    s.text(m.workload());
                    s.text(m.report());
                    s.text(m.log());
                    CapturedDisk.rebuild(s, m, -1);
                }
                s.gc();
                s.list();
                return "OK";
            } catch (CaptureStoreException e) {
                return "REFUSED " + e.getMessage();
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof CaptureStoreException c) {
                    return "REFUSED " + c.getMessage();
                }
                throw e;
            }
        }
    }

    /** Damages page {@code page}: random bytes (mode 0), zeros (1), or one byte flipped (2), seeded. */
    static void damage(Path file, long page, int mode, long seed) throws IOException {
        Random r = new Random(seed);
        byte[] b = new byte[PAGE];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(page * PAGE);
            f.readFully(b);
            if (mode == 0) {
                r.nextBytes(b);
            } else if (mode == 1) {
                java.util.Arrays.fill(b, (byte) 0);
            } else {
                b[r.nextInt(PAGE)] ^= (byte) (1 + r.nextInt(255));
            }
            f.seek(page * PAGE);
            f.write(b);
        }
    }

    static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (String f : new String[] {"data.mdb", "lock.mdb"}) {
            if (Files.exists(from.resolve(f))) {
                Files.copy(from.resolve(f), to.resolve(f));
            }
        }
        return to;
    }

    static void deleteTree(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * A store another writer commits to while the check reads it (no reader slot holds the snapshot: a
     * page read may already be reused): the check starts again when a meta page moved, never reporting
     * damage that is not there (checking once only, this fails: a page of the snapshot was reused).
     */
    @Test
    void aStoreBeingWrittenMeanwhilePassesTheCheck() throws Exception {
        Path dir = tmp.resolve("store");
        build(dir, 12);
        try (CaptureStore s = CaptureStore.open(dir)) {
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread writer = new Thread(() -> {
                Random r = new Random(5);
                for (int batch = 0; !stop.get(); batch++) {
                    try (CaptureStore.Batch b = s.batch()) {
                        for (int i = 0; i < 10; i++) {
                            byte[] v = new byte[1 + r.nextInt(i == 0 ? 12_000 : 1500)];
                            r.nextBytes(v);
                            b.putObject(v);
                        }
                        b.commit();
                    }
                    if (batch % 10 == 9) {
                        try {
                            s.gc(); // no capture names them: pages freed, then reused by the next batches
                        } catch (CaptureStoreException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }
            });
            writer.start();
            try {
                for (int i = 0; i < 300; i++) {
                    LmdbCheck.check(dir);
                }
            } finally {
                stop.set(true);
                writer.join();
            }
        }
        LmdbCheck.check(dir);
    }

    @Test
    void aStoreWrittenByTwoThreadsAtOncePassesTheCheck() throws Exception {
        Path dir = tmp.resolve("store");
        try (CaptureStore s = CaptureStore.open(dir)) {
            Thread[] ws = new Thread[2];
            for (int w = 0; w < 2; w++) {
                int me = w;
                ws[w] = new Thread(() -> {
                    Random r = new Random(me);
                    for (int batch = 0; batch < 20; batch++) {
                        try (CaptureStore.Batch b = s.batch()) {
                            for (int i = 0; i < 20; i++) {
                                byte[] v = new byte[1 + r.nextInt(i % 7 == 0 ? 20_000 : 3000)];
                                r.nextBytes(v);
                                b.putObject(v);
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
            s.gc(); // no capture names them: every object goes, the free list grows
        }
        LmdbCheck.check(dir);
    }
}
