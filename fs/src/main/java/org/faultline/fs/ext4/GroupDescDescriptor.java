package org.faultline.fs.ext4;

/**
 * Offsets of {@code struct ext4_group_desc} in its 32-byte form (no {@code 64bit} feature). The group
 * descriptor table (GDT) starts at block {@code s_first_data_block + 1} and holds one descriptor per
 * group, {@code blocksize / 32} per block.
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
 * 0x1E   2   bg_checksum               crc16 with gdt_csum, crc32c with metadata_csum (neither here)
 * 0x20       (end; the _hi halves follow only with 64bit)
 * </pre>
 */
public final class GroupDescDescriptor {
    private GroupDescDescriptor() {
    }

    /** {@code EXT4_MIN_DESC_SIZE}: the descriptor size without 64bit. */
    public static final int EXT4_MIN_DESC_SIZE = 32;

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

    /** {@code bg_flags}: inode table and bitmap not initialized (only with a gdt checksum). */
    public static final int EXT4_BG_INODE_UNINIT = 0x0001;
    /** {@code bg_flags}: block bitmap not initialized (only with a gdt checksum). */
    public static final int EXT4_BG_BLOCK_UNINIT = 0x0002;
    /** {@code bg_flags}: inode table zeroed. */
    public static final int EXT4_BG_INODE_ZEROED = 0x0004;

    /** @return byte offset of group {@code g}'s descriptor within its GDT block */
    public static int offsetInBlock(int g, int blockSize) {
        return (g % (blockSize / EXT4_MIN_DESC_SIZE)) * EXT4_MIN_DESC_SIZE;
    }

    /** @return index (from the GDT start) of the GDT block holding group {@code g}'s descriptor */
    public static int gdtBlockIndex(int g, int blockSize) {
        return g / (blockSize / EXT4_MIN_DESC_SIZE);
    }
}
