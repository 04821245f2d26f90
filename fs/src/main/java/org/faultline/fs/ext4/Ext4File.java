package org.faultline.fs.ext4;

import org.faultline.fs.BufferHead;
import org.faultline.fs.DirectIo;
import org.faultline.fs.File;
import org.faultline.fs.FileOperations;
import org.faultline.fs.FsError;
import org.faultline.fs.GenericFile;
import org.faultline.fs.Inode;
import org.faultline.fs.Syscalls;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;
import org.faultline.mm.Filemap;
import org.faultline.mm.IovIter;
import org.faultline.mm.Page;
import org.faultline.mm.PageWriteback;
import org.faultline.mm.Rmap;
import org.faultline.mm.Truncate;
import org.faultline.mm.VmOperations;
import org.faultline.mm.WritebackControl;

/**
 * ext4 file operations (fs/ext4/file.c, fs/ext4/fsync.c, fs/ext4/extents.c's fallocate): generic
 * buffered read and write, direct I/O through the legacy {@code do_blockdev_direct_IO},
 * {@code ext4_sync_file} for a journal-less filesystem, mmap with ext4's vm_ops, and fallocate.
 */
@KernelSource("fs/ext4/file.c")
final class Ext4File implements FileOperations {

    /**
     * ext4_release_file(): after a truncate to 0 (EXT4_STATE_DA_ALLOC_CLOSE), the file's delayed data
     * goes to writeback at the close ({@link Ext4Inode#ext4AllocDaBlocks}).
     */
    @Override
    public void release(org.faultline.fs.File f) {
        Ext4InodeInfo ei = Ext4Super.ei(f.inode());
        if (ei.daAllocClose) {
            Ext4Inode.ext4AllocDaBlocks(f.inode());
            ei.daAllocClose = false;
        }
    }
    private final Ext4Super es;
    private final Ext4Inode ops;

    Ext4File(Ext4Super es, Ext4Inode ops) {
        this.es = es;
        this.ops = ops;
    }

    @Override
    public long readIter(File f, long pos, IovIter to) {
        return GenericFile.genericFileReadIter(f, pos, to);
    }

    @Override
    public long writeIter(File f, long pos, IovIter from) {
        if (es.sb.readOnly()) {
            return -Errno.EROFS;
        }
        return GenericFile.genericFileWriteIter(f, pos, from, new long[1]);
    }

    /** ext4_direct_IO() → the legacy direct I/O path with ext4_dio_get_block. */
    @Override
    public long directIO(File f, long pos, long len, DirectIo.Target t, boolean write) {
        Inode inode = f.inode();
        if (write) {
            inode.iRwsem.downWrite();
            try {
                // ext4_dio_write_iter: an extending write puts the inode on the orphan list first, so
                // that a crash before its size is updated frees the blocks it allocated past i_size
                // (ext4_orphan_add does nothing without a journal)
                boolean extend = es.jnl != null && pos + len > Ext4Super.ei(inode).disksize;
                if (extend) {
                    es.volChange(inode, false, () -> {
                        es.vol.orphan().ext4OrphanAddInode(inode.ino());
                        return null;
                    });
                }
                boolean[] unwritten = {false}; // EXT4_IO_END_UNWRITTEN
                long n = DirectIo.genericFileDirectWrite(inode, pos, len, t, (in, iblock, bh, create) -> {
                    int err = ops.dioGetBlock(in, iblock, bh, create);
                    unwritten[0] |= bh.test(BufferHead.BH_UNWRITTEN);
                    return err;
                });
                if (n > 0 && unwritten[0]) { // ext4_end_io_dio → ext4_convert_unwritten_extents
                    long first = pos >> es.blkbits;
                    long count = ((pos + n - 1) >> es.blkbits) - first + 1;
                    Ext4Inode.changeBlockMap(es, inode, first, count, () -> {
                        es.vol.extents().ext4ConvertUnwrittenExtents(inode.ino(), first, count);
                        return null;
                    });
                }
                ext4HandleInodeExtension(inode, pos, len, n, extend);
                return n;
            } finally {
                inode.iRwsem.upWrite();
            }
        }
        return DirectIo.genericFileDirectRead(inode, pos, len, t, ops::getBlock);
    }

    /**
     * ext4_handle_inode_extension() (and, for a write that did not finish, ext4_truncate_failed_write),
     * in one handle: {@code i_disksize} up to what was written, blocks the failed part allocated past
     * {@code i_size} freed and the tail of the EOF block zeroed, the inode off the orphan list.
     */
    private void ext4HandleInodeExtension(Inode inode, long pos, long len, long n, boolean extend) {
        org.faultline.fs.jbd2.Transaction.Handle h = es.journalStart(inode, true);
        try {
            if (n > 0) {
                Ext4Truncate.ext4UpdateIDisksize(es, inode, inode.iSize());
            }
            if (n < len && pos + len > inode.iSize()) {
                Truncate.truncateInodePages(inode.mapping(), inode.iSize());
                Ext4Truncate.ext4Truncate(es, inode);
            }
            if (extend) {
                es.vol(() -> {
                    es.vol.orphan().ext4OrphanDelInode(inode.ino());
                    return null;
                });
            }
        } finally {
            es.journalStop(h);
        }
    }

    /**
     * ext4_sync_file() without a journal: write and wait for the data, write the inode, commit the
     * metadata and flush the device. A writeback error is reported once per open file.
     */
    @Override
    public int fsync(File f, long start, long end, boolean datasync) {
        if (es.jnl != null) {
            return ext4FsyncJournalled(f, start, end, datasync);
        }
        int err = GenericFile.genericFileFsync(f, start, end, datasync);
        if (err != 0) {
            return err;
        }
        Inode inode = f.inode();
        WritebackControl wbc = WritebackControl.syncAll(0, Long.MAX_VALUE);
        return es.writeInode(inode, wbc);
    }

    /**
     * ext4_sync_file() with a journal: write and wait for the data, put the inode's size and times in
     * the running transaction (here, for {@code ext4_dirty_inode}: see {@link Ext4Super#writeInode}),
     * then wait for the commit of the transaction of the inode's last change — of its blocks and size
     * only, for fdatasync ({@code ext4_fsync_journal}).
     */
    private int ext4FsyncJournalled(File f, long start, long end, boolean datasync) {
        Inode inode = f.inode();
        int err = GenericFile.fileWriteAndWaitRange(f, start, end);
        if (err != 0) {
            return err;
        }
        if ((inode.state() & Inode.I_DIRTY_INODE) != 0) {
            err = es.ext4DirtyInode(inode);
            if (err != 0) {
                return err;
            }
        }
        try {
            es.jnl.ext4FsyncJournal(inode, datasync);
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    @Override
    public VmOperations mmap(File f) {
        return ops;
    }

    /** ext4_fallocate(): preallocate (unwritten), punch a hole, or zero a range. */
    @Override
    public int fallocate(File f, int mode, long offset, long len) {
        Inode inode = f.inode();
        inode.iRwsem.downWrite();
        try {
            boolean keep = (mode & Syscalls.FALLOC_FL_KEEP_SIZE) != 0;
            if ((mode & Syscalls.FALLOC_FL_PUNCH_HOLE) != 0) {
                if (!ext4PunchHole(inode, offset, len)) {
                    return 0; // at or beyond i_size: nothing punched, the times left alone (no file_modified)
                }
            } else if ((mode & Syscalls.FALLOC_FL_ZERO_RANGE) != 0) {
                ext4ZeroRange(inode, offset, len, keep);
            } else {
                int bs = es.blocksize;
                ext4AllocFileBlocks(inode, offset / bs, (offset + len + bs - 1) / bs - offset / bs, offset + len, keep);
            }
            inode.touch();
            return 0;
        } catch (FsError e) {
            return e.err();
        } finally {
            inode.iRwsem.upWrite();
        }
    }

    /**
     * ext4_punch_hole() (6.6): write back the dirty pages of the range (not since
     * {@link Ext4Patch#EXT4_PUNCH_HOLE_NO_WRITEBACK}); then nothing more for a hole
     * starting at or beyond i_size ("No need to punch hole beyond i_size"); else clip the hole to end
     * after the page that holds i_size, drop the cached range, zero the partial blocks at its edges and
     * free the whole blocks between them. Blocks preallocated beyond the end of that page
     * (fallocate keep-size) stay allocated.
     *
     * @return false if the hole started at or beyond i_size (nothing punched)
     */
    private boolean ext4PunchHole(Inode inode, long offset, long len) {
        long end = offset + len - 1;
        if (!es.k.has(Ext4Patch.EXT4_PUNCH_HOLE_NO_WRITEBACK)) { // data=journal would still (Faultline has none)
            Filemap.filemapFdatawriteRange(inode.mapping(), offset, end, WritebackControl.SyncMode.WB_SYNC_ALL);
            Filemap.filemapFdatawaitRangeKeepErrors(inode.mapping(), offset, end);
        }
        long size = inode.iSize();
        if (offset >= size) {
            return false;
        }
        if (offset + len > size) {
            len = size + Page.PAGE_SIZE - (size & (Page.PAGE_SIZE - 1)) - offset;
            end = offset + len - 1;
        }
        ext4UpdateDisksizeBeforePunch(inode, offset, len);
        ext4TruncatePageCacheBlockRange(inode, offset, end + 1);
        long eofPageEnd = (inode.iSize() + Page.PAGE_SIZE - 1) / Page.PAGE_SIZE * Page.PAGE_SIZE;
        Ext4Truncate.ext4ZeroPartialBlocks(es, inode, offset, len, eofPageEnd);
        removeWholeBlocks(inode, offset, len);
        return true;
    }

    /**
     * ext4_zero_range() (fs/ext4/extents.c, 6.6): first preallocate the whole range, its partial
     * edge blocks included, so that ENOSPC fails the call before anything is zeroed; then drop the
     * cached whole blocks and turn them into unwritten extents; then zero the partial edge blocks
     * through the page cache. The size grows with the preallocation. Nothing is written back first
     * (6.6 does so only for data=journal): dirty pages of the whole blocks are dropped (their delayed
     * reservations released by invalidatepage), those at the edges stay dirty, with what a mapping
     * stored past EOF. Deviation: the whole blocks are freed and preallocated anew rather than
     * converted in place (the same number of blocks; another placement).
     */
    private void ext4ZeroRange(Inode inode, long offset, long len, boolean keep) {
        int bs = es.blocksize;
        long end = offset + len;
        long start = (offset + bs - 1) / bs * bs;
        long endFull = end / bs * bs;
        long roundStart = offset / bs;
        long roundEnd = (end + bs - 1) / bs; // exclusive, in blocks
        if (offset % bs != 0 || end % bs != 0) { // preallocate the range including the unaligned edges
            ext4AllocFileBlocks(inode, roundStart, roundEnd - roundStart, end, keep);
        }
        if (start < endFull) { // zero the range excluding the unaligned edges
            ext4UpdateDisksizeBeforePunch(inode, offset, len);
            ext4TruncatePageCacheBlockRange(inode, start, endFull);
            removeWholeBlocks(inode, offset, len);
            ext4AllocFileBlocks(inode, start / bs, (endFull - start) / bs, end, keep);
        }
        Ext4Truncate.ext4ZeroPartialBlocks(es, inode, offset, len, Long.MAX_VALUE);
    }

    /**
     * Drops the cached range [start, end) before its blocks are freed or made unwritten: 6.6's
     * {@code truncate_pagecache_range}; since {@link Ext4Patch#EXT4_REMOVE_WRITABLE_MAPPINGS_BEFORE_TRUNCATE}
     * {@code ext4_truncate_page_cache_block_range}, which with blocks smaller than a page first
     * write-protects the pages at the edges of the range ({@link #ext4TruncateFolio}), so the next store
     * into them faults into {@code ->page_mkwrite} and gets a block again.
     */
    private void ext4TruncatePageCacheBlockRange(Inode inode, long start, long end) {
        if (es.k.has(Ext4Patch.EXT4_REMOVE_WRITABLE_MAPPINGS_BEFORE_TRUNCATE) && es.blocksize < Page.PAGE_SIZE
                && start < inode.iSize()) {
            long pageMask = Page.PAGE_SIZE - 1;
            long startBoundary = (start + pageMask) & ~pageMask;
            ext4TruncateFolio(inode, start, Math.min(startBoundary, end));
            if (end > startBoundary) {
                ext4TruncateFolio(inode, end & ~pageMask, end);
            }
        }
        Truncate.truncatePagecacheRange(inode.mapping(), start, end - 1);
    }

    /**
     * ext4_truncate_folio(): when [start, end) — inside one page — holds a whole block, write-protect
     * the page and keep it dirty if a mapping had dirtied it.
     */
    private void ext4TruncateFolio(Inode inode, long start, long end) {
        int bs = es.blocksize;
        if ((start + bs - 1) / bs * bs >= end / bs * bs) {
            return; // no complete block of this page is truncated
        }
        Page p = Filemap.findLockPage(inode.mapping(), start >> Page.PAGE_SHIFT);
        if (p == null) {
            return;
        }
        if (Rmap.pageMkclean(p) > 0) {
            PageWriteback.setPageDirty(p);
        }
        Filemap.unlockPage(p);
        inode.sb().mm().allocator().putPage(p);
    }

    /**
     * ext4_update_disksize_before_punch(): when the range reaches EOF and delayed data past
     * {@code i_disksize} is about to be dropped from the cache (never written back, so writeback never
     * moves {@code i_disksize}), the on-disk size is brought up to {@code i_size} first — otherwise
     * the file would lose its tail on disk.
     */
    private void ext4UpdateDisksizeBeforePunch(Inode inode, long offset, long len) {
        long size = inode.iSize();
        if (offset <= size && offset + len >= size) {
            Ext4Truncate.ext4UpdateIDisksize(es, inode, size);
        }
    }

    /** Frees the blocks wholly inside [offset, offset + len) (ext4_ext_remove_space). */
    private void removeWholeBlocks(Inode inode, long offset, long len) {
        int bs = es.blocksize;
        long first = (offset + bs - 1) / bs;
        long last = (offset + len) / bs; // exclusive
        if (first < last) {
            // before the extent-manipulation fdatasync fix the removal left i_datasync_tid alone
            boolean datasync = es.k.has(Ext4Patch.EXT4_FDATASYNC_AFTER_EXTENT_MANIPULATION);
            Ext4Inode.changeBlockMap(es, inode, first, last - first, datasync, () -> {
                es.vol.extents().ext4ExtRemoveSpace(inode.ino(), first, last);
                return null;
            });
        }
    }

    /**
     * ext4_alloc_file_blocks(): preallocates unwritten blocks over the holes of [first, first + count)
     * (blocks), taking over the reservations of delayed pages there. Unless {@code keep}, the size
     * grows to {@code newSize} — on ENOSPC only over what was allocated before it, as the kernel
     * moves the size along with each allocated extent.
     */
    private void ext4AllocFileBlocks(Inode inode, long first, long count, long newSize, boolean keep) {
        long taken = ops.releaseDelayedReservations(inode, first, count);
        // before c894aa97577e (4.15) the allocation left i_datasync_tid alone: fdatasync did not commit it
        boolean datasync = es.k.has(Ext4Patch.EXT4_FDATASYNC_AFTER_FALLOCATE);
        try {
            Ext4Inode.changeBlockMap(es, inode, first, count, datasync, () -> {
                es.vol.extents().ext4AllocFileBlocks(inode.ino(), first, count, newSize, keep);
                if (!keep) {
                    // i_disksize follows the size the allocation wrote, under the lock write_inode copies it
                    // under: a write_inode in between must not write the old size back over the new one
                    Ext4InodeInfo ei = Ext4Super.ei(inode);
                    ei.disksize = Math.max(ei.disksize, es.vol.inodes().stat(inode.ino()).size());
                }
                return null;
            });
        } finally {
            ops.mapDelayedBlocks(inode, first, count, taken);
            if (!keep) {
                updateSize(inode, es.vol(() -> es.vol.inodes().stat(inode.ino()).size()));
            }
        }
    }

    /**
     * Grows the in-memory size to the on-disk one when that is larger (ext4_update_inode_size); since
     * {@link Ext4Patch#EXT4_ZERO_EOF_BLOCK_ON_SIZE_EXTENSION} also pagecache_isize_extended and the
     * partial blocks of the exposed range zeroed (6.6 did neither here).
     */
    private void updateSize(Inode inode, long size) {
        long oldSize = inode.iSize();
        if (size > oldSize) {
            inode.iSizeWrite(size);
            Ext4Super.ei(inode).disksize = size;
            if (es.k.has(Ext4Patch.EXT4_ZERO_EOF_BLOCK_ON_SIZE_EXTENSION)) {
                Truncate.pagecacheIsizeExtended(inode.mapping(), oldSize, size, es.blocksize);
                Ext4Truncate.ext4ZeroPartialBlocks(es, inode, oldSize, size - oldSize, Long.MAX_VALUE);
            }
        }
    }
}
