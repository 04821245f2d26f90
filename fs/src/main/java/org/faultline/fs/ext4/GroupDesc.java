package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.GroupDescDescriptor.*;

/**
 * One {@code struct ext4_group_desc} (layout in {@link GroupDescDescriptor}): a copy with typed
 * accessors, 32 bytes, or {@code s_desc_size} bytes with {@code 64bit}, when each count and block
 * number joins its high half ({@code ext4_block_bitmap}, {@code ext4_free_group_clusters} and the
 * other accessors of fs/ext4/super.c). Unknown fields (exclude bitmap, reserved) are kept as read.
 *
 * <p>Not thread-safe (this layer is single-threaded).
 */
public final class GroupDesc {
    private final byte[] raw;
    private final boolean hi;

    /** A zeroed 32-byte descriptor. */
    public GroupDesc() {
        this(EXT4_MIN_DESC_SIZE);
    }

    /** A zeroed descriptor of {@code descSize} bytes (32, or 64 and more with 64bit). */
    public GroupDesc(int descSize) {
        this(new byte[descSize]);
    }

    private GroupDesc(byte[] raw) {
        this.raw = raw;
        this.hi = raw.length >= EXT4_MIN_DESC_SIZE_64BIT;
    }

    /**
     * @param src buffer holding a 32-byte descriptor (a GDT block)
     * @param off offset of the descriptor
     * @return a copy
     */
    public static GroupDesc read(byte[] src, int off) {
        return read(src, off, EXT4_MIN_DESC_SIZE);
    }

    /** A copy of the {@code descSize}-byte descriptor at {@code off} of {@code src}. */
    public static GroupDesc read(byte[] src, int off, int descSize) {
        byte[] r = new byte[descSize];
        System.arraycopy(src, off, r, 0, descSize);
        return new GroupDesc(r);
    }

    /** Writes the descriptor's bytes into {@code dst} at {@code off}. */
    public void writeTo(byte[] dst, int off) {
        System.arraycopy(raw, 0, dst, off, raw.length);
    }

    /** @return the descriptor's size on disk */
    public int size() {
        return raw.length;
    }

    /** @return the raw bytes (for checksums) */
    byte[] raw() {
        return raw;
    }

    /** @return an independent copy */
    public GroupDesc copy() {
        return new GroupDesc(raw.clone());
    }

    private long get32(int lo, int hiOff) {
        return LittleEndian.u32(raw, lo) | (hi ? LittleEndian.u32(raw, hiOff) << 32 : 0);
    }

    private void set32(int lo, int hiOff, long v) {
        LittleEndian.putU32(raw, lo, v & 0xFFFFFFFFL);
        if (hi) {
            LittleEndian.putU32(raw, hiOff, v >>> 32);
        }
    }

    private int get16(int lo, int hiOff) {
        return LittleEndian.u16(raw, lo) | (hi ? LittleEndian.u16(raw, hiOff) << 16 : 0);
    }

    private void set16(int lo, int hiOff, int v) {
        LittleEndian.putU16(raw, lo, v & 0xFFFF);
        if (hi) {
            LittleEndian.putU16(raw, hiOff, v >>> 16);
        }
    }

    public long blockBitmap() {
        return get32(BG_BLOCK_BITMAP_LO, BG_BLOCK_BITMAP_HI);
    }

    public void setBlockBitmap(long b) {
        set32(BG_BLOCK_BITMAP_LO, BG_BLOCK_BITMAP_HI, b);
    }

    public long inodeBitmap() {
        return get32(BG_INODE_BITMAP_LO, BG_INODE_BITMAP_HI);
    }

    public void setInodeBitmap(long b) {
        set32(BG_INODE_BITMAP_LO, BG_INODE_BITMAP_HI, b);
    }

    public long inodeTable() {
        return get32(BG_INODE_TABLE_LO, BG_INODE_TABLE_HI);
    }

    public void setInodeTable(long b) {
        set32(BG_INODE_TABLE_LO, BG_INODE_TABLE_HI, b);
    }

    public int freeBlocksCount() {
        return get16(BG_FREE_BLOCKS_COUNT_LO, BG_FREE_BLOCKS_COUNT_HI);
    }

    public void setFreeBlocksCount(int n) {
        set16(BG_FREE_BLOCKS_COUNT_LO, BG_FREE_BLOCKS_COUNT_HI, n);
    }

    public int freeInodesCount() {
        return get16(BG_FREE_INODES_COUNT_LO, BG_FREE_INODES_COUNT_HI);
    }

    public void setFreeInodesCount(int n) {
        set16(BG_FREE_INODES_COUNT_LO, BG_FREE_INODES_COUNT_HI, n);
    }

    public int usedDirsCount() {
        return get16(BG_USED_DIRS_COUNT_LO, BG_USED_DIRS_COUNT_HI);
    }

    public void setUsedDirsCount(int n) {
        set16(BG_USED_DIRS_COUNT_LO, BG_USED_DIRS_COUNT_HI, n);
    }

    public int flags() {
        return LittleEndian.u16(raw, BG_FLAGS);
    }

    public void setFlags(int f) {
        LittleEndian.putU16(raw, BG_FLAGS, f);
    }

    /** @return whether {@code bg_flags} has {@code flag} */
    public boolean hasFlag(int flag) {
        return (flags() & flag) != 0;
    }

    /** {@code bg_itable_unused}: inodes at the end of the group's table never used (with a descriptor checksum). */
    public int itableUnused() {
        return get16(BG_ITABLE_UNUSED_LO, BG_ITABLE_UNUSED_HI);
    }

    public void setItableUnused(int n) {
        set16(BG_ITABLE_UNUSED_LO, BG_ITABLE_UNUSED_HI, n);
    }

    /** {@code bg_checksum}. */
    public int checksum() {
        return LittleEndian.u16(raw, BG_CHECKSUM);
    }

    public void setChecksum(int c) {
        LittleEndian.putU16(raw, BG_CHECKSUM, c);
    }

    /** The block bitmap's checksum as stored: 16 bits, or 32 with a 64-byte descriptor. */
    public long blockBitmapCsum() {
        return LittleEndian.u16(raw, BG_BLOCK_BITMAP_CSUM_LO)
                | (raw.length >= EXT4_BG_BLOCK_BITMAP_CSUM_HI_END ? (long) LittleEndian.u16(raw, BG_BLOCK_BITMAP_CSUM_HI) << 16 : 0);
    }

    /** {@code ext4_block_bitmap_csum_set}'s store: the low half, and the high half where the descriptor has room. */
    public void setBlockBitmapCsum(int crc) {
        LittleEndian.putU16(raw, BG_BLOCK_BITMAP_CSUM_LO, crc & 0xFFFF);
        if (raw.length >= EXT4_BG_BLOCK_BITMAP_CSUM_HI_END) {
            LittleEndian.putU16(raw, BG_BLOCK_BITMAP_CSUM_HI, crc >>> 16);
        }
    }

    /** The inode bitmap's checksum as stored: 16 bits, or 32 with a 64-byte descriptor. */
    public long inodeBitmapCsum() {
        return LittleEndian.u16(raw, BG_INODE_BITMAP_CSUM_LO)
                | (raw.length >= EXT4_BG_INODE_BITMAP_CSUM_HI_END ? (long) LittleEndian.u16(raw, BG_INODE_BITMAP_CSUM_HI) << 16 : 0);
    }

    /** {@code ext4_inode_bitmap_csum_set}'s store. */
    public void setInodeBitmapCsum(int crc) {
        LittleEndian.putU16(raw, BG_INODE_BITMAP_CSUM_LO, crc & 0xFFFF);
        if (raw.length >= EXT4_BG_INODE_BITMAP_CSUM_HI_END) {
            LittleEndian.putU16(raw, BG_INODE_BITMAP_CSUM_HI, crc >>> 16);
        }
    }

    @Override
    public String toString() {
        return "GroupDesc[bb=" + blockBitmap() + ", ib=" + inodeBitmap() + ", it=" + inodeTable()
                + ", free blocks=" + freeBlocksCount() + ", free inodes=" + freeInodesCount()
                + ", dirs=" + usedDirsCount() + ", flags=0x" + Integer.toHexString(flags())
                + ", itable unused=" + itableUnused() + "]";
    }
}
