package org.faultline.fs.ext4;

/**
 * Offsets of the extent tree structures. A tree node (the 60-byte {@code i_block} root in the inode,
 * or a whole block) is an {@code ext4_extent_header} followed by {@code eh_max} 12-byte entries:
 * {@code ext4_extent_idx} in index nodes ({@code eh_depth > 0}), {@code ext4_extent} in leaves.
 *
 * <pre>
 * ext4_extent_header (12 bytes)        ext4_extent (leaf entry, 12 bytes)
 *  0x0  2  eh_magic  0xF30A             0x0  4  ee_block     first logical block
 *  0x2  2  eh_entries                   0x4  2  ee_len       blocks; &gt; 32768: unwritten,
 *  0x4  2  eh_max                                            length ee_len - 32768
 *  0x6  2  eh_depth  0 = leaf           0x6  2  ee_start_hi  physical block, high 16 bits
 *  0x8  4  eh_generation                0x8  4  ee_start_lo  physical block, low 32 bits
 *
 * ext4_extent_idx (index entry, 12 bytes)
 *  0x0  4  ei_block    first logical block covered by the child (= the child's first key)
 *  0x4  4  ei_leaf_lo  child node block, low 32 bits
 *  0x8  2  ei_leaf_hi  child node block, high 16 bits
 *  0xA  2  ei_unused
 *
 * node in i_block (60 bytes): header + 4 entries        eh_max = 4
 * node in a 4 KiB block:      header + 340 entries + 4  eh_max = 340 (the last 4 bytes would hold
 *                                                       ext4_extent_tail with metadata_csum)
 * </pre>
 */
public final class ExtentDescriptor {
    private ExtentDescriptor() {
    }

    /** {@code EXT4_EXT_MAGIC}. */
    public static final int EXT4_EXT_MAGIC = 0xF30A;
    /** {@code EXT_INIT_MAX_LEN}: longest initialized extent. */
    public static final int EXT_INIT_MAX_LEN = 1 << 15;
    /** {@code EXT_UNWRITTEN_MAX_LEN}: longest unwritten extent. */
    public static final int EXT_UNWRITTEN_MAX_LEN = EXT_INIT_MAX_LEN - 1;
    /** {@code EXT_MAX_BLOCKS}: logical blocks are 32-bit; this is one past the last. */
    public static final long EXT_MAX_BLOCKS = 0xFFFFFFFFL;
    /** {@code EXT4_MAX_EXTENT_DEPTH}. */
    public static final int EXT4_MAX_EXTENT_DEPTH = 5;

    /** Size of the header and of each entry. */
    public static final int ENTRY_SIZE = 12;
    public static final int HEADER_SIZE = 12;

    public static final int EH_MAGIC = 0x0;
    public static final int EH_ENTRIES = 0x2;
    public static final int EH_MAX = 0x4;
    public static final int EH_DEPTH = 0x6;
    public static final int EH_GENERATION = 0x8;

    public static final int EE_BLOCK = 0x0;
    public static final int EE_LEN = 0x4;
    public static final int EE_START_HI = 0x6;
    public static final int EE_START_LO = 0x8;

    public static final int EI_BLOCK = 0x0;
    public static final int EI_LEAF_LO = 0x4;
    public static final int EI_LEAF_HI = 0x8;
    public static final int EI_UNUSED = 0xA;

    /** {@code eh_max} of the root in {@code i_block}: (60 - 12) / 12. */
    public static final int ROOT_MAX = (InodeDescriptor.I_BLOCK_SIZE - HEADER_SIZE) / ENTRY_SIZE;

    /** @return {@code eh_max} of a node filling a block of {@code blockSize} bytes */
    public static int blockMax(int blockSize) {
        return (blockSize - HEADER_SIZE) / ENTRY_SIZE;
    }

    /** @return offset of entry {@code i} of the node whose header is at {@code base} */
    public static int entry(int base, int i) {
        return base + HEADER_SIZE + i * ENTRY_SIZE;
    }
}
