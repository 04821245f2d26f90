package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.InodeDescriptor.*;

/**
 * One {@code struct ext4_inode} of {@code s_inode_size} bytes (layout in {@link InodeDescriptor}): a
 * copy of the on-disk bytes with typed accessors. A 128-byte inode ({@code EXT4_GOOD_OLD_INODE_SIZE})
 * has only the fixed part: no {@code i_extra_isize}, {@code i_checksum_hi}, nanoseconds or creation
 * time; larger ones (256, 512, 1024) have the extra fields as far as {@code i_extra_isize} covers them
 * ({@code EXT4_FITS_IN_INODE}). Bytes this layer does not interpret (the extra fields of inodes written by
 * other tools, in-inode extended attributes) are written back unchanged.
 *
 * <p>New inodes made here with room for it have {@code i_extra_isize = 32} (the kernel's
 * {@code s_want_extra_isize}) and a creation time; timestamps are whole seconds (the {@code _extra}
 * nanosecond fields stay 0).
 *
 * <p>The extent tree root lives in {@link #raw()} at {@link InodeDescriptor#I_BLOCK}; {@link ExtentTree}
 * edits it in place.
 *
 * <p>Not thread-safe (this layer is single-threaded).
 */
public final class Ext4InodeRaw {
    private final byte[] raw;

    /**
     * A zeroed inode.
     *
     * @param inodeSize {@code s_inode_size}: 128, 256, 512 or 1024
     */
    public Ext4InodeRaw(int inodeSize) {
        this.raw = new byte[checkSize(inodeSize)];
    }

    private Ext4InodeRaw(byte[] raw) {
        this.raw = raw;
    }

    private static int checkSize(int inodeSize) {
        if (inodeSize < EXT4_GOOD_OLD_INODE_SIZE || Integer.bitCount(inodeSize) != 1) {
            throw new IllegalArgumentException("inode size " + inodeSize);
        }
        return inodeSize;
    }

    /**
     * @param src       buffer holding the inode (an inode-table block)
     * @param off       its offset
     * @param inodeSize {@code s_inode_size}
     * @return a copy of its {@code inodeSize} bytes
     */
    public static Ext4InodeRaw read(byte[] src, int off, int inodeSize) {
        byte[] r = new byte[checkSize(inodeSize)];
        System.arraycopy(src, off, r, 0, inodeSize);
        return new Ext4InodeRaw(r);
    }

    /** Writes the inode's bytes ({@link #inodeSize()} of them) into {@code dst} at {@code off}. */
    public void writeTo(byte[] dst, int off) {
        System.arraycopy(raw, 0, dst, off, raw.length);
    }

    /** @return the backing array ({@link #inodeSize()} bytes), for in-place edits of {@code i_block} */
    public byte[] raw() {
        return raw;
    }

    /** @return the on-disk size of this inode ({@code s_inode_size}) */
    public int inodeSize() {
        return raw.length;
    }

    /**
     * {@code EXT4_FITS_IN_INODE}: whether the extra field ending at byte {@code end} lies inside
     * {@code EXT4_GOOD_OLD_INODE_SIZE + i_extra_isize}.
     */
    public boolean fitsInInode(int end) {
        return end <= EXT4_GOOD_OLD_INODE_SIZE + extraIsize();
    }

    /** Zeroes every byte. */
    public void clear() {
        java.util.Arrays.fill(raw, (byte) 0);
    }

    public int mode() {
        return LittleEndian.u16(raw, I_MODE);
    }

    public void setMode(int m) {
        LittleEndian.putU16(raw, I_MODE, m);
    }

    /** @return the uid, low and high halves combined */
    public int uid() {
        return LittleEndian.u16(raw, I_UID) | (LittleEndian.u16(raw, L_I_UID_HIGH) << 16);
    }

    /** @return the gid, low and high halves combined */
    public int gid() {
        return LittleEndian.u16(raw, I_GID) | (LittleEndian.u16(raw, L_I_GID_HIGH) << 16);
    }

    /** Sets {@code i_uid} and {@code l_i_uid_high} (i_uid_write under ext4_do_update_inode, 32-bit ids). */
    public void setUid(int uid) {
        LittleEndian.putU16(raw, I_UID, uid & 0xFFFF);
        LittleEndian.putU16(raw, L_I_UID_HIGH, uid >>> 16);
    }

    /** Sets {@code i_gid} and {@code l_i_gid_high}. */
    public void setGid(int gid) {
        LittleEndian.putU16(raw, I_GID, gid & 0xFFFF);
        LittleEndian.putU16(raw, L_I_GID_HIGH, gid >>> 16);
    }

    /** @return {@code i_size_lo | i_size_high << 32} */
    public long size() {
        return LittleEndian.u32(raw, I_SIZE_LO) | (LittleEndian.u32(raw, I_SIZE_HIGH) << 32);
    }

    public void setSize(long s) {
        LittleEndian.putU32(raw, I_SIZE_LO, s);
        LittleEndian.putU32(raw, I_SIZE_HIGH, s >>> 32);
    }

    public long atime() {
        return LittleEndian.u32(raw, I_ATIME);
    }

    public void setAtime(long t) {
        LittleEndian.putU32(raw, I_ATIME, t);
    }

    public long ctime() {
        return LittleEndian.u32(raw, I_CTIME);
    }

    public void setCtime(long t) {
        LittleEndian.putU32(raw, I_CTIME, t);
    }

    public long mtime() {
        return LittleEndian.u32(raw, I_MTIME);
    }

    public void setMtime(long t) {
        LittleEndian.putU32(raw, I_MTIME, t);
    }

    public long dtime() {
        return LittleEndian.u32(raw, I_DTIME);
    }

    public void setDtime(long t) {
        LittleEndian.putU32(raw, I_DTIME, t);
    }

    public int linksCount() {
        return LittleEndian.u16(raw, I_LINKS_COUNT);
    }

    public void setLinksCount(int n) {
        LittleEndian.putU16(raw, I_LINKS_COUNT, n);
    }

    /** @return {@code i_blocks_lo}: 512-byte units (huge_file is off, so the high half is unused) */
    public long blocks512() {
        return LittleEndian.u32(raw, I_BLOCKS_LO);
    }

    public void setBlocks512(long n) {
        LittleEndian.putU32(raw, I_BLOCKS_LO, n);
    }

    public int flags() {
        return LittleEndian.i32(raw, I_FLAGS);
    }

    public void setFlags(int f) {
        LittleEndian.putU32(raw, I_FLAGS, f);
    }

    public boolean hasFlag(int f) {
        return (flags() & f) != 0;
    }

    /** {@code i_extra_isize}; 0 for a 128-byte inode, which has none. */
    public int extraIsize() {
        return raw.length > EXT4_GOOD_OLD_INODE_SIZE ? LittleEndian.u16(raw, I_EXTRA_ISIZE) : 0;
    }

    /**
     * Sets {@code i_extra_isize}.
     *
     * @throws IllegalStateException on a 128-byte inode
     */
    public void setExtraIsize(int n) {
        if (raw.length <= EXT4_GOOD_OLD_INODE_SIZE) {
            throw new IllegalStateException("a " + raw.length + "-byte inode has no i_extra_isize");
        }
        LittleEndian.putU16(raw, I_EXTRA_ISIZE, n);
    }

    /** {@code i_crtime}, or 0 when {@code i_extra_isize} does not cover it. */
    public long crtime() {
        return fitsInInode(I_CRTIME + 4) ? LittleEndian.u32(raw, I_CRTIME) : 0;
    }

    /** Sets {@code i_crtime} if {@code i_extra_isize} covers it (as {@code EXT4_EINODE_SET_XTIME}). */
    public void setCrtime(long t) {
        if (fitsInInode(I_CRTIME + 4)) {
            LittleEndian.putU32(raw, I_CRTIME, t);
        }
    }

    public long generation() {
        return LittleEndian.u32(raw, I_GENERATION);
    }

    public void setGeneration(long g) {
        LittleEndian.putU32(raw, I_GENERATION, g);
    }

    /** @return the extended-attribute block ({@code i_file_acl_lo | l_i_file_acl_high << 32}) */
    public long fileAcl() {
        return LittleEndian.u32(raw, I_FILE_ACL_LO) | ((long) LittleEndian.u16(raw, L_I_FILE_ACL_HIGH) << 32);
    }

    public void setFileAcl(long b) {
        LittleEndian.putU32(raw, I_FILE_ACL_LO, b);
        LittleEndian.putU16(raw, L_I_FILE_ACL_HIGH, (int) (b >>> 32));
    }

    public boolean isDir() {
        return InodeDescriptor.isDir(mode());
    }

    public boolean isReg() {
        return InodeDescriptor.isReg(mode());
    }

    public boolean isLnk() {
        return InodeDescriptor.isLnk(mode());
    }

    /**
     * Whether this is a fast symlink: the target lives in {@code i_block} itself (no extents, no
     * blocks).
     */
    public boolean isFastSymlink() {
        return isLnk() && !hasFlag(EXT4_EXTENTS_FL) && !hasFlag(EXT4_INLINE_DATA_FL)
                && size() > 0 && size() < I_BLOCK_SIZE;
    }

    @Override
    public String toString() {
        return String.format("Ext4InodeRaw[mode=0%o, links=%d, size=%d, blocks=%d, flags=0x%x]",
                mode(), linksCount(), size(), blocks512(), flags());
    }
}
