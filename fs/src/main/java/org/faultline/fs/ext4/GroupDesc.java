package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.GroupDescDescriptor.*;

/**
 * One 32-byte {@code struct ext4_group_desc} (layout in {@link GroupDescDescriptor}): a copy with typed
 * accessors. Unknown fields (exclude bitmap, checksums) are kept as read.
 *
 * <p>Not thread-safe (this layer is single-threaded).
 */
public final class GroupDesc {
    private final byte[] raw;

    /** A zeroed descriptor. */
    public GroupDesc() {
        this.raw = new byte[EXT4_MIN_DESC_SIZE];
    }

    private GroupDesc(byte[] raw) {
        this.raw = raw;
    }

    /**
     * @param src buffer holding a descriptor (a GDT block)
     * @param off offset of the descriptor
     * @return a copy
     */
    public static GroupDesc read(byte[] src, int off) {
        byte[] r = new byte[EXT4_MIN_DESC_SIZE];
        System.arraycopy(src, off, r, 0, EXT4_MIN_DESC_SIZE);
        return new GroupDesc(r);
    }

    /** Writes the 32 bytes into {@code dst} at {@code off}. */
    public void writeTo(byte[] dst, int off) {
        System.arraycopy(raw, 0, dst, off, EXT4_MIN_DESC_SIZE);
    }

    public long blockBitmap() {
        return LittleEndian.u32(raw, BG_BLOCK_BITMAP_LO);
    }

    public void setBlockBitmap(long b) {
        LittleEndian.putU32(raw, BG_BLOCK_BITMAP_LO, b);
    }

    public long inodeBitmap() {
        return LittleEndian.u32(raw, BG_INODE_BITMAP_LO);
    }

    public void setInodeBitmap(long b) {
        LittleEndian.putU32(raw, BG_INODE_BITMAP_LO, b);
    }

    public long inodeTable() {
        return LittleEndian.u32(raw, BG_INODE_TABLE_LO);
    }

    public void setInodeTable(long b) {
        LittleEndian.putU32(raw, BG_INODE_TABLE_LO, b);
    }

    public int freeBlocksCount() {
        return LittleEndian.u16(raw, BG_FREE_BLOCKS_COUNT_LO);
    }

    public void setFreeBlocksCount(int n) {
        LittleEndian.putU16(raw, BG_FREE_BLOCKS_COUNT_LO, n);
    }

    public int freeInodesCount() {
        return LittleEndian.u16(raw, BG_FREE_INODES_COUNT_LO);
    }

    public void setFreeInodesCount(int n) {
        LittleEndian.putU16(raw, BG_FREE_INODES_COUNT_LO, n);
    }

    public int usedDirsCount() {
        return LittleEndian.u16(raw, BG_USED_DIRS_COUNT_LO);
    }

    public void setUsedDirsCount(int n) {
        LittleEndian.putU16(raw, BG_USED_DIRS_COUNT_LO, n);
    }

    public int flags() {
        return LittleEndian.u16(raw, BG_FLAGS);
    }

    public void setFlags(int f) {
        LittleEndian.putU16(raw, BG_FLAGS, f);
    }

    public int itableUnused() {
        return LittleEndian.u16(raw, BG_ITABLE_UNUSED_LO);
    }

    @Override
    public String toString() {
        return "GroupDesc[bb=" + blockBitmap() + ", ib=" + inodeBitmap() + ", it=" + inodeTable()
                + ", free blocks=" + freeBlocksCount() + ", free inodes=" + freeInodesCount()
                + ", dirs=" + usedDirsCount() + ", flags=0x" + Integer.toHexString(flags()) + "]";
    }
}
