package org.faultline.nativeio;

import java.io.IOException;
import org.faultline.kernel.Errno;

/**
 * A host system call failed: carries the C {@code errno}, its symbolic name, the call and the
 * path it was made on. {@link #getMessage()} is one line meant for a user, e.g.
 * {@code open(/tmp/x.img): No such file or directory (ENOENT)}.
 *
 * <p>Error numbers are Linux's (asm-generic, shared by x86_64 and aarch64). Messages for the common
 * numbers come from {@link Errno}'s fixed English table (glibc's wording) so they do not depend on
 * the locale; other numbers use {@code strerror(3)}.
 */
public class ErrnoException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The C error number. */
    private final int errno;
    /** The C function that failed. */
    private final String call;
    /** The path it was called on, or null. */
    private final String path;

    /**
     * A failure of {@code call} on {@code path}.
     *
     * @param errno the error number
     * @param call  the C function, e.g. {@code "open"}
     * @param path  the file it was called on, or null
     */
    public ErrnoException(int errno, String call, String path) {
        this(errno, call, path, null);
    }

    /**
     * A failure of {@code call} on {@code path}, with a hint appended to the message.
     *
     * @param errno  the error number
     * @param call   the C function, e.g. {@code "pread"}
     * @param path   the file it was called on, or null
     * @param detail extra context appended after {@code "; "}, or null
     */
    public ErrnoException(int errno, String call, String path, String detail) {
        this(format(errno, call, path, detail), errno, call, path);
    }

    /**
     * For subclasses that compose their own one-line message.
     *
     * @param message the complete message
     * @param errno   the error number
     * @param call    the C function
     * @param path    the file, or null
     */
    protected ErrnoException(String message, int errno, String call, String path) {
        super(message);
        this.errno = errno;
        this.call = call;
        this.path = path;
    }

    /** @return the C error number, e.g. 2 for {@code ENOENT} */
    public int errno() {
        return errno;
    }

    /** @return the symbolic name of {@link #errno()}, e.g. {@code "ENOENT"}, or {@code "E<number>"} */
    public String errnoName() {
        return errnoName(errno);
    }

    /** @return the C function that failed, e.g. {@code "open"} */
    public String call() {
        return call;
    }

    /** @return the path the call was made on, or null */
    public String path() {
        return path;
    }

    /**
     * Whether this is how {@code ioctl(FICLONE)} says the filesystem cannot reflink these files:
     * {@code EOPNOTSUPP}, {@code EXDEV}, {@code EINVAL} or {@code ENOTTY}. Callers then fall back to
     * copying.
     *
     * @return true if reflink is unsupported here
     */
    public boolean isCloneUnsupported() {
        return errno == Errno.EOPNOTSUPP || errno == Errno.EXDEV || errno == Errno.EINVAL
                || errno == Errno.ENOTTY;
    }

    /**
     * The symbolic name of a Linux error number.
     *
     * @param errno the error number
     * @return e.g. {@code "EINVAL"}, or {@code "E<number>"} for numbers not in the table
     */
    public static String errnoName(int errno) {
        return Errno.name(errno);
    }

    /**
     * A one-phrase description of an error number, e.g. {@code "No such file or directory"}.
     *
     * @param errno the error number
     * @return the fixed English text, else {@code strerror(3)}, else {@code "error <number>"}
     */
    public static String describe(int errno) {
        String text = Errno.text(errno);
        if (text != null) {
            return text;
        }
        if (LibC.isSupported()) {
            try {
                String s = LibC.strerror(errno);
                if (s != null && !s.isEmpty()) {
                    return s;
                }
            } catch (RuntimeException | LinkageError ignored) {
                // fall through to the numeric form
            }
        }
        return "error " + errno;
    }

    private static String format(int errno, String call, String path, String detail) {
        StringBuilder sb = new StringBuilder(96);
        sb.append(call);
        if (path != null) {
            sb.append('(').append(path).append(')');
        }
        sb.append(": ").append(describe(errno)).append(" (").append(errnoName(errno)).append(')');
        if (detail != null && !detail.isEmpty()) {
            sb.append("; ").append(detail);
        }
        return sb.toString();
    }
}
