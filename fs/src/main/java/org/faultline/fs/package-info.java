/**
 * Filesystems and the VFS: system calls ({@link org.faultline.fs.Syscalls}), the mount table and
 * path walk ({@link org.faultline.fs.Vfs}), inodes and files (owners from the task's
 * {@link org.faultline.kernel.Cred}; {@link org.faultline.fs.Iattr} what setattr changes), extended
 * attributes ({@code fs/xattr.c}: {@link org.faultline.fs.Xattr}'s limits and {@code xattr_permission}
 * over the filesystem's {@code getxattr}/{@code setxattr}/{@code listxattr} inode operations), buffer heads ({@code fs/buffer.c},
 * {@link org.faultline.fs.Buffer}), the flusher ({@code fs/fs-writeback.c}), direct I/O
 * ({@link org.faultline.fs.DirectIo}), the patches that act here ({@link org.faultline.fs.FsPatch}),
 * and {@link org.faultline.fs.Machine}, which boots a kernel on a disk in init/main.c's order. The
 * file systems are in {@link org.faultline.fs.ext4} (with its offline format layer; its journal's
 * recovery in {@link org.faultline.fs.jbd2}), iomap's buffered I/O in {@link org.faultline.fs.iomap},
 * and {@link org.faultline.fs.ramfs}.
 *
 * <p>Lock ordering: {@code i_rwsem} outermost (a directory's before the files in it, as the path
 * walk and namei take them), then the page-cache locks of {@link org.faultline.mm} (page locks, then
 * the {@code i_pages} spinlock innermost), a buffer's lock inside its page's lock. {@code i_rwsem}
 * serialises a file's writes, truncate, fallocate, direct I/O and attribute changes (chmod, chown,
 * utimensat, setxattr, removexattr) against each other; the page lock
 * covers a page's buffers and contents while they are read or written. The buffer layer and the VFS
 * are made at boot ({@code buffer_init}, {@code vfs_caches_init}), never by a task on first use.
 *
 * <p>Errors: one table, {@link org.faultline.kernel.Errno}. Where mm and block call a filesystem —
 * {@code get_block}, {@code ->iomap_begin}/{@code ->map_blocks}, a bio's completion, the address-space
 * operations — the error is returned as the kernel returns it (0 or a negative errno, an ERR_PTR-like
 * result), and every page or buffer locked on the way is unlocked by the caller's error path as the
 * kernel's is ({@code ErrorPathLockTest} injects an error at each such site). Deviation: inside one
 * filesystem operation, from the VFS entry ({@link org.faultline.fs.Syscalls}, {@link org.faultline.fs.Namei})
 * down to ext4's namei and inode code, an errno unwinds as {@link org.faultline.fs.FsError} (unchecked)
 * and is turned back into a negative return at that entry: the kernel's {@code goto out} chains become
 * {@code finally} blocks, which is what releases the locks; the on-disk format layer shared with the
 * offline tools ({@link org.faultline.fs.ext4.Ext4Volume} and its parts) reports with the checked
 * {@link org.faultline.fs.ext4.Ext4Exception} (errno and a one-line message), converted where the kernel
 * half calls it.
 */
package org.faultline.fs;
