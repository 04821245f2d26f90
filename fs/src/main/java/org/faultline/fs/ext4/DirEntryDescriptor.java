package org.faultline.fs.ext4;

/**
 * Offsets of {@code struct ext4_dir_entry_2}, the entry of a linear directory block (with the
 * {@code filetype} feature). A directory is a file whose blocks are packed with entries; every block
 * is covered exactly by the chain of {@code rec_len}s, the last entry's {@code rec_len} reaching the
 * end of the block. A deleted entry is merged into its predecessor's {@code rec_len}, or, first in its
 * block, keeps its {@code rec_len} with {@code inode = 0}.
 *
 * <pre>
 *  off  size  field
 * 0x0    4   inode       0 = unused entry
 * 0x4    2   rec_len     distance to the next entry: multiple of 4, &gt;= EXT4_DIR_REC_LEN(name_len)
 * 0x6    1   name_len
 * 0x7    1   file_type   EXT4_FT_*
 * 0x8    n   name        not NUL-terminated; padded to a multiple of 4
 *
 *  block 0 of a directory:  | "." (12) | ".." (rec_len = rest of block, or 12 when more follow) | ...
 *  EXT4_DIR_REC_LEN(n) = (8 + n + 3) &amp; ~3
 * </pre>
 */
public final class DirEntryDescriptor {
    private DirEntryDescriptor() {
    }

    public static final int INODE = 0x0;
    public static final int REC_LEN = 0x4;
    public static final int NAME_LEN = 0x6;
    public static final int FILE_TYPE = 0x7;
    public static final int NAME = 0x8;

    /** {@code EXT4_NAME_LEN}: longest name. */
    public static final int EXT4_NAME_LEN = 255;

    public static final int EXT4_FT_UNKNOWN = 0;
    public static final int EXT4_FT_REG_FILE = 1;
    public static final int EXT4_FT_DIR = 2;
    public static final int EXT4_FT_CHRDEV = 3;
    public static final int EXT4_FT_BLKDEV = 4;
    public static final int EXT4_FT_FIFO = 5;
    public static final int EXT4_FT_SOCK = 6;
    public static final int EXT4_FT_SYMLINK = 7;

    /** @return {@code EXT4_DIR_REC_LEN(nameLen)}: the smallest {@code rec_len} for a name */
    public static int recLen(int nameLen) {
        return (NAME + nameLen + 3) & ~3;
    }

    /** @return the {@code EXT4_FT_*} type for an {@code i_mode} */
    public static int fileType(int mode) {
        switch (mode & InodeDescriptor.S_IFMT) {
            case InodeDescriptor.S_IFREG: return EXT4_FT_REG_FILE;
            case InodeDescriptor.S_IFDIR: return EXT4_FT_DIR;
            case InodeDescriptor.S_IFCHR: return EXT4_FT_CHRDEV;
            case InodeDescriptor.S_IFBLK: return EXT4_FT_BLKDEV;
            case InodeDescriptor.S_IFIFO: return EXT4_FT_FIFO;
            case InodeDescriptor.S_IFSOCK: return EXT4_FT_SOCK;
            case InodeDescriptor.S_IFLNK: return EXT4_FT_SYMLINK;
            default: return EXT4_FT_UNKNOWN;
        }
    }
}
