package org.faultline.fs.ext4;

import org.faultline.kernel.Kernel;
import org.faultline.kernel.RwSemaphore;

/**
 * {@code struct ext4_inode_info}: the in-memory ext4 state of an inode — {@code i_data_sem} (the
 * extent tree's lock), {@code i_disksize} (the size on disk, which lags i_size under delalloc), and
 * the count of blocks reserved for delayed allocation, and the extent status tree.
 *
 * <p>Fields: {@code disksize} and {@code reservedBlocks} under {@code iDataSem} (write); {@code esTree}
 * under its own {@code i_es_lock}, changed with {@code iDataSem} held.
 */
public final class Ext4InodeInfo {
    public final RwSemaphore iDataSem;
    long disksize;
    long reservedBlocks;
    /** EXT4_STATE_DA_ALLOC_CLOSE: truncated to 0; the last close pushes its delayed data to writeback. */
    volatile boolean daAllocClose;
    final ExtentStatus esTree;
    /** {@code i_sync_tid}: the transaction of the inode's last change (0: none yet). */
    volatile int syncTid;
    /** {@code i_datasync_tid}: the transaction of its last change of blocks or size. */
    volatile int datasyncTid;

    /** The inode's ext4 operations (its address space's). */
    final Ext4Inode ops;

    Ext4InodeInfo(Kernel k, long ino, long disksize, Ext4Inode ops) {
        this.ops = ops;
        this.iDataSem = new RwSemaphore(k, "i_data_sem of ino " + ino);
        this.esTree = new ExtentStatus(k, ino);
        this.disksize = disksize;
    }

    public long disksize() {
        return disksize;
    }
}
