package org.faultline.fs.ext4;

import java.io.IOException;
import java.util.List;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * fs/ext4/extents.c as the rest of ext4 calls it: mapping logical blocks ({@code ext4_ext_map_blocks}),
 * converting unwritten extents ({@code ext4_convert_unwritten_extents}), removing a range
 * ({@code ext4_ext_remove_space}) and preallocating ({@code ext4_alloc_file_blocks}). The tree itself
 * (search, insert with splits and merges, removal) is {@link ExtentTree}; this class gives it its
 * store (nodes through the metadata cache, blocks from {@link BlockAllocator}) and the goal of a new
 * allocation ({@code ext4_ext_find_goal}).
 *
 * <p>No data I/O: the kernel's page cache and block layer (or an offline tool) read and write the
 * blocks a mapping reports. Context: single-threaded, under the caller's filesystem lock.
 */
@KernelSource("fs/ext4/extents.c")
public final class Ext4Extents {
    private final Ext4Volume v;

    Ext4Extents(Ext4Volume v) {
        this.v = v;
    }

    /**
     * A mapping, as {@code struct ext4_map_blocks} after {@code ext4_map_blocks}.
     *
     * @param lblk      first logical block
     * @param pblk      first physical block, or 0 for a hole of {@code len} blocks
     * @param len       blocks in the run (&gt;= 1)
     * @param unwritten whether the run is an unwritten (preallocated) extent: reads must see zeros
     *                  ({@code EXT4_MAP_UNWRITTEN})
     * @param isNew     whether the blocks were just allocated by this call ({@code EXT4_MAP_NEW}); their
     *                  contents are whatever the device holds
     */
    public record BlockMap(long lblk, long pblk, int len, boolean unwritten, boolean isNew) {
        /** @return whether this is a hole */
        public boolean hole() {
            return pblk == 0;
        }
    }

    ExtentTree tree(long ino, Ext4InodeRaw in) {
        return new ExtentTree(in, ino, new TreeStore(ino, v.csum.inodeSeed(ino, in.generation())));
    }

    /**
     * One inode's extent tree's view of the volume: nodes through the cache (checked against their
     * tail checksum when read, the checksum set when written), blocks from the allocator.
     */
    private final class TreeStore implements ExtentTree.Store {
        private final long ino;
        private final int iseed;
        private final MetadataCache.Csum setCsum;

        TreeStore(long ino, int iseed) {
            this.ino = ino;
            this.iseed = iseed;
            this.setCsum = b -> v.csum.setExtentBlockCsum(iseed, b);
        }

        @Override
        public int blockSize() {
            return v.bs;
        }

        @Override
        public long deviceBlocks() {
            return v.sb.blocksCount();
        }

        @Override
        public long freeBlocks() {
            return v.sb.freeBlocksCount();
        }

        @Override
        public String dev() {
            return v.dev;
        }

        @Override
        public byte[] readNode(long pblk) throws IOException {
            return v.cache.getVerified(pblk, b -> {
                if (!v.csum.extentBlockCsumValid(iseed, b)) {
                    // __ext4_ext_check's words; max and depth each with what was expected in brackets
                    int max = (v.bs - 12) / 12; // ext4_ext_max_entries of a node in a block
                    int depth = LittleEndian.u16(b, 6);
                    throw Ext4Exception.badCrc(v.dev, "ext4_find_extent: inode #" + ino + ": pblk " + pblk
                            + " bad header/extent: extent tree corrupted - magic " + Integer.toHexString(LittleEndian.u16(b, 0))
                            + ", entries " + LittleEndian.u16(b, 2) + ", max " + LittleEndian.u16(b, 4) + "(" + max + ")"
                            + ", depth " + depth + "(" + depth + ")");
                }
            });
        }

        @Override
        public void dirtyNode(long pblk) {
            v.cache.markDirty(pblk, setCsum);
        }

        @Override
        public long allocNode(long goal) throws IOException {
            return v.balloc.allocateOne(goal);
        }

        @Override
        public byte[] newNode(long pblk) {
            byte[] b = v.cache.getNew(pblk);
            v.cache.markDirty(pblk, setCsum);
            return b;
        }

        @Override
        public void freeNode(long pblk) throws IOException {
            v.balloc.free(pblk, 1);
        }

        @Override
        public void freeData(long pblk, long count) throws IOException {
            v.balloc.free(pblk, count);
        }
    }

    /** {@code ext4_inode_to_goal_block}: the first data block of the inode's group. */
    long ext4InodeToGoalBlock(long ino) {
        Ext4SuperBlock sb = v.sb;
        int g = sb.groupOfInode(ino);
        return sb.groupFirstBlock(g) + sb.groupSuperOverhead(g);
    }

    /** {@code ext4_ext_find_goal}: after the extent at or before {@code lblk}, else the inode's group. */
    long ext4ExtFindGoal(long ino, ExtentTree t, long lblk) throws IOException {
        Extent e = t.extentAtOrBefore(lblk);
        if (e != null) {
            return e.pblk() + (lblk - e.lblk());
        }
        return ext4InodeToGoalBlock(ino);
    }

    /** Logical blocks a file can have: {@link Ext4Volume#MAX_FILE_SIZE} / block size. */
    private long maxFileBlocks() {
        return Ext4Volume.MAX_FILE_SIZE / v.bs;
    }

    private Ext4Exception efbig(long ino) {
        return new Ext4Exception(Errno.EFBIG, v.dev + ": inode " + ino + ": " + Errno.text(Errno.EFBIG));
    }

    /** {@link #ext4ExtMapBlocks(long, long, int, boolean, boolean, boolean)} not delalloc-reserved. */
    public BlockMap ext4ExtMapBlocks(long ino, long lblk, int maxLen, boolean create, boolean createUnwritten)
            throws IOException {
        return ext4ExtMapBlocks(ino, lblk, maxLen, create, createUnwritten, false);
    }

    /**
     * {@code ext4_ext_map_blocks}: the mapping of logical block {@code lblk} of {@code ino}, a run of up
     * to {@code maxLen} blocks in the same state. A mapped run ends at its extent's end (written and
     * unwritten extents are reported as they are: {@code create} never converts, see
     * {@link #ext4ConvertUnwrittenExtents}). A hole reports {@code pblk == 0} and its length up to the
     * next mapped block.
     *
     * <p>With {@code create} and {@code lblk} in a hole: allocates up to {@code maxLen} contiguous
     * blocks (fewer if the hole is shorter or the allocator finds a shorter free run), the goal being
     * the physical block after the previous extent ({@code ext4_ext_find_goal}), maps them as a
     * written extent (unwritten if {@code createUnwritten}) and reports {@code isNew}. Updates
     * {@code i_blocks}; the size and times are untouched. New blocks are not zeroed (the caller writes
     * or zeroes all of them).
     *
     * @param ino              a regular file (link count may be 0), or without {@code create} a slow symlink
     * @param lblk             logical block, &gt;= 0
     * @param maxLen           most blocks wanted, &gt;= 1
     * @param create           allocate a hole
     * @param createUnwritten  allocate it as an unwritten extent
     * @param delallocReserved the blocks were reserved when the data was dirtied
     *                         ({@code EXT4_MB_DELALLOC_RESERVED}): the allocation may use the blocks
     *                         {@link BlockAllocator#setDataReserve reserved} for others
     * @return the mapping
     * @throws IOException EINVAL (bad arguments, not a regular file), EISDIR, EFBIG (allocating past
     *                     {@link Ext4Volume#MAX_FILE_SIZE}), ENOSPC (no free block; nothing changed), EROFS
     */
    public BlockMap ext4ExtMapBlocks(long ino, long lblk, int maxLen, boolean create, boolean createUnwritten,
                                     boolean delallocReserved) throws IOException {
        v.begin(create);
        if (lblk < 0 || maxLen < 1) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode " + ino + ": map " + lblk + "+" + maxLen);
        }
        Ext4InodeRaw in = create ? v.inodes().heldRegular(ino, true) : v.inodes().heldMappable(ino);
        if (lblk >= ExtentDescriptor.EXT_MAX_BLOCKS) {
            if (create) {
                throw efbig(ino);
            }
            return new BlockMap(lblk, 0, maxLen, false, false);
        }
        ExtentTree t = tree(ino, in);
        BlockMap found = lookup(t, lblk, maxLen);
        if (!found.hole() || !create) {
            return found;
        }
        if (lblk >= maxFileBlocks()) {
            throw efbig(ino);
        }
        long want = Math.min(found.len(), maxFileBlocks() - lblk);
        want = Math.min(want, createUnwritten ? ExtentDescriptor.EXT_UNWRITTEN_MAX_LEN : ExtentDescriptor.EXT_INIT_MAX_LEN);
        if (!delallocReserved) {
            want = v.balloc.ext4ClaimFreeClusters((int) want);
        }
        BlockAllocator.Run r = v.balloc.allocate(ext4ExtFindGoal(ino, t, lblk), (int) want);
        try {
            t.insert(lblk, r.start(), r.len(), createUnwritten);
        } catch (IOException | RuntimeException ex) {
            v.balloc.free(r.start(), r.len());
            v.inodes().writeInode(ino, in); // a failed insert changes nothing, but keep the inode and tree in step
            throw ex;
        }
        in.setBlocks512(in.blocks512() + (long) r.len() * (v.bs / 512));
        v.inodes().writeInode(ino, in);
        return new BlockMap(lblk, r.start(), r.len(), createUnwritten, true);
    }

    /**
     * The lookup half of {@code ext4_ext_map_blocks} (no {@code EXT4_GET_BLOCKS_CREATE}) on an inode
     * the caller has read: for the offline tools, which reach an inode by name, not by a reference the
     * kernel holds.
     *
     * @param in   the inode as read ({@link Ext4Inodes#regular} or {@link Ext4Inodes#readInode})
     * @return the mapping of {@code lblk}, at most {@code maxLen} blocks
     * @throws IOException corruption, EOPNOTSUPP if not extent-mapped
     */
    public BlockMap lookup(long ino, Ext4InodeRaw in, long lblk, int maxLen) throws IOException {
        v.begin(false);
        if (lblk >= ExtentDescriptor.EXT_MAX_BLOCKS) {
            return new BlockMap(lblk, 0, maxLen, false, false);
        }
        return lookup(tree(ino, in), lblk, maxLen);
    }

    private static BlockMap lookup(ExtentTree t, long lblk, int maxLen) throws IOException {
        Extent e = t.findExtent(lblk);
        if (e != null) {
            int len = (int) Math.min(maxLen, e.lend() - lblk);
            return new BlockMap(lblk, e.pblk() + (lblk - e.lblk()), len, e.unwritten(), false);
        }
        return new BlockMap(lblk, 0, (int) Math.min(maxLen, t.nextMapped(lblk) - lblk), false, false);
    }

    /**
     * {@code ext4_convert_unwritten_extents}: marks {@code [lblk, lblk+len)} written, splitting
     * unwritten extents at the range's edges (the pieces merge with written neighbours). Holes and
     * written extents in the range are left alone. No data I/O.
     *
     * @throws IOException EINVAL, EISDIR, ENOSPC (a split needs an extent tree block), EROFS
     */
    public void ext4ConvertUnwrittenExtents(long ino, long lblk, long len) throws IOException {
        v.begin(true);
        if (lblk < 0 || len < 0) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode " + ino + ": convert " + lblk + "+" + len);
        }
        Ext4InodeRaw in = v.inodes().heldRegular(ino, true);
        long end = Math.min(lblk + len, ExtentDescriptor.EXT_MAX_BLOCKS);
        ExtentTree t = tree(ino, in);
        try {
            long pos = lblk;
            while (pos < end) {
                Extent e = t.findExtent(pos);
                if (e == null) {
                    pos = t.nextMapped(pos);
                    continue;
                }
                long stop = Math.min(e.lend(), end);
                if (e.unwritten()) {
                    for (Extent piece : t.unmap(pos, stop)) {
                        t.insert(piece.lblk(), piece.pblk(), piece.len(), false);
                    }
                }
                pos = stop;
            }
        } finally {
            v.inodes().writeInode(ino, in);
        }
    }

    /**
     * {@code ext4_ext_remove_space} (as {@code ext4_punch_hole} and {@code ext4_truncate} use it) on
     * whole blocks: unmaps {@code [fromLblk, toLblkExclusive)} and frees those blocks, splitting an
     * extent that straddles the range. The size and times are untouched; no data I/O (the caller has
     * dropped its cached pages of the range).
     *
     * @throws IOException EINVAL, EISDIR, ENOSPC (splitting an extent needs a tree block), EROFS
     */
    public void ext4ExtRemoveSpace(long ino, long fromLblk, long toLblkExclusive) throws IOException {
        v.begin(true);
        if (fromLblk < 0 || toLblkExclusive < fromLblk) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode " + ino + ": remove blocks "
                    + fromLblk + ".." + toLblkExclusive);
        }
        Ext4InodeRaw in = v.inodes().heldRegular(ino, true);
        long to = Math.min(toLblkExclusive, ExtentDescriptor.EXT_MAX_BLOCKS);
        if (fromLblk >= to) {
            return;
        }
        try {
            tree(ino, in).remove(fromLblk, to);
        } finally {
            v.inodes().writeInode(ino, in);
        }
    }

    /**
     * {@code ext4_fallocate} mode 0 or {@code FALLOC_FL_KEEP_SIZE} through {@code ext4_alloc_file_blocks},
     * on whole blocks: unwritten extents over the holes of {@code [fromLblk, fromLblk+count)}; then,
     * unless {@code keepSize}, {@code i_size} grows towards {@code newSize}. {@code i_ctime} is set, and
     * {@code i_mtime} when the size grew. On ENOSPC what was allocated stays, inside the file (as in
     * the kernel, where {@code i_size} follows each chunk).
     *
     * @throws IOException EINVAL, EFBIG past {@link Ext4Volume#MAX_FILE_SIZE}, ENOSPC, EISDIR, EROFS
     */
    public void ext4AllocFileBlocks(long ino, long fromLblk, long count, long newSize, boolean keepSize)
            throws IOException {
        v.begin(true);
        if (fromLblk < 0 || count < 0 || newSize < 0) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode " + ino + ": fallocate blocks "
                    + fromLblk + "+" + count + ", size " + newSize);
        }
        if (fromLblk + count > maxFileBlocks() || fromLblk + count < 0 || newSize > Ext4Volume.MAX_FILE_SIZE) {
            throw efbig(ino);
        }
        Ext4InodeRaw in = v.inodes().heldRegular(ino, true);
        long now = v.now();
        long[] reached = {fromLblk};
        try {
            allocUnwritten(ino, in, fromLblk, fromLblk + count, reached);
            reached[0] = Long.MAX_VALUE / v.bs;
        } finally {
            long epos = reached[0] > fromLblk ? Math.min(newSize, reached[0] * v.bs) : 0;
            if (!keepSize && epos > in.size()) {
                in.setSize(epos);
                in.setMtime(now);
            }
            in.setCtime(now);
            v.inodes().writeInode(ino, in);
        }
    }

    /**
     * Unwritten extents over every hole of {@code [lblk, endBlock)}, {@code i_blocks} updated in
     * {@code in} (the caller writes the inode, also after a failure: what was allocated stays).
     *
     * @param reached set to the end of what is mapped after each chunk
     */
    private void allocUnwritten(long ino, Ext4InodeRaw in, long lblk, long endBlock, long[] reached) throws IOException {
        ExtentTree t = tree(ino, in);
        while (lblk < endBlock) {
            long next = t.nextMapped(lblk);
            if (next == lblk) {
                lblk = t.findExtent(lblk).lend();
                reached[0] = lblk;
                continue;
            }
            long hole = Math.min(next, endBlock) - lblk;
            int want = v.balloc.ext4ClaimFreeClusters((int) Math.min(hole, ExtentDescriptor.EXT_UNWRITTEN_MAX_LEN));
            BlockAllocator.Run r = v.balloc.allocate(ext4ExtFindGoal(ino, t, lblk), want);
            try {
                t.insert(lblk, r.start(), r.len(), true);
            } catch (IOException | RuntimeException ex) {
                v.balloc.free(r.start(), r.len());
                throw ex;
            }
            in.setBlocks512(in.blocks512() + (long) r.len() * (v.bs / 512));
            lblk += r.len();
            reached[0] = lblk;
        }
    }

    /**
     * @param ino an inode
     * @return its extents, in logical order
     * @throws IOException corruption, EOPNOTSUPP if not extent-mapped
     */
    public List<Extent> extents(long ino) throws IOException {
        v.begin(false);
        return tree(ino, v.inodes().readInode(ino)).extents();
    }

    /**
     * @param ino an inode
     * @return the blocks holding its tree's index and leaf nodes outside the inode (debugfs {@code ex})
     * @throws IOException corruption, EOPNOTSUPP if not extent-mapped
     */
    public List<Long> nodeBlocks(long ino) throws IOException {
        v.begin(false);
        return tree(ino, v.inodes().readInode(ino)).nodeBlocks();
    }

    /**
     * @param ino an inode
     * @return its extent tree depth
     * @throws IOException corruption, EOPNOTSUPP if not extent-mapped
     */
    public int depth(long ino) throws IOException {
        v.begin(false);
        return tree(ino, v.inodes().readInode(ino)).depth();
    }
}
