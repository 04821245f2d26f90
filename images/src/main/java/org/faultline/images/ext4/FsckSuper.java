package org.faultline.images.ext4;

import org.faultline.fs.ext4.BlockIo;
import org.faultline.fs.ext4.Ext4Csum;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Features;
import org.faultline.fs.ext4.Ext4InodeRaw;
import org.faultline.fs.ext4.Ext4SuperBlock;
import org.faultline.fs.ext4.GroupDesc;
import org.faultline.fs.ext4.GroupDescDescriptor;
import org.faultline.fs.ext4.InodeDescriptor;
import org.faultline.fs.ext4.LittleEndian;
import org.faultline.fs.ext4.SuperBlockDescriptor;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.faultline.kernel.Errno;

/**
 * The superblock and group descriptor checks e2fsck makes before pass 1: what {@code ext2fs_open2}
 * refuses (the checker cannot go on), and {@code check_super_block} and {@code check_resize_inode}
 * of e2fsck/super.c, whose findings e2fsck -n prints without counting (unix.c marks the filesystem
 * valid again before pass 1), kept here as notes.
 */
final class FsckSuper {
    private FsckSuper() {
    }

    /** {@code EXT2_DIND_BLOCK}: the {@code i_block} word of the double indirect block. */
    static final int EXT2_DIND_BLOCK = 13;
    /** {@code EXT2_CRC32C_CHKSUM}: the only {@code s_checksum_type}. */
    private static final int EXT2_CRC32C_CHKSUM = 1;

    /**
     * Reads the primary superblock as {@code ext2fs_open2} would for e2fsck: the checks of
     * {@link Ext4SuperBlock#readForCheck}, and here a {@code 64bit} descriptor size that is a power of
     * two from 64 to 1024, the crc32c checksum type, and the superblock's own checksum. A bad
     * checksum is what e2fsck calls "Superblock checksum does not match superblock": it then falls back
     * to group 1's backup ({@link #usableBackup}), which exists only past one full group. With a valid backup
     * this is a problem and the check goes on with the backup's superblock (but the primary group
     * descriptor table: the backup table's free counts and bitmap checksums are stale by design, which
     * e2fsck would report too); without one the filesystem cannot be checked.
     *
     * @throws Ext4Exception when e2fsck would not open the filesystem (exit 8)
     */
    static Ext4SuperBlock read(BlockIo io, String dev, List<String> problems, List<String> notes)
            throws Ext4Exception, IOException {
        io.setBlockSize(SuperBlockDescriptor.EXT4_MIN_BLOCK_SIZE); // the superblock is at byte 1024 whatever the block size
        if (io.blocks() < 2) {
            return Ext4SuperBlock.readForCheck(io, dev); // refuses with its own message
        }
        byte[] b1 = new byte[SuperBlockDescriptor.SUPERBLOCK_SIZE];
        io.read(SuperBlockDescriptor.SUPERBLOCK_OFFSET / SuperBlockDescriptor.EXT4_MIN_BLOCK_SIZE, b1);
        Ext4SuperBlock sb = Ext4SuperBlock.wrap(b1);
        boolean magic = sb.magic() == SuperBlockDescriptor.EXT4_SUPER_MAGIC;
        int bs = sb.blockSize();
        if (!magic || bs < SuperBlockDescriptor.EXT4_MIN_BLOCK_SIZE || bs > 4096) {
            return Ext4SuperBlock.readForCheck(io, dev); // refuses with its own message
        }
        long deviceBlocks = io.blocks() * SuperBlockDescriptor.EXT4_MIN_BLOCK_SIZE / bs;
        io.setBlockSize(bs);
        if (sb.hasMetadataCsum()) {
            if (sb.getU8(SuperBlockDescriptor.S_CHECKSUM_TYPE) != EXT2_CRC32C_CHKSUM) {
                throw new Ext4Exception(Errno.EINVAL, dev + ": Unknown checksum algorithm while trying to open " + dev);
            }
            if (!sb.checksumValid()) {
                Ext4SuperBlock backup = usableBackup(io, sb);
                if (backup == null) {
                    throw Ext4Exception.badCrc(dev, "Superblock checksum does not match superblock while trying to open " + dev);
                }
                problems.add("ext2fs_open2: Superblock checksum does not match superblock");
                notes.add("Superblock invalid, trying backup blocks... (block " + sb.groupFirstBlock(1)
                        + "; the group descriptors are read from the primary table)");
                sb = backup;
            }
        }
        if (sb.is64Bit()) {
            int ds = sb.descSizeField();
            if (ds < GroupDescDescriptor.EXT4_MIN_DESC_SIZE_64BIT || ds > GroupDescDescriptor.EXT4_MAX_DESC_SIZE
                    || Integer.bitCount(ds) != 1) {
                throw Ext4Exception.corrupt(dev, "Block group descriptor size incorrect (64bit, desc_size " + ds + ")");
            }
        }
        if (sb.is64Bit() && sb.getU32(SuperBlockDescriptor.S_BLOCKS_COUNT_HI) != 0) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": too large to check here (" + sb.blocksCount() + " blocks)");
        }
        sb.validate(dev, deviceBlocks, Ext4SuperBlock.Policy.CHECK);
        return sb;
    }

    /**
     * The valid backup e2fsck's {@code get_backup_sb} would find: group 1's superblock, at block
     * {@code s_first_data_block + 8 * blocksize} (32768 with 4 KiB blocks, 8193 with 1 KiB), which
     * exists only past one full group; or null.
     */
    private static Ext4SuperBlock usableBackup(BlockIo io, Ext4SuperBlock sb) throws IOException {
        long at = sb.firstDataBlock() + 8L * sb.blockSize();
        if (sb.blocksPerGroup() != 8L * sb.blockSize() || sb.groupCount() < 2 || io.blocks() <= at) {
            return null;
        }
        byte[] b = new byte[io.blockSize()];
        io.read(at, b);
        Ext4SuperBlock backup = Ext4SuperBlock.wrap(Arrays.copyOf(b, SuperBlockDescriptor.SUPERBLOCK_SIZE));
        boolean ok = backup.magic() == SuperBlockDescriptor.EXT4_SUPER_MAGIC && backup.checksumValid();
        return ok ? backup : null;
    }

    /**
     * {@code check_super_block}'s loop over the group descriptors (notes, e2fsck -n does not count
     * them): checksums ({@code PR_0_GDT_CSUM} under its latch "One or more block group descriptor
     * checksums are invalid"), uninit flags or {@code bg_itable_unused} without a descriptor checksum
     * feature ({@code PR_0_GDT_UNINIT}), the last group's block bitmap uninitialized
     * ({@code PR_0_BB_UNINIT_LAST}, with the feature), an unused inodes count larger than the free inodes
     * ({@code PR_0_GDT_ITABLE_UNUSED}).
     */
    static void checkGroupDescs(Ext4SuperBlock sb, GroupDesc[] gds, Ext4Csum csum, List<String> notes) {
        boolean gdtCsum = sb.hasGroupDescCsum();
        boolean latched = false;
        for (int g = 0; g < gds.length; g++) {
            GroupDesc gd = gds[g];
            if (!csum.groupDescCsumValid(g, gd)) {
                if (!latched) {
                    notes.add("One or more block group descriptor checksums are invalid.  Fix? no");
                    latched = true;
                }
                notes.add(String.format("Group descriptor %d checksum is 0x%04x, should be 0x%04x.  IGNORED.", g,
                        gd.checksum(), csum.groupDescCsum(g, gd)));
            }
            boolean uninit = gd.hasFlag(GroupDescDescriptor.EXT4_BG_BLOCK_UNINIT)
                    || gd.hasFlag(GroupDescDescriptor.EXT4_BG_INODE_UNINIT);
            if (!gdtCsum && (uninit || gd.itableUnused() != 0)) {
                notes.add("Group descriptor " + g + " marked uninitialized without feature set.  Fix? no");
            }
            // PR_0_BB_UNINIT_LAST; without the feature e2fsck prints it after PR_0_GDT_UNINIT, whose
            // note says enough here
            if (gdtCsum && g == gds.length - 1 && gd.hasFlag(GroupDescDescriptor.EXT4_BG_BLOCK_UNINIT)) {
                notes.add("Last group block bitmap uninitialized.  Fix? no");
            }
            if (gdtCsum && (gd.itableUnused() > gd.freeInodesCount() || gd.itableUnused() > sb.inodesPerGroup())) {
                notes.add("Group descriptor " + g + " has invalid unused inodes count " + gd.itableUnused() + ".  Fix? no");
            }
        }
    }

    /**
     * {@code check_resize_inode} (notes): without {@code resize_inode} the inode must hold no block
     * and {@code s_reserved_gdt_blocks} must be 0; with it, only the double indirect block may be set,
     * the inode must be an in-use regular file, and the double indirect block must list the reserved
     * descriptor blocks after the descriptor table, each of them (an indirect block) listing its copies
     * in the groups holding a superblock backup.
     *
     * @param reader reads a block (read errors are reported by the checker)
     */
    static void checkResizeInode(Ext4SuperBlock sb, Ext4InodeRaw in, FsckBitmaps.Reader reader, List<String> notes)
            throws IOException {
        boolean feature = sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_RESIZE_INODE);
        if (!feature) {
            if (sb.reservedGdtBlocks() != 0) {
                notes.add("Resize_inode not enabled, but s_reserved_gdt_blocks is " + sb.reservedGdtBlocks() + ".  Fix? no");
            }
            if (blockWord(in, -1) != 0) {
                notes.add("Resize_inode not enabled, but the resize inode is non-zero.  Clear? no");
            }
            return;
        }
        long dind = blockWord(in, EXT2_DIND_BLOCK);
        boolean otherWords = false;
        for (int i = 0; i < InodeDescriptor.EXT4_N_BLOCKS; i++) {
            otherWords |= i != EXT2_DIND_BLOCK && blockWord(in, i) != 0;
        }
        if (otherWords || dind == 0 || in.linksCount() == 0 || (in.mode() & InodeDescriptor.S_IFREG) == 0
                || dind < sb.firstDataBlock() || dind >= sb.blocksCount()) {
            notes.add("Resize inode not valid.  Recreate? no");
            return;
        }
        if (!reservedGdtListed(sb, dind, reader)) {
            notes.add("Resize inode not valid.  Recreate? no");
        }
    }

    /** Word {@code k} of {@code i_block}; k = -1: the first non-zero word, or 0. */
    private static long blockWord(Ext4InodeRaw in, int k) {
        if (k >= 0) {
            return LittleEndian.u32(in.raw(), InodeDescriptor.I_BLOCK + 4 * k);
        }
        for (int i = 0; i < InodeDescriptor.EXT4_N_BLOCKS; i++) {
            long w = LittleEndian.u32(in.raw(), InodeDescriptor.I_BLOCK + 4 * i);
            if (w != 0) {
                return w;
            }
        }
        return 0;
    }

    private static boolean reservedGdtListed(Ext4SuperBlock sb, long dind, FsckBitmaps.Reader reader) throws IOException {
        int bs = sb.blockSize();
        byte[] dindBuf = new byte[bs];
        byte[] indBuf = new byte[bs];
        reader.read(dind, dindBuf, "reading the resize inode's double indirect block");
        int per = bs / 4;
        long pblk = sb.firstDataBlock() + 1 + sb.gdtBlocks();
        int gdtOff = sb.gdtBlocks();
        for (int i = 0; i < sb.reservedGdtBlocks(); i++, gdtOff++, pblk++) {
            gdtOff %= per;
            if (LittleEndian.u32(dindBuf, 4 * gdtOff) != pblk) {
                return false;
            }
            reader.read(pblk, indBuf, "reading a reserved group descriptor block");
            int indOff = 0;
            for (int j = 1; j < sb.groupCount(); j++) {
                if (!sb.groupHasSuper(j)) {
                    continue;
                }
                // EXT2_GROUPS_TO_BLOCKS: the copy sits as far into group j as the original into group 0
                if (indOff >= per || LittleEndian.u32(indBuf, 4 * indOff) != pblk + j * sb.blocksPerGroup()) {
                    return false;
                }
                indOff++;
            }
        }
        return true;
    }
}
