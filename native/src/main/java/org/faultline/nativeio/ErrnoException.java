package org.faultline.nativeio;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A host system call failed: carries the C {@code errno}, its symbolic name, the call and the
 * path it was made on. {@link #getMessage()} is one line meant for a user, e.g.
 * {@code open(/tmp/x.img): No such file or directory (ENOENT)}.
 *
 * <p>Error numbers are Linux's (asm-generic, shared by x86_64 and aarch64). Messages for the common
 * numbers come from a fixed English table (glibc's wording) so they do not depend on the locale;
 * other numbers use {@code strerror(3)}.
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
        return errno == LibC.EOPNOTSUPP || errno == LibC.EXDEV || errno == LibC.EINVAL
                || errno == LibC.ENOTTY;
    }

    // ---------------------------------------------------------------- tables

    private static final Map<Integer, String[]> TABLE = new HashMap<>();

    private static void e(int n, String name, String text) {
        TABLE.put(n, new String[] {name, text});
    }

    static {
        e(1, "EPERM", "Operation not permitted");
        e(2, "ENOENT", "No such file or directory");
        e(3, "ESRCH", "No such process");
        e(4, "EINTR", "Interrupted system call");
        e(5, "EIO", "Input/output error");
        e(6, "ENXIO", "No such device or address");
        e(7, "E2BIG", "Argument list too long");
        e(8, "ENOEXEC", "Exec format error");
        e(9, "EBADF", "Bad file descriptor");
        e(10, "ECHILD", "No child processes");
        e(11, "EAGAIN", "Resource temporarily unavailable");
        e(12, "ENOMEM", "Cannot allocate memory");
        e(13, "EACCES", "Permission denied");
        e(14, "EFAULT", "Bad address");
        e(15, "ENOTBLK", "Block device required");
        e(16, "EBUSY", "Device or resource busy");
        e(17, "EEXIST", "File exists");
        e(18, "EXDEV", "Invalid cross-device link");
        e(19, "ENODEV", "No such device");
        e(20, "ENOTDIR", "Not a directory");
        e(21, "EISDIR", "Is a directory");
        e(22, "EINVAL", "Invalid argument");
        e(23, "ENFILE", "Too many open files in system");
        e(24, "EMFILE", "Too many open files");
        e(25, "ENOTTY", "Inappropriate ioctl for device");
        e(26, "ETXTBSY", "Text file busy");
        e(27, "EFBIG", "File too large");
        e(28, "ENOSPC", "No space left on device");
        e(29, "ESPIPE", "Illegal seek");
        e(30, "EROFS", "Read-only file system");
        e(31, "EMLINK", "Too many links");
        e(32, "EPIPE", "Broken pipe");
        e(33, "EDOM", "Numerical argument out of domain");
        e(34, "ERANGE", "Numerical result out of range");
        e(35, "EDEADLK", "Resource deadlock avoided");
        e(36, "ENAMETOOLONG", "File name too long");
        e(37, "ENOLCK", "No locks available");
        e(38, "ENOSYS", "Function not implemented");
        e(39, "ENOTEMPTY", "Directory not empty");
        e(40, "ELOOP", "Too many levels of symbolic links");
        e(61, "ENODATA", "No data available");
        e(62, "ETIME", "Timer expired");
        e(67, "ENOLINK", "Link has been severed");
        e(74, "EBADMSG", "Bad message");
        e(75, "EOVERFLOW", "Value too large for defined data type");
        e(84, "EILSEQ", "Invalid or incomplete multibyte or wide character");
        e(95, "EOPNOTSUPP", "Operation not supported");
        e(110, "ETIMEDOUT", "Connection timed out");
        e(116, "ESTALE", "Stale file handle");
        e(117, "EUCLEAN", "Structure needs cleaning");
        e(121, "EREMOTEIO", "Remote I/O error");
        e(122, "EDQUOT", "Disk quota exceeded");
        e(123, "ENOMEDIUM", "No medium found");
        e(125, "ECANCELED", "Operation canceled");
    }

    /**
     * The symbolic name of a Linux error number.
     *
     * @param errno the error number
     * @return e.g. {@code "EINVAL"}, or {@code "E<number>"} for numbers not in the table
     */
    public static String errnoName(int errno) {
        String[] entry = TABLE.get(errno);
        return entry != null ? entry[0] : "E" + errno;
    }

    /**
     * A one-phrase description of an error number, e.g. {@code "No such file or directory"}.
     *
     * @param errno the error number
     * @return the fixed English text, else {@code strerror(3)}, else {@code "error <number>"}
     */
    public static String describe(int errno) {
        String[] entry = TABLE.get(errno);
        if (entry != null) {
            return entry[1];
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
