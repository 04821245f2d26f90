package org.faultline.fs;

import org.faultline.kernel.KernelSource;
import org.faultline.mm.Filemap;
import org.faultline.mm.IovIter;

/**
 * The generic file operations filesystems reference from their tables (mm/filemap.c
 * {@code generic_file_read_iter}, {@code generic_file_write_iter}; fs/libfs.c
 * {@code __generic_file_fsync}; fs/sync.c {@code generic_write_sync}).
 */
@KernelSource("mm/filemap.c")
public final class GenericFile {
    private GenericFile() {
    }

    /** generic_file_read_iter(), buffered part, with the file's readahead. */
    public static long genericFileReadIter(File f, long pos, IovIter to) {
        return Filemap.genericFileBufferedRead(f.inode().mapping(), f.ra(), pos, to);
    }

    /**
     * generic_file_write_iter(): takes i_rwsem, honours O_APPEND, performs the buffered write, and for
     * O_SYNC/O_DSYNC writes the range back and waits (generic_write_sync).
     *
     * @param posOut receives the final position (the write's end)
     */
    public static long genericFileWriteIter(File f, long pos, IovIter from, long[] posOut) {
        Inode inode = f.inode();
        inode.iRwsem.downWrite();
        long written;
        try {
            if ((f.flags() & File.O_APPEND) != 0) {
                pos = inode.iSize();
            }
            written = Filemap.genericPerformWrite(inode.mapping(), pos, from);
            if (written > 0) {
                inode.touch();
                inode.markInodeDirty();
            }
        } finally {
            inode.iRwsem.upWrite();
        }
        posOut[0] = pos + Math.max(0, written);
        if (written > 0 && (f.flags() & (File.O_DSYNC | File.O_SYNC)) != 0) {
            int err = inode.fop().fsync(f, pos, pos + written - 1, (f.flags() & File.O_SYNC) != File.O_SYNC);
            if (err < 0) {
                return err;
            }
        }
        return written;
    }

    /**
     * __generic_file_fsync(): writes and waits for the range, then writes the inode if its metadata
     * is dirty, reporting a writeback error once per open file.
     */
    /**
     * file_write_and_wait_range(): the file's dirty data in [start, end] written and waited for; a
     * writeback error is reported once per open file.
     */
    public static int fileWriteAndWaitRange(File f, long start, long end) {
        return Filemap.fileWriteAndWaitRange(f.inode().mapping(), f.fWbErr, start, end);
    }

    public static int genericFileFsync(File f, long start, long end, boolean datasync) {
        Inode inode = f.inode();
        int err = Filemap.fileWriteAndWaitRange(inode.mapping(), f.fWbErr, start, end);
        if (err != 0) {
            return err;
        }
        inode.iRwsem.downWrite();
        try {
            if ((inode.state & Inode.I_DIRTY_INODE) != 0 && inode.sb().sop() != null) {
                // sync_inode_metadata(): nr_to_write 0, the inode only — the data outside [start, end]
                // is not this fsync's to write (an msync of one mapping must not write the others')
                org.faultline.mm.WritebackControl wbc = org.faultline.mm.WritebackControl.syncAll(0, Long.MAX_VALUE);
                wbc.nrToWrite = 0;
                inode.sb().writeback().writebackSingleInode(inode, wbc);
            }
        } finally {
            inode.iRwsem.upWrite();
        }
        return 0;
    }
}
