package org.faultline.fs.ext4;

/**
 * Offsets of the hash tree ({@code dir_index}, "htree") structures of an indexed directory
 * ({@code EXT4_INDEX_FL}), as fs/ext4/namei.c lays them out. Block 0 of the directory is the root,
 * {@code struct dx_root}; further index blocks are {@code struct dx_node}s; every other block is an
 * ordinary leaf of {@code ext4_dir_entry_2}s ({@link DirEntryDescriptor}). Both index structures
 * start like directory entries, so a kernel that reads the directory linearly sees {@code .},
 * {@code ..} and empty entries.
 *
 * <pre>
 * dx_root (block 0)                          dx_node (other index blocks)
 *  0x00  12  "." (fake_dirent: inode,         0x00   8  fake_dirent: inode 0, rec_len = block
 *            rec_len 12, name_len 1, type)               size, name_len 0, file_type 0
 *  0x0C  12  ".." (rec_len = block size - 12) 0x08      dx_countlimit + dx_entry[limit - 1]
 *  0x18   8  dx_root_info:
 *            0x18 4 reserved_zero
 *            0x1C 1 hash_version   DX_HASH_*
 *            0x1D 1 info_length    8
 *            0x1E 1 indirect_levels 0: the root points at leaves
 *            0x1F 1 unused_flags   bit 0 set: refused
 *  0x20      dx_countlimit + dx_entry[limit - 1]
 *
 * dx_entry (8 bytes)                         dx_countlimit (overlays entry 0's hash)
 *  0x0  4  hash    lowest hash of the child   0x0  2  limit  entries the block can hold
 *               (bit 0: continues a collision  0x2  2  count  entries in use (entry 0 included)
 *               from the previous child)
 *  0x4  4  block   logical block of the child (low 28 bits); entry 0's hash is implicit
 *
 * dx_tail (metadata_csum: right after limit entries, so limit is one entry smaller)
 *  0x0  4  dt_reserved
 *  0x4  4  dt_checksum  crc32c(inode seed, block[0, count_offset + count * 8), dt_reserved, 0)
 * </pre>
 *
 * <p>Entries are sorted by hash; a lookup follows the last entry whose hash is not above the name's.
 * A 4 KiB root holds 508 entries (507 with metadata_csum), a node 511 (510).
 */
public final class DxDescriptor {
    private DxDescriptor() {
    }

    /** {@code struct fake_dirent}: the entry header of "." and ".." in the root, of the node's filler. */
    public static final int FAKE_DIRENT_SIZE = 8;
    public static final int DOT = 0x00;
    public static final int DOTDOT = 0x0C;

    /** {@code struct dx_root_info}. */
    public static final int INFO = 0x18;
    public static final int INFO_RESERVED_ZERO = 0x18;
    public static final int INFO_HASH_VERSION = 0x1C;
    public static final int INFO_INFO_LENGTH = 0x1D;
    public static final int INFO_INDIRECT_LEVELS = 0x1E;
    public static final int INFO_UNUSED_FLAGS = 0x1F;
    /** {@code sizeof(struct dx_root_info)}: what {@code info_length} must hold. */
    public static final int DX_ROOT_INFO_SIZE = 8;
    /** Where the root's entries start ({@code &root->info + info_length} with info_length 8). */
    public static final int ROOT_ENTRIES = INFO + DX_ROOT_INFO_SIZE;
    /** Where a node's entries start (after its fake dirent). */
    public static final int NODE_ENTRIES = FAKE_DIRENT_SIZE;

    /** {@code struct dx_countlimit}, relative to the first entry. */
    public static final int LIMIT = 0x0;
    public static final int COUNT = 0x2;

    /** {@code struct dx_entry}. */
    public static final int DX_ENTRY_SIZE = 8;
    public static final int DX_HASH = 0x0;
    public static final int DX_BLOCK = 0x4;
    /** {@code dx_get_block}: the high four bits of {@code block} are reserved. */
    public static final long DX_BLOCK_MASK = 0x0FFFFFFFL;

    /** {@code sizeof(struct dx_tail)}. */
    public static final int DX_TAIL_SIZE = 8;
    public static final int DT_RESERVED = 0x0;
    public static final int DT_CHECKSUM = 0x4;

    /** {@code DX_HASH_*}: {@code hash_version} in the root and {@code s_def_hash_version}. */
    public static final int DX_HASH_LEGACY = 0;
    public static final int DX_HASH_HALF_MD4 = 1;
    public static final int DX_HASH_TEA = 2;
    /** The unsigned variants: never on disk, chosen by {@code EXT2_FLAGS_UNSIGNED_HASH} (+3). */
    public static final int DX_HASH_LEGACY_UNSIGNED = 3;
    public static final int DX_HASH_HALF_MD4_UNSIGNED = 4;
    public static final int DX_HASH_TEA_UNSIGNED = 5;
    /** Casefolded encrypted directories only (hash stored in the entry). */
    public static final int DX_HASH_SIPHASH = 6;

    /** {@code EXT4_HTREE_LEVEL_COMPAT}: index levels (root included) without {@code large_dir}. */
    public static final int EXT4_HTREE_LEVEL_COMPAT = 2;
    /** {@code EXT4_HTREE_LEVEL}: index levels with {@code large_dir}. */
    public static final int EXT4_HTREE_LEVEL = 3;
    /** {@code EXT4_HTREE_EOF_32BIT}: {@code ext4fs_dirhash} never returns it shifted left by one. */
    public static final long EXT4_HTREE_EOF_32BIT = 0x7FFFFFFFL;

    /** @return {@code dx_root_limit}: entries a root with {@code infoLength} bytes of info holds */
    public static int dxRootLimit(int blockSize, int infoLength, boolean csum) {
        int space = blockSize - DirEntryDescriptor.recLen(1) - DirEntryDescriptor.recLen(2) - infoLength;
        return (space - (csum ? DX_TAIL_SIZE : 0)) / DX_ENTRY_SIZE;
    }

    /** @return {@code dx_node_limit}: entries a node holds */
    public static int dxNodeLimit(int blockSize, boolean csum) {
        int space = blockSize - DirEntryDescriptor.recLen(0);
        return (space - (csum ? DX_TAIL_SIZE : 0)) / DX_ENTRY_SIZE;
    }

    /** @return the offset of entry {@code i} of the entries starting at {@code entries} */
    public static int entry(int entries, int i) {
        return entries + i * DX_ENTRY_SIZE;
    }
}
