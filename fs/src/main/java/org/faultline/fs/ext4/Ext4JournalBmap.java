package org.faultline.fs.ext4;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.faultline.fs.jbd2.Jbd2Exception;
import org.faultline.fs.jbd2.Journal;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * {@code ext4_journal_bmap} (fs/ext4/super.c): jbd2's map from journal block to device block, through
 * the journal inode — its extent tree ({@code ext4_map_blocks} on an extent-mapped inode, what
 * {@code mke2fs} makes) or, for a journal made by an older {@code mke2fs} or {@code tune2fs}, its
 * direct and indirect blocks (ext3's {@code ext4_ind_map_blocks}).
 *
 * <p>A journal block the file does not map fails: {@code EXT4-fs (sda): journal bmap failed: block N
 * ret 0}, {@code EIO}. Deviations: the extent map is read once, when the journal is opened (the
 * tree's blocks are checked then, checksums included), and kept sorted; indirect blocks are read when
 * first needed and kept. The kernel, on a hole, returns success with the block number unmapped; here it
 * is an error.
 *
 * <p>Single-threaded, as the recovery that uses it.
 */
@KernelSource("fs/ext4/super.c")
final class Ext4JournalBmap {
    private Ext4JournalBmap() {
    }

    /**
     * The block map of journal inode {@code ino}.
     *
     * @throws Ext4Exception a corrupt extent tree or a checksum failure in it
     */
    static Journal.Bmap of(BlockIo io, String dev, Ext4SuperBlock es, long ino, Ext4InodeRaw inode,
                           Consumer<String> printk) throws Ext4Exception {
        Journal.Bmap map;
        if (inode.hasFlag(InodeDescriptor.EXT4_EXTENTS_FL)) {
            map = extentMap(io, dev, es, ino, inode);
        } else {
            map = new Indirect(io, es, inode)::map;
        }
        return block -> {
            long p = map.bmap(block);
            if (p <= 0 || p >= es.blocksCount()) {
                String line = "EXT4-fs (" + dev + "): journal bmap failed: block " + block + " ret " + (p < 0 ? p : 0);
                printk.accept(line);
                throw new Jbd2Exception(Errno.EIO, line);
            }
            return p;
        };
    }

    /** Every extent of the tree, once, as sorted arrays; 0 for a block no extent maps. */
    private static Journal.Bmap extentMap(BlockIo io, String dev, Ext4SuperBlock es, long ino, Ext4InodeRaw inode)
            throws Ext4Exception {
        Ext4Csum csum = new Ext4Csum(es);
        ExtentTree tree = new ExtentTree(inode, ino, new ReadOnlyStore(io, dev, es, csum.inodeSeed(ino, inode.generation()), csum, ino));
        List<Extent> list;
        try {
            list = tree.extents();
        } catch (Ext4Exception e) {
            throw e;
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, dev + ": cannot read the journal's extent tree: " + e.getMessage(), e);
        }
        long[] lblk = new long[list.size()];
        long[] pblk = new long[list.size()];
        int[] len = new int[list.size()];
        for (int i = 0; i < list.size(); i++) {
            lblk[i] = list.get(i).lblk();
            pblk[i] = list.get(i).pblk();
            len[i] = list.get(i).len();
        }
        return block -> {
            int lo = 0;
            int hi = lblk.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (block < lblk[mid]) {
                    hi = mid - 1;
                } else if (block >= lblk[mid] + len[mid]) {
                    lo = mid + 1;
                } else {
                    return pblk[mid] + (block - lblk[mid]);
                }
            }
            return 0;
        };
    }

    /** The extent tree's node reads, straight from the device with their checksum checked; nothing is written. */
    private record ReadOnlyStore(BlockIo io, String dev, Ext4SuperBlock es, int iseed, Ext4Csum csum, long ino)
            implements ExtentTree.Store {
        @Override
        public int blockSize() {
            return io.blockSize();
        }

        @Override
        public long deviceBlocks() {
            return es.blocksCount();
        }

        @Override
        public long freeBlocks() {
            return 0;
        }

        @Override
        public byte[] readNode(long pblk) throws IOException {
            byte[] b = new byte[io.blockSize()];
            io.read(pblk, b);
            if (!csum.extentBlockCsumValid(iseed, b)) {
                throw Ext4Exception.badCrc(dev, "ext4_ext_check_inode: inode #" + ino + ": pblk " + pblk
                        + " bad header/extent: extent tree checksum invalid");
            }
            return b;
        }

        @Override
        public void dirtyNode(long pblk) {
            throw new UnsupportedOperationException("the journal's extent tree is only read");
        }

        @Override
        public long allocNode(long goal) {
            throw new UnsupportedOperationException("the journal's extent tree is only read");
        }

        @Override
        public byte[] newNode(long pblk) {
            throw new UnsupportedOperationException("the journal's extent tree is only read");
        }

        @Override
        public void freeNode(long pblk) {
            throw new UnsupportedOperationException("the journal's extent tree is only read");
        }

        @Override
        public void freeData(long pblk, long count) {
            throw new UnsupportedOperationException("the journal's extent tree is only read");
        }
    }

    /**
     * An ext3-style block map: 12 direct blocks in {@code i_block}, then one indirect, one double and
     * one triple indirect block of 4-byte block numbers; 0 is a hole.
     */
    private static final class Indirect {
        private final BlockIo io;
        private final Ext4SuperBlock es;
        private final long[] iBlock = new long[InodeDescriptor.EXT4_N_BLOCKS];
        private final Map<Long, byte[]> blocks = new HashMap<>();
        private final int perBlock;

        Indirect(BlockIo io, Ext4SuperBlock es, Ext4InodeRaw inode) {
            this.io = io;
            this.es = es;
            for (int i = 0; i < iBlock.length; i++) {
                iBlock[i] = LittleEndian.u32(inode.raw(), InodeDescriptor.I_BLOCK + 4 * i);
            }
            this.perBlock = io.blockSize() / 4;
        }

        long map(long block) throws IOException {
            if (block < 12) {
                return iBlock[(int) block];
            }
            long l = block - 12;
            long span = perBlock;
            for (int level = 1; level <= 3; level++) {
                if (l < span) {
                    return walk(iBlock[11 + level], level, l);
                }
                l -= span;
                span *= perBlock;
            }
            return 0;
        }

        /** Follows {@code level} indirect blocks from {@code blk} to entry {@code l} of the subtree. */
        private long walk(long blk, int level, long l) throws IOException {
            long span = 1;
            for (int k = 1; k < level; k++) {
                span *= perBlock;
            }
            long b = blk;
            long rest = l;
            for (int k = level; k >= 1; k--) {
                if (b <= 0 || b >= es.blocksCount()) {
                    return 0;
                }
                b = LittleEndian.u32(indirect(b), (int) (rest / span) * 4);
                rest %= span;
                span /= perBlock;
            }
            return b;
        }

        private byte[] indirect(long blk) throws IOException {
            byte[] b = blocks.get(blk);
            if (b == null) {
                b = new byte[io.blockSize()];
                io.read(blk, b);
                blocks.put(blk, b);
            }
            return b;
        }
    }
}
