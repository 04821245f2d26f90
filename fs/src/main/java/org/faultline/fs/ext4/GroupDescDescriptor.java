package org.faultline.fs.ext4;

/**
 * Offsets of {@code struct ext4_group_desc}: 32 bytes without the {@code 64bit} feature,
 * {@code s_desc_size} (64) with it, the second half holding the high halves. The group descriptor
 * table (GDT) starts at block {@code s_first_data_block + 1} and holds one descriptor per group,
 * {@code blocksize / desc_size} per block.
 *
 * <pre>
 *  off  size  field
 * 0x00   4   bg_block_bitmap_lo        block number of the block bitmap
 * 0x04   4   bg_inode_bitmap_lo        block number of the inode bitmap
 * 0x08   4   bg_inode_table_lo         first block of the inode table
 * 0x0C   2   bg_free_blocks_count_lo
 * 0x0E   2   bg_free_inodes_count_lo
 * 0x10   2   bg_used_dirs_count_lo
 * 0x12   2   bg_flags                  EXT4_BG_INODE_UNINIT | EXT4_BG_BLOCK_UNINIT | EXT4_BG_INODE_ZEROED
 * 0x14   4   bg_exclude_bitmap_lo
 * 0x18   2   bg_block_bitmap_csum_lo
 * 0x1A   2   bg_inode_bitmap_csum_lo
 * 0x1C   2   bg_itable_unused_lo
 * 0x1E   2   bg_checksum               crc16 with gdt_csum (uninit_bg), low 16 bits of crc32c with
 *                                       metadata_csum
 * 0x20   4   bg_block_bitmap_hi        (64bit only, from here on)
 * 0x24   4   bg_inode_bitmap_hi
 * 0x28   4   bg_inode_table_hi
 * 0x2C   2   bg_free_blocks_count_hi
 * 0x2E   2   bg_free_inodes_count_hi
 * 0x30   2   bg_used_dirs_count_hi
 * 0x32   2   bg_itable_unused_hi
 * 0x34   4   bg_exclude_bitmap_hi
 * 0x38   2   bg_block_bitmap_csum_hi
 * 0x3A   2   bg_inode_bitmap_csum_hi
 * 0x3C   4   bg_reserved
 * 0x40       (end of EXT4_DESC_SIZE_64BIT)
 * </pre>
 */
public final class GroupDescDescriptor {
    private GroupDescDescriptor() {
    }

    /** {@code EXT4_MIN_DESC_SIZE}: the descriptor size without 64bit. */
    public static final int EXT4_MIN_DESC_SIZE = 32;
    /** {@code EXT4_MIN_DESC_SIZE_64BIT}: the smallest descriptor with 64bit. */
    public static final int EXT4_MIN_DESC_SIZE_64BIT = 64;
    /** {@code EXT4_MAX_DESC_SIZE}. */
    public static final int EXT4_MAX_DESC_SIZE = 1024;

    public static final int BG_BLOCK_BITMAP_LO = 0x00;
    public static final int BG_INODE_BITMAP_LO = 0x04;
    public static final int BG_INODE_TABLE_LO = 0x08;
    public static final int BG_FREE_BLOCKS_COUNT_LO = 0x0C;
    public static final int BG_FREE_INODES_COUNT_LO = 0x0E;
    public static final int BG_USED_DIRS_COUNT_LO = 0x10;
    public static final int BG_FLAGS = 0x12;
    public static final int BG_EXCLUDE_BITMAP_LO = 0x14;
    public static final int BG_BLOCK_BITMAP_CSUM_LO = 0x18;
    public static final int BG_INODE_BITMAP_CSUM_LO = 0x1A;
    public static final int BG_ITABLE_UNUSED_LO = 0x1C;
    public static final int BG_CHECKSUM = 0x1E;
    public static final int BG_BLOCK_BITMAP_HI = 0x20;
    public static final int BG_INODE_BITMAP_HI = 0x24;
    public static final int BG_INODE_TABLE_HI = 0x28;
    public static final int BG_FREE_BLOCKS_COUNT_HI = 0x2C;
    public static final int BG_FREE_INODES_COUNT_HI = 0x2E;
    public static final int BG_USED_DIRS_COUNT_HI = 0x30;
    public static final int BG_ITABLE_UNUSED_HI = 0x32;
    public static final int BG_EXCLUDE_BITMAP_HI = 0x34;
    public static final int BG_BLOCK_BITMAP_CSUM_HI = 0x38;
    public static final int BG_INODE_BITMAP_CSUM_HI = 0x3A;
    /** {@code EXT4_BG_BLOCK_BITMAP_CSUM_HI_END}: a descriptor this long holds the bitmap checksums' high halves. */
    public static final int EXT4_BG_BLOCK_BITMAP_CSUM_HI_END = 0x3A;
    /** {@code EXT4_BG_INODE_BITMAP_CSUM_HI_END}. */
    public static final int EXT4_BG_INODE_BITMAP_CSUM_HI_END = 0x3C;

    /** {@code bg_flags}: inode table and bitmap not initialized (only with a gdt checksum). */
    public static final int EXT4_BG_INODE_UNINIT = 0x0001;
    /** {@code bg_flags}: block bitmap not initialized (only with a gdt checksum). */
    public static final int EXT4_BG_BLOCK_UNINIT = 0x0002;
    /** {@code bg_flags}: inode table zeroed. */
    public static final int EXT4_BG_INODE_ZEROED = 0x0004;

    /** @return byte offset of group {@code g}'s 32-byte descriptor within its GDT block */
    public static int offsetInBlock(int g, int blockSize) {
        return offsetInBlock(g, blockSize, EXT4_MIN_DESC_SIZE);
    }

    /** @return byte offset of group {@code g}'s descriptor of {@code descSize} bytes within its GDT block */
    public static int offsetInBlock(int g, int blockSize, int descSize) {
        return (g % (blockSize / descSize)) * descSize;
    }

    /** @return index (from the GDT start) of the GDT block holding group {@code g}'s 32-byte descriptor */
    public static int gdtBlockIndex(int g, int blockSize) {
        return gdtBlockIndex(g, blockSize, EXT4_MIN_DESC_SIZE);
    }

    /** @return index (from the GDT start) of the GDT block holding group {@code g}'s descriptor */
    public static int gdtBlockIndex(int g, int blockSize, int descSize) {
        return g / (blockSize / descSize);
    }
}
