package org.faultline.fs;

import java.util.List;
import org.faultline.kernel.Errno;

/**
 * {@code struct inode_operations} for directories and files. Results are inodes or negative errnos.
 *
 * <pre>
 * op        locks held on entry (Documentation/filesystems/locking.rst)
 * lookup    dir i_rwsem (shared)
 * create    dir i_rwsem
 * mkdir     dir i_rwsem
 * unlink    dir and victim i_rwsem
 * rmdir     dir and victim i_rwsem
 * rename    both dirs' i_rwsem
 * setattr   i_rwsem (size changes: the fs truncates the page cache itself)
 * get_link  none (the path walk holds a reference)
 * getxattr  none (the filesystem's own lock: ext4's xattr_sem)
 * setxattr  i_rwsem (the xattr handler's -&gt;set; removal too)
 * listxattr none
 * </pre>
 */
public interface InodeOperations {
    /** ->lookup(): the child inode, or null if absent. */
    Inode lookup(Inode dir, String name);

    /** ->create(): a new regular file; returns it, or throws {@link FsError}. */
    Inode create(Inode dir, String name, int mode);

    /** ->mkdir(). */
    Inode mkdir(Inode dir, String name, int mode);

    /** ->unlink(): removes the name; drops the link count. */
    void unlink(Inode dir, String name, Inode victim);

    /** ->rmdir(): the directory must be empty. */
    void rmdir(Inode dir, String name, Inode victim);

    /** ->rename(): replacing an existing target (which must be compatible). */
    void rename(Inode oldDir, String oldName, Inode newDir, String newName);

    /** ->setattr(ATTR_SIZE): truncate or extend to {@code size}. */
    void setSize(Inode inode, long size);

    /** ->iterate_shared(): the entries of a directory, without "." and "..". */
    List<DirEntry> readdir(Inode dir);

    /**
     * ->get_link(): the target of symbolic link {@code inode}, for the path walk and readlink(2).
     * A filesystem without symlinks keeps this default: EINVAL, as readlink(2) of a non-link.
     *
     * @throws FsError EINVAL if {@code inode} is not a symbolic link, EIO/EUCLEAN if unreadable
     */
    default String getLink(Inode inode) {
        throw new FsError(Errno.EINVAL, "not a symbolic link: " + inode);
    }

    /**
     * ->setattr() for what notify_change passes besides a size ({@link Iattr}): permission bits,
     * owner, explicit access and modification times. A filesystem without it changes the in-memory
     * inode only.
     *
     * @throws FsError with the errno
     */
    default void setattr(Inode inode, Iattr a) {
        if (a.setsMode()) {
            inode.setMode((inode.mode() & Inode.S_IFMT) | a.mode());
        }
        inode.setOwner(a.uid(), a.gid());
    }

    /**
     * ->link(): a new name {@code name} in {@code dir} for the non-directory {@code inode}; its link
     * count goes up. A filesystem without hard links keeps this default: EPERM, as link(2) says.
     *
     * @throws FsError with the errno
     */
    default void link(Inode inode, Inode dir, String name) {
        throw new FsError(Errno.EPERM, "link " + name + ": not supported by this filesystem");
    }

    /**
     * ->symlink(): a new symbolic link {@code name} in {@code dir} to {@code target}.
     *
     * @throws FsError with the errno (default: EPERM, a filesystem without symlinks)
     */
    default Inode symlink(Inode dir, String name, String target) {
        throw new FsError(Errno.EPERM, "symlink " + name + ": not supported by this filesystem");
    }

    /**
     * The xattr handler's {@code ->get} for the full {@code name} ({@code __vfs_getxattr}): the value
     * copied into {@code buffer} (null asks for its size). A filesystem without extended attributes
     * keeps this default: EOPNOTSUPP.
     *
     * @return the value's size
     * @throws FsError ENODATA, ERANGE (the buffer is too small), EOPNOTSUPP (no handler), EIO
     */
    default int getxattr(Inode inode, String name, byte[] buffer) {
        throw new FsError(Errno.EOPNOTSUPP, "getxattr " + name + ": not supported by this filesystem");
    }

    /**
     * The xattr handler's {@code ->set} for the full {@code name} ({@code __vfs_setxattr}; a null
     * {@code value} removes, as {@code __vfs_removexattr} asks with XATTR_REPLACE); {@code flags}
     * XATTR_CREATE (1), XATTR_REPLACE (2). The filesystem sets the inode's ctime.
     *
     * @throws FsError EEXIST, ENODATA, ENOSPC, EOPNOTSUPP (default), EROFS
     */
    default void setxattr(Inode inode, String name, byte[] value, int flags) {
        throw new FsError(Errno.EOPNOTSUPP, "setxattr " + name + ": not supported by this filesystem");
    }

    /**
     * ->listxattr(): the NUL-terminated names the calling task may see, into {@code buffer} (null asks
     * for the size). A filesystem without extended attributes keeps this default: an empty list, as
     * {@code vfs_listxattr} returns without the operation.
     *
     * @return the list's size
     * @throws FsError ERANGE (the buffer is too small)
     */
    default int listxattr(Inode inode, byte[] buffer) {
        return 0;
    }
}
