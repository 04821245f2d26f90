package org.faultline.fs.ext4;

import static org.faultline.kernel.Crc32c.crc32c;
import static org.faultline.kernel.Crc32c.crc32cLe32;

import org.faultline.kernel.Crc16;
import org.faultline.kernel.KernelSource;

/**
 * The metadata checksums of a volume ({@code metadata_csum}, and the crc16 group descriptor checksum
 * of {@code uninit_bg}), as the kernel computes them in the file of each structure:
 * {@code ext4_superblock_csum} and {@code ext4_group_desc_csum} (super.c), the bitmaps' (bitmap.c),
 * {@code ext4_inode_csum} (inode.c), {@code ext4_extent_block_csum} (extents.c),
 * {@code ext4_dirblock_csum} and {@code ext4_dx_csum} (namei.c). Every value is crc32c ({@link org.faultline.kernel.Crc32c})
 * chained from {@code s_csum_seed}; the per-inode structures first fold in the inode number and
 * {@code i_generation} ({@code ei->i_csum_seed}).
 *
 * <p>With {@code metadata_csum} off every setter does nothing and every check passes, as the kernel's
 * do.
 */
@KernelSource("fs/ext4/super.c")
public final class Ext4Csum {
    /** {@code sizeof(struct ext4_dir_entry_tail)}. */
    public static final int DIR_TAIL_SIZE = 12;
    /** {@code EXT4_DIR_NAME_LEN_CSUM}: the tail's name_len/file_type word, 0xDE00. */
    public static final int EXT4_DIR_NAME_LEN_CSUM = 0xDE00;
    /** {@code sizeof(struct ext4_extent_tail)}. */
    public static final int EXTENT_TAIL_SIZE = 4;

    private final boolean on;
    private final boolean gdtCsum;
    private final int seed;
    private final byte[] uuid;
    private final int descSize;

    /** The checksums of the filesystem {@code sb} describes. */
    public Ext4Csum(Ext4SuperBlock sb) {
        this.on = sb.hasMetadataCsum();
        this.gdtCsum = sb.hasGroupDescCsum();
        this.seed = on ? sb.csumSeed() : 0;
        this.uuid = sb.uuid();
        this.descSize = sb.descSize();
    }

    /** @return whether {@code metadata_csum} is on */
    public boolean on() {
        return on;
    }

    /** {@code ei->i_csum_seed}: the volume seed, then the inode number and generation, little-endian. */
    public int inodeSeed(long ino, long generation) {
        return crc32cLe32(crc32cLe32(seed, (int) ino), (int) generation);
    }

    // ---------------------------------------------------------------- group descriptors (super.c)

    /**
     * {@code ext4_group_desc_csum}: with metadata_csum the low 16 bits of crc32c over the group number
     * and the descriptor with {@code bg_checksum} taken as zero; with only uninit_bg, crc16 over the
     * uuid, the group number and the descriptor without its checksum field.
     */
    public int groupDescCsum(int group, GroupDesc gd) {
        byte[] d = gd.raw();
        int off = GroupDescDescriptor.BG_CHECKSUM;
        if (on) {
            int c = crc32cLe32(seed, group);
            c = crc32c(c, d, 0, off);
            c = crc32c(c, new byte[2], 0, 2);
            c = crc32c(c, d, off + 2, d.length - off - 2);
            return c & 0xFFFF;
        }
        int c = Crc16.crc16(0xFFFF, uuid, 0, uuid.length);
        byte[] g = {(byte) group, (byte) (group >>> 8), (byte) (group >>> 16), (byte) (group >>> 24)};
        c = Crc16.crc16(c, g, 0, 4);
        c = Crc16.crc16(c, d, 0, off);
        if (off + 2 < descSize) {
            c = Crc16.crc16(c, d, off + 2, descSize - off - 2);
        }
        return c & 0xFFFF;
    }

    /** {@code ext4_group_desc_csum_set}. */
    public void setGroupDescCsum(int group, GroupDesc gd) {
        if (gdtCsum) {
            gd.setChecksum(groupDescCsum(group, gd));
        }
    }

    /** {@code ext4_group_desc_csum_verify}. */
    public boolean groupDescCsumValid(int group, GroupDesc gd) {
        return !gdtCsum || gd.checksum() == groupDescCsum(group, gd);
    }

    // ---------------------------------------------------------------- bitmaps (bitmap.c)

    /** {@code ext4_block_bitmap_csum_set}: over {@code EXT4_CLUSTERS_PER_GROUP / 8} bytes. */
    public void setBlockBitmapCsum(GroupDesc gd, byte[] bitmap, int bytes) {
        if (on) {
            gd.setBlockBitmapCsum(crc32c(seed, bitmap, 0, bytes));
        }
    }

    /** {@code ext4_block_bitmap_csum_verify}: 16 bits compared with a 32-byte descriptor. */
    public boolean blockBitmapCsumValid(GroupDesc gd, byte[] bitmap, int bytes) {
        return bitmapCsumValid(gd.blockBitmapCsum(), bitmap, bytes, GroupDescDescriptor.EXT4_BG_BLOCK_BITMAP_CSUM_HI_END);
    }

    /**
     * The bitmaps' verify: crc32c from the seed over the bitmap, compared in full where the descriptor
     * holds the high half ({@code hiEnd} bytes or more), else its low 16 bits.
     */
    private boolean bitmapCsumValid(long stored, byte[] bitmap, int bytes, int hiEnd) {
        if (!on) {
            return true;
        }
        long c = crc32c(seed, bitmap, 0, bytes) & 0xFFFFFFFFL;
        return stored == (descSize < hiEnd ? c & 0xFFFF : c);
    }

    /** {@code ext4_inode_bitmap_csum_set}: over {@code EXT4_INODES_PER_GROUP / 8} bytes. */
    public void setInodeBitmapCsum(GroupDesc gd, byte[] bitmap, int bytes) {
        if (on) {
            gd.setInodeBitmapCsum(crc32c(seed, bitmap, 0, bytes));
        }
    }

    /** {@code ext4_inode_bitmap_csum_verify}. */
    public boolean inodeBitmapCsumValid(GroupDesc gd, byte[] bitmap, int bytes) {
        return bitmapCsumValid(gd.inodeBitmapCsum(), bitmap, bytes, GroupDescDescriptor.EXT4_BG_INODE_BITMAP_CSUM_HI_END);
    }

    // ---------------------------------------------------------------- inodes (inode.c)

    private static boolean hasHi(byte[] b, int off, int inodeSize) {
        return inodeSize > InodeDescriptor.EXT4_GOOD_OLD_INODE_SIZE
                && LittleEndian.u16(b, off + InodeDescriptor.I_EXTRA_ISIZE) >= 4; // EXT4_INODE_CSUM_HI_EXTRA_END
    }

    /**
     * {@code ext4_inode_csum}: crc32c from the inode's seed over the whole on-disk inode, its
     * {@code i_checksum_lo} (and {@code i_checksum_hi} where {@code i_extra_isize} reaches it) taken as
     * zero.
     */
    public int inodeCsum(long ino, byte[] b, int off, int inodeSize) {
        int gen = (int) LittleEndian.u32(b, off + InodeDescriptor.I_GENERATION);
        int c = inodeSeed(ino, gen & 0xFFFFFFFFL);
        int lo = off + InodeDescriptor.L_I_CHECKSUM_LO;
        c = crc32c(c, b, off, lo - off);
        c = crc32c(c, ZERO4, 0, 2);
        int end = off + inodeSize;
        if (hasHi(b, off, inodeSize)) {
            int hi = off + InodeDescriptor.I_CHECKSUM_HI;
            c = crc32c(c, b, lo + 2, hi - lo - 2);
            c = crc32c(c, ZERO4, 0, 2);
            c = crc32c(c, b, hi + 2, end - hi - 2);
        } else {
            c = crc32c(c, b, lo + 2, end - lo - 2);
        }
        return c;
    }

    private static final byte[] ZERO4 = new byte[4];

    /** {@code ext4_inode_csum_set}. */
    public void setInodeCsum(long ino, byte[] b, int off, int inodeSize) {
        if (!on) {
            return;
        }
        int c = inodeCsum(ino, b, off, inodeSize);
        LittleEndian.putU16(b, off + InodeDescriptor.L_I_CHECKSUM_LO, c & 0xFFFF);
        if (hasHi(b, off, inodeSize)) {
            LittleEndian.putU16(b, off + InodeDescriptor.I_CHECKSUM_HI, c >>> 16);
        }
    }

    /**
     * {@code ext4_inode_csum_verify}: true without metadata_csum, and for an inode never written (all
     * of its base zero, as mkfs leaves the table with lazy_itable_init).
     */
    public boolean inodeCsumValid(long ino, byte[] b, int off, int inodeSize) {
        if (!on) {
            return true;
        }
        long provided = LittleEndian.u16(b, off + InodeDescriptor.L_I_CHECKSUM_LO);
        long calc = inodeCsum(ino, b, off, inodeSize) & 0xFFFFFFFFL;
        if (hasHi(b, off, inodeSize)) {
            provided |= (long) LittleEndian.u16(b, off + InodeDescriptor.I_CHECKSUM_HI) << 16;
        } else {
            calc &= 0xFFFF;
        }
        if (provided == calc) {
            return true;
        }
        for (int i = 0; i < InodeDescriptor.EXT4_GOOD_OLD_INODE_SIZE; i++) {
            if (b[off + i] != 0) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- extent blocks (extents.c)

    /** {@code EXT4_EXTENT_TAIL_OFFSET}: the tail follows {@code eh_max} entries. */
    private static int extentTailOffset(byte[] b) {
        return ExtentDescriptor.HEADER_SIZE + ExtentDescriptor.ENTRY_SIZE * LittleEndian.u16(b, ExtentDescriptor.EH_MAX);
    }

    /** {@code ext4_extent_block_csum_set}. */
    public void setExtentBlockCsum(int iseed, byte[] b) {
        if (on) {
            int t = extentTailOffset(b);
            if (t + EXTENT_TAIL_SIZE <= b.length) {
                LittleEndian.putU32(b, t, crc32c(iseed, b, 0, t) & 0xFFFFFFFFL);
            }
        }
    }

    /** {@code ext4_extent_block_csum_verify}. */
    public boolean extentBlockCsumValid(int iseed, byte[] b) {
        if (!on) {
            return true;
        }
        int t = extentTailOffset(b);
        return t + EXTENT_TAIL_SIZE <= b.length && LittleEndian.u32(b, t) == (crc32c(iseed, b, 0, t) & 0xFFFFFFFFL);
    }

    // ---------------------------------------------------------------- directory leaf blocks (namei.c)

    /**
     * {@code get_dirent_tail}'s test: whether the last 12 bytes of {@code b} are a
     * {@code struct ext4_dir_entry_tail} (inode 0, rec_len 12, name_len 0, file_type 0xDE).
     */
    public static boolean hasDirTail(byte[] b) {
        int t = b.length - DIR_TAIL_SIZE;
        return LittleEndian.u32(b, t) == 0 && LittleEndian.u16(b, t + 4) == DIR_TAIL_SIZE
                && LittleEndian.u16(b, t + 6) == EXT4_DIR_NAME_LEN_CSUM;
    }

    /** {@code ext4_initialize_dirent_tail}: the tail at the end of a new leaf block. */
    public static void initDirTail(byte[] b) {
        int t = b.length - DIR_TAIL_SIZE;
        java.util.Arrays.fill(b, t, b.length, (byte) 0);
        LittleEndian.putU16(b, t + 4, DIR_TAIL_SIZE);
        LittleEndian.putU16(b, t + 6, EXT4_DIR_NAME_LEN_CSUM);
    }

    /** {@code ext4_dirblock_csum_set}: crc32c from the directory's seed over the block before its tail. */
    public void setDirBlockCsum(int iseed, byte[] b) {
        if (on && hasDirTail(b)) {
            int t = b.length - DIR_TAIL_SIZE;
            LittleEndian.putU32(b, t + 8, crc32c(iseed, b, 0, t) & 0xFFFFFFFFL);
        }
    }

    /** {@code ext4_dirblock_csum_verify}: false for a leaf with no room for its tail, as the kernel's. */
    public boolean dirBlockCsumValid(int iseed, byte[] b) {
        if (!on) {
            return true;
        }
        if (!hasDirTail(b)) {
            return false;
        }
        int t = b.length - DIR_TAIL_SIZE;
        return LittleEndian.u32(b, t + 8) == (crc32c(iseed, b, 0, t) & 0xFFFFFFFFL);
    }

    /** Bytes at the end of a directory leaf block reserved for the tail: 12 with metadata_csum, else 0. */
    public int dirTailSpace() {
        return on ? DIR_TAIL_SIZE : 0;
    }

    // ---------------------------------------------------------------- htree index blocks (namei.c)

    /**
     * {@code get_dx_countlimit}: where the {@code dx_countlimit} of an index block is — 8 in a node (its
     * first entry spans the block), 32 in a root ("." of 12 bytes, ".." over the rest, then a
     * {@code dx_root_info} with {@code reserved_zero} 0 and {@code info_length} 8) — or -1 if
     * {@code b} is neither.
     */
    public static int dxCountOffset(byte[] b) {
        int rl = DirEntry.recLenAt(b, 0);
        if (rl == b.length) {
            return DxDescriptor.NODE_ENTRIES;
        }
        if (rl != DirEntryDescriptor.recLen(1) || DirEntry.recLenAt(b, DxDescriptor.DOTDOT) != b.length - rl
                || LittleEndian.u32(b, DxDescriptor.INFO_RESERVED_ZERO) != 0
                || LittleEndian.u8(b, DxDescriptor.INFO_INFO_LENGTH) != DxDescriptor.DX_ROOT_INFO_SIZE) {
            return -1;
        }
        return DxDescriptor.ROOT_ENTRIES;
    }

    /** Where the {@code dx_tail} of an index block with its countlimit at {@code countOffset} is, or -1 if it does not fit. */
    private static int dxTailOffset(byte[] b, int countOffset) {
        int limit = LittleEndian.u16(b, countOffset + DxDescriptor.LIMIT);
        int t = countOffset + limit * DxDescriptor.DX_ENTRY_SIZE;
        return t > b.length - DxDescriptor.DX_TAIL_SIZE ? -1 : t;
    }

    /**
     * {@code ext4_dx_csum}: crc32c from the directory's seed over the block up to the last entry in use
     * ({@code count_offset + count * 8}), then the tail's {@code dt_reserved}, then a zero checksum.
     * A {@code count} reaching past the block (corrupt) makes the block unverifiable: null.
     */
    private static Long dxCsum(int iseed, byte[] b, int countOffset, int tail) {
        int count = LittleEndian.u16(b, countOffset + DxDescriptor.COUNT);
        int size = countOffset + count * DxDescriptor.DX_ENTRY_SIZE;
        if (size > b.length) {
            return null;
        }
        int c = crc32c(iseed, b, 0, size);
        c = crc32c(c, b, tail + DxDescriptor.DT_RESERVED, 4);
        return crc32c(c, ZERO4, 0, 4) & 0xFFFFFFFFL;
    }

    /**
     * {@code ext4_dx_csum_set}: stores the checksum in the {@code dx_tail} after {@code limit} entries of
     * a root or node. Does nothing without metadata_csum, or for a block that is not an index block or
     * has no room for the tail (the kernel logs "dir seems corrupt?  Run e2fsck -D." and leaves it).
     */
    public void setDxCsum(int iseed, byte[] b) {
        if (!on) {
            return;
        }
        int co = dxCountOffset(b);
        int t = co < 0 ? -1 : dxTailOffset(b, co);
        Long c = t < 0 ? null : dxCsum(iseed, b, co, t);
        if (c != null) {
            LittleEndian.putU32(b, t + DxDescriptor.DT_CHECKSUM, c);
        }
    }

    /**
     * {@code ext4_dx_csum_verify}: true without metadata_csum; false for a block that is not an index
     * block or has no room for its tail.
     */
    public boolean dxCsumValid(int iseed, byte[] b) {
        if (!on) {
            return true;
        }
        int co = dxCountOffset(b);
        int t = co < 0 ? -1 : dxTailOffset(b, co);
        Long c = t < 0 ? null : dxCsum(iseed, b, co, t);
        return c != null && LittleEndian.u32(b, t + DxDescriptor.DT_CHECKSUM) == c;
    }

    /** Bytes an index block reserves for its {@code dx_tail}: 8 with metadata_csum, else 0. */
    public int dxTailSpace() {
        return on ? DxDescriptor.DX_TAIL_SIZE : 0;
    }

    // ---------------------------------------------------------------- xattr blocks (xattr.c)

    /**
     * {@code ext4_xattr_block_csum}: crc32c from {@code s_csum_seed} over the block number (le64) and the
     * block with {@code h_checksum} taken as zero.
     */
    private int xattrBlockCsum(long block, byte[] b) {
        byte[] nr = new byte[8];
        LittleEndian.putU32(nr, 0, block & 0xFFFFFFFFL);
        LittleEndian.putU32(nr, 4, block >>> 32);
        int c = crc32c(seed, nr, 0, 8);
        c = crc32c(c, b, 0, Ext4Xattr.H_CHECKSUM);
        c = crc32c(c, new byte[4], 0, 4);
        return crc32c(c, b, Ext4Xattr.H_CHECKSUM + 4, b.length - Ext4Xattr.H_CHECKSUM - 4);
    }

    /** {@code ext4_xattr_block_csum_set}. */
    public void setXattrBlockCsum(long block, byte[] b) {
        if (on) {
            LittleEndian.putU32(b, Ext4Xattr.H_CHECKSUM, xattrBlockCsum(block, b) & 0xFFFFFFFFL);
        }
    }

    /** {@code ext4_xattr_block_csum_verify}. */
    public boolean xattrBlockCsumValid(long block, byte[] b) {
        return !on || LittleEndian.u32(b, Ext4Xattr.H_CHECKSUM) == (xattrBlockCsum(block, b) & 0xFFFFFFFFL);
    }
}
