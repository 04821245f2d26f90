package org.faultline.fs;

import org.faultline.kernel.Cred;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * The extended-attribute system calls' VFS half (fs/xattr.c): the name and size limits
 * ({@code XATTR_NAME_MAX}, {@code XATTR_SIZE_MAX}, {@code XATTR_LIST_MAX}), {@code xattr_permission}
 * and the calls into the filesystem's handlers ({@link InodeOperations#getxattr},
 * {@link InodeOperations#setxattr}, {@link InodeOperations#listxattr}); a change runs under the
 * inode's {@code i_rwsem} ({@code vfs_setxattr}, {@code vfs_removexattr}). Results are sizes or
 * negative errnos.
 *
 * <p>Deviations: no LSM ({@code security.*} goes to the filesystem after commoncap's CAP_SYS_ADMIN check
 * on changes, as with no security module); no immutable/append-only check (the emulated inodes expose no such flags); a name is a Java
 * string (its UTF-8 bytes are the name).
 */
@KernelSource("fs/xattr.c")
final class Xattr {
    static final int XATTR_NAME_MAX = 255;
    static final int XATTR_SIZE_MAX = 65536;
    static final int XATTR_LIST_MAX = 65536;
    private static final int MAY_WRITE = 2;
    private static final int MAY_READ = 4;

    private Xattr() {
    }

    /** {@code import_xattr_name}: an empty name or one past XATTR_NAME_MAX bytes is ERANGE. */
    private static int importName(String name) {
        int n = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        return n == 0 || n > XATTR_NAME_MAX ? -Errno.ERANGE : 0;
    }

    /**
     * {@code xattr_permission}: writes to a read-only filesystem are EROFS; {@code security.} and
     * {@code system.} are left to the filesystem; {@code trusted.} needs CAP_SYS_ADMIN (EPERM to write,
     * ENODATA to read); {@code user.} only on regular files and directories, a sticky directory's only
     * by its owner; then the permission bits ({@code inode_permission}).
     */
    static int xattrPermission(Inode inode, String name, int mask) {
        Cred c = Cred.current();
        if ((mask & MAY_WRITE) != 0 && inode.sb().readOnly()) {
            return -Errno.EROFS;
        }
        if (name.startsWith("security.") || name.startsWith("system.")) {
            return 0;
        }
        if (name.startsWith("trusted.")) {
            return c.capable() ? 0 : (mask & MAY_WRITE) != 0 ? -Errno.EPERM : -Errno.ENODATA;
        }
        if (name.startsWith("user.")) {
            if (!inode.isReg() && !inode.isDir()) {
                return (mask & MAY_WRITE) != 0 ? -Errno.EPERM : -Errno.ENODATA;
            }
            if (inode.isDir() && (inode.mode() & 01000) != 0 && (mask & MAY_WRITE) != 0
                    && !c.capable() && c.fsuid() != inode.iUid()) {
                return -Errno.EPERM;
            }
        }
        return inodePermission(inode, mask, c);
    }

    /**
     * {@code cap_inode_setxattr} / {@code cap_inode_removexattr} (security/commoncap.c, the LSM hook
     * without a security module): a {@code security.} attribute is changed only with CAP_SYS_ADMIN.
     */
    private static int capInodeSetxattr(String name) {
        return name.startsWith("security.") && !Cred.current().capable() ? -Errno.EPERM : 0;
    }

    /** {@code generic_permission} for read or write: the owner's, group's or others' bits; root passes. */
    private static int inodePermission(Inode inode, int mask, Cred c) {
        if (c.capable()) {
            return 0;
        }
        int m = inode.mode();
        int bits = c.fsuid() == inode.iUid() ? m >> 6 : c.fsgid() == inode.iGid() ? m >> 3 : m;
        return (bits & mask & 07) == (mask & 07) ? 0 : -Errno.EACCES;
    }

    /** {@code getxattr()}: {@code size} 0 asks for the value's size; a buffer of XATTR_SIZE_MAX that is too small is E2BIG. */
    static int getxattr(Inode inode, String name, byte[] buf, int size) {
        int r = importName(name);
        if (r != 0) {
            return r;
        }
        r = xattrPermission(inode, name, MAY_READ);
        if (r != 0) {
            return r;
        }
        int n = Math.min(size, XATTR_SIZE_MAX);
        byte[] k = n == 0 ? null : new byte[n];
        try {
            int got = inode.iop().getxattr(inode, name, k);
            if (k != null && got > 0) {
                System.arraycopy(k, 0, buf, 0, got);
            }
            return got;
        } catch (FsError e) {
            return e.err() == -Errno.ERANGE && size >= XATTR_SIZE_MAX ? -Errno.E2BIG : e.err();
        }
    }

    /**
     * {@code setxattr()} ({@code value} non-null) or {@code removexattr()} (null): flags other than
     * XATTR_CREATE/XATTR_REPLACE are EINVAL, a value past XATTR_SIZE_MAX is E2BIG.
     */
    static int setxattr(Inode inode, String name, byte[] value, int flags) {
        if ((flags & ~3) != 0) {
            return -Errno.EINVAL;
        }
        int r = importName(name);
        if (r != 0) {
            return r;
        }
        if (value != null && value.length > XATTR_SIZE_MAX) {
            return -Errno.E2BIG;
        }
        inode.iRwsem.downWrite();
        try {
            r = xattrPermission(inode, name, MAY_WRITE);
            if (r == 0) {
                r = capInodeSetxattr(name);
            }
            if (r != 0) {
                return r;
            }
            inode.iop().setxattr(inode, name, value, value == null ? 2 : flags);
            return 0;
        } catch (FsError e) {
            return e.err();
        } finally {
            inode.iRwsem.upWrite();
        }
    }

    /** {@code listxattr()}: {@code size} 0 asks for the list's size; a buffer of XATTR_LIST_MAX that is too small is E2BIG. */
    static int listxattr(Inode inode, byte[] buf, int size) {
        int n = Math.min(size, XATTR_LIST_MAX);
        byte[] k = n == 0 ? null : new byte[n];
        try {
            int got = inode.iop().listxattr(inode, k);
            if (k != null && got > 0) {
                System.arraycopy(k, 0, buf, 0, got);
            }
            return got;
        } catch (FsError e) {
            return e.err() == -Errno.ERANGE && size >= XATTR_LIST_MAX ? -Errno.E2BIG : e.err();
        }
    }
}
