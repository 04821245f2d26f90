package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.InodeDescriptor.*;

/**
 * One 256-byte {@code struct ext4_inode} (layout in {@link InodeDescriptor}): a copy of the on-disk
 * bytes with typed accessors. Bytes this layer does not interpret (the {@code i_extra_isize} area of
 * inodes written by other tools, in-inode extended attributes) are written back unchanged.
 *
 * <p>New inodes made here have {@code i_extra_isize = 32} (the kernel's {@code s_want_extra_isize}) and
 * a creation time; timestamps are whole seconds (the {@code _extra} nanosecond fields stay 0).
 *
 * <p>The extent tree root lives in {@link #raw()} at {@link InodeDescriptor#I_BLOCK}; {@link ExtentTree}
 * edits it in place.
 *
 * <p>Not thread-safe (this layer is single-threaded).
 */
public final class Ext4InodeRaw {
    private final byte[] raw;

    /** A zeroed inode. */
    public Ext4InodeRaw() {
        this.raw = new byte[EXT4_INODE_SIZE];
    }

    private Ext4InodeRaw(byte[] raw) {
        this.raw = raw;
    }

    /**
     * @param src buffer holding the inode (an inode-table block)
     * @param off its offset
     * @return a copy
     */
    public static Ext4InodeRaw read(byte[] src, int off) {
        byte[] r = new byte[EXT4_INODE_SIZE];
        System.arraycopy(src, off, r, 0, EXT4_INODE_SIZE);
        return new Ext4InodeRaw(r);
    }

    /** Writes the 256 bytes into {@code dst} at {@code off}. */
    public void writeTo(byte[] dst, int off) {
        System.arraycopy(raw, 0, dst, off, EXT4_INODE_SIZE);
    }

    /** @return the backing array (256 bytes), for in-place edits of {@code i_block} */
    public byte[] raw() {
        return raw;
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

    /** {@code i_extra_isize}. */
    public int extraIsize() {
        return LittleEndian.u16(raw, I_EXTRA_ISIZE);
    }

    public void setExtraIsize(int n) {
        LittleEndian.putU16(raw, I_EXTRA_ISIZE, n);
    }

    /** {@code i_crtime} (only meaningful when {@code i_extra_isize} covers it). */
    public long crtime() {
        return LittleEndian.u32(raw, I_CRTIME);
    }

    public void setCrtime(long t) {
        LittleEndian.putU32(raw, I_CRTIME, t);
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
