package org.faultline.kernel;

import java.util.Map;
import java.util.TreeMap;

/**
 * Linux error numbers (include/uapi/asm-generic/errno-base.h and errno.h, shared by x86_64 and
 * aarch64): the one errno table of the project. Emulated kernel paths return them negated, as the
 * kernel does; the host's system calls ({@code nativeio/LibC}) report the same numbers and are
 * described by this table too. Names and texts are fixed (glibc's English wording), so messages do
 * not depend on the host's locale.
 */
public final class Errno {
    private Errno() {
    }

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ENOEXEC = 8;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int ENOTBLK = 15;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int EPIPE = 32;
    public static final int EDOM = 33;
    public static final int ERANGE = 34;
    public static final int EDEADLK = 35;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOLCK = 37;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int ETIME = 62;
    public static final int ENOLINK = 67;
    public static final int EBADMSG = 74;
    public static final int EOVERFLOW = 75;
    public static final int EILSEQ = 84;
    public static final int EOPNOTSUPP = 95;
    public static final int ETIMEDOUT = 110;
    public static final int ESTALE = 116;
    public static final int EUCLEAN = 117;
    public static final int EREMOTEIO = 121;
    public static final int EDQUOT = 122;
    public static final int ENOMEDIUM = 123;
    public static final int ECANCELED = 125;

    private static final Map<Integer, String[]> TABLE = new TreeMap<>();

    private static void e(int n, String name, String text) {
        TABLE.put(n, new String[] {name, text});
    }

    static {
        e(EPERM, "EPERM", "Operation not permitted");
        e(ENOENT, "ENOENT", "No such file or directory");
        e(ESRCH, "ESRCH", "No such process");
        e(EINTR, "EINTR", "Interrupted system call");
        e(EIO, "EIO", "Input/output error");
        e(ENXIO, "ENXIO", "No such device or address");
        e(E2BIG, "E2BIG", "Argument list too long");
        e(ENOEXEC, "ENOEXEC", "Exec format error");
        e(EBADF, "EBADF", "Bad file descriptor");
        e(ECHILD, "ECHILD", "No child processes");
        e(EAGAIN, "EAGAIN", "Resource temporarily unavailable");
        e(ENOMEM, "ENOMEM", "Cannot allocate memory");
        e(EACCES, "EACCES", "Permission denied");
        e(EFAULT, "EFAULT", "Bad address");
        e(ENOTBLK, "ENOTBLK", "Block device required");
        e(EBUSY, "EBUSY", "Device or resource busy");
        e(EEXIST, "EEXIST", "File exists");
        e(EXDEV, "EXDEV", "Invalid cross-device link");
        e(ENODEV, "ENODEV", "No such device");
        e(ENOTDIR, "ENOTDIR", "Not a directory");
        e(EISDIR, "EISDIR", "Is a directory");
        e(EINVAL, "EINVAL", "Invalid argument");
        e(ENFILE, "ENFILE", "Too many open files in system");
        e(EMFILE, "EMFILE", "Too many open files");
        e(ENOTTY, "ENOTTY", "Inappropriate ioctl for device");
        e(ETXTBSY, "ETXTBSY", "Text file busy");
        e(EFBIG, "EFBIG", "File too large");
        e(ENOSPC, "ENOSPC", "No space left on device");
        e(ESPIPE, "ESPIPE", "Illegal seek");
        e(EROFS, "EROFS", "Read-only file system");
        e(EMLINK, "EMLINK", "Too many links");
        e(EPIPE, "EPIPE", "Broken pipe");
        e(EDOM, "EDOM", "Numerical argument out of domain");
        e(ERANGE, "ERANGE", "Numerical result out of range");
        e(EDEADLK, "EDEADLK", "Resource deadlock avoided");
        e(ENAMETOOLONG, "ENAMETOOLONG", "File name too long");
        e(ENOLCK, "ENOLCK", "No locks available");
        e(ENOSYS, "ENOSYS", "Function not implemented");
        e(ENOTEMPTY, "ENOTEMPTY", "Directory not empty");
        e(ELOOP, "ELOOP", "Too many levels of symbolic links");
        e(ENODATA, "ENODATA", "No data available");
        e(ETIME, "ETIME", "Timer expired");
        e(ENOLINK, "ENOLINK", "Link has been severed");
        e(EBADMSG, "EBADMSG", "Bad message");
        e(EOVERFLOW, "EOVERFLOW", "Value too large for defined data type");
        e(EILSEQ, "EILSEQ", "Invalid or incomplete multibyte or wide character");
        e(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported");
        e(ETIMEDOUT, "ETIMEDOUT", "Connection timed out");
        e(ESTALE, "ESTALE", "Stale file handle");
        e(EUCLEAN, "EUCLEAN", "Structure needs cleaning");
        e(EREMOTEIO, "EREMOTEIO", "Remote I/O error");
        e(EDQUOT, "EDQUOT", "Disk quota exceeded");
        e(ENOMEDIUM, "ENOMEDIUM", "No medium found");
        e(ECANCELED, "ECANCELED", "Operation canceled");
    }

    /** "ENOENT" for 2 or -2; {@code E<n>} for a number not in the table. */
    public static String name(long err) {
        int e = (int) Math.abs(err);
        String[] entry = TABLE.get(e);
        return entry != null ? entry[0] : "E" + e;
    }

    /** The fixed English text of 2 or -2, "No such file or directory"; null if not in the table. */
    public static String text(long err) {
        String[] entry = TABLE.get((int) Math.abs(err));
        return entry != null ? entry[1] : null;
    }

    /** "No such file or directory (ENOENT)" for 2 or -2: how the tools print an errno. */
    public static String describe(long err) {
        String t = text(err);
        return (t != null ? t : "error " + Math.abs(err)) + " (" + name(err) + ")";
    }
}
