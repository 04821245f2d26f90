package org.faultline.fs.ext4;

import java.io.IOException;

/**
 * A failed ext4 operation, with the errno the kernel would return and a one-line message that names
 * the device, e.g. {@code sda: ext4 feature 'has_journal' is not supported (mkfs with -O ^has_journal)}
 * or {@code img: /a/b: No such file or directory}.
 *
 * <p>Callers (the command line, later the VFS) print {@link #getMessage()} as is: it never spans
 * lines and never needs the stack trace. {@link #EUCLEAN} ({@code EFSCORRUPTED} in the kernel) marks
 * on-disk corruption: a bad superblock, a bad extent header, a directory entry that overruns its block.
 */
public class Ext4Exception extends IOException {
    private static final long serialVersionUID = 1L;

    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** I/O error from the block device. */
    public static final int EIO = 5;
    /** Bad file descriptor: the volume is closed. */
    public static final int EBADF = 9;
    /** File exists. */
    public static final int EEXIST = 17;
    /** Cross-device link (kept for the VFS). */
    public static final int EXDEV = 18;
    /** Not a directory. */
    public static final int ENOTDIR = 20;
    /** Is a directory. */
    public static final int EISDIR = 21;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** File too large. */
    public static final int EFBIG = 27;
    /** No space left on device (blocks or inodes). */
    public static final int ENOSPC = 28;
    /** Read-only file system. */
    public static final int EROFS = 30;
    /** Too many links. */
    public static final int EMLINK = 31;
    /** File name too long. */
    public static final int ENAMETOOLONG = 36;
    /** Directory not empty. */
    public static final int ENOTEMPTY = 39;
    /** Operation not supported (an on-disk format this layer does not handle). */
    public static final int EOPNOTSUPP = 95;
    /** Structure needs cleaning: on-disk corruption ({@code EFSCORRUPTED}). */
    public static final int EUCLEAN = 117;

    private final int errno;

    /**
     * @param errno   the errno, one of the constants here
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
        return nameOf(errno);
    }

    /**
     * @param errno an errno
     * @return its symbolic name, or {@code "E<number>"}
     */
    public static String nameOf(int errno) {
        switch (errno) {
            case ENOENT: return "ENOENT";
            case EIO: return "EIO";
            case EBADF: return "EBADF";
            case EEXIST: return "EEXIST";
            case EXDEV: return "EXDEV";
            case ENOTDIR: return "ENOTDIR";
            case EISDIR: return "EISDIR";
            case EINVAL: return "EINVAL";
            case EFBIG: return "EFBIG";
            case ENOSPC: return "ENOSPC";
            case EROFS: return "EROFS";
            case EMLINK: return "EMLINK";
            case ENAMETOOLONG: return "ENAMETOOLONG";
            case ENOTEMPTY: return "ENOTEMPTY";
            case EOPNOTSUPP: return "EOPNOTSUPP";
            case EUCLEAN: return "EUCLEAN";
            default: return "E" + errno;
        }
    }

    /**
     * @param errno an errno
     * @return the C library's text for it, e.g. {@code "No such file or directory"}
     */
    public static String describe(int errno) {
        switch (errno) {
            case ENOENT: return "No such file or directory";
            case EIO: return "Input/output error";
            case EBADF: return "Bad file descriptor";
            case EEXIST: return "File exists";
            case EXDEV: return "Invalid cross-device link";
            case ENOTDIR: return "Not a directory";
            case EISDIR: return "Is a directory";
            case EINVAL: return "Invalid argument";
            case EFBIG: return "File too large";
            case ENOSPC: return "No space left on device";
            case EROFS: return "Read-only file system";
            case EMLINK: return "Too many links";
            case ENAMETOOLONG: return "File name too long";
            case ENOTEMPTY: return "Directory not empty";
            case EOPNOTSUPP: return "Operation not supported";
            case EUCLEAN: return "Structure needs cleaning";
            default: return "errno " + errno;
        }
    }

    /** Corruption found on disk: {@code dev: ext4 corruption: what}. */
    static Ext4Exception corrupt(String dev, String what) {
        return new Ext4Exception(EUCLEAN, dev + ": ext4 corruption: " + what);
    }

    /** A path operation failing with {@code errno}: {@code dev: path: strerror}. */
    static Ext4Exception of(int errno, String dev, String path) {
        return new Ext4Exception(errno, dev + ": " + path + ": " + describe(errno));
    }
}
