package org.faultline.fs;

/** {@code struct kstat}: what stat(2) returns. Times are nanoseconds since the epoch (the machine's wall clock). */
public record Kstat(long ino, int mode, int nlink, int uid, int gid, long size, long blocks, long mtimeNs, long ctimeNs) {
    public boolean isDir() {
        return (mode & Inode.S_IFMT) == Inode.S_IFDIR;
    }

    public boolean isReg() {
        return (mode & Inode.S_IFMT) == Inode.S_IFREG;
    }
}
