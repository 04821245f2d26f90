package org.faultline.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ErrnoExceptionTest {

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
    void openOfMissingFileIsEnoentNamingThePath() {
        Path missing = dir.resolve("missing.img");
        ErrnoException e = assertThrows(ErrnoException.class, () -> HostFile.openImage(missing, false, false));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("ENOENT", e.errnoName());
        assertEquals("open", e.call());
        assertEquals(missing.toString(), e.path());
        assertEquals("open(" + missing + "): No such file or directory (ENOENT)", e.getMessage());
    }

    @Test
    void exclusiveCreateOfExistingFileIsEexist() throws Exception {
        Path p = dir.resolve("exists.img");
        Files.write(p, new byte[] {1});
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> HostFile.open(p, LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL, 0644));
        assertEquals("EEXIST", e.errnoName());
        assertEquals("open(" + p + "): File exists (EEXIST)", e.getMessage());

        // and a fresh exclusive create works, with the requested mode
        Path q = dir.resolve("fresh.img");
        try (HostFile f = HostFile.open(q, LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL, 0600)) {
            assertEquals(0600, f.stat().mode() & 0777);
            assertTrue(f.stat().isRegularFile());
        }
    }

    @Test
    void writingAReadOnlyDescriptorIsEbadf() throws Exception {
        Path p = dir.resolve("ro.img");
        Files.write(p, new byte[4096]);
        try (AlignedMemory m = AlignedMemory.allocate(4096);
             HostFile f = HostFile.openImage(p, false, true)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> f.pwrite(m, 0, 4096, 0));
            assertEquals("EBADF", e.errnoName());
            assertEquals("pwrite(" + p + "): Bad file descriptor (EBADF)", e.getMessage());
        }
    }

    @Test
    void openingADirectoryForWritingIsEisdir() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> HostFile.openImage(dir, false, false));
        assertEquals("EISDIR", e.errnoName());
    }

    @Test
    void useAfterCloseIsEbadfAndCloseIsIdempotent() throws Exception {
        Path p = dir.resolve("c.img");
        HostFile f = HostFile.open(p, TestDirs.rw(), 0644);
        assertTrue(f.fd() >= 0);
        f.close();
        f.close();
        assertTrue(f.isClosed());
        assertEquals(-1, f.fd());
        ErrnoException e = assertThrows(ErrnoException.class, f::size);
        assertEquals("EBADF", e.errnoName());
        assertTrue(e.getMessage().contains(p.toString()));
        assertThrows(ErrnoException.class, f::fdatasync);
    }

    @Test
    void namesAndMessages() {
        assertEquals("EIO", ErrnoException.errnoName(5));
        assertEquals("ENOSPC", ErrnoException.errnoName(28));
        assertEquals("EOPNOTSUPP", ErrnoException.errnoName(95));
        assertEquals("ENOTTY", ErrnoException.errnoName(25));
        assertEquals("EXDEV", ErrnoException.errnoName(18));
        assertEquals("EACCES", ErrnoException.errnoName(13));
        assertEquals("E4095", ErrnoException.errnoName(4095));

        ErrnoException noPath = new ErrnoException(5, "fdatasync", null);
        assertNull(noPath.path());
        assertEquals("fdatasync: Input/output error (EIO)", noPath.getMessage());
        ErrnoException detail = new ErrnoException(28, "pwrite", "/x.img", "at offset 4096");
        assertEquals("pwrite(/x.img): No space left on device (ENOSPC); at offset 4096", detail.getMessage());
        // an unknown number still yields one line with a usable name
        ErrnoException odd = new ErrnoException(4095, "ioctl", "/x");
        assertTrue(odd.getMessage().endsWith("(E4095)"), odd.getMessage());
        assertFalse(odd.getMessage().contains("\n"));
        assertTrue(noPath instanceof java.io.IOException);
    }
}
