package org.faultline.nativeio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.faultline.kernel.Errno;

/**
 * Names the host filesystem a file lives on, from the {@code f_type} magic that
 * {@code statfs(2)} reports (values from {@code <linux/magic.h>}).
 */
public final class HostFilesystem {

    private HostFilesystem() {
    }

    /** {@code TMPFS_MAGIC} (also reported by devtmpfs and /dev/shm). */
    public static final long TMPFS_MAGIC = 0x01021994L;
    /** {@code OVERLAYFS_SUPER_MAGIC}. */
    public static final long OVERLAYFS_MAGIC = 0x794c7630L;
    /** {@code EXT4_SUPER_MAGIC} (shared by ext2 and ext3). */
    public static final long EXT4_MAGIC = 0xEF53L;
    /** {@code XFS_SUPER_MAGIC}. */
    public static final long XFS_MAGIC = 0x58465342L;
    /** {@code BTRFS_SUPER_MAGIC}. */
    public static final long BTRFS_MAGIC = 0x9123683EL;
    /** {@code NFS_SUPER_MAGIC}. */
    public static final long NFS_MAGIC = 0x6969L;
    /** {@code PROC_SUPER_MAGIC}. */
    public static final long PROC_MAGIC = 0x9fa0L;

    /**
     * The short name of a filesystem magic number.
     *
     * @param magic {@code f_type} from {@code statfs(2)}
     * @return e.g. {@code "tmpfs"}, {@code "ext4"}, or the magic in hex ({@code "0x12345678"})
     */
    public static String name(long magic) {
        switch ((int) magic) {
            case 0x01021994: return "tmpfs";
            case 0x794c7630: return "overlayfs";
            case 0xEF53: return "ext4";
            case 0x58465342: return "xfs";
            case 0x9123683E: return "btrfs";
            case 0x6969: return "nfs";
            case 0x9fa0: return "proc";
            case 0x62656572: return "sysfs";
            case 0x858458f6: return "ramfs";
            case 0x2FC12FC1: return "zfs";
            case 0xF2F52010: return "f2fs";
            case 0xca451a4e: return "bcachefs";
            case 0x65735546: return "fuse";
            case 0x01021997: return "9p";
            case 0x73717368: return "squashfs";
            case 0xFF534D42: return "cifs";
            case 0xFE534D42: return "smb2";
            case 0x4d44: return "vfat";
            case 0x2011BAB0: return "exfat";
            case 0x5346544e: return "ntfs";
            case 0x00c36400: return "ceph";
            case 0x517B: return "smbfs";
            default: return "0x" + Long.toHexString(magic);
        }
    }

    /**
     * {@code statfs(2)}: the filesystem magic of the mount holding {@code path}. If {@code path} does
     * not exist, its nearest existing ancestor is asked (where a new file would be created).
     *
     * @param path a file or directory
     * @return {@code f_type}
     * @throws ErrnoException if {@code statfs} fails, with call {@code "statfs"} and the path
     */
    public static long magic(Path path) throws ErrnoException {
        LibC.requireSupported();
        Path p = path.toAbsolutePath();
        byte[] buf = new byte[LibC.STATFS_SIZE];
        while (true) {
            if (LibC.statfs(LibC.pathBytes(p), buf) == 0) {
                return fType(buf);
            }
            int err = LibC.errno();
            Path parent = p.getParent();
            if (err == Errno.ENOENT && parent != null) {
                p = parent;
                continue;
            }
            if (err != Errno.EINTR) {
                throw new ErrnoException(err, "statfs", path.toString());
            }
        }
    }

    /**
     * {@code fstatfs(2)}: the filesystem magic of an open file.
     *
     * @param file an open file
     * @return {@code f_type}
     * @throws ErrnoException if {@code fstatfs} fails, with the file's path
     */
    public static long magic(HostFile file) throws ErrnoException {
        byte[] buf = new byte[LibC.STATFS_SIZE];
        while (LibC.fstatfs(file.fd(), buf) != 0) {
            int err = LibC.errno();
            if (err != Errno.EINTR) {
                throw new ErrnoException(err, "fstatfs", file.path().toString());
            }
        }
        return fType(buf);
    }

    /**
     * The filesystem name for {@code path}, never failing: {@code "unknown"} if {@code statfs} fails.
     *
     * @param path a file or directory (need not exist)
     * @return e.g. {@code "tmpfs"}
     */
    public static String nameOf(Path path) {
        try {
            return name(magic(path));
        } catch (ErrnoException | RuntimeException e) {
            return "unknown";
        }
    }

    private static long fType(byte[] buf) {
        // f_type is __fsword_t (long) at offset 0 on x86_64 and aarch64; magics fit in 32 bits.
        return ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder()).getLong(0) & 0xFFFFFFFFL;
    }
}
