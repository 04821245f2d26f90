package org.faultline.fs.ext4;

/**
 * What {@code stat(2)} reports for an ext4 inode, decoded from {@link Ext4InodeRaw}.
 *
 * @param ino        inode number
 * @param mode       {@code i_mode} (type and permission bits)
 * @param links      {@code i_links_count}
 * @param uid        owner
 * @param gid        group
 * @param size       {@code i_size}
 * @param blocks512  {@code i_blocks}: 512-byte units allocated, including extent tree blocks
 * @param atime      access time, seconds
 * @param mtime      modification time, seconds
 * @param ctime      change time, seconds
 * @param flags      {@code i_flags}
 * @param generation {@code i_generation}
 */
public record Ext4Stat(long ino, int mode, int links, int uid, int gid, long size, long blocks512,
                       long atime, long mtime, long ctime, int flags, long generation) {

    /** @return whether this is a directory */
    public boolean isDir() {
        return InodeDescriptor.isDir(mode);
    }

    /** @return whether this is a regular file */
    public boolean isReg() {
        return InodeDescriptor.isReg(mode);
    }

    /** @return whether this is a symbolic link */
    public boolean isSymlink() {
        return InodeDescriptor.isLnk(mode);
    }

    static Ext4Stat of(long ino, Ext4InodeRaw in) {
        return new Ext4Stat(ino, in.mode(), in.linksCount(), in.uid(), in.gid(), in.size(), in.blocks512(),
                in.atime(), in.mtime(), in.ctime(), in.flags(), in.generation());
    }
}
