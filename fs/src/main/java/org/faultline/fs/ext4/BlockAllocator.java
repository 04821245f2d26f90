package org.faultline.fs.ext4;

import java.io.IOException;
import java.util.BitSet;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * Block allocation over the per-group block bitmaps ({@code fs/ext4/mballoc.c} in spirit, much
 * simpler): goal-based first fit. The search starts at the goal block, takes the first free block at
 * or after it in the goal's group and as many contiguous free blocks after that as wanted, then moves
 * group by group (wrapping around) and finally to the part of the goal's group before the goal.
 *
 * <p>Every allocation and free updates the bitmap (through the {@link MetadataCache}),
 * {@code bg_free_blocks_count} and {@code s_free_blocks_count}, and records the group in the dirty set
 * so the volume writes the descriptor back at sync. Freed blocks are {@link MetadataCache#forget
 * forgotten} by the cache. Freeing a block that is already free, or one outside the data area, is
 * reported as corruption and changes nothing.
 *
 * <p>{@code s_r_blocks_count} is not enforced: the offline tools act as root.
 *
 * <p>Not thread-safe (this layer is single-threaded).
 */
@KernelSource("fs/ext4/mballoc.c")
public final class BlockAllocator {

    /**
     * A run of allocated blocks.
     *
     * @param start first block
     * @param len   number of blocks (&gt;= 1)
     */
    public record Run(long start, int len) {
    }

    private final Ext4SuperBlock sb;
    private final GroupDesc[] gds;
    private final MetadataCache cache;
    private final BitSet dirtyGroups;
    private final String dev;
    private final Ext4Csum csum;
    private LongSupplier dataReserve = () -> 0L;

    /**
     * @param sb          the superblock (free count updated in place)
     * @param gds         the group descriptors (free counts updated in place)
     * @param cache       the metadata cache holding the bitmaps
     * @param dirtyGroups groups whose descriptor changed (bits set here)
     * @param dev         device name for messages
     * @param csum        the volume's checksums (bitmap checksums in the descriptors)
     */
    public BlockAllocator(Ext4SuperBlock sb, GroupDesc[] gds, MetadataCache cache, BitSet dirtyGroups, String dev,
                          Ext4Csum csum) {
        this.sb = sb;
        this.gds = gds;
        this.cache = cache;
        this.dirtyGroups = dirtyGroups;
        this.dev = dev;
        this.csum = csum;
    }

    /** Bytes of a block bitmap the checksum covers ({@code EXT4_CLUSTERS_PER_GROUP / 8}). */
    private int bitmapBytes() {
        return (int) (sb.blocksPerGroup() / 8);
    }

    /**
     * {@code ext4_read_block_bitmap}: group {@code g}'s block bitmap, made by
     * {@code ext4_init_block_bitmap} for a group still {@code EXT4_BG_BLOCK_UNINIT} (nothing read), else
     * read and checked once ({@code ext4_validate_block_bitmap}: a bad checksum fails with
     * {@code EFSBADCRC}).
     *
     * @throws IOException a bad checksum, a device error
     */
    public byte[] bitmap(int g) throws IOException {
        GroupDesc d = gds[g];
        long bb = d.blockBitmap();
        if (sb.hasGroupDescCsum() && d.hasFlag(GroupDescDescriptor.EXT4_BG_BLOCK_UNINIT)) {
            return cache.getMade(bb, b -> ext4InitBlockBitmap(g, b));
        }
        return cache.getVerified(bb, b -> {
            if (!csum.blockBitmapCsumValid(d, b, bitmapBytes())) {
                throw Ext4Exception.badCrc(dev, "ext4_validate_block_bitmap: bg " + g + ": bad block bitmap checksum");
            }
        });
    }

    /**
     * {@code ext4_init_block_bitmap}: the bitmap of a group never allocated from: its superblock copy,
     * descriptors and reserved descriptors, and those of its bitmaps and inode table that lie inside
     * it (all of them without flex_bg), in use; the bits past the group's end set
     * ({@code ext4_mark_bitmap_end}).
     */
    void ext4InitBlockBitmap(int g, byte[] b) {
        java.util.Arrays.fill(b, (byte) 0);
        long first = sb.groupFirstBlock(g);
        long n = sb.groupBlocks(g);
        Bitmap.setRange(b, 0, sb.groupSuperOverhead(g));
        GroupDesc d = gds[g];
        markIfInGroup(b, first, n, d.blockBitmap(), 1);
        markIfInGroup(b, first, n, d.inodeBitmap(), 1);
        markIfInGroup(b, first, n, d.inodeTable(), sb.inodeTableBlocks());
        Bitmap.setRange(b, (int) n, b.length * 8);
    }

    private static void markIfInGroup(byte[] b, long first, long n, long start, long len) {
        for (long x = start; x < start + len; x++) {
            if (x >= first && x < first + n) {
                Bitmap.set(b, (int) (x - first));
            }
        }
    }

    /**
     * {@code __ext4_new_inode}'s "we may have to initialize the block bitmap": a group whose first
     * inode is being allocated gets a real block bitmap if it had none.
     *
     * @throws IOException a device error
     */
    void initializeBitmap(int g) throws IOException {
        if (sb.hasGroupDescCsum() && gds[g].hasFlag(GroupDescDescriptor.EXT4_BG_BLOCK_UNINIT)) {
            bitmapChanged(g, bitmap(g));
        }
    }

    /**
     * The first allocation from a group still {@code EXT4_BG_BLOCK_UNINIT} ({@code ext4_mb_mark_diskspace_used}
     * with a descriptor checksum): its bitmap, made in memory, becomes a real one to be written.
     */
    private void initializeGroup(int g) {
        GroupDesc d = gds[g];
        if (sb.hasGroupDescCsum() && d.hasFlag(GroupDescDescriptor.EXT4_BG_BLOCK_UNINIT)) {
            d.setFlags(d.flags() & ~GroupDescDescriptor.EXT4_BG_BLOCK_UNINIT);
            dirtyGroups.set(g);
        }
    }

    /** After a change to group {@code g}'s bitmap {@code map}: dirty it, and its checksum in the descriptor. */
    private void bitmapChanged(int g, byte[] map) {
        initializeGroup(g);
        cache.markDirty(gds[g].blockBitmap());
        csum.setBlockBitmapCsum(gds[g], map, bitmapBytes());
        dirtyGroups.set(g);
    }

    /**
     * Sets what a data allocation not reserved by delayed allocation must leave free: the mounted
     * filesystem's dirty (delalloc-reserved) clusters plus {@code s_resv_clusters}. Offline use
     * reserves nothing.
     */
    public void setDataReserve(LongSupplier reserve) {
        this.dataReserve = Objects.requireNonNull(reserve, "reserve");
    }

    /**
     * ext4_mb_new_blocks()' claim loop over ext4_claim_free_clusters(), for a caller with root's
     * rights (the root-reserved blocks are usable, {@code s_resv_clusters} and the dirty clusters
     * are not): halves {@code len} until that many blocks can be had.
     *
     * @return the length to allocate, &gt;= 1
     * @throws Ext4Exception ENOSPC when not even one block can be
     */
    public int ext4ClaimFreeClusters(int len) throws Ext4Exception {
        long avail = freeBlocks() - dataReserve.getAsLong();
        while (len > 0 && len > avail) {
            len >>= 1;
        }
        if (len == 0) {
            throw new Ext4Exception(Errno.ENOSPC, dev + ": " + Errno.text(Errno.ENOSPC));
        }
        return len;
    }

    /** @return free blocks ({@code s_free_blocks_count}) */
    public long freeBlocks() {
        return sb.freeBlocksCount();
    }

    /**
     * Allocates up to {@code max} contiguous blocks, the first one as close after {@code goal} as
     * possible.
     *
     * @param goal preferred first block (any value; out-of-range goals start at the first group)
     * @param max  wanted length (&gt;= 1)
     * @return the run (length 1..max)
     * @throws Ext4Exception {@link org.faultline.kernel.Errno#ENOSPC} when no block is free
     * @throws IOException   on a device error reading a bitmap
     */
    public Run allocate(long goal, int max) throws IOException {
        if (max < 1) {
            throw new IllegalArgumentException("allocate " + max + " blocks");
        }
        if (sb.freeBlocksCount() == 0) {
            throw noSpace();
        }
        if (goal < sb.firstDataBlock() || goal >= sb.blocksCount()) {
            goal = sb.firstDataBlock();
        }
        int groups = sb.groupCount();
        int g0 = sb.groupOfBlock(goal);
        int start0 = (int) (goal - sb.groupFirstBlock(g0));
        for (int k = 0; k <= groups; k++) {
            int g = (g0 + k) % groups;
            if (gds[g].freeBlocksCount() == 0) {
                continue;
            }
            int from = k == 0 ? start0 : 0;
            int limit = k == groups ? start0 : (int) sb.groupBlocks(g);
            if (from >= limit) {
                continue;
            }
            byte[] map = bitmap(g);
            int i = Bitmap.findNextZero(map, from, limit);
            if (i < 0) {
                continue;
            }
            int len = Bitmap.zeroRun(map, i, (int) sb.groupBlocks(g), Math.min(max, gds[g].freeBlocksCount()));
            Bitmap.setRange(map, i, i + len);
            bitmapChanged(g, map);
            gds[g].setFreeBlocksCount(gds[g].freeBlocksCount() - len);
            sb.setFreeBlocksCount(sb.freeBlocksCount() - len);
            dirtyGroups.set(g);
            return new Run(sb.groupFirstBlock(g) + i, len);
        }
        throw noSpace();
    }

    /**
     * Allocates exactly one block near {@code goal}.
     *
     * @return the block number
     * @throws Ext4Exception ENOSPC
     * @throws IOException   on a device error
     */
    public long allocateOne(long goal) throws IOException {
        return allocate(goal, 1).start();
    }

    private Ext4Exception noSpace() {
        return new Ext4Exception(Errno.ENOSPC, dev + ": " + Errno.text(Errno.ENOSPC));
    }

    /**
     * Frees {@code count} blocks from {@code start} ({@code ext4_free_blocks}); they may span groups.
     *
     * @throws Ext4Exception {@link org.faultline.kernel.Errno#EUCLEAN} if a block is outside the device or already
     *                       free (nothing is freed then)
     * @throws IOException   on a device error
     */
    public void free(long start, long count) throws IOException {
        if (count <= 0) {
            return;
        }
        if (start <= sb.firstDataBlock() || start + count > sb.blocksCount()) {
            throw Ext4Exception.corrupt(dev, "freeing blocks " + start + "+" + count + " outside the data area");
        }
        // check first, so a corrupt request changes nothing
        for (long b = start; b < start + count; ) {
            int g = sb.groupOfBlock(b);
            long gEnd = Math.min(start + count, sb.groupFirstBlock(g) + sb.groupBlocks(g));
            // ext4_mb_clear_bb: a range over the group's superblock copy and descriptors, bitmaps or inode
            // table (a damaged extent pointing at metadata) is refused, nothing freed
            long meta0 = sb.groupFirstBlock(g);
            if (overlaps(b, gEnd, meta0, meta0 + sb.groupSuperOverhead(g))
                    || overlaps(b, gEnd, gds[g].blockBitmap(), gds[g].blockBitmap() + 1)
                    || overlaps(b, gEnd, gds[g].inodeBitmap(), gds[g].inodeBitmap() + 1)
                    || overlaps(b, gEnd, gds[g].inodeTable(), gds[g].inodeTable() + sb.inodeTableBlocks())) {
                throw Ext4Exception.corrupt(dev, "ext4_free_blocks: Freeing blocks in system zone - Block = " + start
                        + ", count = " + count);
            }
            byte[] map = bitmap(g);
            for (long x = b; x < gEnd; x++) {
                if (!Bitmap.test(map, (int) (x - sb.groupFirstBlock(g)))) {
                    throw Ext4Exception.corrupt(dev, "freeing already free block " + x + " (group " + g + ")");
                }
            }
            b = gEnd;
        }
        for (long b = start; b < start + count; ) {
            int g = sb.groupOfBlock(b);
            long first = sb.groupFirstBlock(g);
            long gEnd = Math.min(start + count, first + sb.groupBlocks(g));
            byte[] map = bitmap(g);
            for (long x = b; x < gEnd; x++) {
                Bitmap.clear(map, (int) (x - first));
            }
            cache.forgetRange(b, gEnd - b);
            bitmapChanged(g, map);
            int n = (int) (gEnd - b);
            gds[g].setFreeBlocksCount(gds[g].freeBlocksCount() + n);
            sb.setFreeBlocksCount(sb.freeBlocksCount() + n);
            dirtyGroups.set(g);
            b = gEnd;
        }
    }

    private static boolean overlaps(long a0, long a1, long b0, long b1) {
        return a0 < b1 && b0 < a1;
    }

    /**
     * @return whether {@code block} is marked in use in its group's bitmap
     * @throws IOException on a device error
     */
    public boolean inUse(long block) throws IOException {
        int g = sb.groupOfBlock(block);
        return Bitmap.test(bitmap(g), (int) (block - sb.groupFirstBlock(g)));
    }
}
