package org.faultline.fs;

import java.util.List;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Lkdtm;
import org.faultline.kernel.Task;
import org.faultline.mm.IovIter;
import org.faultline.mm.Memory;
import org.faultline.mm.Mm;
import org.faultline.mm.MmStruct;
import org.faultline.mm.Mmap;
import org.faultline.mm.UserIter;
import org.faultline.mm.VmArea;
import org.faultline.mm.VmOperations;

/**
 * The system calls a workload makes (fs/open.c, fs/read_write.c, fs/namei.c, fs/sync.c,
 * fs/stat.c, mm/mmap.c's ksys_mmap_pgoff): each runs in the calling task, returns a non-negative
 * result or a negative errno as the kernel does, and never throws for a user error.
 *
 * <p>Buffers are either kernel byte arrays (the common case for workloads) or user addresses in the
 * task's address space ({@code readUser}/{@code writeUser}), which fault like real ones.
 */
@KernelSource("fs/read_write.c")
public final class Syscalls {
    public static final int SEEK_SET = 0;
    public static final int SEEK_CUR = 1;
    public static final int SEEK_END = 2;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int FALLOC_FL_KEEP_SIZE = 1;
    public static final int FALLOC_FL_PUNCH_HOLE = 2;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;
    /** The largest extended attribute value ({@code XATTR_SIZE_MAX}). */
    public static final int XATTR_SIZE_MAX = Xattr.XATTR_SIZE_MAX;
    /** The largest list of extended attribute names ({@code XATTR_LIST_MAX}). */
    public static final int XATTR_LIST_MAX = Xattr.XATTR_LIST_MAX;

    private Syscalls() {
    }

    private static Vfs vfs() {
        return Vfs.of(Task.current().kernel());
    }

    /** The current task's address space, created on first use. */
    public static MmStruct currentMm() {
        Task t = Task.current();
        MmStruct mm = t.ext(MmStruct.class);
        if (mm == null) {
            mm = new MmStruct(Mm.of(t.kernel()), t.toString());
            t.setExt(MmStruct.class, mm);
        }
        return mm;
    }

    private static File file(int fd) {
        File f = TaskFiles.current().get(fd);
        if (f == null) {
            throw new FsError(Errno.EBADF, "fd " + fd);
        }
        return f;
    }

    // ------------------------------------------------------------ open/close

    /** open(2). */
    public static int open(String path, int flags, int mode) {
        try {
            Inode inode;
            if ((flags & File.O_CREAT) != 0) {
                Vfs.Parent p = vfs().parent(path);
                p.dir().iRwsem.downWrite();
                try {
                    inode = p.dir().iop().lookup(p.dir(), p.name());
                    if (inode != null && (flags & File.O_EXCL) != 0) {
                        return -Errno.EEXIST;
                    }
                    if (inode == null) {
                        if (p.dir().sb().readOnly()) {
                            return -Errno.EROFS;
                        }
                        inode = p.dir().iop().create(p.dir(), p.name(), Inode.S_IFREG | (mode & 07777));
                    }
                } finally {
                    p.dir().iRwsem.upWrite();
                }
                if (Namei.isSymlink(inode)) {
                    inode = vfs().lookup(path); // an existing link is followed (deviation: a dangling one is ENOENT)
                }
            } else {
                inode = vfs().lookup(path);
            }
            if (inode.isDir() && (flags & File.O_ACCMODE) != File.O_RDONLY) {
                return -Errno.EISDIR;
            }
            if ((flags & File.O_DIRECTORY) != 0 && !inode.isDir()) {
                return -Errno.ENOTDIR;
            }
            if ((flags & File.O_ACCMODE) != File.O_RDONLY && inode.sb().readOnly()) {
                return -Errno.EROFS;
            }
            File f = new File(inode, flags);
            if ((flags & File.O_TRUNC) != 0 && inode.isReg() && f.writable()) {
                int r = setSize(inode, 0);
                if (r < 0) {
                    return r;
                }
            }
            inode.openCount.incrementAndGet();
            return TaskFiles.current().install(f);
        } catch (FsError e) {
            return e.err();
        }
    }

    /** close(2). */
    public static int close(int fd) {
        File f = TaskFiles.current().remove(fd);
        if (f == null) {
            return -Errno.EBADF;
        }
        fput(f);
        return 0;
    }

    /** fput(): drops a reference on {@code f}; the last one releases it, and may evict an unlinked inode. */
    static void fput(File f) {
        if (f.putFile()) { // __fput
            f.inode().fop().release(f);
            f.inode().openCount.decrementAndGet();
            Namei.maybeEvict(f.inode());
        }
    }

    // ------------------------------------------------------------ read/write

    /** read(2) into a kernel buffer. */
    public static long read(int fd, byte[] buf, int off, int len) {
        try {
            File f = file(fd);
            long n = f.direct() ? direct(f, f.pos, len, DirectIo.Target.kernel(buf, off), false)
                    : readAt(f, f.pos, IovIter.ofBytes(buf, off, len));
            if (n > 0) {
                f.pos += n;
            }
            return n;
        } catch (FsError e) {
            return e.err();
        }
    }

    /** pread64(2). */
    public static long pread(int fd, byte[] buf, int off, int len, long pos) {
        try {
            File f = file(fd);
            return f.direct() ? direct(f, pos, len, DirectIo.Target.kernel(buf, off), false)
                    : readAt(f, pos, IovIter.ofBytes(buf, off, len));
        } catch (FsError e) {
            return e.err();
        }
    }

    /** pread into user memory at {@code addr} (faults like copy_to_user; O_DIRECT takes the pages). */
    public static long preadUser(int fd, long addr, long len, long pos) {
        try {
            File f = file(fd);
            return f.direct() ? direct(f, pos, len, DirectIo.Target.user(currentMm(), addr), false)
                    : readAt(f, pos, new UserIter(currentMm(), addr, len));
        } catch (FsError e) {
            return e.err();
        }
    }

    /** write(2) from a kernel buffer. */
    public static long write(int fd, byte[] buf, int off, int len) {
        try {
            File f = file(fd);
            long[] end = new long[1];
            long n = f.direct() ? direct(f, f.pos, len, DirectIo.Target.kernel(buf, off), true)
                    : writeAt(f, f.pos, IovIter.ofBytes(buf, off, len), end);
            if (f.direct() && n > 0) {
                end[0] = f.pos + n;
            }
            if (n > 0) {
                f.pos = end[0];
            }
            return n;
        } catch (FsError e) {
            return e.err();
        }
    }

    /** pwrite64(2). */
    public static long pwrite(int fd, byte[] buf, int off, int len, long pos) {
        try {
            File f = file(fd);
            return f.direct() ? direct(f, pos, len, DirectIo.Target.kernel(buf, off), true)
                    : writeAt(f, pos, IovIter.ofBytes(buf, off, len), new long[1]);
        } catch (FsError e) {
            return e.err();
        }
    }

    /** pwrite from user memory at {@code addr} (faults like copy_from_user; O_DIRECT takes the pages). */
    public static long pwriteUser(int fd, long addr, long len, long pos) {
        try {
            File f = file(fd);
            return f.direct() ? direct(f, pos, len, DirectIo.Target.user(currentMm(), addr), true)
                    : writeAt(f, pos, new UserIter(currentMm(), addr, len), new long[1]);
        } catch (FsError e) {
            return e.err();
        }
    }

    private static long direct(File f, long pos, long len, DirectIo.Target t, boolean write) {
        if (write ? !f.writable() : !f.readable()) {
            return -Errno.EBADF;
        }
        if (write) {
            Task.current().kernel().lkdtm().hit(Lkdtm.Point.VFS_WRITE);
        }
        if (pos < 0) {
            return -Errno.EINVAL;
        }
        return f.inode().fop().directIO(f, pos, len, t, write);
    }

    private static long readAt(File f, long pos, IovIter to) {
        if (!f.readable()) {
            return -Errno.EBADF;
        }
        if (f.inode().isDir()) {
            return -Errno.EISDIR;
        }
        if (pos < 0) {
            return -Errno.EINVAL;
        }
        return f.inode().fop().readIter(f, pos, to);
    }

    @KernelFunction("vfs_write")
    private static long writeAt(File f, long pos, IovIter from, long[] end) {
        if (!f.writable()) {
            return -Errno.EBADF;
        }
        Task.current().kernel().lkdtm().hit(Lkdtm.Point.VFS_WRITE);
        if (pos < 0) {
            return -Errno.EINVAL;
        }
        long n = f.inode().fop().writeIter(f, pos, from);
        end[0] = (f.flags() & File.O_APPEND) != 0 ? f.inode().iSize() : pos + Math.max(0, n);
        return n;
    }

    /** lseek(2). */
    public static long lseek(int fd, long off, int whence) {
        try {
            File f = file(fd);
            long base = switch (whence) {
                case SEEK_SET -> 0;
                case SEEK_CUR -> f.pos;
                case SEEK_END -> f.inode().iSize();
                default -> -1;
            };
            if (base < 0 || base + off < 0) {
                return -Errno.EINVAL;
            }
            f.pos = base + off;
            return f.pos;
        } catch (FsError e) {
            return e.err();
        }
    }

    // ------------------------------------------------------------ sync

    /** fsync(2). */
    public static int fsync(int fd) {
        return fsyncRange(fd, false);
    }

    /** fdatasync(2). */
    public static int fdatasync(int fd) {
        return fsyncRange(fd, true);
    }

    private static int fsyncRange(int fd, boolean datasync) {
        try {
            File f = file(fd);
            return f.inode().fop().fsync(f, 0, Long.MAX_VALUE, datasync);
        } catch (FsError e) {
            return e.err();
        }
    }

    /** sync(2): writeback of every dirty inode, then a waited pass, then the filesystem's sync_fs. */
    public static int sync() {
        SuperBlock sb = vfs().root();
        return sb == null ? 0 : syncActive(sb);
    }

    /** syncfs(2). */
    public static int syncfs(int fd) {
        try {
            return syncActive(file(fd).inode().sb());
        } catch (FsError e) {
            return e.err();
        }
    }

    /** iterate_supers(): sync a superblock under s_umount (read), skipping one being unmounted. */
    private static int syncActive(SuperBlock sb) {
        sb.sUmount.downRead();
        try {
            return sb.active() ? Namei.syncFilesystem(sb) : 0;
        } finally {
            sb.sUmount.upRead();
        }
    }

    /** POSIX_FADV_DONTNEED. */
    public static final int POSIX_FADV_DONTNEED = 4;

    /**
     * posix_fadvise(2), DONTNEED only (mm/fadvise.c): starts writeback of the range and drops its
     * clean, unmapped pages from the page cache, so later reads come from the disk.
     */
    public static int fadvise(int fd, long off, long len, int advice) {
        try {
            File f = file(fd);
            if (advice != POSIX_FADV_DONTNEED) {
                return 0;
            }
            long end = len == 0 ? Long.MAX_VALUE : off + len - 1;
            org.faultline.mm.Filemap.filemapFdatawriteRange(f.inode().mapping(), off, end,
                    org.faultline.mm.WritebackControl.SyncMode.WB_SYNC_NONE);
            org.faultline.mm.Truncate.invalidateMappingPages(f.inode().mapping(), off >> 12,
                    end == Long.MAX_VALUE ? Long.MAX_VALUE : end >> 12);
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    // ------------------------------------------------------------ size and space

    /** ftruncate(2). */
    public static int ftruncate(int fd, long len) {
        try {
            File f = file(fd);
            if (!f.writable() || !f.inode().isReg()) {
                return -Errno.EINVAL;
            }
            return setSize(f.inode(), len);
        } catch (FsError e) {
            return e.err();
        }
    }

    private static int setSize(Inode inode, long len) {
        if (len < 0) {
            return -Errno.EINVAL;
        }
        inode.iRwsem.downWrite();
        try {
            inode.iop().setSize(inode, len);
            inode.touch();
            inode.markInodeDirty();
            return 0;
        } catch (FsError e) {
            return e.err();
        } finally {
            inode.iRwsem.upWrite();
        }
    }

    /** fallocate(2): default, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE. */
    public static int fallocate(int fd, int mode, long off, long len) {
        try {
            File f = file(fd);
            if (off < 0 || len <= 0) {
                return -Errno.EINVAL;
            }
            if ((mode & FALLOC_FL_PUNCH_HOLE) != 0 && (mode & FALLOC_FL_KEEP_SIZE) == 0) {
                return -Errno.EOPNOTSUPP;
            }
            if (!f.writable()) {
                return -Errno.EBADF;
            }
            return f.inode().fop().fallocate(f, mode, off, len);
        } catch (FsError e) {
            return e.err();
        }
    }

    // ------------------------------------------------------------ names

    /** mkdir(2). */
    public static int mkdir(String path, int mode) {
        return Namei.mkdir(vfs(), path, mode);
    }

    /** statfs(2) of the filesystem holding {@code path}: the result in {@code out[0]}. */
    public static int statfs(String path, Kstatfs[] out) {
        try {
            SuperBlock sb = vfs().lookup(path).sb();
            out[0] = sb.sop().statfs(sb);
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    /** link(2). */
    public static int link(String oldPath, String newPath) {
        return Namei.link(vfs(), oldPath, newPath);
    }

    /** symlink(2). */
    public static int symlink(String target, String path) {
        return Namei.symlink(vfs(), target, path);
    }

    /** unlink(2). */
    public static int unlink(String path) {
        return Namei.unlink(vfs(), path);
    }

    /** rmdir(2). */
    public static int rmdir(String path) {
        return Namei.rmdir(vfs(), path);
    }

    /** rename(2). */
    public static int rename(String from, String to) {
        return Namei.rename(vfs(), from, to);
    }

    /** chmod(2): the permission bits of {@code path}'s inode (notify_change with ATTR_MODE). */
    public static int chmod(String path, int mode) {
        return setattr(path, Iattr.mode(mode));
    }

    /**
     * utimensat(2): the access and modification times of {@code path}'s inode, each nanoseconds since
     * the epoch (ATTR_[AM]TIME_SET), {@link Iattr#TIME_NOW} (UTIME_NOW) or {@link Iattr#TIME_UNSET}
     * (UTIME_OMIT).
     */
    public static int utimens(String path, long atimeNs, long mtimeNs) {
        return setattr(path, Iattr.times(atimeNs, mtimeNs));
    }

    /**
     * chown(2) ({@code chown_common}): the owner and group of {@code path}'s inode; -1 leaves one as it
     * is. Only root changes an owner; the owner may set the group to its own or keep it (chown_ok,
     * chgrp_ok, without supplementary groups). A non-directory loses its set-user-ID bit and its
     * set-group-ID bit where that bit means "set group ID" (group-executable): ATTR_KILL_SUID,
     * ATTR_KILL_SGID, as notify_change applies them.
     */
    public static int chown(String path, int uid, int gid) {
        return notifyChange(path, inode -> {
            org.faultline.kernel.Cred c = org.faultline.kernel.Cred.current();
            boolean owner = c.fsuid() == inode.iUid();
            boolean uidOk = uid == Iattr.UNSET || c.capable() || owner && uid == inode.iUid();
            boolean gidOk = gid == Iattr.UNSET || c.capable() || owner && (gid == inode.iGid() || gid == c.fsgid());
            if (!uidOk || !gidOk) {
                return -Errno.EPERM;
            }
            Iattr a = Iattr.owner(uid, gid);
            int m = inode.mode();
            if (!inode.isDir() && (m & 06000) != 0) {
                int kill = Inode.S_ISUID | ((m & (Inode.S_ISGID | 0010)) == (Inode.S_ISGID | 0010) ? Inode.S_ISGID : 0);
                if ((m & kill) != 0) {
                    a = a.withMode(m & 07777 & ~kill);
                }
            }
            inode.iop().setattr(inode, a);
            return 0;
        });
    }

    /**
     * notify_change() as chmod_common and utimes_common make it; setattr_prepare()'s rule for a mode
     * or explicit times: the owner or root (inode_owner_or_capable), else EPERM. Deviation: "now"
     * needs write permission in the kernel; permission bits are not checked here.
     */
    private static int setattr(String path, Iattr a) {
        return notifyChange(path, inode -> {
            org.faultline.kernel.Cred c = org.faultline.kernel.Cred.current();
            if ((a.setsMode() || a.setsExplicitTime()) && !c.capable() && c.fsuid() != inode.iUid()) {
                return -Errno.EPERM;
            }
            inode.iop().setattr(inode, a);
            return 0;
        });
    }

    /** {@code change} of {@code path}'s inode under its i_rwsem; its result, or the lookup's errno. */
    private static int notifyChange(String path, java.util.function.ToIntFunction<Inode> change) {
        try {
            Inode inode = vfs().lookup(path);
            inode.iRwsem.downWrite();
            try {
                return change.applyAsInt(inode);
            } finally {
                inode.iRwsem.upWrite();
            }
        } catch (FsError e) {
            return e.err();
        }
    }

    // ------------------------------------------------------------ extended attributes (fs/xattr.c)

    /** XATTR_CREATE: setxattr fails with EEXIST if the attribute exists. */
    public static final int XATTR_CREATE = 1;
    /** XATTR_REPLACE: setxattr fails with ENODATA if the attribute does not exist. */
    public static final int XATTR_REPLACE = 2;

    /**
     * getxattr(2): the value of {@code name} of {@code path}'s inode into {@code buf} ({@code buf.length}
     * is the size; 0 asks for the value's size).
     *
     * @return the value's size, or -ENODATA, -ERANGE, -E2BIG, -EOPNOTSUPP, -EACCES, -ENOENT...
     */
    public static int getxattr(String path, String name, byte[] buf) {
        return xattrOf(path, true, inode -> Xattr.getxattr(inode, name, buf, buf.length));
    }

    /** lgetxattr(2): {@link #getxattr} of a symbolic link itself. */
    public static int lgetxattr(String path, String name, byte[] buf) {
        return xattrOf(path, false, inode -> Xattr.getxattr(inode, name, buf, buf.length));
    }

    /**
     * setxattr(2): {@code name} of {@code path}'s inode set to {@code value}; {@code flags}
     * {@link #XATTR_CREATE}, {@link #XATTR_REPLACE} or 0. The inode's ctime changes.
     *
     * @return 0, or -EEXIST, -ENODATA, -ENOSPC, -E2BIG, -ERANGE, -EOPNOTSUPP, -EPERM, -EACCES, -EINVAL...
     */
    public static int setxattr(String path, String name, byte[] value, int flags) {
        return xattrOf(path, true, inode -> Xattr.setxattr(inode, name, value, flags));
    }

    /** lsetxattr(2). */
    public static int lsetxattr(String path, String name, byte[] value, int flags) {
        return xattrOf(path, false, inode -> Xattr.setxattr(inode, name, value, flags));
    }

    /**
     * listxattr(2): the NUL-terminated names into {@code buf} ({@code buf.length} 0 asks for the size).
     *
     * @return the list's size, or -ERANGE, -E2BIG, -ENOENT...
     */
    public static int listxattr(String path, byte[] buf) {
        return xattrOf(path, true, inode -> Xattr.listxattr(inode, buf, buf.length));
    }

    /** llistxattr(2). */
    public static int llistxattr(String path, byte[] buf) {
        return xattrOf(path, false, inode -> Xattr.listxattr(inode, buf, buf.length));
    }

    /** removexattr(2): 0, or -ENODATA if absent, -EPERM, -EACCES, -EOPNOTSUPP... */
    public static int removexattr(String path, String name) {
        return xattrOf(path, true, inode -> Xattr.setxattr(inode, name, null, XATTR_REPLACE));
    }

    /** lremovexattr(2). */
    public static int lremovexattr(String path, String name) {
        return xattrOf(path, false, inode -> Xattr.setxattr(inode, name, null, XATTR_REPLACE));
    }

    private static int xattrOf(String path, boolean follow, java.util.function.ToIntFunction<Inode> call) {
        try {
            Inode inode = follow ? vfs().lookup(path) : vfs().lookupNoFollow(path);
            return call.applyAsInt(inode);
        } catch (FsError e) {
            return e.err();
        }
    }

    /** stat(2): the result in {@code out[0]}. */
    public static int stat(String path, Kstat[] out) {
        try {
            out[0] = vfs().lookup(path).getattr();
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    /** lstat(2): like {@link #stat}, but a symbolic link at the end of {@code path} is not followed. */
    public static int lstat(String path, Kstat[] out) {
        try {
            out[0] = vfs().lookupNoFollow(path).getattr();
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    /** readlink(2): the body of the symbolic link {@code path} in {@code out[0]}; EINVAL if it is not one. */
    public static int readlink(String path, String[] out) {
        try {
            out[0] = Namei.readlink(vfs(), path);
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    /** fstat(2). */
    public static int fstat(int fd, Kstat[] out) {
        try {
            out[0] = file(fd).inode().getattr();
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    /** getdents64(2) of a path: the entries in {@code out}. */
    public static int readdir(String path, List<DirEntry> out) {
        try {
            Inode dir = vfs().lookup(path);
            if (!dir.isDir()) {
                return -Errno.ENOTDIR;
            }
            dir.iRwsem.downRead();
            try {
                out.addAll(dir.iop().readdir(dir));
            } finally {
                dir.iRwsem.upRead();
            }
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    // ------------------------------------------------------------ memory

    /**
     * mmap(2): {@code fd} -1 with MAP_ANONYMOUS for anonymous memory.
     *
     * @return the address, or a negative errno
     */
    public static long mmap(long len, int prot, int flags, int fd, long offset) {
        try {
            if (len <= 0 || (offset & 4095) != 0) {
                return -Errno.EINVAL;
            }
            int vmFlags = ((prot & PROT_READ) != 0 ? VmArea.VM_READ : 0) | ((prot & PROT_WRITE) != 0 ? VmArea.VM_WRITE : 0)
                    | ((flags & MAP_SHARED) != 0 ? VmArea.VM_SHARED | VmArea.VM_MAYWRITE : 0);
            if ((flags & MAP_ANONYMOUS) != 0) {
                return Mmap.doMmap(currentMm(), len, vmFlags & ~VmArea.VM_SHARED, null, 0, null, null);
            }
            File f = file(fd);
            if ((flags & MAP_SHARED) != 0 && (prot & PROT_WRITE) != 0 && !f.writable() || !f.readable()) {
                return -Errno.EACCES;
            }
            VmOperations ops = f.inode().fop().mmap(f);
            if (ops == null) {
                return -Errno.EOPNOTSUPP;
            }
            VmArea.FsyncRange fsync = (start, end, datasync) -> f.inode().fop().fsync(f, start, end, datasync);
            File vmFile = f.getFile();
            return Mmap.doMmap(currentMm(), len, vmFlags, f.inode().mapping(), offset >> 12, ops, fsync, () -> fput(vmFile));
        } catch (FsError e) {
            return e.err();
        }
    }

    /** munmap(2) of a whole mapping. */
    public static int munmap(long addr) {
        return Mmap.doMunmap(currentMm(), addr);
    }

    /** msync(2). */
    public static int msync(long addr, boolean sync) {
        return Mmap.msync(currentMm(), addr, sync);
    }

    /** A CPU store to user memory. @return bytes stored, or -EFAULT (SIGSEGV/SIGBUS) */
    @org.faultline.kernel.KernelFunction("") // user space
    public static long store(long addr, byte[] buf, int off, int len) {
        Memory.Access a = Memory.access(currentMm(), addr, buf, off, len, true);
        return a.ok() ? a.bytes() : -Errno.EFAULT;
    }

    /** A CPU load from user memory. */
    @org.faultline.kernel.KernelFunction("") // user space
    public static long load(long addr, byte[] buf, int off, int len) {
        Memory.Access a = Memory.access(currentMm(), addr, buf, off, len, false);
        return a.ok() ? a.bytes() : -Errno.EFAULT;
    }

    /** exit(): closes every descriptor and tears down the address space. */
    public static void exit() {
        TaskFiles tf = TaskFiles.current();
        for (int fd : tf.open()) {
            close(fd);
        }
        MmStruct mm = Task.current().ext(MmStruct.class);
        if (mm != null) {
            Mmap.exitMmap(mm);
        }
    }
}
