package org.faultline.fs.ext4;

import org.faultline.fs.BufferHead;
import org.faultline.fs.DirectIo;
import org.faultline.fs.Errno;
import org.faultline.fs.File;
import org.faultline.fs.FileOperations;
import org.faultline.fs.FsError;
import org.faultline.fs.GenericFile;
import org.faultline.fs.Inode;
import org.faultline.fs.Syscalls;
import org.faultline.kernel.KernelSource;
import org.faultline.mm.Filemap;
import org.faultline.mm.IovIter;
import org.faultline.mm.Page;
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
                boolean[] unwritten = {false}; // EXT4_IO_END_UNWRITTEN
                long n = DirectIo.genericFileDirectWrite(inode, pos, len, t, (in, iblock, bh, create) -> {
                    ops.dioGetBlock(in, iblock, bh, create);
                    unwritten[0] |= bh.test(BufferHead.BH_UNWRITTEN);
                });
                if (n > 0 && unwritten[0]) { // ext4_end_io_dio → ext4_convert_unwritten_extents
                    long first = pos >> Page.PAGE_SHIFT;
                    long count = ((pos + n - 1) >> Page.PAGE_SHIFT) - first + 1;
                    Ext4Inode.changeBlockMap(es, inode, first, count, () -> {
                        es.vol.convertUnwritten(inode.ino(), first, count);
                        return null;
                    });
                }
                if (n > 0) {
                    Ext4InodeInfo ei = Ext4Super.ei(inode);
                    if (inode.iSize() > ei.disksize) {
                        ei.disksize = inode.iSize();
                        es.vol(() -> {
                            es.vol.setSize(inode.ino(), ei.disksize);
                            return null;
                        });
                    }
                }
                if (n < len && pos + len > inode.iSize()) {
                    // ext4_truncate_failed_write(): blocks the failed part allocated past i_size go
                    long firstFree = (inode.iSize() + Page.PAGE_SIZE - 1) >> Page.PAGE_SHIFT;
                    Ext4Inode.changeBlockMap(es, inode, firstFree, Long.MAX_VALUE - firstFree, () -> {
                        es.vol.removeBlocks(inode.ino(), firstFree, Long.MAX_VALUE / Page.PAGE_SIZE);
                        return null;
                    });
                }
                return n;
            } finally {
                inode.iRwsem.upWrite();
            }
        }
        return DirectIo.genericFileDirectRead(inode, pos, len, t, ops::getBlock);
    }

    /**
     * ext4_sync_file() without a journal: write and wait for the data, write the inode, commit the
     * metadata and flush the device. A writeback error is reported once per open file.
     */
    @Override
    public int fsync(File f, long start, long end, boolean datasync) {
        int err = GenericFile.genericFileFsync(f, start, end, datasync);
        if (err != 0) {
            return err;
        }
        Inode inode = f.inode();
        WritebackControl wbc = WritebackControl.syncAll(0, Long.MAX_VALUE);
        return es.writeInode(inode, wbc);
    }

    @Override
    public VmOperations mmap(File f) {
        return ops;
    }

    /** ext4_fallocate(): preallocate (unwritten), punch a hole, or zero a range. */
    @Override
    public int fallocate(File f, int mode, long offset, long len) {
        Inode inode = f.inode();
        int bs = Page.PAGE_SIZE;
        inode.iRwsem.downWrite();
        try {
            boolean keep = (mode & Syscalls.FALLOC_FL_KEEP_SIZE) != 0;
            if ((mode & (Syscalls.FALLOC_FL_PUNCH_HOLE | Syscalls.FALLOC_FL_ZERO_RANGE)) != 0) {
                long end = offset + len - 1;
                Filemap.filemapFdatawriteRange(inode.mapping(), offset, end, WritebackControl.SyncMode.WB_SYNC_ALL);
                Filemap.filemapFdatawaitRangeKeepErrors(inode.mapping(), offset, end);
                Truncate.truncatePagecacheRange(inode.mapping(), offset, end);
                boolean punch = (mode & Syscalls.FALLOC_FL_PUNCH_HOLE) != 0;
                long limit = punch ? (inode.iSize() + bs - 1) / bs * bs : Long.MAX_VALUE; // punch stops at EOF's page
                Ext4Inode.ext4ZeroPartialBlocks(es, inode, offset, len, limit);
                long first = (offset + bs - 1) / bs;
                long last = (offset + len) / bs; // exclusive
                if (first < last) {
                    Ext4Inode.changeBlockMap(es, inode, first, last - first, () -> {
                        es.vol.removeBlocks(inode.ino(), first, last);
                        return null;
                    });
                }
                if ((mode & Syscalls.FALLOC_FL_ZERO_RANGE) == 0) {
                    return 0;
                }
            }
            long first = offset / bs;
            long count = (offset + len + bs - 1) / bs - first;
            long newSize = offset + len;
            long taken = ops.releaseDelayedReservations(inode, first, count);
            try {
                Ext4Inode.changeBlockMap(es, inode, first, count, () -> {
                    es.vol.allocateUnwritten(inode.ino(), first, count, newSize, keep);
                    return null;
                });
            } finally { // on ENOSPC, the size already covers the blocks allocated before it
                ops.mapDelayedBlocks(inode, first, count, taken);
                long onDisk = keep ? 0 : es.vol(() -> es.vol.stat(inode.ino()).size());
                long oldSize = inode.iSize();
                if (onDisk > oldSize) {
                    inode.iSizeWrite(onDisk);
                    Ext4Super.ei(inode).disksize = onDisk;
                    Truncate.pagecacheIsizeExtended(inode.mapping(), oldSize, onDisk);
                }
            }
            inode.touch();
            return 0;
        } catch (FsError e) {
            return e.err();
        } finally {
            inode.iRwsem.upWrite();
        }
    }
}
