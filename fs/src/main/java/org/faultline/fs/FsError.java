package org.faultline.fs;

import org.faultline.kernel.Errno;

/**
 * An errno raised inside a filesystem operation and returned to the system call as a negative
 * value. Not a failure of the emulator: user programs see it as they would see the errno.
 */
public final class FsError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public FsError(int errno, String what) {
        super(Errno.name(errno) + ": " + what, null, false, false);
        this.errno = Math.abs(errno);
    }

    /** The negative errno. */
    public int err() {
        return -errno;
    }
}
