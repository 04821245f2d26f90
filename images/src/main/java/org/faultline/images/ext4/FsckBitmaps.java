package org.faultline.images.ext4;

import org.faultline.fs.ext4.Bitmap;
import org.faultline.fs.ext4.Ext4Csum;
import org.faultline.fs.ext4.Ext4SuperBlock;
import org.faultline.fs.ext4.GroupDesc;
import org.faultline.fs.ext4.GroupDescDescriptor;

import java.io.IOException;

/**
 * The block and inode bitmaps as e2fsck loads them for pass 5 ({@code e2fsck_read_bitmaps}, which
 * calls {@code ext2fs_read_bitmaps} with checksum errors ignored: lib/ext2fs/rw_bitmaps.c).
 *
 * <ul>
 * <li>A group's block bitmap is not read when the group descriptor checksum feature is on
 *     ({@code uninit_bg} or {@code metadata_csum}), the group is {@code EXT4_BG_BLOCK_UNINIT} and its
 *     descriptor's checksum is valid, nor when its location is past the end: it starts all zero. The
 *     same for inode bitmaps and {@code EXT4_BG_INODE_UNINIT}.</li>
 * <li>Then {@code mark_uninit_bg_group_blocks}: for every {@code BLOCK_UNINIT} group, its superblock
 *     copy, descriptor table and reserved descriptor blocks ({@code ext2fs_reserve_super_and_bgd}), its
 *     inode table and its two bitmaps are marked in use, wherever they lie (with {@code flex_bg}, in
 *     another group's bitmap). This is what the kernel's {@code ext4_init_block_bitmap} computes for the
 *     group's own range.</li>
 * <li>A bitmap read from disk must have the bytes past its group's bits up to the end of the block
 *     all ones ({@code bitmap_tail_verify}); otherwise pass 5 reports the padding.</li>
 * </ul>
 *
 * <p>Each group's bitmap is kept as its on-disk bytes ({@code s_blocks_per_group / 8} and
 * {@code s_inodes_per_group / 8}), which is what the bitmap checksums cover.
 */
final class FsckBitmaps {
    /** Reads a block, reporting a read error as the checker does. */
    interface Reader {
        void read(long blk, byte[] buf, String what) throws IOException;
    }

    private final Ext4SuperBlock sb;
    private final byte[][] blockMaps;
    private final byte[][] inodeMaps;
    private boolean blockTail;
    private boolean inodeTail;

    private FsckBitmaps(Ext4SuperBlock sb, int groups) {
        this.sb = sb;
        this.blockMaps = new byte[groups][];
        this.inodeMaps = new byte[groups][];
    }

    /** Loads every group's bitmaps. */
    static FsckBitmaps load(Ext4SuperBlock sb, GroupDesc[] gds, Ext4Csum csum, Reader r) throws IOException {
        FsckBitmaps m = new FsckBitmaps(sb, gds.length);
        int bs = sb.blockSize();
        byte[] buf = new byte[bs];
        int blockBytes = (int) (sb.blocksPerGroup() / 8);
        int inodeBytes = (int) (sb.inodesPerGroup() / 8);
        boolean gdtCsum = sb.hasGroupDescCsum();
        for (int g = 0; g < gds.length; g++) {
            GroupDesc gd = gds[g];
            boolean csumOk = csum.groupDescCsumValid(g, gd);
            boolean blockUninit = gdtCsum && gd.hasFlag(GroupDescDescriptor.EXT4_BG_BLOCK_UNINIT) && csumOk;
            m.blockMaps[g] = new byte[blockBytes];
            if (!blockUninit && gd.blockBitmap() < sb.blocksCount()) {
                r.read(gd.blockBitmap(), buf, "reading block bitmap of group " + g);
                System.arraycopy(buf, 0, m.blockMaps[g], 0, blockBytes);
                m.blockTail |= !allOnes(buf, blockBytes);
            }
            boolean inodeUninit = gdtCsum && gd.hasFlag(GroupDescDescriptor.EXT4_BG_INODE_UNINIT) && csumOk;
            m.inodeMaps[g] = new byte[inodeBytes];
            if (!inodeUninit && gd.inodeBitmap() < sb.blocksCount()) {
                r.read(gd.inodeBitmap(), buf, "reading inode bitmap of group " + g);
                System.arraycopy(buf, 0, m.inodeMaps[g], 0, inodeBytes);
                m.inodeTail |= !allOnes(buf, inodeBytes);
            }
        }
        m.markUninitGroupBlocks(gds);
        return m;
    }

    private static boolean allOnes(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    /** {@code mark_uninit_bg_group_blocks}. */
    private void markUninitGroupBlocks(GroupDesc[] gds) {
        long blocks = sb.blocksCount();
        for (int g = 0; g < gds.length; g++) {
            GroupDesc gd = gds[g];
            if (!gd.hasFlag(GroupDescDescriptor.EXT4_BG_BLOCK_UNINIT)) {
                continue;
            }
            reserveSuperAndBgd(g);
            if (gd.inodeTable() != 0) {
                markRange(gd.inodeTable(), sb.inodeTableBlocks());
            }
            if (gd.blockBitmap() != 0 && gd.blockBitmap() < blocks) {
                markBlock(gd.blockBitmap());
            }
            if (gd.inodeBitmap() != 0 && gd.inodeBitmap() < blocks) {
                markBlock(gd.inodeBitmap());
            }
        }
    }

    /**
     * {@code ext2fs_reserve_super_and_bgd} without {@code meta_bg}: the group's superblock copy (block
     * 0 for group 0 in any case), then the descriptor table and reserved descriptor blocks after it.
     */
    private void reserveSuperAndBgd(int g) {
        long first = sb.groupFirstBlock(g);
        boolean hasSuper = sb.groupHasSuper(g);
        if (hasSuper || g == 0) {
            markBlock(hasSuper ? first : 0);
        }
        if (hasSuper) {
            long n = sb.gdtBlocks() + sb.reservedGdtBlocks();
            n = Math.min(n, sb.blocksCount() - (first + 1));
            markRange(first + 1, n);
        }
    }

    private void markRange(long start, long n) {
        for (long b = start; b < start + n && b < sb.blocksCount(); b++) {
            markBlock(b);
        }
    }

    private void markBlock(long b) {
        int g = sb.groupOfBlock(b);
        if (g >= 0 && g < blockMaps.length) {
            Bitmap.set(blockMaps[g], (int) (b - sb.groupFirstBlock(g)));
        }
    }

    /** @return group {@code g}'s block bitmap as loaded ({@code s_blocks_per_group / 8} bytes) */
    byte[] blockMap(int g) {
        return blockMaps[g];
    }

    /** @return group {@code g}'s inode bitmap as loaded ({@code s_inodes_per_group / 8} bytes) */
    byte[] inodeMap(int g) {
        return inodeMaps[g];
    }

    /** @return whether some block bitmap read from disk has a byte past its group's bits not all ones */
    boolean blockTailProblem() {
        return blockTail;
    }

    /** @return the same for inode bitmaps */
    boolean inodeTailProblem() {
        return inodeTail;
    }
}
