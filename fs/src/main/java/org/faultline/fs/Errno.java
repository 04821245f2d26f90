package org.faultline.fs;

/** errno values (include/uapi/asm-generic/errno-base.h), negated as the kernel returns them. */
public final class Errno {
    private Errno() {
    }

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int EOPNOTSUPP = 95;
    public static final int ESTALE = 116;
    /** Structure needs cleaning: ext4's {@code EFSCORRUPTED}, on-disk corruption. */
    public static final int EUCLEAN = 117;

    private static final String[] NAMES = new String[128];

    static {
        NAMES[EPERM] = "EPERM";
        NAMES[ENOENT] = "ENOENT";
        NAMES[EIO] = "EIO";
        NAMES[EBADF] = "EBADF";
        NAMES[ENOMEM] = "ENOMEM";
        NAMES[EACCES] = "EACCES";
        NAMES[EFAULT] = "EFAULT";
        NAMES[EBUSY] = "EBUSY";
        NAMES[EEXIST] = "EEXIST";
        NAMES[EXDEV] = "EXDEV";
        NAMES[ENOTDIR] = "ENOTDIR";
        NAMES[EISDIR] = "EISDIR";
        NAMES[EINVAL] = "EINVAL";
        NAMES[EMFILE] = "EMFILE";
        NAMES[EFBIG] = "EFBIG";
        NAMES[ENOSPC] = "ENOSPC";
        NAMES[ESPIPE] = "ESPIPE";
        NAMES[EROFS] = "EROFS";
        NAMES[ENAMETOOLONG] = "ENAMETOOLONG";
        NAMES[ENOTEMPTY] = "ENOTEMPTY";
        NAMES[EOPNOTSUPP] = "EOPNOTSUPP";
        NAMES[ELOOP] = "ELOOP";
        NAMES[ESTALE] = "ESTALE";
        NAMES[EUCLEAN] = "EUCLEAN";
    }

    /** "ENOENT" for 2 or -2; any other Linux errno by its name too (the host library's table). */
    public static String name(long err) {
        int e = (int) Math.abs(err);
        return e < NAMES.length && NAMES[e] != null ? NAMES[e] : org.faultline.nativeio.ErrnoException.errnoName(e);
    }

    /** "No such file or directory (ENOENT)" for 2 or -2: how the tools print an errno. */
    public static String describe(long err) {
        int e = (int) Math.abs(err);
        return org.faultline.nativeio.ErrnoException.describe(e) + " (" + name(e) + ")";
    }
}
