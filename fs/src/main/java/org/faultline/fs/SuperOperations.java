package org.faultline.fs;

import org.faultline.mm.WritebackControl;

/** {@code struct super_operations}. */
public interface SuperOperations {
    /** ->write_inode(): persists inode metadata (WB_SYNC_ALL: and waits). */
    int writeInode(Inode inode, WritebackControl wbc);

    /** ->evict_inode(): the last link and reference are gone: free its blocks and the inode. */
    void evictInode(Inode inode);

    /** ->sync_fs(): commit filesystem-wide metadata; wait if asked. */
    int syncFs(SuperBlock sb, boolean wait);

    /** ->put_super(): last words at unmount. */
    void putSuper(SuperBlock sb);
}
