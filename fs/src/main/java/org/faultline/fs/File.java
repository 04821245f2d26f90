package org.faultline.fs;

/**
 * {@code struct file}: an open file — its inode, flags, position, and its writeback-error cursor
 * ({@code f_wb_err}, sampled at open) through which fsync reports each writeback error once per
 * open file. Only the owning task touches {@code pos}.
 */
public final class File {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_ACCMODE = 3;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_DSYNC = 010000;
    public static final int O_DIRECT = 040000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_SYNC = 04010000;

    private final Inode inode;
    private final int flags;
    private final java.util.concurrent.atomic.AtomicInteger fCount = new java.util.concurrent.atomic.AtomicInteger(1);
    long pos;
    final int[] fWbErr;
    /** f_ra: the readahead window of this open file (do_dentry_open's file_ra_state_init). */
    private final org.faultline.mm.FileRaState ra = new org.faultline.mm.FileRaState(org.faultline.mm.FileRaState.VM_READAHEAD_PAGES);

    File(Inode inode, int flags) {
        this.inode = inode;
        this.flags = flags;
        this.fWbErr = new int[] {inode.mapping().wbErr().sample()};
    }

    /** The open file's readahead state. */
    public org.faultline.mm.FileRaState ra() {
        return ra;
    }

    public Inode inode() {
        return inode;
    }

    public int flags() {
        return flags;
    }

    public boolean direct() {
        return (flags & O_DIRECT) != 0;
    }

    public boolean readable() {
        return (flags & O_ACCMODE) != O_WRONLY;
    }

    public boolean writable() {
        return (flags & O_ACCMODE) != O_RDONLY;
    }

    /** get_file(): another reference (a mapping's). */
    File getFile() {
        fCount.incrementAndGet();
        return this;
    }

    /** Drops a reference; true if it was the last (then __fput releases the file). */
    boolean putFile() {
        return fCount.decrementAndGet() == 0;
    }
}
