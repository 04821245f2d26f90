package org.faultline.fs.ext4;

import java.io.IOException;
import org.faultline.kernel.Errno;

/**
 * A failed ext4 operation, with the errno the kernel would return and a one-line message that names
 * the device, e.g. {@code sda: ext4 feature 'has_journal' is not supported (mkfs with -O ^has_journal)}
 * or {@code img: /a/b: No such file or directory}.
 *
 * <p>Callers (the command line, later the VFS) print {@link #getMessage()} as is: it never spans
 * lines and never needs the stack trace. {@link Errno#EUCLEAN} ({@code EFSCORRUPTED} in the kernel) marks
 * on-disk corruption: a bad superblock, a bad extent header, a directory entry that overruns its block.
 */
public class Ext4Exception extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * @param errno   the errno ({@link Errno})
     * @param message one line, already prefixed with the device name
     */
    public Ext4Exception(int errno, String message) {
        super(oneLine(message));
        this.errno = errno;
    }

    /**
     * @param errno   the errno
     * @param message one line, already prefixed with the device name
     * @param cause   the underlying failure (an I/O error)
     */
    public Ext4Exception(int errno, String message, Throwable cause) {
        super(oneLine(message), cause);
        this.errno = errno;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }

    /** @return the errno */
    public int errno() {
        return errno;
    }

    /** @return the symbolic errno name, e.g. {@code "ENOENT"} */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** Corruption found on disk: {@code dev: ext4 corruption: what}. */
    public static Ext4Exception corrupt(String dev, String what) {
        return new Ext4Exception(Errno.EUCLEAN, dev + ": ext4 corruption: " + what);
    }

    /**
     * A metadata block whose checksum does not match ({@code EFSBADCRC}, which the kernel defines as
     * {@code EBADMSG}): {@code dev: ext4 checksum error: what}.
     */
    public static Ext4Exception badCrc(String dev, String what) {
        return new Ext4Exception(Errno.EBADMSG, dev + ": ext4 checksum error: " + what);
    }

    /** A path operation failing with {@code errno}: {@code dev: path: strerror}. */
    public static Ext4Exception of(int errno, String dev, String path) {
        return new Ext4Exception(errno, dev + ": " + path + ": " + Errno.text(errno));
    }
}
