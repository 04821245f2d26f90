package org.faultline.fs;

/**
 * {@code struct iattr} (include/linux/fs.h): what {@code notify_change()} asks {@code ->setattr()} to
 * change besides a size — each field is asked for when it is not {@link #UNSET} (the kernel's
 * {@code ia_valid} bits ATTR_MODE, ATTR_UID, ATTR_GID, ATTR_ATIME_SET, ATTR_MTIME_SET).
 *
 * @param mode    permission bits (07777)
 * @param uid     new owner
 * @param gid     new group
 * @param atimeNs access time, nanoseconds since the epoch, {@link #TIME_NOW} (ATTR_ATIME without
 *                _SET: utimensat's UTIME_NOW) or {@link #TIME_UNSET}
 * @param mtimeNs modification time, likewise
 */
public record Iattr(int mode, int uid, int gid, long atimeNs, long mtimeNs) {
    /** A mode, owner or group not asked for. */
    public static final int UNSET = -1;
    /** A time not asked for. */
    public static final long TIME_UNSET = Long.MIN_VALUE;
    /** A time asked to be the current time. */
    public static final long TIME_NOW = Long.MIN_VALUE + 1;

    /** ATTR_MODE. */
    public static Iattr mode(int mode) {
        return new Iattr(mode & 07777, UNSET, UNSET, TIME_UNSET, TIME_UNSET);
    }

    /** ATTR_UID and/or ATTR_GID ({@link #UNSET} for the one not changed). */
    public static Iattr owner(int uid, int gid) {
        return new Iattr(UNSET, uid, gid, TIME_UNSET, TIME_UNSET);
    }

    /** ATTR_ATIME[_SET] and/or ATTR_MTIME[_SET]: each a time, {@link #TIME_NOW} or {@link #TIME_UNSET}. */
    public static Iattr times(long atimeNs, long mtimeNs) {
        return new Iattr(UNSET, UNSET, UNSET, atimeNs, mtimeNs);
    }

    /** The same change, with the permission bits {@code m} as well (notify_change's ATTR_KILL_SUID...). */
    public Iattr withMode(int m) {
        return new Iattr(m & 07777, uid, gid, atimeNs, mtimeNs);
    }

    public boolean setsMode() {
        return mode != UNSET;
    }

    public boolean setsOwner() {
        return uid != UNSET || gid != UNSET;
    }

    public boolean setsTimes() {
        return atimeNs != TIME_UNSET || mtimeNs != TIME_UNSET;
    }

    /** Whether a time is set to a given value (ATTR_[AM]TIME_SET), which only the owner may do. */
    public boolean setsExplicitTime() {
        return atimeNs != TIME_UNSET && atimeNs != TIME_NOW || mtimeNs != TIME_UNSET && mtimeNs != TIME_NOW;
    }
}
