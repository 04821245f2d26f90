package org.faultline.fs;

import org.faultline.kernel.Errno;
import org.faultline.mm.IovIter;
import org.faultline.mm.VmOperations;

/**
 * {@code struct file_operations}. Returns are byte counts or negative errnos.
 *
 * <pre>
 * op          locks held on entry
 * read_iter   none (the fs may take i_rwsem shared)
 * write_iter  none (generic_file_write_iter takes i_rwsem)
 * fsync       none (the fs takes what it needs)
 * mmap        mmap_sem (write)
 * fallocate   none
 * </pre>
 */
public interface FileOperations {
    long readIter(File f, long pos, IovIter to);

    long writeIter(File f, long pos, IovIter from);

    /** ->fsync(): [start, end] bytes, datasync as fdatasync. */
    int fsync(File f, long start, long end, boolean datasync);

    /** ->release(): the last reference to an open file went ({@code __fput}). */
    default void release(File f) {
    }

    /** ->mmap(): the vm_operations of the mapping, or null if it cannot be mapped. */
    VmOperations mmap(File f);

    /**
     * Direct I/O for a file opened O_DIRECT (->read_iter/->write_iter with IOCB_DIRECT, reaching
     * ->direct_IO): -EINVAL for filesystems without it, as open(O_DIRECT) would report.
     */
    default long directIO(File f, long pos, long len, DirectIo.Target t, boolean write) {
        return -Errno.EINVAL;
    }

    /** ->fallocate(); -EOPNOTSUPP by default. */
    default int fallocate(File f, int mode, long offset, long len) {
        return -Errno.EOPNOTSUPP;
    }
}
