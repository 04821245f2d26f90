package org.faultline.tools.fuzz;

import java.util.Locale;

/**
 * One generated statement of a single-task workload, with the fields {@link Model} needs to decide
 * whether it is valid where it stands (handles open, mappings mapped, paths existing, accesses inside
 * the file). {@link #text()} is the statement in the public workload format (docs/workloads.md).
 *
 * <p>Fields not used by a kind are null / 0 / false. {@code expect} is the errno list of an
 * {@code expect-error} wrapper ({@code "ENOSPC|ok"}), or null.
 *
 * @param kind   what it does
 * @param h      handle
 * @param m      mapping (the mapping of mmap/anon/store/load/msync/munmap; the {@code from}/{@code into} mapping);
 *               the attribute name of setxattr/getxattr/removexattr
 * @param path   path (open, mkdir, rmdir, unlink, stat, chmod, chown, rename's and link's source, symlink's
 *               new name)
 * @param path2  rename's and link's target
 * @param off    file offset (or mapping offset for store/load; mmap's file offset; chown's UID, -1 unchanged)
 * @param len    length (truncate: the new size; chown's GID, -1 unchanged)
 * @param moff   offset in the {@code from}/{@code into} mapping, -1 for none
 * @param bits   open flags ({@link #O_CREATE}...), fallocate mode ({@link #FL_KEEP}...), mmap
 *               ({@link #MAP_SHARED}, {@link #MAP_RW}), msync/anon ({@link #ASYNC}, {@link #NOTOUCH}),
 *               chmod's mode
 * @param data   DATA of a write or store ({@code seed=N}, {@code byte=B}, {@code zero}); a symlink's target
 *               (taken as written: a task's prefix is not put before it)
 * @param expect the expect-error alternatives, or null
 */
public record Op(Kind kind, String h, String m, String path, String path2, long off, long len, long moff, int bits,
                 String data, String expect, int task) {

    /** A statement of the first (or only) task. */
    public Op(Kind kind, String h, String m, String path, String path2, long off, long len, long moff, int bits,
              String data, String expect) {
        this(kind, h, m, path, path2, off, len, moff, bits, data, expect, 0);
    }

    /** This statement in task {@code t} (0-based), with {@code prefix} before its paths. */
    Op inTask(int t, String prefix) {
        return new Op(kind, h, m, under(prefix, path), under(prefix, path2), off, len, moff, bits, data, expect, t);
    }

    private static String under(String prefix, String p) {
        if (p == null) {
            return null;
        }
        return p.equals("/") || p.equals("/lost+found") ? prefix : prefix + p; // the task's root stands for both
    }

    /** Statement kinds. */
    public enum Kind {
        OPEN, CLOSE, WRITE, WRITE_UNCHECKED, READ, TRUNCATE, FALLOCATE, MMAP, ANON, STORE, LOAD, MSYNC, MUNMAP,
        FSYNC, FDATASYNC, SYNC, MKDIR, RMDIR, UNLINK, RENAME, STAT, DROP_CACHES,
        /** {@code link FROM TO}: a second name for a regular file (or a symbolic link: link(2) does not follow). */
        LINK,
        /** {@code symlink TARGET PATH}: a symbolic link; later statements only unlink, rename or link it. */
        SYMLINK,
        /** {@code chmod PATH MODE} of a file or directory. */
        CHMOD,
        /** {@code chown PATH UID GID} of a file or directory. */
        CHOWN,
        /**
         * {@code setxattr PATH NAME LEN DATA [create|replace]} of a file or directory: NAME in {@code m},
         * the value's length in {@code len}, its bytes in {@code data}, {@link #XATTR_CREATE} or
         * {@link #XATTR_REPLACE} in {@code bits}.
         */
        SETXATTR,
        /** {@code getxattr PATH NAME} (NAME in {@code m}): the value compared. */
        GETXATTR,
        /** {@code removexattr PATH NAME} (NAME in {@code m}). */
        REMOVEXATTR,
        /** {@code barrier NAME} (NAME in {@code h}): multi-task sequences only. */
        BARRIER
    }

    public static final int O_CREATE = 1;
    public static final int O_EXCL = 2;
    public static final int O_TRUNC = 4;
    public static final int O_APPEND = 8;
    public static final int O_RDONLY = 16;
    public static final int O_WRONLY = 32;
    public static final int O_DIRECT = 64;

    public static final int FL_KEEP = 1;
    public static final int FL_PUNCH = 2;
    public static final int FL_ZERO = 4;

    public static final int MAP_SHARED = 1;
    public static final int MAP_RW = 2;

    /**
     * The shortest symlink target ext4 keeps in a block of its own (ext4_symlink: a target whose length
     * with its NUL exceeds {@code i_block}'s 60 bytes); a shorter one lives in the inode (a fast symlink).
     */
    static final int SLOW_SYMLINK_MIN = 60;

    public static final int XATTR_CREATE = 1;
    public static final int XATTR_REPLACE = 2;

    public static final int ASYNC = 1;
    public static final int NOTOUCH = 2;

    static Op of(Kind kind) {
        return new Op(kind, null, null, null, null, 0, 0, -1, 0, null, null);
    }

    /** The statement, as a workload line (without indentation). */
    public String text() {
        String s = bare();
        return expect == null ? s : "expect-error " + s + " " + expect;
    }

    private String bare() {
        return switch (kind) {
            case OPEN -> "open " + h + " " + path + openFlags();
            case CLOSE -> "close " + h;
            case WRITE, WRITE_UNCHECKED -> (kind == Kind.WRITE ? "write " : "write-unchecked ") + h + " " + off + " " + len
                    + (m != null ? " from " + m + "+" + moff : " " + data);
            case READ -> "read " + h + " " + off + " " + len + (m != null ? " into " + m + "+" + moff : "");
            case TRUNCATE -> "truncate " + h + " " + len;
            case FALLOCATE -> "fallocate " + h + " " + off + " " + len + ((bits & FL_KEEP) != 0 ? " keep-size" : "")
                    + ((bits & FL_PUNCH) != 0 ? " punch" : "") + ((bits & FL_ZERO) != 0 ? " zero-range" : "");
            case MMAP -> "mmap " + m + " " + h + " " + off + " " + len + ((bits & MAP_SHARED) != 0 ? " shared" : " private")
                    + ((bits & MAP_RW) != 0 ? " rw" : " ro");
            case ANON -> "anon " + m + " " + len + ((bits & NOTOUCH) != 0 ? " notouch" : "");
            case STORE -> "store " + m + " " + off + " " + len + " " + data;
            case LOAD -> "load " + m + " " + off + " " + len;
            case MSYNC -> "msync " + m + ((bits & ASYNC) != 0 ? " async" : "");
            case MUNMAP -> "munmap " + m;
            case FSYNC -> "fsync " + h;
            case FDATASYNC -> "fdatasync " + h;
            case SYNC -> "sync";
            case MKDIR -> "mkdir " + path;
            case RMDIR -> "rmdir " + path;
            case UNLINK -> "unlink " + path;
            case RENAME -> "rename " + path + " " + path2;
            case STAT -> "stat " + path;
            case DROP_CACHES -> "drop-caches";
            case LINK -> "link " + path + " " + path2;
            case SYMLINK -> "symlink " + data + " " + path;
            case CHMOD -> "chmod " + path + " " + String.format(Locale.ROOT, "%04o", bits);
            case CHOWN -> "chown " + path + " " + off + " " + len;
            case SETXATTR -> "setxattr " + path + " " + m + " " + len + " " + data
                    + ((bits & XATTR_CREATE) != 0 ? " create" : (bits & XATTR_REPLACE) != 0 ? " replace" : "");
            case GETXATTR -> "getxattr " + path + " " + m;
            case REMOVEXATTR -> "removexattr " + path + " " + m;
            case BARRIER -> "barrier " + h;
        };
    }

    private String openFlags() {
        StringBuilder sb = new StringBuilder();
        if ((bits & O_CREATE) != 0) {
            sb.append(" create");
        }
        if ((bits & O_EXCL) != 0) {
            sb.append(" excl");
        }
        if ((bits & O_TRUNC) != 0) {
            sb.append(" trunc");
        }
        if ((bits & O_APPEND) != 0) {
            sb.append(" append");
        }
        sb.append((bits & O_RDONLY) != 0 ? " rdonly" : (bits & O_WRONLY) != 0 ? " wronly" : " rdwr");
        if ((bits & O_DIRECT) != 0) {
            sb.append(" direct");
        }
        return sb.toString();
    }

    /** A short name of the statement's kind and variant, for summaries ("fallocate-punch", "read-direct-into"). */
    String shape(boolean directHandle) {
        String k = kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (kind) {
            case FALLOCATE -> k + ((bits & FL_PUNCH) != 0 ? "-punch" : (bits & FL_ZERO) != 0 ? "-zero" : (bits & FL_KEEP) != 0 ? "-keep" : "");
            case WRITE, READ -> k + (directHandle ? "-direct" : "") + (m != null ? (kind == Kind.WRITE ? "-from" : "-into") : "");
            case MMAP -> k + ((bits & MAP_SHARED) != 0 ? "-shared" : "-private");
            case SYMLINK -> k + (data.length() >= SLOW_SYMLINK_MIN ? "-slow" : "");
            case CHMOD -> k + ((bits & 07000) != 0 ? "-special" : "");
            case SETXATTR -> k + ((bits & XATTR_CREATE) != 0 ? "-create" : (bits & XATTR_REPLACE) != 0 ? "-replace" : "")
                    + (len > 1024 ? "-big" : "");
            default -> k;
        };
    }

    @Override
    public String toString() {
        return text();
    }
}
