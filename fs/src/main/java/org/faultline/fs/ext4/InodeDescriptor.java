package org.faultline.fs.ext4;

/**
 * Offsets of {@code struct ext4_inode}, {@code s_inode_size} bytes on disk (128: the fixed part
 * only; 256, the default, and larger: the extra fields after it); inode
 * {@code n} (1-based) is entry {@code (n-1) % s_inodes_per_group} of the inode table of group
 * {@code (n-1) / s_inodes_per_group}.
 *
 * <pre>
 *  off  size  field                         off  size  field
 * 0x00   2   i_mode                        0x64   4   i_generation
 * 0x02   2   i_uid (low 16)                0x68   4   i_file_acl_lo (EA block)
 * 0x04   4   i_size_lo                     0x6C   4   i_size_high
 * 0x08   4   i_atime                       0x70   4   i_obso_faddr
 * 0x0C   4   i_ctime                       0x74  12   osd2 (Linux):
 * 0x10   4   i_mtime                       0x74   2     l_i_blocks_high (huge_file only)
 * 0x14   4   i_dtime                       0x76   2     l_i_file_acl_high
 * 0x18   2   i_gid (low 16)                0x78   2     l_i_uid_high
 * 0x1A   2   i_links_count                 0x7A   2     l_i_gid_high
 * 0x1C   4   i_blocks_lo (512-byte units)  0x7C   2     l_i_checksum_lo
 * 0x20   4   i_flags                       0x7E   2     l_i_reserved
 * 0x24   4   osd1 (l_i_version)            0x80   2   i_extra_isize  (absent from 128-byte inodes;
 * 0x28  60   i_block[15]: the extent tree  0x82   2   i_checksum_hi   the fields below exist only
 *            root (ext4_extent_header +    0x84   4   i_ctime_extra   when i_extra_isize covers them)
 *            4 entries) or a fast symlink  0x88   4   i_mtime_extra
 *                                          0x8C   4   i_atime_extra
 *                                          0x90   4   i_crtime
 *                                          0x94   4   i_crtime_extra
 *                                          0x98   4   i_version_hi
 *                                          0x9C   4   i_projid
 *                                          0xA0 ...   in-inode extended attributes, to 0x100
 * </pre>
 */
public final class InodeDescriptor {
    private InodeDescriptor() {
    }

    /** The inode size Faultline's mkfs gives by default (mke2fs's too). */
    public static final int EXT4_INODE_SIZE = 256;
    /** {@code EXT4_GOOD_OLD_INODE_SIZE}: the fixed part. */
    public static final int EXT4_GOOD_OLD_INODE_SIZE = 128;

    public static final int I_MODE = 0x00;
    public static final int I_UID = 0x02;
    public static final int I_SIZE_LO = 0x04;
    public static final int I_ATIME = 0x08;
    public static final int I_CTIME = 0x0C;
    public static final int I_MTIME = 0x10;
    public static final int I_DTIME = 0x14;
    public static final int I_GID = 0x18;
    public static final int I_LINKS_COUNT = 0x1A;
    public static final int I_BLOCKS_LO = 0x1C;
    public static final int I_FLAGS = 0x20;
    public static final int I_OSD1 = 0x24;
    public static final int I_BLOCK = 0x28;
    public static final int I_GENERATION = 0x64;
    public static final int I_FILE_ACL_LO = 0x68;
    public static final int I_SIZE_HIGH = 0x6C;
    public static final int I_OBSO_FADDR = 0x70;
    public static final int L_I_BLOCKS_HIGH = 0x74;
    public static final int L_I_FILE_ACL_HIGH = 0x76;
    public static final int L_I_UID_HIGH = 0x78;
    public static final int L_I_GID_HIGH = 0x7A;
    public static final int L_I_CHECKSUM_LO = 0x7C;
    public static final int I_EXTRA_ISIZE = 0x80;
    public static final int I_CHECKSUM_HI = 0x82;
    public static final int I_CTIME_EXTRA = 0x84;
    public static final int I_MTIME_EXTRA = 0x88;
    public static final int I_ATIME_EXTRA = 0x8C;
    public static final int I_CRTIME = 0x90;
    public static final int I_CRTIME_EXTRA = 0x94;

    /** {@code sizeof(struct ext4_inode) - EXT4_GOOD_OLD_INODE_SIZE}: the i_extra_isize new inodes get. */
    public static final int EXT4_WANT_EXTRA_ISIZE = 32;

    /** {@code EXT4_N_BLOCKS}: entries of {@code i_block}. */
    public static final int EXT4_N_BLOCKS = 15;
    /** Bytes of {@code i_block}. */
    public static final int I_BLOCK_SIZE = EXT4_N_BLOCKS * 4;

    // ---------------------------------------------------------------- i_mode
    public static final int S_IFMT = 0xF000;
    public static final int S_IFSOCK = 0xC000;
    public static final int S_IFLNK = 0xA000;
    public static final int S_IFREG = 0x8000;
    public static final int S_IFBLK = 0x6000;
    public static final int S_IFDIR = 0x4000;
    public static final int S_IFCHR = 0x2000;
    public static final int S_IFIFO = 0x1000;

    // ---------------------------------------------------------------- i_flags
    /** {@code EXT4_SECRM_FL}. */
    public static final int EXT4_SECRM_FL = 0x00000001;
    /** {@code EXT4_IMMUTABLE_FL}. */
    public static final int EXT4_IMMUTABLE_FL = 0x00000010;
    /** {@code EXT4_APPEND_FL}. */
    public static final int EXT4_APPEND_FL = 0x00000020;
    /** {@code EXT4_NOATIME_FL}. */
    public static final int EXT4_NOATIME_FL = 0x00000080;
    /** {@code EXT4_ENCRYPT_FL}: encrypted inode. */
    public static final int EXT4_ENCRYPT_FL = 0x00000800;
    /** {@code EXT4_INDEX_FL}: hashed-indexed (htree) directory. */
    public static final int EXT4_INDEX_FL = 0x00001000;
    /** {@code EXT4_IMAGIC_FL}: AFS directory (needs the imagic_inodes feature). */
    public static final int EXT4_IMAGIC_FL = 0x00002000;
    /** {@code EXT4_CASEFOLD_FL}: casefolded directory. */
    public static final int EXT4_CASEFOLD_FL = 0x40000000;
    /** {@code EXT4_HUGE_FILE_FL}: i_blocks in file-system blocks. */
    public static final int EXT4_HUGE_FILE_FL = 0x00040000;
    /** {@code EXT4_EXTENTS_FL}: {@code i_block} holds an extent tree. */
    public static final int EXT4_EXTENTS_FL = 0x00080000;
    /** {@code EXT4_VERITY_FL}. */
    public static final int EXT4_VERITY_FL = 0x00100000;
    /** {@code EXT4_EA_INODE_FL}: the inode holds a large extended attribute value. */
    public static final int EXT4_EA_INODE_FL = 0x00200000;
    /** {@code EXT4_INLINE_DATA_FL}. */
    public static final int EXT4_INLINE_DATA_FL = 0x10000000;

    // ---------------------------------------------------------------- reserved inodes
    /** {@code EXT4_BAD_INO}: bad blocks inode. */
    public static final int EXT4_BAD_INO = 1;
    /** {@code EXT4_ROOT_INO}: root directory. */
    public static final int EXT4_ROOT_INO = 2;
    /** {@code EXT4_USR_QUOTA_INO}. */
    public static final int EXT4_USR_QUOTA_INO = 3;
    /** {@code EXT4_GRP_QUOTA_INO}. */
    public static final int EXT4_GRP_QUOTA_INO = 4;
    /** {@code EXT4_BOOT_LOADER_INO}. */
    public static final int EXT4_BOOT_LOADER_INO = 5;
    /** {@code EXT4_UNDEL_DIR_INO}. */
    public static final int EXT4_UNDEL_DIR_INO = 6;
    /** {@code EXT4_RESIZE_INO}. */
    public static final int EXT4_RESIZE_INO = 7;
    /** {@code EXT4_JOURNAL_INO}. */
    public static final int EXT4_JOURNAL_INO = 8;
    /** The first normal inode made by mkfs: {@code lost+found}. */
    public static final int EXT4_LOST_FOUND_INO = 11;

    /** @return whether {@code mode} is a directory */
    public static boolean isDir(int mode) {
        return (mode & S_IFMT) == S_IFDIR;
    }

    /** @return whether {@code mode} is a regular file */
    public static boolean isReg(int mode) {
        return (mode & S_IFMT) == S_IFREG;
    }

    /** @return whether {@code mode} is a symbolic link */
    public static boolean isLnk(int mode) {
        return (mode & S_IFMT) == S_IFLNK;
    }
}
