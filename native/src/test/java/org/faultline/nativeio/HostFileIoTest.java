package org.faultline.nativeio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostFileIoTest {

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestDirs.create();
    }

    @AfterEach
    void tearDown() {
        TestDirs.delete(dir);
    }

    @Test
    void pwritevThenPreadvRoundTripsAndReachesTheHostFile() throws Exception {
        Path img = dir.resolve("v.img");
        int[] lens = {4096, 1000, 8192 + 7};
        long[] srcOffs = {0, 3 * 4096 + 11, 6 * 4096};          // scattered, non-contiguous sources
        long fileOff = 12_345;
        int total = Arrays.stream(lens).sum();
        byte[] expected = TestDirs.pattern(total, 1);

        try (AlignedMemory src = AlignedMemory.allocate(16 * 4096);
             AlignedMemory dst = AlignedMemory.allocate(16 * 4096);
             HostFile f = HostFile.open(img, TestDirs.rw(), 0644)) {
            long[] addrs = new long[3];
            int pos = 0;
            for (int i = 0; i < 3; i++) {
                src.put(srcOffs[i], expected, pos, lens[i]);
                addrs[i] = src.address(srcOffs[i], lens[i]);
                pos += lens[i];
            }
            assertEquals(total, f.pwritev(addrs, lens, 3, fileOff));
            assertEquals(fileOff + total, f.size());

            // read back into a different region with a different layout
            long[] dOffs = {8 * 4096, 100, 2 * 4096};
            long[] daddrs = new long[3];
            for (int i = 0; i < 3; i++) {
                daddrs[i] = dst.address(dOffs[i], lens[i]);
            }
            assertEquals(total, f.preadv(daddrs, lens, 3, fileOff));
            byte[] got = new byte[total];
            pos = 0;
            for (int i = 0; i < 3; i++) {
                dst.get(dOffs[i], got, pos, lens[i]);
                pos += lens[i];
            }
            assertArrayEquals(expected, got);
        }

        byte[] onDisk = Files.readAllBytes(img);
        assertEquals(fileOff + total, onDisk.length);
        assertArrayEquals(expected, Arrays.copyOfRange(onDisk, (int) fileOff, onDisk.length));
        for (int i = 0; i < fileOff; i++) {
            assertEquals(0, onDisk[i], "hole before the write must read as zero");
        }
    }

    @Test
    void vectorsLongerThanIovMaxAreSplitAndKeepOrder() throws Exception {
        int n = LibC.IOV_MAX + 476;
        int piece = 512;
        byte[] expected = TestDirs.pattern(n * piece, 2);
        try (AlignedMemory m = AlignedMemory.allocate((long) n * piece);
             AlignedMemory back = AlignedMemory.allocate((long) n * piece);
             HostFile f = HostFile.open(dir.resolve("many.img"), TestDirs.rw(), 0644)) {
            m.put(0, expected, 0, expected.length);
            long[] addrs = new long[n];
            long[] baddrs = new long[n];
            int[] lens = new int[n];
            for (int i = 0; i < n; i++) {
                // write pieces in reverse memory order so the file order must follow the iovec order
                addrs[i] = m.address((long) (n - 1 - i) * piece, piece);
                baddrs[i] = back.address((long) i * piece, piece);
                lens[i] = piece;
            }
            assertEquals((long) n * piece, f.pwritev(addrs, lens, n, 0));
            assertEquals((long) n * piece, f.preadv(baddrs, lens, n, 0));
            byte[] got = new byte[expected.length];
            back.get(0, got, 0, got.length);
            for (int i = 0; i < n; i++) {
                int srcPiece = n - 1 - i;
                assertArrayEquals(Arrays.copyOfRange(expected, srcPiece * piece, (srcPiece + 1) * piece),
                        Arrays.copyOfRange(got, i * piece, (i + 1) * piece), "piece " + i);
            }
        }
    }

    @Test
    void shortReadAtEndOfFileReturnsTheByteCount() throws Exception {
        Path img = dir.resolve("short.img");
        byte[] data = TestDirs.pattern(5000, 3);
        Files.write(img, data);
        try (AlignedMemory m = AlignedMemory.allocate(3 * 4096);
             HostFile f = HostFile.openImage(img, false, true)) {
            assertTrue(f.isReadOnly());
            // vectored read that ends inside the second iovec
            long[] addrs = {m.address(0, 4096), m.address(4096, 4096)};
            int[] lens = {4096, 4096};
            assertEquals(5000 - 100, f.preadv(addrs, lens, 2, 100));
            byte[] got = new byte[4900];
            m.get(0, got, 0, got.length);
            assertArrayEquals(Arrays.copyOfRange(data, 100, 5000), got);
            assertEquals(0, m.getByte(4900), "bytes past EOF are untouched");

            assertEquals(1000, f.pread(m, 0, 4096, 4000));
            assertEquals(0, f.pread(m, 0, 4096, 5000));
            assertEquals(0, f.preadv(addrs, lens, 2, 1 << 20));
        }
    }

    @Test
    void zeroLengthIovecsAreSkipped() throws Exception {
        byte[] data = TestDirs.pattern(300, 4);
        try (AlignedMemory m = AlignedMemory.allocate(4096);
             HostFile f = HostFile.open(dir.resolve("z.img"), TestDirs.rw(), 0644)) {
            m.put(0, data, 0, 300);
            long[] addrs = {m.address(0, 0), m.address(0, 100), m.address(100, 0), m.address(100, 200), 0};
            int[] lens = {0, 100, 0, 200, 0};
            assertEquals(300, f.pwritev(addrs, lens, 5, 0));
            assertArrayEquals(data, Files.readAllBytes(dir.resolve("z.img")));
            assertEquals(0, f.pwritev(new long[0], new int[0], 0, 0));
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeReachingTheKernel() throws Exception {
        try (AlignedMemory m = AlignedMemory.allocate(4096);
             HostFile f = HostFile.open(dir.resolve("bad.img"), TestDirs.rw(), 0644)) {
            assertThrows(IndexOutOfBoundsException.class, () -> f.pread(m, 1, 4096, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> f.pwrite(m, 4000, 200, 0));
            assertThrows(IllegalArgumentException.class, () -> f.pread(m.address(), 10, -1));
            assertThrows(IllegalArgumentException.class, () -> f.pwrite(0L, 10, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> f.preadv(new long[] {m.address()}, new int[] {-1}, 1, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> f.preadv(new long[] {m.address()}, new int[] {1}, 2, 0));
        }
    }

    @Test
    void concurrentPwritesToDisjointRangesAllLand() throws Exception {
        Path img = dir.resolve("conc.img");
        int threads = 4;
        int chunk = 64 * 1024;
        int rounds = 32;
        try (HostFile f = HostFile.open(img, TestDirs.rw(), 0644)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Void>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    final int id = t;
                    Callable<Void> task = () -> {
                        try (AlignedMemory m = AlignedMemory.allocate(chunk)) {
                            for (int r = 0; r < rounds; r++) {
                                byte[] b = TestDirs.pattern(chunk, id * 1000 + r);
                                m.put(0, b, 0, chunk);
                                // interleaved layout: thread t owns slots t, t+4, t+8, ...
                                long off = ((long) r * threads + id) * chunk;
                                f.pwrite(m, 0, chunk, off);
                            }
                        }
                        return null;
                    };
                    futures.add(pool.submit(task));
                }
                for (Future<Void> fu : futures) {
                    fu.get();
                }
            } finally {
                pool.shutdownNow();
            }
            f.fdatasync();
        }
        byte[] onDisk = Files.readAllBytes(img);
        assertEquals((long) threads * rounds * chunk, onDisk.length);
        for (int r = 0; r < rounds; r++) {
            for (int t = 0; t < threads; t++) {
                int off = (r * threads + t) * chunk;
                assertArrayEquals(TestDirs.pattern(chunk, t * 1000 + r),
                        Arrays.copyOfRange(onDisk, off, off + chunk), "thread " + t + " round " + r);
            }
        }
    }

    @Test
    void fallocateFtruncateAndSyncs() throws Exception {
        Path img = dir.resolve("alloc.img");
        try (AlignedMemory m = AlignedMemory.allocate(64 * 1024);
             HostFile f = HostFile.open(img, TestDirs.rw(), 0644)) {
            assertFalse(f.isBlockDevice());
            assertEquals(0, f.size());

            f.fallocate(0, 0, 1 << 20);                       // grows the file
            assertEquals(1 << 20, f.size());
            assertEquals(1 << 20, Files.size(img));
            assertTrue(f.stat().allocatedBytes() >= 1 << 20, "blocks really allocated");

            byte[] data = TestDirs.pattern(64 * 1024, 5);
            m.put(0, data, 0, data.length);
            f.pwrite(m, 0, data.length, 128 * 1024);
            f.fdatasync();
            f.fsync();

            // punch 16 KiB in the middle of the written data; the size must not change
            f.fallocate(LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, 128 * 1024 + 16 * 1024, 16 * 1024);
            assertEquals(1 << 20, f.size());
            m.fill(0, m.size(), (byte) 0x5A);
            assertEquals(64 * 1024, f.pread(m, 0, 64 * 1024, 128 * 1024));
            byte[] got = new byte[64 * 1024];
            m.get(0, got, 0, got.length);
            assertArrayEquals(Arrays.copyOfRange(data, 0, 16 * 1024), Arrays.copyOfRange(got, 0, 16 * 1024));
            assertArrayEquals(new byte[16 * 1024], Arrays.copyOfRange(got, 16 * 1024, 32 * 1024), "punched range reads zero");
            assertArrayEquals(Arrays.copyOfRange(data, 32 * 1024, 64 * 1024), Arrays.copyOfRange(got, 32 * 1024, 64 * 1024));
            // the hole is visible to SEEK_HOLE
            assertEquals(128 * 1024 + 16 * 1024, f.nextHole(128 * 1024));
            assertEquals(128 * 1024 + 32 * 1024, f.nextData(128 * 1024 + 16 * 1024));

            // KEEP_SIZE allocation past EOF leaves size alone
            f.fallocate(LibC.FALLOC_FL_KEEP_SIZE, 1 << 20, 1 << 20);
            assertEquals(1 << 20, f.size());

            f.ftruncate(3 * 4096 + 5);
            assertEquals(3 * 4096 + 5, f.size());
            assertEquals(3 * 4096 + 5, Files.size(img));
            assertEquals(-1, f.nextData(4 * 4096), "SEEK_DATA past EOF reports none");
            f.ftruncate(10L << 30);                              // 10 GiB sparse
            assertEquals(10L << 30, f.size());
            f.fsync();
        }
    }

    @Test
    void fadviseAcceptsValidAdviceAndRejectsBad() throws Exception {
        try (HostFile f = HostFile.open(dir.resolve("adv.img"), TestDirs.rw(), 0644)) {
            f.ftruncate(1 << 20);
            f.fadvise(0, 0, LibC.POSIX_FADV_SEQUENTIAL);
            f.fadvise(0, 4096, LibC.POSIX_FADV_DONTNEED);
            ErrnoException e = assertThrows(ErrnoException.class, () -> f.fadvise(0, 0, 999));
            assertEquals("EINVAL", e.errnoName());
            assertEquals("posix_fadvise", e.call());
        }
    }

    @Test
    void ficloneEitherClonesOrReportsUnsupported() throws Exception {
        Path a = dir.resolve("src.img");
        Path b = dir.resolve("dst.img");
        byte[] data = TestDirs.pattern(3 * 4096, 6);
        Files.write(a, data);
        try (HostFile src = HostFile.openImage(a, false, true);
             HostFile dst = HostFile.open(b, TestDirs.rw(), 0644)) {
            try {
                dst.ficlone(src);
                assertEquals(data.length, dst.size());
                assertArrayEquals(data, Files.readAllBytes(b));
            } catch (ErrnoException e) {
                assertTrue(e.isCloneUnsupported(), "unexpected failure: " + e.getMessage());
                assertTrue(Arrays.asList("EOPNOTSUPP", "EXDEV", "EINVAL", "ENOTTY").contains(e.errnoName()),
                        e.errnoName());
                assertEquals("ioctl(FICLONE)", e.call());
                assertEquals(b.toString(), e.path());
                assertFalse(e.getMessage().contains("\n"));
                assertEquals(0, Files.size(b), "a refused clone leaves the destination alone");
            }
        }
    }

    @Test
    void blockDeviceSizeComesFromBlkGetSize64() throws Exception {
        Path sys = Path.of("/sys/block");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(sys), "no /sys/block");
        Path dev = null;
        long sectors = -1;
        try (var s = Files.list(sys)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path node = Path.of("/dev", p.getFileName().toString());
                Path sizeFile = p.resolve("size");
                if (Files.isReadable(node) && Files.isReadable(sizeFile)) {
                    long n = Long.parseLong(Files.readString(sizeFile).trim());
                    if (n > 0) {
                        dev = node;
                        sectors = n;
                        break;
                    }
                }
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(dev != null, "no readable block device");
        HostFile opened;
        try {
            opened = HostFile.openImage(dev, false, true);
        } catch (ErrnoException e) {
            // containers usually deny device nodes (device cgroup): EPERM / EACCES
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "cannot open " + dev + ": " + e.getMessage());
            return;
        }
        try (HostFile f = opened) {
            assertTrue(f.isBlockDevice());
            assertEquals(sectors * 512, f.size());
            assertEquals(0, f.stat().size(), "st_size of a block device is 0; size() must not use it");
        }
    }
}
