package org.faultline.fs.ext4;

/**
 * Offsets of {@code struct ext4_super_block}: 1024 bytes, little-endian, at byte 1024 of the device
 * (inside block 0 when blocks are 2048 or 4096 bytes, block 1 — {@code s_first_data_block} — with
 * 1024-byte blocks); backups sit at the first byte of the first block of the groups that carry one (see {@link Ext4SuperBlock#groupHasSuper}), with {@code s_block_group_nr} set.
 *
 * <pre>
 *  off   size  field                      off   size  field
 * 0x000   4   s_inodes_count             0x068  16   s_uuid[16]
 * 0x004   4   s_blocks_count_lo          0x078  16   s_volume_name[16]
 * 0x008   4   s_r_blocks_count_lo        0x088  64   s_last_mounted[64]
 * 0x00C   4   s_free_blocks_count_lo     0x0C8   4   s_algorithm_usage_bitmap
 * 0x010   4   s_free_inodes_count        0x0CC   1   s_prealloc_blocks
 * 0x014   4   s_first_data_block         0x0CD   1   s_prealloc_dir_blocks
 * 0x018   4   s_log_block_size           0x0CE   2   s_reserved_gdt_blocks
 * 0x01C   4   s_log_cluster_size         0x0D0  16   s_journal_uuid[16]
 * 0x020   4   s_blocks_per_group         0x0E0   4   s_journal_inum
 * 0x024   4   s_clusters_per_group       0x0E4   4   s_journal_dev
 * 0x028   4   s_inodes_per_group         0x0E8   4   s_last_orphan
 * 0x02C   4   s_mtime                    0x0EC  16   s_hash_seed[4]
 * 0x030   4   s_wtime                    0x0FC   1   s_def_hash_version
 * 0x034   2   s_mnt_count                0x0FD   1   s_jnl_backup_type
 * 0x036   2   s_max_mnt_count            0x0FE   2   s_desc_size
 * 0x038   2   s_magic (0xEF53)           0x100   4   s_default_mount_opts
 * 0x03A   2   s_state                    0x104   4   s_first_meta_bg
 * 0x03C   2   s_errors                   0x108   4   s_mkfs_time
 * 0x03E   2   s_minor_rev_level          0x10C  68   s_jnl_blocks[17]
 * 0x040   4   s_lastcheck                0x150   4   s_blocks_count_hi
 * 0x044   4   s_checkinterval            0x154   4   s_r_blocks_count_hi
 * 0x048   4   s_creator_os               0x158   4   s_free_blocks_count_hi
 * 0x04C   4   s_rev_level                0x15C   2   s_min_extra_isize
 * 0x050   2   s_def_resuid               0x15E   2   s_want_extra_isize
 * 0x052   2   s_def_resgid               0x160   4   s_flags
 * 0x054   4   s_first_ino                0x164 ...   raid, mmp, flex_bg, snapshot fields
 * 0x058   2   s_inode_size               0x175   1   s_checksum_type
 * 0x05A   2   s_block_group_nr           0x178   8   s_kbytes_written
 * 0x05C   4   s_feature_compat           0x194 ...   error tracking (s_error_count ...)
 * 0x060   4   s_feature_incompat         0x268   4   s_lpf_ino
 * 0x064   4   s_feature_ro_compat        0x274 ...   s_wtime_hi, s_mtime_hi, s_mkfs_time_hi ...
 *                                        0x27C   2   s_encoding
 *                                        0x280   4   s_orphan_file_inum
 *                                        0x3FC   4   s_checksum
 * </pre>
 *
 * <p>Pure constants; {@link Ext4SuperBlock} reads and writes a 1024-byte copy through them.
 */
public final class SuperBlockDescriptor {
    private SuperBlockDescriptor() {
    }

    /** Byte offset of the primary superblock on the device. */
    public static final int SUPERBLOCK_OFFSET = 1024;
    /** Size of {@code struct ext4_super_block}. */
    public static final int SUPERBLOCK_SIZE = 1024;
    /** {@code EXT4_MIN_BLOCK_SIZE}: blocks are {@code EXT4_MIN_BLOCK_SIZE << s_log_block_size} bytes. */
    public static final int EXT4_MIN_BLOCK_SIZE = 1024;
    /** {@code EXT4_MIN_BLOCK_LOG_SIZE}. */
    public static final int EXT4_MIN_BLOCK_LOG_SIZE = 10;
    /** {@code EXT4_MAX_BLOCK_LOG_SIZE} (64 KiB blocks). */
    public static final int EXT4_MAX_BLOCK_LOG_SIZE = 16;

    /** {@code EXT4_SUPER_MAGIC}. */
    public static final int EXT4_SUPER_MAGIC = 0xEF53;

    public static final int S_INODES_COUNT = 0x000;
    public static final int S_BLOCKS_COUNT_LO = 0x004;
    public static final int S_R_BLOCKS_COUNT_LO = 0x008;
    public static final int S_FREE_BLOCKS_COUNT_LO = 0x00C;
    public static final int S_FREE_INODES_COUNT = 0x010;
    public static final int S_FIRST_DATA_BLOCK = 0x014;
    public static final int S_LOG_BLOCK_SIZE = 0x018;
    public static final int S_LOG_CLUSTER_SIZE = 0x01C;
    public static final int S_BLOCKS_PER_GROUP = 0x020;
    public static final int S_CLUSTERS_PER_GROUP = 0x024;
    public static final int S_INODES_PER_GROUP = 0x028;
    public static final int S_MTIME = 0x02C;
    public static final int S_WTIME = 0x030;
    public static final int S_MNT_COUNT = 0x034;
    public static final int S_MAX_MNT_COUNT = 0x036;
    public static final int S_MAGIC = 0x038;
    public static final int S_STATE = 0x03A;
    public static final int S_ERRORS = 0x03C;
    public static final int S_MINOR_REV_LEVEL = 0x03E;
    public static final int S_LASTCHECK = 0x040;
    public static final int S_CHECKINTERVAL = 0x044;
    public static final int S_CREATOR_OS = 0x048;
    public static final int S_REV_LEVEL = 0x04C;
    public static final int S_DEF_RESUID = 0x050;
    public static final int S_DEF_RESGID = 0x052;
    public static final int S_FIRST_INO = 0x054;
    public static final int S_INODE_SIZE = 0x058;
    public static final int S_BLOCK_GROUP_NR = 0x05A;
    public static final int S_FEATURE_COMPAT = 0x05C;
    public static final int S_FEATURE_INCOMPAT = 0x060;
    public static final int S_FEATURE_RO_COMPAT = 0x064;
    public static final int S_UUID = 0x068;
    public static final int S_VOLUME_NAME = 0x078;
    public static final int S_LAST_MOUNTED = 0x088;
    public static final int S_ALGORITHM_USAGE_BITMAP = 0x0C8;
    public static final int S_PREALLOC_BLOCKS = 0x0CC;
    public static final int S_PREALLOC_DIR_BLOCKS = 0x0CD;
    public static final int S_RESERVED_GDT_BLOCKS = 0x0CE;
    public static final int S_JOURNAL_UUID = 0x0D0;
    public static final int S_JOURNAL_INUM = 0x0E0;
    public static final int S_JOURNAL_DEV = 0x0E4;
    public static final int S_LAST_ORPHAN = 0x0E8;
    public static final int S_HASH_SEED = 0x0EC;
    public static final int S_DEF_HASH_VERSION = 0x0FC;
    public static final int S_JNL_BACKUP_TYPE = 0x0FD;
    public static final int S_DESC_SIZE = 0x0FE;
    public static final int S_DEFAULT_MOUNT_OPTS = 0x100;
    public static final int S_FIRST_META_BG = 0x104;
    public static final int S_MKFS_TIME = 0x108;
    public static final int S_JNL_BLOCKS = 0x10C;
    public static final int S_BLOCKS_COUNT_HI = 0x150;
    public static final int S_R_BLOCKS_COUNT_HI = 0x154;
    public static final int S_FREE_BLOCKS_COUNT_HI = 0x158;
    public static final int S_MIN_EXTRA_ISIZE = 0x15C;
    public static final int S_WANT_EXTRA_ISIZE = 0x15E;
    public static final int S_FLAGS = 0x160;
    public static final int S_RAID_STRIDE = 0x164;
    public static final int S_MMP_INTERVAL = 0x166;
    public static final int S_MMP_BLOCK = 0x168;
    public static final int S_RAID_STRIPE_WIDTH = 0x170;
    public static final int S_LOG_GROUPS_PER_FLEX = 0x174;
    public static final int S_CHECKSUM_TYPE = 0x175;
    public static final int S_KBYTES_WRITTEN = 0x178;
    public static final int S_ERROR_COUNT = 0x194;
    public static final int S_LPF_INO = 0x268;
    public static final int S_WTIME_HI = 0x274;
    public static final int S_MTIME_HI = 0x275;
    public static final int S_MKFS_TIME_HI = 0x276;
    public static final int S_LASTCHECK_HI = 0x277;
    public static final int S_CHECKSUM_SEED = 0x270;
    public static final int S_ENCODING = 0x27C;
    public static final int S_ORPHAN_FILE_INUM = 0x280;
    public static final int S_CHECKSUM = 0x3FC;

    /** {@code s_checksum_type}: the only one defined, crc32c ({@code EXT4_CRC32C_CHKSUM}). */
    public static final int EXT4_CRC32C_CHKSUM = 1;

    /** {@code s_volume_name} length. */
    public static final int VOLUME_NAME_LEN = 16;
    /** {@code s_uuid} length. */
    public static final int UUID_LEN = 16;

    /** {@code s_state}: cleanly unmounted ({@code EXT4_VALID_FS}). */
    public static final int EXT4_VALID_FS = 0x0001;
    /** {@code s_state}: errors detected ({@code EXT4_ERROR_FS}). */
    public static final int EXT4_ERROR_FS = 0x0002;
    /** {@code s_state}: orphans being recovered ({@code EXT4_ORPHAN_FS}). */
    public static final int EXT4_ORPHAN_FS = 0x0004;

    /** {@code s_errors}: continue ({@code EXT4_ERRORS_CONTINUE}). */
    public static final int EXT4_ERRORS_CONTINUE = 1;
    /** {@code s_errors}: remount read-only. */
    public static final int EXT4_ERRORS_RO = 2;
    /** {@code s_errors}: panic. */
    public static final int EXT4_ERRORS_PANIC = 3;

    /** {@code s_rev_level}: {@code EXT4_GOOD_OLD_REV} (128-byte inodes, no features). */
    public static final int EXT4_GOOD_OLD_REV = 0;
    /** {@code s_rev_level}: {@code EXT4_DYNAMIC_REV}. */
    public static final int EXT4_DYNAMIC_REV = 1;

    /** {@code s_creator_os}: Linux. */
    public static final int EXT4_OS_LINUX = 0;

    /** {@code s_flags}: signed directory hash in use. */
    public static final int EXT2_FLAGS_SIGNED_HASH = 0x0001;
    /** {@code s_flags}: unsigned directory hash in use. */
    public static final int EXT2_FLAGS_UNSIGNED_HASH = 0x0002;

    /** {@code s_def_hash_version}: half MD4. */
    public static final int DX_HASH_HALF_MD4 = 1;

    /** First non-reserved inode in a revision 0 filesystem ({@code EXT4_GOOD_OLD_FIRST_INO}). */
    public static final int EXT4_GOOD_OLD_FIRST_INO = 11;
}
