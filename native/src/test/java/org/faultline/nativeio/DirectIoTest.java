package org.faultline.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DirectIoTest {

    /** Disk filesystems known to support O_DIRECT. */
    private static final Set<String> DIO_FILESYSTEMS = Set.of("ext4", "xfs", "btrfs", "f2fs", "bcachefs");

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
    void alignedDirectRoundTripOnADiskFilesystem() throws Exception {
        String fs = HostFilesystem.name(HostFilesystem.magic(dir));
        assumeTrue(DIO_FILESYSTEMS.contains(fs), "test dir is on " + fs + ", not a disk filesystem");

        Path img = dir.resolve("direct.img");
        Files.write(img, new byte[0]);
        byte[] data = TestDirs.pattern(8 * 4096, 7);
        try (AlignedMemory w = AlignedMemory.allocate(8 * 4096);
             AlignedMemory r = AlignedMemory.allocate(8 * 4096);
             HostFile f = HostFile.openImage(img, true, false)) {
            assertTrue(f.isDirect());
            FileStat st = f.stat();
            w.put(0, data, 0, data.length);
            f.pwrite(w, 0, 4 * 4096, 4096);
            long[] addrs = {w.address(4 * 4096, 4096), w.address(5 * 4096, 3 * 4096)};
            assertEquals(4 * 4096, f.pwritev(addrs, new int[] {4096, 3 * 4096}, 2, 5 * 4096));
            f.fdatasync();

            assertEquals(8 * 4096, f.pread(r, 0, 8 * 4096, 4096));
            byte[] got = new byte[data.length];
            r.get(0, got, 0, got.length);
            assertArrayEquals(data, got);

            // misaligned offset: the kernel refuses with EINVAL and the message explains why
            int align = Math.max(st.dioOffsetAlign(), 512);
            ErrnoException e = assertThrows(ErrnoException.class, () -> f.pread(r, 0, 4096, align / 2));
            assertEquals("EINVAL", e.errnoName());
            assertEquals("pread", e.call());
            assertTrue(e.getMessage().contains("aligned"), e.getMessage());
        }
        byte[] onDisk = Files.readAllBytes(img);
        assertArrayEquals(data, Arrays.copyOfRange(onDisk, 4096, onDisk.length));
    }

    @Test
    void directIoOnTmpfsIsRefusedWithAClearMessage() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no writable /dev/shm");
        assumeTrue(HostFilesystem.magic(shm) == HostFilesystem.TMPFS_MAGIC, "/dev/shm is not tmpfs");
        Path img = shm.resolve("faultline-nativeio-" + ProcessHandle.current().pid() + ".img");
        try {
            Files.write(img, new byte[4096]);
            DirectIoUnsupportedException e;
            try {
                HostFile f = HostFile.openImage(img, true, false);
                f.close();
                e = null;
            } catch (DirectIoUnsupportedException x) {
                e = x;
            }
            // Linux 6.6+ tmpfs accepts O_DIRECT; then there is nothing to refuse.
            assumeTrue(e != null, "this kernel's tmpfs supports O_DIRECT");
            assertEquals("tmpfs", e.filesystem());
            assertEquals("EINVAL", e.errnoName());
            assertEquals(img.toString(), e.path());
            assertEquals("cannot open " + img + " with O_DIRECT: the host filesystem (tmpfs) does not "
                    + "support direct I/O; use buffered mode (drop --direct)", e.getMessage());
        } finally {
            Files.deleteIfExists(img);
        }
    }

    @Test
    void directIoOnProcIsRefusedWithAClearMessage() {
        Path status = Path.of("/proc/self/status");
        assumeTrue(Files.isReadable(status), "no /proc");
        DirectIoUnsupportedException e = assertThrows(DirectIoUnsupportedException.class,
                () -> HostFile.openImage(status, true, true));
        assertEquals("proc", e.filesystem());
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("open", e.call());
        assertTrue(e.getMessage().startsWith("cannot open /proc/self/status with O_DIRECT: "), e.getMessage());
        assertTrue(e.getMessage().contains("(proc)"), e.getMessage());
        assertTrue(e.getMessage().contains("use buffered mode"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void directIoMessageNamesFileFilesystemAndRemedy() {
        DirectIoUnsupportedException e =
                new DirectIoUnsupportedException("/dev/shm/x.img", HostFilesystem.name(HostFilesystem.TMPFS_MAGIC));
        assertEquals("cannot open /dev/shm/x.img with O_DIRECT: the host filesystem (tmpfs) does not support "
                + "direct I/O; use buffered mode (drop --direct)", e.getMessage());
        assertTrue(e instanceof ErrnoException);
    }

    @Test
    void filesystemNames() throws Exception {
        assertEquals("tmpfs", HostFilesystem.name(0x01021994L));
        assertEquals("overlayfs", HostFilesystem.name(0x794c7630L));
        assertEquals("ext4", HostFilesystem.name(0xEF53L));
        assertEquals("xfs", HostFilesystem.name(0x58465342L));
        assertEquals("btrfs", HostFilesystem.name(0x9123683EL));
        assertEquals("nfs", HostFilesystem.name(0x6969L));
        assertEquals("0x12345678", HostFilesystem.name(0x12345678L));
        // a path that does not exist yet is named by the filesystem it would be created on
        assertEquals(HostFilesystem.magic(dir), HostFilesystem.magic(dir.resolve("a/b/c.img")));
        assertEquals(HostFilesystem.PROC_MAGIC, HostFilesystem.magic(Path.of("/proc/self")));
        try (HostFile f = HostFile.open(dir.resolve("m.img"), TestDirs.rw(), 0644)) {
            assertEquals(HostFilesystem.magic(dir), HostFilesystem.magic(f));
        }
    }
}
