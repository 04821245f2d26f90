package org.faultline.block;

import org.faultline.kernel.Errno;

/**
 * A bio's completion status ({@code blk_status_t}, block/blk-core.c's {@code blk_errors} table):
 * the errno it maps to, and whether it was injected by a fault-injection wrapper (TigerBeetle and
 * FoundationDB tag injected faults the same way, so a report can tell them from real host errors).
 *
 * @param name     kernel name ({@code BLK_STS_IOERR})
 * @param errno    the negative errno callers see ({@code -EIO})
 * @param injected true if a fault-injection rule produced it
 */
public record BlkStatus(String name, int errno, boolean injected) {
    public static final BlkStatus OK = new BlkStatus("BLK_STS_OK", 0, false);
    public static final BlkStatus IOERR = new BlkStatus("BLK_STS_IOERR", -Errno.EIO, false);
    public static final BlkStatus NOSPC = new BlkStatus("BLK_STS_NOSPC", -Errno.ENOSPC, false);
    public static final BlkStatus MEDIUM = new BlkStatus("BLK_STS_MEDIUM", -Errno.ENODATA, false);
    public static final BlkStatus NOTSUPP = new BlkStatus("BLK_STS_NOTSUPP", -Errno.EOPNOTSUPP, false);

    public boolean ok() {
        return errno == 0;
    }

    /** The same status, tagged as injected. */
    public BlkStatus asInjected() {
        return new BlkStatus(name, errno, true);
    }

    /** blk_status_to_errno(). */
    public int toErrno() {
        return errno;
    }

    @Override
    public String toString() {
        return injected ? name + " (injected)" : name;
    }
}
