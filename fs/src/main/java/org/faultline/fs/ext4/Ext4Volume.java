package org.faultline.fs.ext4;

import java.io.IOException;
import java.util.BitSet;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.faultline.fs.jbd2.Recovery;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * An ext4 filesystem instance over a {@link BlockIo}: what {@code struct ext4_sb_info} holds and
 * fs/ext4/super.c does with it — opening with validation ({@code ext4_fill_super},
 * {@code ext4_check_descriptors}), the in-memory superblock and group descriptors, writing them back
 * ({@code ext4_sync_fs}, {@code ext4_commit_super}) and closing ({@code ext4_put_super}). The work on
 * the metadata is split as fs/ext4 splits it, each part reached from here:
 * {@link #inodes()} (inode.c, ialloc.c), {@link #dirs()} (dir.c, namei.c), {@link #extents()}
 * (extents.c), {@link #orphan()} (orphan.c), {@link #mballoc()} (mballoc.c) and the inode allocator.
 * Each public call of a part is the on-disk half of one kernel function, by inode number; the
 * in-kernel ext4 ({@link Ext4Super}, {@link Ext4Namei}, {@link Ext4Inode}) calls them under its
 * filesystem lock, and the offline image tools (module {@code images}: mkfs, fsck, the path API)
 * build on the same calls.
 *
 * <p><strong>What it supports</strong>: the feature set of {@link Ext4Features} (blocks of 1, 2 or
 * 4 KiB, inodes of 128 bytes or more, {@code filetype}, {@code extent}, {@code sparse_super}, {@code large_file},
 * {@code ext_attr} tolerated, a journal in an inode: {@link Ext4Jbd2}). Regular files (extent-mapped, sparse, with unwritten
 * extents), directories linear or hash-indexed ({@code dir_index}: {@link Ext4Htree}), hard links and
 * symbolic links. Files are at most
 * {@link #MAX_FILE_SIZE} bytes (2 TiB - 4 KiB: without {@code huge_file}, {@code i_blocks} counts
 * 512-byte units in 32 bits).
 *
 * <p><strong>Opening</strong> validates the superblock ({@link Ext4SuperBlock#validate}) and every
 * group descriptor (bitmaps and inode table inside their group, clear of the superblock and GDT) and
 * writes nothing — unless the filesystem needs journal recovery ({@code needs_recovery}): then the
 * journal is replayed first and emptied and the flag cleared ({@link Ext4Journal}, as the kernel's
 * mount does, for a read-only open too when the device is writable), and the validation and checks
 * below apply to the recovered filesystem. A read-write open additionally refuses a filesystem whose {@code s_state} is not
 * clean or has errors (run {@code e2fsck} first), and cleans up the orphan list ({@code s_last_orphan},
 * {@link Ext4Orphan#ext4OrphanCleanup}) as the kernel's mount does. The
 * superblock's free counts are taken from the sum of the group descriptors, as the kernel's percpu
 * counters are. {@code s_state} is not changed by a read-write open (like {@code debugfs -w}); a
 * read-write open of a journaled filesystem loads its journal and sets {@code needs_recovery} until
 * {@link #close()} ({@link Ext4Jbd2}).
 *
 * <p><strong>Writing</strong>: metadata goes through a {@link MetadataCache}, is visible to the next
 * call at once, and reaches the device at {@link #sync()} (and {@link #close()}), which writes the
 * primary superblock and group descriptors too; like the kernel, backups are left as mkfs wrote
 * them, except that the backup superblocks are refreshed when a feature bit changes ({@code large_file}
 * set by a file growing past 2 GiB). File data never goes through this class: the kernel's page cache
 * and block layer (or an offline tool) read and write the physical blocks
 * {@link Ext4Extents#ext4ExtMapBlocks} reports, on the same device. With a journal, a sync commits
 * the dirty metadata to it as one transaction and then writes it in place ({@link Ext4Jbd2}; until
 * then the blocks stay in the cache); without one, a crash between writes leaves what
 * {@code e2fsck} would repair.
 *
 * <p>Deviation: the kernel keeps metadata in the block device's page cache through buffer heads; here
 * the private {@link MetadataCache} is that cache (the journal issue replaces it with buffer heads, one
 * call site per part: {@code cache.get}/{@code markDirty}/{@code getNew}).
 *
 * <p><strong>Time</strong> comes from the clock given at open (seconds since the epoch, truncated to
 * 32 bits), by default the fixed {@link #DEFAULT_EPOCH}: no wall clock, so images are reproducible.
 *
 * <p><strong>Errors</strong> are {@link Ext4Exception}s with the errno the kernel would return and a
 * one-line message naming the device.
 *
 * <p><strong>Threads</strong>: none. Single-threaded by design; no part takes a lock: the in-kernel
 * ext4 wraps every call in its own lock, and other callers must likewise never use one volume from
 * several threads at once.
 */
@KernelSource("fs/ext4/super.c")
public final class Ext4Volume implements AutoCloseable {
    /** Longest file: (2^32 - 1) 512-byte sectors rounded down to blocks, as {@code ext4_max_size}. */
    public static final long MAX_FILE_SIZE = ((1L << 32) - 1) * 512 / 4096 * 4096;
    /** {@code EXT4_LINK_MAX}. */
    public static final int EXT4_LINK_MAX = 65000;
    /** Blocks the metadata cache keeps between operations. */
    public static final int DEFAULT_CACHE_BLOCKS = 8192;
    /** The default clock: 2024-01-01T00:00:00Z, so that images are reproducible. */
    public static final long DEFAULT_EPOCH = 1_704_067_200L;

    /** Extended attribute block magic ({@code EXT4_XATTR_MAGIC}). */
    public static final long EXT4_XATTR_MAGIC = 0xEA020000L;

    /**
     * How to open a volume.
     *
     * @param readOnly    refuse every change (and relax the feature policy)
     * @param clock       seconds since the epoch for timestamps
     * @param cacheBlocks metadata blocks kept cached between operations
     * @param noload      the {@code noload} mount option: do not load the journal, so a journal needing
     *                    recovery is not replayed (allowed read-only only, as the kernel allows it)
     * @param printk      where the kernel's messages go ({@code EXT4-fs (sda): recovery complete},
     *                    {@code JBD2: ...}), one line each; by default nowhere
     */
    public record Options(boolean readOnly, LongSupplier clock, int cacheBlocks, boolean noload,
                          Consumer<String> printk) {
        public Options {
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(printk, "printk");
        }

        /** Options without {@code noload}, printing nowhere. */
        public Options(boolean readOnly, LongSupplier clock, int cacheBlocks) {
            this(readOnly, clock, cacheBlocks, false, line -> { });
        }

        /** @return read-write, fixed clock at {@link #DEFAULT_EPOCH} */
        public static Options readWrite() {
            return new Options(false, () -> DEFAULT_EPOCH, DEFAULT_CACHE_BLOCKS);
        }

        /** @return read-only */
        public static Options readOnlyMode() {
            return new Options(true, () -> DEFAULT_EPOCH, DEFAULT_CACHE_BLOCKS);
        }

        /** @return these options with another clock */
        public Options withClock(LongSupplier c) {
            return new Options(readOnly, c, cacheBlocks, noload, printk);
        }

        /** @return these options with {@code noload} set or not */
        public Options withNoload(boolean n) {
            return new Options(readOnly, clock, cacheBlocks, n, printk);
        }

        /** @return these options printing the kernel's messages to {@code p} */
        public Options withPrintk(Consumer<String> p) {
            return new Options(readOnly, clock, cacheBlocks, noload, p);
        }
    }

    final BlockIo io;
    final String dev;
    final boolean readOnly;
    private final LongSupplier clock;
    final Ext4SuperBlock sb;
    final GroupDesc[] gds;
    final MetadataCache cache;
    final BitSet dirtyGroups = new BitSet();
    final Ext4Csum csum;
    final BlockAllocator balloc;
    final InodeAllocator ialloc;
    final int bs;
    private final Ext4Inodes inodes;
    private final Ext4Dirs dirs;
    private final Ext4Extents extents;
    private final Ext4Orphan orphan;
    private final Ext4Xattr xattr;
    private boolean closed;
    /** The journal while mounted read-write with one ({@code sbi->s_journal}), else null. */
    private Ext4Jbd2 jbd2;
    /** What replaying the journal at open did ({@link Ext4Journal}), or null if it needed no recovery. */
    private Recovery.RecoveryInfo recovery;
    /** A static superblock field (a feature bit) changed: sync refreshes the backup superblocks. */
    boolean backupsStale;
    /** A superblock field other than the free counts changed ({@code s_last_orphan}): sync must write it. */
    boolean sbDirty;
    /**
     * {@code sbi->s_hash_unsigned}: 3 when directory names hash as unsigned chars
     * ({@code EXT2_FLAGS_UNSIGNED_HASH}), else 0; added to a root's {@code DX_HASH_*} version.
     */
    final int sHashUnsigned;
    /** {@code sbi->s_hash_seed}. */
    final int[] sHashSeed;
    /** {@code sbi->s_def_hash_version}: the hash version of new htree roots. */
    final int sDefHashVersion;

    private Ext4Volume(BlockIo io, String dev, Options o, Ext4SuperBlock sb, GroupDesc[] gds, MetadataCache cache) {
        this.io = io;
        this.dev = dev;
        this.readOnly = o.readOnly();
        this.clock = o.clock();
        this.sb = sb;
        this.gds = gds;
        this.cache = cache;
        this.bs = sb.blockSize();
        this.csum = new Ext4Csum(sb);
        this.balloc = new BlockAllocator(sb, gds, cache, dirtyGroups, dev, csum);
        this.ialloc = new InodeAllocator(sb, gds, cache, dirtyGroups, dev, csum, balloc);
        this.inodes = new Ext4Inodes(this);
        this.extents = new Ext4Extents(this);
        this.orphan = new Ext4Orphan(this);
        this.xattr = new Ext4Xattr(this);
        this.sHashUnsigned = hashSignedness(sb, readOnly);
        this.sHashSeed = sb.hashSeed();
        this.sDefHashVersion = sb.defHashVersion();
        this.dirs = new Ext4Dirs(this);
    }

    /**
     * {@code ext4_fill_super}'s choice of directory hash signedness with {@code dir_index}: unsigned if
     * {@code s_flags} says so, else signed; a filesystem that says neither is marked signed (the
     * kernel's choice on x86, where {@code char} is signed) when opened read-write, written at the
     * next sync.
     *
     * @return {@code s_hash_unsigned}: 3 or 0
     */
    private int hashSignedness(Ext4SuperBlock sb, boolean readOnly) {
        if (!sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_DIR_INDEX)) {
            return 0;
        }
        int f = sb.flags();
        if ((f & SuperBlockDescriptor.EXT2_FLAGS_UNSIGNED_HASH) != 0) {
            return 3;
        }
        if ((f & SuperBlockDescriptor.EXT2_FLAGS_SIGNED_HASH) == 0 && !readOnly) {
            sb.setFlags(f | SuperBlockDescriptor.EXT2_FLAGS_SIGNED_HASH);
            sbDirty = true;
        }
        return 0;
    }

    // ================================================================ opening

    /**
     * Opens and validates the filesystem on {@code io}. Nothing is written by the open itself, except
     * the replay of a journal that needs recovery ({@link Ext4Journal#ext4LoadJournal}; not with
     * {@link Options#noload}).
     *
     * @param io  the device
     * @param dev its name for messages ({@code sda}, an image file name)
     * @param o   options
     * @return the volume; {@link #close()} it (which syncs a read-write volume)
     * @throws Ext4Exception one line: corruption (EUCLEAN), unsupported features (EOPNOTSUPP), a
     *                       device error (EIO), an unclean filesystem opened read-write (EUCLEAN), a
     *                       journal that cannot be recovered (its errno and the kernel's words), a
     *                       recovery needed on a read-only device (EROFS)
     */
    public static Ext4Volume open(BlockIo io, String dev, Options o) throws Ext4Exception {
        Ext4SuperBlock sb = Ext4SuperBlock.read(io, dev, o.readOnly());
        Recovery.RecoveryInfo recovered = null;
        if (sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER)
                && sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_HAS_JOURNAL)) {
            // ext4_fill_super: the journal inode is the first inode looked at; the replay may change all
            if (!o.noload()) {
                Ext4Journal.Loaded l = Ext4Journal.ext4LoadJournal(io, dev, sb, o);
                sb = l.sb();
                recovered = l.recovery();
            } else if (!o.readOnly()) {
                o.printk().accept("EXT4-fs (" + dev + "): required journal recovery suppressed and not mounted read-only");
                throw new Ext4Exception(Errno.EINVAL, dev + ": required journal recovery suppressed and not mounted read-only");
            }
        }
        Ext4Volume v = openRecovered(io, dev, o, sb);
        v.recovery = recovered;
        v.jbd2 = Ext4Jbd2.start(v, o);
        if (!o.readOnly() && sb.lastOrphan() != 0) {
            try {
                v.orphan().ext4OrphanCleanup(o.printk());
            } catch (IOException e) {
                throw e instanceof Ext4Exception x ? x : new Ext4Exception(Errno.EIO, dev + ": " + e.getMessage(), e);
            }
        }
        return v;
    }

    /** The rest of {@link #open}: the state checks and the group descriptors, after any journal replay. */
    private static Ext4Volume openRecovered(BlockIo io, String dev, Options o, Ext4SuperBlock sb) throws Ext4Exception {
        if (!o.readOnly()) {
            int st = sb.state();
            if ((st & SuperBlockDescriptor.EXT4_VALID_FS) == 0 || (st & SuperBlockDescriptor.EXT4_ERROR_FS) != 0) {
                throw Ext4Exception.corrupt(dev, "filesystem " + ((st & SuperBlockDescriptor.EXT4_ERROR_FS) != 0
                        ? "has errors" : "was not cleanly unmounted") + " (s_state 0x" + Integer.toHexString(st)
                        + "); run e2fsck, or open read-only");
            }
        }
        if (!o.readOnly() && sb.hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT)) {
            throw Ext4Exception.corrupt(dev, "orphan file not empty (orphan_present); run e2fsck, or open read-only");
        }
        MetadataCache cache = new MetadataCache(io, o.cacheBlocks());
        GroupDesc[] gds = readGroupDescs(sb, cache, dev, sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_FLEX_BG),
                o.readOnly());
        long freeBlocks = 0;
        long freeInodes = 0;
        for (GroupDesc g : gds) {
            freeBlocks += g.freeBlocksCount();
            freeInodes += g.freeInodesCount();
        }
        sb.setFreeBlocksCount(freeBlocks);
        sb.setFreeInodesCount(freeInodes);
        return new Ext4Volume(io, dev, o, sb, gds, cache);
    }

    /** {@link #open(BlockIo, String, Options)} with default read-write or read-only options. */
    public static Ext4Volume open(BlockIo io, String dev, boolean readOnly) throws Ext4Exception {
        return open(io, dev, readOnly ? Options.readOnlyMode() : Options.readWrite());
    }

    /**
     * Reads and validates the group descriptor table ({@code ext4_check_descriptors}).
     *
     * @throws Ext4Exception one line naming the first bad descriptor
     */
    public static GroupDesc[] readGroupDescs(Ext4SuperBlock sb, MetadataCache cache, String dev) throws Ext4Exception {
        return readGroupDescs(sb, cache, dev, sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_FLEX_BG), true);
    }
    /**
     * {@link #readGroupDescs(Ext4SuperBlock, MetadataCache, String)}; with {@code flexBg} a group's
     * bitmaps and inode table may lie anywhere in the filesystem, as ext4_check_descriptors allows
     * with flex_bg. A descriptor whose checksum fails is reported as ext4_check_descriptors does and
     * refused unless {@code readOnly}.
     */
    public static GroupDesc[] readGroupDescs(Ext4SuperBlock sb, MetadataCache cache, String dev,
                                             boolean flexBg, boolean readOnly)
            throws Ext4Exception {
        int groups = sb.groupCount();
        int bsz = sb.blockSize();
        int ds = sb.descSize();
        Ext4Csum csum = new Ext4Csum(sb);
        GroupDesc[] gds = new GroupDesc[groups];
        long ipg = sb.inodesPerGroup();
        int itb = sb.inodeTableBlocks();
        for (int g = 0; g < groups; g++) {
            long gdtBlock = sb.firstDataBlock() + 1 + GroupDescDescriptor.gdtBlockIndex(g, bsz, ds);
            byte[] b;
            try {
                b = cache.get(gdtBlock);
            } catch (IOException e) {
                throw new Ext4Exception(Errno.EIO, dev + ": cannot read group descriptors: " + e.getMessage(), e);
            }
            GroupDesc d = GroupDesc.read(b, GroupDescDescriptor.offsetInBlock(g, bsz, ds), ds);
            if (!readOnly && !csum.groupDescCsumValid(g, d)) {
                throw Ext4Exception.badCrc(dev, "ext4_check_descriptors: Checksum for group " + g + " failed ("
                        + d.checksum() + "!=" + csum.groupDescCsum(g, d) + ")");
            }
            long first = flexBg ? sb.firstDataBlock() + sb.groupSuperOverhead(0) : sb.groupFirstBlock(g) + sb.groupSuperOverhead(g);
            long end = flexBg ? sb.blocksCount() : sb.groupFirstBlock(g) + sb.groupBlocks(g);
            String where = "group " + g + " descriptor: ";
            if (d.blockBitmap() < first || d.blockBitmap() >= end) {
                throw Ext4Exception.corrupt(dev, where + "block bitmap at " + d.blockBitmap()
                        + " is outside the group's blocks " + first + ".." + (end - 1));
            }
            if (d.inodeBitmap() < first || d.inodeBitmap() >= end || d.inodeBitmap() == d.blockBitmap()) {
                throw Ext4Exception.corrupt(dev, where + "inode bitmap at " + d.inodeBitmap()
                        + " is outside the group's blocks " + first + ".." + (end - 1) + " or overlaps the block bitmap");
            }
            if (d.inodeTable() < first || d.inodeTable() + itb > end
                    || (d.blockBitmap() >= d.inodeTable() && d.blockBitmap() < d.inodeTable() + itb)
                    || (d.inodeBitmap() >= d.inodeTable() && d.inodeBitmap() < d.inodeTable() + itb)) {
                throw Ext4Exception.corrupt(dev, where + "inode table at " + d.inodeTable() + ".."
                        + (d.inodeTable() + itb - 1) + " is outside the group's blocks " + first + ".." + (end - 1)
                        + " or overlaps a bitmap");
            }
            if (d.freeBlocksCount() > sb.groupBlocks(g)) {
                throw Ext4Exception.corrupt(dev, where + "free blocks count " + d.freeBlocksCount()
                        + " exceeds the group's " + sb.groupBlocks(g) + " blocks");
            }
            if (d.freeInodesCount() > ipg || d.usedDirsCount() > ipg) {
                throw Ext4Exception.corrupt(dev, where + "free inodes " + d.freeInodesCount() + " or directories "
                        + d.usedDirsCount() + " exceed " + ipg + " inodes per group");
            }
            gds[g] = d;
        }
        return gds;
    }


    // ================================================================ accessors

    /**
     * @return what replaying the journal did when this volume was opened (transactions, blocks replayed
     *         and revoked), or null if the filesystem did not need recovery
     */
    public Recovery.RecoveryInfo journalRecovery() {
        return recovery;
    }

    /** @return the device name used in messages */
    public String dev() {
        return dev;
    }

    /** @return whether the volume refuses changes */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** @return a copy of the in-memory superblock (free counts are current) */
    public Ext4SuperBlock superBlock() {
        return sb.copy();
    }

    /** @return free blocks */
    public long freeBlocks() {
        return sb.freeBlocksCount();
    }

    /** @return the filesystem's blocks ({@code s_blocks_count}) */
    public long blocksCount() {
        return sb.blocksCount();
    }

    /** @return free inodes */
    public long freeInodes() {
        return sb.freeInodesCount();
    }

    /** @return a copy of group {@code g}'s descriptor as it is in memory */
    public GroupDesc groupDesc(int g) {
        return gds[g].copy();
    }

    /** @return the block size: 1024, 2048 or 4096 */
    public int blockSize() {
        return bs;
    }

    /** @return the metadata cache (for statistics) */
    public MetadataCache cache() {
        return cache;
    }

    /** @return the device under the volume */
    public BlockIo io() {
        return io;
    }

    /** @return inode.c and ialloc.c's on-disk part */
    public Ext4Inodes inodes() {
        return inodes;
    }

    /** @return dir.c and namei.c's on-disk part */
    public Ext4Dirs dirs() {
        return dirs;
    }

    /** @return extents.c */
    public Ext4Extents extents() {
        return extents;
    }

    /** @return orphan.c */
    public Ext4Orphan orphan() {
        return orphan;
    }

    /** @return xattr.c: extended attributes */
    public Ext4Xattr xattr() {
        return xattr;
    }

    /** @return the block allocator (mballoc.c) */
    public BlockAllocator mballoc() {
        return balloc;
    }

    /** @return the volume clock: seconds since the epoch, 32 bits, as the on-disk timestamps hold them */
    public long now() {
        return clock.getAsLong() & 0xFFFFFFFFL;
    }

    /**
     * The start of every call of a part: refuses a closed volume (EBADF) and a change to a read-only
     * one (EROFS), and lets the metadata cache shrink back to its size between operations.
     */
    /**
     * What {@code ext4_statfs} reports: {blocks, free blocks, reserved blocks, inodes, free inodes},
     * from the group descriptors' live counts (the kernel's percpu counters). Deviation: no
     * {@code s_overhead_clusters} taken off the total, and blocks reserved for delayed allocation are
     * not taken off the free ones.
     */
    public long[] statfs() throws IOException {
        begin(false);
        long freeBlocks = 0;
        long freeInodes = 0;
        for (GroupDesc g : gds) {
            freeBlocks += g.freeBlocksCount();
            freeInodes += g.freeInodesCount();
        }
        return new long[] {sb.blocksCount(), freeBlocks, sb.rBlocksCount(), sb.inodesCount(), freeInodes};
    }

    void begin(boolean write) throws IOException {
        if (closed) {
            throw new Ext4Exception(Errno.EBADF, dev + ": volume is closed");
        }
        if (write && readOnly) {
            throw new Ext4Exception(Errno.EROFS, dev + ": " + Errno.text(Errno.EROFS));
        }
        if (write && jbd2 != null) {
            jbd2.beginChange();
        }
        cache.shrink();
    }

    /**
     * {@code ext4_set_feature_large_file} as {@code ext4_do_update_inode} does it: the first file past
     * 2 GiB sets {@code large_file}, a static field, so the backup superblocks are refreshed at sync.
     */
    void noteLargeFile(long size) {
        if (size > Integer.MAX_VALUE && !sb.hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE)) {
            sb.setRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE);
            backupsStale = true;
        }
    }

    // ================================================================ sync and close

    /**
     * Writes back every dirty metadata block, the group descriptors that changed and the primary
     * superblock ({@code s_wtime} set), then flushes the device ({@code ext4_write_inode} for every
     * dirty inode plus {@code ext4_sync_fs}). Idempotent and cheap: when nothing changed since the last
     * sync nothing is written (the device is flushed only if evictions wrote blocks meanwhile). A
     * read-only volume does nothing.
     *
     * @throws IOException on a device error
     */
    public void sync() throws IOException {
        if (closed) {
            throw new Ext4Exception(Errno.EBADF, dev + ": volume is closed");
        }
        if (readOnly) {
            return;
        }
        if (dirtyGroups.isEmpty() && !sbDirty && !backupsStale && !cache.hasDirty()) {
            // nothing changed since the last sync: no superblock write, only a flush if the cache
            // wrote blocks back meanwhile (evictions)
            if (cache.needsFlush()) {
                cache.flush();
            }
            return;
        }
        int ds = sb.descSize();
        for (int g = dirtyGroups.nextSetBit(0); g >= 0; g = dirtyGroups.nextSetBit(g + 1)) {
            csum.setGroupDescCsum(g, gds[g]);
            long gdtBlock = sb.firstDataBlock() + 1 + GroupDescDescriptor.gdtBlockIndex(g, bs, ds);
            gds[g].writeTo(cache.get(gdtBlock), GroupDescDescriptor.offsetInBlock(g, bs, ds));
            cache.markDirty(gdtBlock);
        }
        dirtyGroups.clear();
        sb.setWtime(now());
        sb.setChecksum();
        long sbBlock = SuperBlockDescriptor.SUPERBLOCK_OFFSET / bs;
        byte[] b0 = cache.get(sbBlock);
        sb.writeTo(b0, SuperBlockDescriptor.SUPERBLOCK_OFFSET % bs);
        cache.markDirty(sbBlock);
        if (backupsStale) {
            // a static field (a feature bit) changed: refresh the backup superblocks too
            for (int g = 1; g < sb.groupCount(); g++) {
                if (sb.groupHasSuper(g)) {
                    Ext4SuperBlock copy = sb.copy();
                    copy.setU16(SuperBlockDescriptor.S_BLOCK_GROUP_NR, g);
                    copy.setChecksum();
                    byte[] b = cache.get(sb.groupFirstBlock(g));
                    copy.writeTo(b, 0);
                    cache.markDirty(sb.groupFirstBlock(g));
                }
            }
            backupsStale = false;
        }
        sbDirty = false;
        if (jbd2 != null) {
            jbd2.commit();
        } else {
            cache.flush();
        }
    }

    /** {@code blkdev_issue_flush()}: the device's volatile cache flushed. */
    public void flushDevice() throws IOException {
        io.flush();
    }

    /** @return whether the volume writes its metadata through its journal */
    public boolean journaled() {
        return jbd2 != null;
    }

    /** The journal's user while mounted read-write with one, else null. */
    Ext4Jbd2 jbd2() {
        return jbd2;
    }

    /**
     * Syncs (read-write) and drops the metadata cache; the device stays open (its owner closes it).
     * Idempotent.
     *
     * @throws IOException on a device error during the final sync
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (!readOnly) {
                sync();
                if (jbd2 != null) {
                    jbd2.stop();
                }
            }
        } finally {
            closed = true;
            cache.clear();
        }
    }

    @Override
    public String toString() {
        return "Ext4Volume[" + dev + (readOnly ? ", ro" : ", rw") + ", " + sb + "]";
    }
}
