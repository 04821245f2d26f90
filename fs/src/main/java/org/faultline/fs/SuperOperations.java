package org.faultline.fs;

import org.faultline.mm.WritebackControl;

/**
 * {@code struct super_operations}. As in the kernel, a filesystem leaves out the operations it has no
 * use for: the defaults are what the VFS does when the pointer is NULL (nothing, successfully).
 */
public interface SuperOperations {
    /** ->write_inode(): persists inode metadata (WB_SYNC_ALL: and waits). */
    default int writeInode(Inode inode, WritebackControl wbc) {
        return 0;
    }

    /** ->evict_inode(): the last link and reference are gone: free its blocks and the inode. */
    default void evictInode(Inode inode) {
    }

    /** ->sync_fs(): commit filesystem-wide metadata; wait if asked. */
    default int syncFs(SuperBlock sb, boolean wait) {
        return 0;
    }

    /** ->put_super(): last words at unmount. */
    default void putSuper(SuperBlock sb) {
    }

    /** ->statfs() (statfs(2)'s figures); a filesystem without one: ENOSYS. */
    default Kstatfs statfs(SuperBlock sb) {
        throw new FsError(org.faultline.kernel.Errno.ENOSYS, "statfs: not supported by this filesystem");
    }
}
