package org.faultline.nativeio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.faultline.kernel.Errno;

/**
 * The status of an open file, from {@code statx(2)} (or {@code fstat(2)} where statx is missing).
 *
 * @param mode            {@code st_mode}: file type and permission bits
 * @param size            {@code st_size} in bytes (0 for a block device; use {@link HostFile#size()})
 * @param blockSize       {@code st_blksize}: the preferred I/O size
 * @param blocks          {@code st_blocks}: allocated space in 512-byte units (shows holes)
 * @param dioMemAlign     required buffer alignment for {@code O_DIRECT}, 0 if unknown
 * @param dioOffsetAlign  required offset/length alignment for {@code O_DIRECT}, 0 if unknown
 */
public record FileStat(int mode, long size, int blockSize, long blocks, int dioMemAlign, int dioOffsetAlign) {

    /** @return true for a regular file ({@code S_ISREG}) */
    public boolean isRegularFile() {
        return (mode & LibC.S_IFMT) == LibC.S_IFREG;
    }

    /** @return true for a block device ({@code S_ISBLK}) */
    public boolean isBlockDevice() {
        return (mode & LibC.S_IFMT) == LibC.S_IFBLK;
    }

    /** @return true for a directory ({@code S_ISDIR}) */
    public boolean isDirectory() {
        return (mode & LibC.S_IFMT) == LibC.S_IFDIR;
    }

    /** @return bytes actually allocated on the host ({@code blocks * 512}) */
    public long allocatedBytes() {
        return blocks * 512;
    }

    private static final byte[] EMPTY_PATH = {0};
    private static final int STATX_DIOALIGN_BIT = LibC.STATX_DIOALIGN;

    /**
     * {@code statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_DIOALIGN)}, falling back to
     * {@code fstat} if the kernel or a seccomp filter rejects statx.
     *
     * @param fd   an open descriptor
     * @param path its path, for the error message
     * @return the status
     * @throws ErrnoException on failure
     */
    static FileStat of(int fd, String path) throws ErrnoException {
        byte[] buf = new byte[LibC.STATX_SIZE];
        while (true) {
            int rc = LibC.statx(fd, EMPTY_PATH, LibC.AT_EMPTY_PATH,
                    LibC.STATX_BASIC_STATS | LibC.STATX_DIOALIGN, buf);
            if (rc == 0) {
                return fromStatx(buf);
            }
            int err = LibC.errno();
            if (err == Errno.EINTR) {
                continue;
            }
            if (err == Errno.ENOSYS || err == Errno.EPERM) {
                return viaFstat(fd, path);
            }
            throw new ErrnoException(err, "statx", path);
        }
    }

    private static FileStat fromStatx(byte[] buf) {
        // struct statx is the same on every architecture (include/uapi/linux/stat.h).
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        int mask = b.getInt(0);
        int blksize = b.getInt(4);
        int mode = b.getShort(28) & 0xFFFF;
        long size = b.getLong(40);
        long blocks = b.getLong(48);
        int dioMem = 0;
        int dioOff = 0;
        if ((mask & STATX_DIOALIGN_BIT) != 0) {
            dioMem = b.getInt(152);
            dioOff = b.getInt(156);
        }
        return new FileStat(mode, size, blksize, blocks, dioMem, dioOff);
    }

    private static FileStat viaFstat(int fd, String path) throws ErrnoException {
        byte[] buf = new byte[256];
        while (LibC.fstat(fd, buf) != 0) {
            int err = LibC.errno();
            if (err != Errno.EINTR) {
                throw new ErrnoException(err, "fstat", path);
            }
        }
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        if (LibC.X86_64) {
            // x86_64: dev 0, ino 8, nlink 16 (8 bytes), mode 24, uid 28, gid 32, pad 36, rdev 40,
            // size 48, blksize 56 (long), blocks 64.
            return new FileStat(b.getInt(24), b.getLong(48), (int) b.getLong(56), b.getLong(64), 0, 0);
        }
        // asm-generic (aarch64): dev 0, ino 8, mode 16, nlink 20, uid 24, gid 28, rdev 32, pad 40,
        // size 48, blksize 56 (int), pad 60, blocks 64.
        return new FileStat(b.getInt(16), b.getLong(48), b.getInt(56), b.getLong(64), 0, 0);
    }
}
