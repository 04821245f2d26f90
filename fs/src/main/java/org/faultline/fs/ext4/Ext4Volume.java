package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.DirEntryDescriptor.*;
import static org.faultline.fs.ext4.InodeDescriptor.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * An ext4 filesystem opened offline on a {@link BlockIo}: the format layer's file API, used by
 * {@link Mkfs}, the command line tools and tests, and later called into by the in-kernel ext4.
 *
 * <p><strong>What it supports</strong>: the feature set of {@link Ext4Features} (4 KiB blocks,
 * 256-byte inodes, {@code filetype}, {@code extent}, {@code sparse_super}, {@code large_file},
 * {@code ext_attr} tolerated, no journal). Regular files (extent-mapped, sparse, with unwritten
 * extents from {@link #fallocate}), linear directories (no htree), hard links and symbolic links.
 * Files are at most {@link #MAX_FILE_SIZE} bytes (2 TiB - 4 KiB: without {@code huge_file},
 * {@code i_blocks} counts 512-byte units in 32 bits).
 *
 * <p><strong>Opening</strong> validates the superblock ({@link Ext4SuperBlock#validate}) and every
 * group descriptor (bitmaps and inode table inside their group, clear of the superblock and GDT) and
 * never writes. A read-write open additionally refuses a filesystem whose {@code s_state} is not
 * clean or has errors, or that has orphans ({@code s_last_orphan}): run {@code e2fsck} first. The
 * superblock's free counts are taken from the sum of the group descriptors, as the kernel's percpu
 * counters are. {@code s_state} is not changed by a read-write open (like {@code debugfs -w}).
 *
 * <p><strong>Two APIs.</strong> The path API ({@link #create(String, int)}, {@link #write},
 * {@link #read}, {@link #unlink(String)}, ...) is for the offline tools and tests: it moves file data
 * itself and frees an inode with its last link. The inode-number API ({@link #lookupIn},
 * {@link #createIn}, {@link #unlinkIn}, {@link #renameIn}, {@link #evictInode}, {@link #mapBlocks},
 * {@link #convertUnwritten}, {@link #removeBlocks}, {@link #allocateUnwritten}, {@link #setSize}, ...)
 * is for the in-kernel ext4, each call the counterpart of one kernel function: file DATA never goes
 * through it (the kernel's page cache and block layer read and write the physical blocks
 * {@link #mapBlocks} reports, on the same device), and an inode whose last link goes stays allocated
 * (on the orphan list) until the caller {@link #evictInode evicts} it.
 *
 * <p><strong>Writing</strong>: metadata goes through a {@link MetadataCache}, is visible to the next
 * call at once, and reaches the device at {@link #sync()} (and {@link #close()}), which writes the
 * primary superblock and group descriptors too; like the kernel, backups are left as {@link Mkfs} wrote
 * them, except that the backup superblocks are refreshed when a feature bit changes ({@code large_file}
 * set by a file growing past 2 GiB). File data is written straight to the device by {@link #write} (path
 * API) or by the caller (inode API). There is no journal: a crash between writes leaves what
 * {@code e2fsck} would repair.
 *
 * <p><strong>Time</strong> comes from the clock given at open (seconds since the epoch, truncated to
 * 32 bits), by default the fixed {@link Mkfs#DEFAULT_EPOCH}: no wall clock, so images are
 * reproducible. A deleted inode's {@code i_dtime} is at least {@code s_inodes_count} whatever the
 * clock says, since e2fsck takes smaller values for orphan-list links.
 *
 * <p><strong>Errors</strong> are {@link Ext4Exception}s with the errno the kernel would return and a
 * one-line message naming the device.
 *
 * <p><strong>Threads</strong>: none. The class is single-threaded by design and takes no locks: the
 * in-kernel ext4 wraps every call in its own lock, and other callers must likewise never use one volume
 * from several threads at once.
 */
@KernelSource("fs/ext4/namei.c")
public final class Ext4Volume implements AutoCloseable {
    /** Longest file: (2^32 - 1) 512-byte sectors rounded down to blocks, as {@code ext4_max_size}. */
    public static final long MAX_FILE_SIZE = ((1L << 32) - 1) * 512 / 4096 * 4096;
    /** {@code EXT4_LINK_MAX}. */
    public static final int EXT4_LINK_MAX = 65000;
    /** {@code FALLOC_FL_KEEP_SIZE}. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** {@code FALLOC_FL_PUNCH_HOLE} (must come with {@link #FALLOC_FL_KEEP_SIZE}). */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** Blocks the metadata cache keeps between operations. */
    public static final int DEFAULT_CACHE_BLOCKS = 8192;

    /** Extended attribute block magic ({@code EXT4_XATTR_MAGIC}). */
    static final long EXT4_XATTR_MAGIC = 0xEA020000L;

    /**
     * How to open a volume.
     *
     * @param readOnly    refuse every change (and relax the feature policy)
     * @param clock       seconds since the epoch for timestamps
     * @param cacheBlocks metadata blocks kept cached between operations
     */
    public record Options(boolean readOnly, LongSupplier clock, int cacheBlocks) {
        public Options {
            Objects.requireNonNull(clock, "clock");
        }

        /** @return read-write, fixed clock at {@link Mkfs#DEFAULT_EPOCH} */
        public static Options readWrite() {
            return new Options(false, () -> Mkfs.DEFAULT_EPOCH, DEFAULT_CACHE_BLOCKS);
        }

        /** @return read-only */
        public static Options readOnlyMode() {
            return new Options(true, () -> Mkfs.DEFAULT_EPOCH, DEFAULT_CACHE_BLOCKS);
        }

        /** @return these options with another clock */
        public Options withClock(LongSupplier c) {
            return new Options(readOnly, c, cacheBlocks);
        }
    }

    private final BlockIo io;
    private final String dev;
    private final boolean readOnly;
    private final LongSupplier clock;
    private final Ext4SuperBlock sb;
    private final GroupDesc[] gds;
    private final MetadataCache cache;
    private final BitSet dirtyGroups = new BitSet();
    private final BlockAllocator balloc;
    private LongSupplier dataReserve = () -> 0L;
    private final InodeAllocator ialloc;
    private final ExtentTree.Store store;
    private final int bs;
    private final AutoCloseable owned;
    private boolean closed;
    private boolean backupsStale;
    /** A superblock field other than the free counts changed ({@code s_last_orphan}): sync must write it. */
    private boolean sbDirty;

    private Ext4Volume(BlockIo io, String dev, Options o, Ext4SuperBlock sb, GroupDesc[] gds,
                       MetadataCache cache, AutoCloseable owned) {
        this.io = io;
        this.dev = dev;
        this.readOnly = o.readOnly();
        this.clock = o.clock();
        this.sb = sb;
        this.gds = gds;
        this.cache = cache;
        this.owned = owned;
        this.bs = sb.blockSize();
        this.balloc = new BlockAllocator(sb, gds, cache, dirtyGroups, dev);
        this.ialloc = new InodeAllocator(sb, gds, cache, dirtyGroups, dev);
        this.store = new TreeStore();
    }

    // ================================================================ opening

    /**
     * Opens and validates the filesystem on {@code io}. Nothing is written by the open itself.
     *
     * @param io  the device
     * @param dev its name for messages ({@code sda}, an image file name)
     * @param o   options
     * @return the volume; {@link #close()} it (which syncs a read-write volume)
     * @throws Ext4Exception one line: corruption (EUCLEAN), unsupported features (EOPNOTSUPP), a
     *                       device error (EIO), an unclean filesystem opened read-write (EUCLEAN)
     */
    public static Ext4Volume open(BlockIo io, String dev, Options o) throws Ext4Exception {
        return open(io, dev, o, null);
    }

    /** {@link #open(BlockIo, String, Options)} with default read-write or read-only options. */
    public static Ext4Volume open(BlockIo io, String dev, boolean readOnly) throws Ext4Exception {
        return open(io, dev, readOnly ? Options.readOnlyMode() : Options.readWrite());
    }

    /**
     * Opens a disk image file; the device name in messages is the file name.
     *
     * @param image the image
     * @param o     options
     * @return the volume, owning the file (closed with it)
     * @throws Ext4Exception as {@link #open(BlockIo, String, Options)}, or EIO naming the file if it
     *                       cannot be opened
     */
    public static Ext4Volume openImage(Path image, Options o) throws Ext4Exception {
        String dev = image.getFileName() == null ? image.toString() : image.getFileName().toString();
        HostFileBlockIo hio;
        try {
            hio = HostFileBlockIo.open(image, o.readOnly(), false, 4096);
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, dev + ": cannot open image: " + e.getMessage(), e);
        }
        try {
            return open(hio, dev, o, hio);
        } catch (Ext4Exception | RuntimeException e) {
            try {
                hio.close();
            } catch (IOException ignored) {
                // the open failure is what matters
            }
            throw e;
        }
    }

    private static Ext4Volume open(BlockIo io, String dev, Options o, AutoCloseable owned) throws Ext4Exception {
        Ext4SuperBlock sb = Ext4SuperBlock.read(io, dev, o.readOnly());
        if (!o.readOnly()) {
            int st = sb.state();
            if ((st & SuperBlockDescriptor.EXT4_VALID_FS) == 0 || (st & SuperBlockDescriptor.EXT4_ERROR_FS) != 0) {
                throw Ext4Exception.corrupt(dev, "filesystem " + ((st & SuperBlockDescriptor.EXT4_ERROR_FS) != 0
                        ? "has errors" : "was not cleanly unmounted") + " (s_state 0x" + Integer.toHexString(st)
                        + "); run e2fsck, or open read-only");
            }
            if (sb.lastOrphan() != 0) {
                throw Ext4Exception.corrupt(dev, "orphan list not empty (s_last_orphan " + sb.lastOrphan()
                        + "); run e2fsck, or open read-only");
            }
        }
        MetadataCache cache = new MetadataCache(io, o.cacheBlocks());
        GroupDesc[] gds = readGroupDescs(sb, cache, dev);
        long freeBlocks = 0;
        long freeInodes = 0;
        for (GroupDesc g : gds) {
            freeBlocks += g.freeBlocksCount();
            freeInodes += g.freeInodesCount();
        }
        sb.setFreeBlocksCount(freeBlocks);
        sb.setFreeInodesCount(freeInodes);
        return new Ext4Volume(io, dev, o, sb, gds, cache, owned);
    }

    /**
     * Reads and validates the group descriptor table.
     *
     * @throws Ext4Exception one line naming the first bad descriptor
     */
    static GroupDesc[] readGroupDescs(Ext4SuperBlock sb, MetadataCache cache, String dev) throws Ext4Exception {
        return readGroupDescs(sb, cache, dev, false);
    }

    /**
     * {@link #readGroupDescs(Ext4SuperBlock, MetadataCache, String)}; with {@code flexBg} a group's
     * bitmaps and inode table may lie anywhere in the filesystem, as ext4_check_descriptors allows
     * with flex_bg.
     */
    static GroupDesc[] readGroupDescs(Ext4SuperBlock sb, MetadataCache cache, String dev, boolean flexBg)
            throws Ext4Exception {
        int groups = sb.groupCount();
        int bsz = sb.blockSize();
        GroupDesc[] gds = new GroupDesc[groups];
        long ipg = sb.inodesPerGroup();
        int itb = sb.inodeTableBlocks();
        for (int g = 0; g < groups; g++) {
            long gdtBlock = sb.firstDataBlock() + 1 + GroupDescDescriptor.gdtBlockIndex(g, bsz);
            byte[] b;
            try {
                b = cache.get(gdtBlock);
            } catch (IOException e) {
                throw new Ext4Exception(Errno.EIO, dev + ": cannot read group descriptors: " + e.getMessage(), e);
            }
            GroupDesc d = GroupDesc.read(b, GroupDescDescriptor.offsetInBlock(g, bsz));
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
        byte[] b = new byte[GroupDescDescriptor.EXT4_MIN_DESC_SIZE];
        gds[g].writeTo(b, 0);
        return GroupDesc.read(b, 0);
    }

    /** @return the block size (4096) */
    public int blockSize() {
        return bs;
    }

    /** @return the metadata cache (for statistics) */
    public MetadataCache cache() {
        return cache;
    }

    private long now() {
        return clock.getAsLong() & 0xFFFFFFFFL;
    }

    private void begin(boolean write) throws IOException {
        if (closed) {
            throw new Ext4Exception(Errno.EBADF, dev + ": volume is closed");
        }
        if (write && readOnly) {
            throw new Ext4Exception(Errno.EROFS, dev + ": " + Errno.text(Errno.EROFS));
        }
        cache.shrink();
    }

    // ================================================================ inodes

    /**
     * Reads inode {@code ino} from the inode table.
     *
     * @param ino 1..{@code s_inodes_count}
     * @return a copy
     * @throws IOException EUCLEAN for an out-of-range number, EIO on a device error
     */
    public Ext4InodeRaw readInode(long ino) throws IOException {
        if (ino < 1 || ino > sb.inodesCount()) {
            throw Ext4Exception.corrupt(dev, "inode number " + ino + " out of range 1.." + sb.inodesCount());
        }
        int g = sb.groupOfInode(ino);
        long index = (ino - 1) % sb.inodesPerGroup();
        long block = gds[g].inodeTable() + index / sb.inodesPerBlock();
        int off = (int) (index % sb.inodesPerBlock()) * sb.inodeSize();
        return Ext4InodeRaw.read(cache.get(block), off);
    }

    /** Writes inode {@code ino} into its (cached) inode table block. */
    void writeInode(long ino, Ext4InodeRaw in) throws IOException {
        int g = sb.groupOfInode(ino);
        long index = (ino - 1) % sb.inodesPerGroup();
        long block = gds[g].inodeTable() + index / sb.inodesPerBlock();
        int off = (int) (index % sb.inodesPerBlock()) * sb.inodeSize();
        in.writeTo(cache.get(block), off);
        cache.markDirty(block);
    }

    private Ext4InodeRaw liveInode(long ino) throws IOException {
        Ext4InodeRaw in = readInode(ino);
        if (in.linksCount() == 0 && ino != EXT4_ROOT_INO) {
            throw Ext4Exception.corrupt(dev, "inode " + ino + " is referenced but not in use (i_links_count 0)");
        }
        return in;
    }

    ExtentTree tree(long ino, Ext4InodeRaw in) {
        return new ExtentTree(in, ino, store);
    }

    /** The extent tree's view of the volume: nodes through the cache, blocks from the allocator. */
    private final class TreeStore implements ExtentTree.Store {
        @Override
        public int blockSize() {
            return bs;
        }

        @Override
        public long deviceBlocks() {
            return sb.blocksCount();
        }

        @Override
        public long freeBlocks() {
            return sb.freeBlocksCount();
        }

        @Override
        public String dev() {
            return dev;
        }

        @Override
        public byte[] readNode(long pblk) throws IOException {
            return cache.get(pblk);
        }

        @Override
        public void dirtyNode(long pblk) {
            cache.markDirty(pblk);
        }

        @Override
        public long allocNode(long goal) throws IOException {
            return balloc.allocateOne(goal);
        }

        @Override
        public byte[] newNode(long pblk) {
            return cache.getNew(pblk);
        }

        @Override
        public void freeNode(long pblk) throws IOException {
            balloc.free(pblk, 1);
        }

        @Override
        public void freeData(long pblk, long count) throws IOException {
            balloc.free(pblk, count);
        }
    }

    /** A fresh inode: zeroed, generation bumped, times set, extent root initialized. */
    private Ext4InodeRaw newInode(long ino, int mode, int links) throws IOException {
        Ext4InodeRaw old = readInode(ino);
        long gen = old.generation() + 1;
        Ext4InodeRaw in = new Ext4InodeRaw();
        in.setMode(mode);
        in.setLinksCount(links);
        long t = now();
        in.setAtime(t);
        in.setCtime(t);
        in.setMtime(t);
        in.setGeneration(gen & 0xFFFFFFFFL);
        if (!isLnk(mode)) {
            ExtentTree.init(in);
        }
        return in;
    }

    private long goalFor(long ino) {
        int g = sb.groupOfInode(ino);
        return sb.groupFirstBlock(g) + sb.groupSuperOverhead(g);
    }

    private long goalFor(long ino, ExtentTree t, long lblk) throws IOException {
        Extent e = t.extentAtOrBefore(lblk);
        if (e != null) {
            return e.pblk() + (lblk - e.lblk());
        }
        return goalFor(ino);
    }

    /**
     * Frees every block of an inode whose last link went away, and the inode
     * ({@code ext4_evict_inode}): the inode keeps its mode, gets {@code i_dtime}, size 0.
     */
    private void evict(long ino, Ext4InodeRaw in) throws IOException {
        boolean dir = in.isDir();
        if (in.hasFlag(EXT4_EXTENTS_FL)) {
            tree(ino, in).remove(0, ExtentDescriptor.EXT_MAX_BLOCKS);
        }
        releaseXattrBlock(in);
        in.setSize(0);
        in.setLinksCount(0);
        // e2fsck reads an i_dtime below s_inodes_count as an orphan-list link: never write one
        in.setDtime(Math.max(now(), sb.inodesCount()));
        writeInode(ino, in);
        ialloc.free(ino, dir);
    }

    private void releaseXattrBlock(Ext4InodeRaw in) throws IOException {
        long acl = in.fileAcl();
        if (acl == 0) {
            return;
        }
        if (acl <= sb.firstDataBlock() || acl >= sb.blocksCount()) {
            throw Ext4Exception.corrupt(dev, "extended attribute block " + acl + " outside the device");
        }
        byte[] b = cache.get(acl);
        if (LittleEndian.u32(b, 0) != EXT4_XATTR_MAGIC) {
            throw Ext4Exception.corrupt(dev, "bad extended attribute block magic at block " + acl);
        }
        long ref = LittleEndian.u32(b, 4);
        if (ref > 1) {
            LittleEndian.putU32(b, 4, ref - 1);
            cache.markDirty(acl);
        } else {
            balloc.free(acl, 1);
        }
        in.setFileAcl(0);
        in.setBlocks512(in.blocks512() - bs / 512);
    }

    // ================================================================ paths

    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};

    private static byte[] nameBytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isDotName(byte[] n) {
        return Arrays.equals(n, DOT) || Arrays.equals(n, DOTDOT);
    }

    private List<byte[]> components(String path) throws Ext4Exception {
        Objects.requireNonNull(path, "path");
        List<byte[]> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (c.isEmpty()) {
                continue;
            }
            byte[] n = nameBytes(c);
            if (n.length > EXT4_NAME_LEN) {
                throw Ext4Exception.of(Errno.ENAMETOOLONG, dev, path);
            }
            if (c.indexOf('\0') >= 0) {
                throw Ext4Exception.of(Errno.EINVAL, dev, path);
            }
            out.add(n);
        }
        return out;
    }

    /**
     * Resolves a path ({@code /}-separated, relative paths start at the root; symbolic links are not
     * followed) to an inode number.
     *
     * @param path e.g. {@code /dir/file}
     * @return the inode number
     * @throws IOException ENOENT, ENOTDIR, ENAMETOOLONG, or corruption
     */
    public long lookup(String path) throws IOException {
        begin(false);
        return resolve(path);
    }

    private long resolve(String path) throws IOException {
        long ino = EXT4_ROOT_INO;
        for (byte[] c : components(path)) {
            Ext4InodeRaw in = liveInode(ino);
            if (!in.isDir()) {
                throw Ext4Exception.of(Errno.ENOTDIR, dev, path);
            }
            Slot s = findEntry(ino, in, c);
            if (s == null) {
                throw Ext4Exception.of(Errno.ENOENT, dev, path);
            }
            ino = s.ino;
        }
        return ino;
    }

    /** A path split into its parent directory and last name. */
    private record Parent(long dir, byte[] name) {
    }

    private Parent resolveParent(String path) throws IOException {
        List<byte[]> cs = components(path);
        if (cs.isEmpty()) {
            throw Ext4Exception.of(Errno.EINVAL, dev, path);
        }
        long ino = EXT4_ROOT_INO;
        for (int i = 0; i < cs.size() - 1; i++) {
            Ext4InodeRaw in = liveInode(ino);
            if (!in.isDir()) {
                throw Ext4Exception.of(Errno.ENOTDIR, dev, path);
            }
            Slot s = findEntry(ino, in, cs.get(i));
            if (s == null) {
                throw Ext4Exception.of(Errno.ENOENT, dev, path);
            }
            ino = s.ino;
        }
        if (!liveInode(ino).isDir()) {
            throw Ext4Exception.of(Errno.ENOTDIR, dev, path);
        }
        return new Parent(ino, cs.get(cs.size() - 1));
    }

    // ================================================================ directory blocks

    /** Where a directory entry lives. */
    private record Slot(long ino, int fileType, long pblk, int off, int prevOff) {
    }

    /** Visitor over the entries of a directory: return true to stop. */
    private interface EntryVisitor {
        boolean visit(long lblk, long pblk, byte[] b, int off, int prevOff) throws IOException;
    }

    private long dirBlocks(long ino, Ext4InodeRaw dir) throws Ext4Exception {
        long size = dir.size();
        if (size % bs != 0) {
            throw Ext4Exception.corrupt(dev, "directory inode " + ino + " has size " + size
                    + ", not a multiple of the block size");
        }
        return size / bs;
    }

    private long dirBlock(long ino, ExtentTree t, long lblk) throws IOException {
        Extent e = t.findExtent(lblk);
        if (e == null || e.unwritten()) {
            throw Ext4Exception.corrupt(dev, "directory inode " + ino + " has a hole at block " + lblk);
        }
        return e.pblk() + (lblk - e.lblk());
    }

    /** Walks every entry (used or not) of every block, checking each as {@code ext4_check_dir_entry}. */
    private void forEachEntry(long ino, Ext4InodeRaw dir, EntryVisitor v) throws IOException {
        if (dir.hasFlag(EXT4_INLINE_DATA_FL) || !dir.hasFlag(EXT4_EXTENTS_FL)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": directory inode " + ino
                    + " is not extent-mapped (not supported)");
        }
        long n = dirBlocks(ino, dir);
        ExtentTree t = tree(ino, dir);
        for (long lblk = 0; lblk < n; lblk++) {
            long pblk = dirBlock(ino, t, lblk);
            byte[] b = cache.get(pblk);
            int off = 0;
            int prev = -1;
            while (off < bs) {
                String bad = DirEntry.check(b, off, sb.inodesCount());
                if (bad != null) {
                    throw Ext4Exception.corrupt(dev, "directory inode " + ino + ", block " + lblk + ", offset "
                            + off + ": " + bad);
                }
                if (v.visit(lblk, pblk, b, off, prev)) {
                    return;
                }
                prev = off;
                off += DirEntry.recLenAt(b, off);
            }
        }
    }

    private Slot findEntry(long ino, Ext4InodeRaw dir, byte[] name) throws IOException {
        Slot[] found = new Slot[1];
        forEachEntry(ino, dir, (lblk, pblk, b, off, prev) -> {
            if (DirEntry.inodeAt(b, off) != 0 && DirEntry.nameEquals(b, off, name)) {
                found[0] = new Slot(DirEntry.inodeAt(b, off), DirEntry.fileTypeAt(b, off), pblk, off, prev);
                return true;
            }
            return false;
        });
        return found[0];
    }

    /** Adds an entry (the name must not exist), growing the directory by a block if no slot fits. */
    private void addEntry(long dirIno, byte[] name, long ino, int fileType) throws IOException {
        int need = recLen(name.length);
        Ext4InodeRaw dir = readInode(dirIno);
        boolean[] done = new boolean[1];
        forEachEntry(dirIno, dir, (lblk, pblk, b, off, prev) -> {
            long e = DirEntry.inodeAt(b, off);
            int rl = DirEntry.recLenAt(b, off);
            if (e == 0 && rl >= need) {
                DirEntry.put(b, off, ino, rl, name, fileType);
            } else {
                int used = recLen(DirEntry.nameLenAt(b, off));
                if (e == 0 || rl - used < need) {
                    return false;
                }
                DirEntry.setRecLen(b, off, used);
                DirEntry.put(b, off + used, ino, rl - used, name, fileType);
            }
            cache.markDirty(pblk);
            done[0] = true;
            return true;
        });
        long t = now();
        if (!done[0]) {
            ExtentTree tr = tree(dirIno, dir);
            long n = dirBlocks(dirIno, dir);
            long pblk = balloc.allocateOne(goalFor(dirIno, tr, n));
            try {
                tr.insert(n, pblk, 1, false);
            } catch (IOException | RuntimeException ex) {
                balloc.free(pblk, 1);
                throw ex;
            }
            byte[] b = cache.getNew(pblk);
            DirEntry.put(b, 0, ino, bs, name, fileType);
            dir.setBlocks512(dir.blocks512() + bs / 512);
            dir.setSize(dir.size() + bs);
        }
        dir.setMtime(t);
        dir.setCtime(t);
        writeInode(dirIno, dir);
    }

    /** Removes the entry at {@code s} ({@code ext4_generic_delete_entry}). */
    private void removeEntry(Slot s) throws IOException {
        byte[] b = cache.get(s.pblk);
        int rl = DirEntry.recLenAt(b, s.off);
        if (s.prevOff >= 0) {
            DirEntry.setRecLen(b, s.prevOff, DirEntry.recLenAt(b, s.prevOff) + rl);
            Arrays.fill(b, s.off, s.off + rl, (byte) 0);
        } else {
            DirEntry.setInode(b, s.off, 0, 0);
        }
        cache.markDirty(s.pblk);
    }

    private void touchDir(long dirIno, int linkDelta) throws IOException {
        Ext4InodeRaw d = readInode(dirIno);
        d.setLinksCount(d.linksCount() + linkDelta);
        long t = now();
        d.setMtime(t);
        d.setCtime(t);
        writeInode(dirIno, d);
    }

    /** Writes a new directory's first block: "." and "..". */
    private void initDirBlock(byte[] b, long self, long parent) {
        Arrays.fill(b, (byte) 0);
        DirEntry.put(b, 0, self, recLen(1), DOT, EXT4_FT_DIR);
        DirEntry.put(b, recLen(1), parent, bs - recLen(1), DOTDOT, EXT4_FT_DIR);
    }

    private boolean isEmptyDir(long ino, Ext4InodeRaw dir) throws IOException {
        boolean[] other = new boolean[1];
        forEachEntry(ino, dir, (lblk, pblk, b, off, prev) -> {
            if (DirEntry.inodeAt(b, off) != 0) {
                byte[] n = DirEntry.nameAt(b, off);
                if (!(lblk == 0 && isDotName(n))) {
                    other[0] = true;
                    return true;
                }
            }
            return false;
        });
        return !other[0];
    }

    // ================================================================ namespace operations

    /**
     * Lists a directory: every live entry in on-disk order, {@code .} and {@code ..} included.
     *
     * @param path the directory
     * @return its entries
     * @throws IOException ENOENT, ENOTDIR, corruption
     */
    public List<DirEntry> readdir(String path) throws IOException {
        begin(false);
        return readdir(resolve(path));
    }

    /** {@link #readdir(String)} by inode number. */
    public List<DirEntry> readdir(long ino) throws IOException {
        begin(false);
        Ext4InodeRaw dir = liveInode(ino);
        if (!dir.isDir()) {
            throw new Ext4Exception(Errno.ENOTDIR, dev + ": inode " + ino + ": "
                    + Errno.text(Errno.ENOTDIR));
        }
        List<DirEntry> out = new ArrayList<>();
        forEachEntry(ino, dir, (lblk, pblk, b, off, prev) -> {
            long e = DirEntry.inodeAt(b, off);
            if (e != 0) {
                out.add(new DirEntry(e, DirEntry.nameAt(b, off), DirEntry.fileTypeAt(b, off)));
            }
            return false;
        });
        return out;
    }

    /**
     * @param path a path
     * @return its inode's status
     * @throws IOException ENOENT, ENOTDIR, corruption
     */
    public Ext4Stat stat(String path) throws IOException {
        begin(false);
        long ino = resolve(path);
        return Ext4Stat.of(ino, readInode(ino));
    }

    /** {@link #stat(String)} by inode number (no liveness check: any inode can be inspected). */
    public Ext4Stat stat(long ino) throws IOException {
        begin(false);
        return Ext4Stat.of(ino, readInode(ino));
    }

    /**
     * Creates a directory ({@code ext4_mkdir}): one block with {@code .} and {@code ..}, link count 2,
     * the parent's link count up by one.
     *
     * @param path the new directory
     * @param perm permission bits (e.g. {@code 0755})
     * @return its inode number
     * @throws IOException EEXIST, ENOENT, ENOTDIR, EMLINK, ENOSPC, EROFS
     */
    public long mkdir(String path, int perm) throws IOException {
        begin(true);
        Parent p = resolveParent(path);
        return mkdirEntry(p.dir, p.name, perm, path);
    }

    /** {@code ext4_mkdir} in directory {@code dir}; {@code what} names the entry in messages. */
    private long mkdirEntry(long dir, byte[] name, int perm, String what) throws IOException {
        checkNew(dir, name, what);
        Ext4InodeRaw parent = readInode(dir);
        if (parent.linksCount() >= EXT4_LINK_MAX) {
            throw Ext4Exception.of(Errno.EMLINK, dev, what);
        }
        return makeDir(dir, name, perm, true);
    }

    private long makeDir(long parentIno, byte[] name, int perm, boolean spread) throws IOException {
        long ino = ialloc.allocate(parentIno, true, spread);
        long pblk;
        try {
            pblk = balloc.allocateOne(goalFor(ino));
        } catch (IOException e) {
            ialloc.free(ino, true);
            throw e;
        }
        Ext4InodeRaw in = newInode(ino, S_IFDIR | (perm & 07777), 2);
        tree(ino, in).insert(0, pblk, 1, false);
        in.setBlocks512(bs / 512);
        in.setSize(bs);
        initDirBlock(cache.getNew(pblk), ino, parentIno);
        writeInode(ino, in);
        try {
            addEntry(parentIno, name, ino, EXT4_FT_DIR);
        } catch (IOException e) {
            evict(ino, in);
            throw e;
        }
        touchDir(parentIno, +1);
        return ino;
    }

    private void checkNew(Parent p, String path) throws IOException {
        checkNew(p.dir, p.name, path);
    }

    private void checkNew(long dir, byte[] name, String what) throws IOException {
        if (isDotName(name) || findEntry(dir, readInode(dir), name) != null) {
            throw Ext4Exception.of(Errno.EEXIST, dev, what);
        }
    }

    /**
     * Creates an empty regular file ({@code ext4_create}).
     *
     * @param path the new file
     * @param perm permission bits (e.g. {@code 0644})
     * @return its inode number
     * @throws IOException EEXIST, ENOENT, ENOTDIR, ENOSPC, EROFS
     */
    public long create(String path, int perm) throws IOException {
        begin(true);
        Parent p = resolveParent(path);
        return createEntry(p.dir, p.name, S_IFREG | (perm & 07777), path);
    }

    /** {@code ext4_create} of a regular file with {@code mode} in directory {@code dir}. */
    private long createEntry(long dir, byte[] name, int mode, String what) throws IOException {
        checkNew(dir, name, what);
        long ino = ialloc.allocate(dir, false);
        Ext4InodeRaw in = newInode(ino, mode, 1);
        writeInode(ino, in);
        try {
            addEntry(dir, name, ino, EXT4_FT_REG_FILE);
        } catch (IOException e) {
            evict(ino, in);
            throw e;
        }
        return ino;
    }

    /**
     * Creates a symbolic link ({@code ext4_symlink}): a fast symlink (target in {@code i_block}) below
     * 60 bytes, else one extent-mapped block.
     *
     * @param target the link text (1..4095 bytes)
     * @param path   the new link
     * @return its inode number
     * @throws IOException EEXIST, ENOENT, ENAMETOOLONG, ENOSPC, EROFS
     */
    public long symlink(String target, String path) throws IOException {
        begin(true);
        byte[] t = nameBytes(target);
        if (t.length == 0 || t.length >= bs) {
            throw Ext4Exception.of(t.length == 0 ? Errno.ENOENT : Errno.ENAMETOOLONG, dev, path);
        }
        Parent p = resolveParent(path);
        checkNew(p, path);
        long ino = ialloc.allocate(p.dir, false);
        Ext4InodeRaw in = newInode(ino, S_IFLNK | 0777, 1);
        if (t.length < I_BLOCK_SIZE) {
            System.arraycopy(t, 0, in.raw(), I_BLOCK, t.length);
        } else {
            ExtentTree.init(in);
            long pblk;
            try {
                pblk = balloc.allocateOne(goalFor(ino));
            } catch (IOException e) {
                ialloc.free(ino, false);
                throw e;
            }
            tree(ino, in).insert(0, pblk, 1, false);
            in.setBlocks512(bs / 512);
            byte[] b = new byte[bs];
            System.arraycopy(t, 0, b, 0, t.length);
            io.write(pblk, b);
        }
        in.setSize(t.length);
        writeInode(ino, in);
        try {
            addEntry(p.dir, p.name, ino, EXT4_FT_SYMLINK);
        } catch (IOException e) {
            evict(ino, in);
            throw e;
        }
        return ino;
    }

    /**
     * @param path a symbolic link
     * @return its target
     * @throws IOException ENOENT, EINVAL if not a symlink
     */
    public String readlink(String path) throws IOException {
        begin(false);
        long ino = resolve(path);
        Ext4InodeRaw in = readInode(ino);
        if (!in.isLnk()) {
            throw Ext4Exception.of(Errno.EINVAL, dev, path);
        }
        return linkTarget(ino, in);
    }

    /**
     * The target of symbolic link {@code ino}, as {@code ext4_get_link} (fs/ext4/symlink.c) finds it:
     * a fast symlink (no extents flag, shorter than {@code i_block}) holds it in {@code i_block}; a
     * slow one in its first data block, read as {@code page_get_link} reads page 0.
     *
     * @throws IOException EINVAL if not a symlink (or not in use), corruption
     */
    public String readlink(long ino) throws IOException {
        begin(false);
        Ext4InodeRaw in = liveInode(ino);
        if (!in.isLnk()) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + " is not a symbolic link");
        }
        return linkTarget(ino, in);
    }

    private String linkTarget(long ino, Ext4InodeRaw in) throws IOException {
        int len = (int) Math.min(in.size(), bs);
        if (in.isFastSymlink()) {
            return new String(in.raw(), I_BLOCK, len, StandardCharsets.UTF_8);
        }
        byte[] b = new byte[len];
        readData(ino, in, 0, b, 0, len);
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Adds a hard link ({@code ext4_link}).
     *
     * @param existing an existing non-directory
     * @param newPath  the new name
     * @throws IOException EEXIST, ENOENT, EPERM (as EISDIR) for a directory, EMLINK, ENOSPC, EROFS
     */
    public void link(String existing, String newPath) throws IOException {
        begin(true);
        long ino = resolve(existing);
        Ext4InodeRaw in = readInode(ino);
        if (in.isDir()) {
            throw Ext4Exception.of(Errno.EISDIR, dev, existing);
        }
        if (in.linksCount() >= EXT4_LINK_MAX) {
            throw Ext4Exception.of(Errno.EMLINK, dev, existing);
        }
        Parent p = resolveParent(newPath);
        checkNew(p, newPath);
        addEntry(p.dir, p.name, ino, DirEntryDescriptor.fileType(in.mode()));
        in = readInode(ino);
        in.setLinksCount(in.linksCount() + 1);
        in.setCtime(now());
        writeInode(ino, in);
    }

    /**
     * Removes a name of a non-directory ({@code ext4_unlink}); the inode and its blocks are freed when
     * its last link goes.
     *
     * @param path the name
     * @throws IOException ENOENT, EISDIR, EROFS
     */
    public void unlink(String path) throws IOException {
        begin(true);
        Parent p = resolveParent(path);
        dropLink(unlinkEntry(p.dir, p.name, path));
    }

    /**
     * Removes the entry {@code name} (a non-directory) from {@code dir}, leaving the victim's link
     * count alone.
     *
     * @return the victim's inode number
     */
    private long unlinkEntry(long dir, byte[] name, String what) throws IOException {
        if (isDotName(name)) {
            throw Ext4Exception.of(Errno.EISDIR, dev, what);
        }
        Slot s = findEntry(dir, readInode(dir), name);
        if (s == null) {
            throw Ext4Exception.of(Errno.ENOENT, dev, what);
        }
        Ext4InodeRaw in = liveInode(s.ino);
        if (in.isDir()) {
            throw Ext4Exception.of(Errno.EISDIR, dev, what);
        }
        removeEntry(s);
        touchDir(dir, 0);
        return s.ino;
    }

    private void dropLink(long ino) throws IOException {
        Ext4InodeRaw in = readInode(ino);
        if (in.linksCount() <= 1) {
            evict(ino, in);
        } else {
            in.setLinksCount(in.linksCount() - 1);
            in.setCtime(now());
            writeInode(ino, in);
        }
    }

    /**
     * Drops one link of a non-directory without freeing it ({@code drop_nlink} in {@code ext4_unlink}
     * / {@code ext4_rename}); at 0 the inode goes on the orphan list ({@code ext4_orphan_add}) until
     * {@link #evictInode} frees it.
     */
    private void decLink(long ino) throws IOException {
        Ext4InodeRaw in = readInode(ino);
        in.setLinksCount(in.linksCount() - 1);
        in.setCtime(now());
        if (in.linksCount() == 0) {
            orphanAdd(ino, in);
        }
        writeInode(ino, in);
    }

    /**
     * {@code ext4_orphan_add}'s on-disk part: {@code ino} becomes the head of the list rooted at
     * {@code s_last_orphan}, its {@code i_dtime} pointing at the previous head. After a crash,
     * {@code e2fsck} (or a mount's {@code ext4_orphan_cleanup}) frees the listed inodes.
     */
    private void orphanAdd(long ino, Ext4InodeRaw in) {
        in.setDtime(sb.lastOrphan());
        sb.setU32(SuperBlockDescriptor.S_LAST_ORPHAN, ino);
        sbDirty = true;
    }

    /**
     * {@code ext4_orphan_del}: unlinks {@code ino} from the on-disk orphan list if it is on it (the
     * kernel keeps a doubly linked in-memory list; here the short on-disk list is walked).
     */
    private void orphanDel(long ino, Ext4InodeRaw in) throws IOException {
        long head = sb.lastOrphan();
        if (head == 0) {
            return;
        }
        if (head == ino) {
            sb.setU32(SuperBlockDescriptor.S_LAST_ORPHAN, in.dtime());
            sbDirty = true;
            in.setDtime(0);
            return;
        }
        long cur = head;
        for (long steps = 0; cur != 0 && steps < sb.inodesCount(); steps++) {
            if (cur < 1 || cur > sb.inodesCount()) {
                throw Ext4Exception.corrupt(dev, "orphan list link " + cur + " out of range");
            }
            Ext4InodeRaw c = readInode(cur);
            long next = c.dtime();
            if (next == ino) {
                c.setDtime(in.dtime());
                writeInode(cur, c);
                in.setDtime(0);
                return;
            }
            cur = next;
        }
    }

    /**
     * Removes an empty directory ({@code ext4_rmdir}).
     *
     * @param path the directory
     * @throws IOException ENOENT, ENOTDIR, ENOTEMPTY, EINVAL (for {@code /} or a {@code .} name), EROFS
     */
    public void rmdir(String path) throws IOException {
        begin(true);
        Parent p = resolveParent(path);
        rmdirEntry(p.dir, p.name, path);
    }

    /** {@code ext4_rmdir} of {@code name} in {@code dir}: removes and frees the empty directory. */
    private void rmdirEntry(long dir, byte[] name, String what) throws IOException {
        if (isDotName(name)) {
            throw Ext4Exception.of(Errno.EINVAL, dev, what);
        }
        Slot s = findEntry(dir, readInode(dir), name);
        if (s == null) {
            throw Ext4Exception.of(Errno.ENOENT, dev, what);
        }
        Ext4InodeRaw in = liveInode(s.ino);
        if (!in.isDir()) {
            throw Ext4Exception.of(Errno.ENOTDIR, dev, what);
        }
        if (!isEmptyDir(s.ino, in)) {
            throw Ext4Exception.of(Errno.ENOTEMPTY, dev, what);
        }
        removeEntry(s);
        touchDir(dir, -1);
        evict(s.ino, readInode(s.ino));
    }

    /**
     * Renames {@code from} to {@code to} ({@code ext4_rename}), replacing an existing {@code to}
     * (a non-directory by a non-directory, an empty directory by a directory). A moved directory's
     * {@code ..} is repointed and both parents' link counts adjusted.
     *
     * @param from the existing name
     * @param to   the new name
     * @throws IOException ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL (moving a directory into itself
     *                     or renaming {@code .}/{@code ..}), EMLINK, ENOSPC, EROFS
     */
    public void rename(String from, String to) throws IOException {
        begin(true);
        Parent fp = resolveParent(from);
        Parent tp = resolveParent(to);
        renameEntry(fp, tp, from, to, true);
    }

    /**
     * {@code ext4_rename} of {@code fp} to {@code tp}.
     *
     * @param freeReplaced whether a replaced non-directory whose last link goes is freed at once (the
     *                     path API) or put on the orphan list for the caller to evict (the inode API);
     *                     a replaced directory is always freed
     * @return the replaced inode, or 0
     */
    private long renameEntry(Parent fp, Parent tp, String from, String to, boolean freeReplaced) throws IOException {
        if (isDotName(fp.name) || isDotName(tp.name)) {
            throw Ext4Exception.of(Errno.EINVAL, dev, from);
        }
        Slot src = findEntry(fp.dir, readInode(fp.dir), fp.name);
        if (src == null) {
            throw Ext4Exception.of(Errno.ENOENT, dev, from);
        }
        if (fp.dir == tp.dir && Arrays.equals(fp.name, tp.name)) {
            return 0;
        }
        Ext4InodeRaw srcIn = liveInode(src.ino);
        boolean isDir = srcIn.isDir();
        if (isDir) {
            for (long d = tp.dir; ; ) {
                if (d == src.ino) {
                    throw Ext4Exception.of(Errno.EINVAL, dev, to);
                }
                if (d == EXT4_ROOT_INO) {
                    break;
                }
                Slot up = findEntry(d, readInode(d), DOTDOT);
                if (up == null) {
                    throw Ext4Exception.corrupt(dev, "directory inode " + d + " has no '..' entry");
                }
                d = up.ino;
            }
        }
        Slot dst = findEntry(tp.dir, readInode(tp.dir), tp.name);
        boolean replacedDir = false;
        int ftype = DirEntryDescriptor.fileType(srcIn.mode());
        long replaced = 0;
        if (dst != null) {
            if (dst.ino == src.ino) {
                return 0;
            }
            Ext4InodeRaw dstIn = liveInode(dst.ino);
            if (isDir && !dstIn.isDir()) {
                throw Ext4Exception.of(Errno.ENOTDIR, dev, to);
            }
            if (!isDir && dstIn.isDir()) {
                throw Ext4Exception.of(Errno.EISDIR, dev, to);
            }
            if (dstIn.isDir() && !isEmptyDir(dst.ino, dstIn)) {
                throw Ext4Exception.of(Errno.ENOTEMPTY, dev, to);
            }
            byte[] b = cache.get(dst.pblk);
            DirEntry.setInode(b, dst.off, src.ino, ftype);
            cache.markDirty(dst.pblk);
            touchDir(tp.dir, 0);
            replacedDir = dstIn.isDir();
            replaced = dst.ino;
            if (replacedDir) {
                evict(dst.ino, readInode(dst.ino));
            } else if (freeReplaced) {
                dropLink(dst.ino);
            } else {
                decLink(dst.ino);
            }
        } else {
            if (isDir && tp.dir != fp.dir && readInode(tp.dir).linksCount() >= EXT4_LINK_MAX) {
                throw Ext4Exception.of(Errno.EMLINK, dev, to);
            }
            addEntry(tp.dir, tp.name, src.ino, ftype);
        }
        // the source slot may have moved if the entry was added to the same directory: look it up again
        Slot again = findEntry(fp.dir, readInode(fp.dir), fp.name);
        if (again == null || again.ino != src.ino) {
            throw Ext4Exception.corrupt(dev, "rename: source entry vanished from directory inode " + fp.dir);
        }
        removeEntry(again);
        touchDir(fp.dir, 0);
        if (isDir) {
            if (fp.dir != tp.dir) {
                Ext4InodeRaw moved = readInode(src.ino);
                Slot dd = findEntry(src.ino, moved, DOTDOT);
                if (dd == null) {
                    throw Ext4Exception.corrupt(dev, "directory inode " + src.ino + " has no '..' entry");
                }
                byte[] b = cache.get(dd.pblk);
                DirEntry.setInode(b, dd.off, tp.dir, EXT4_FT_DIR);
                cache.markDirty(dd.pblk);
                touchDir(fp.dir, -1);
                touchDir(tp.dir, +1);
            }
            if (replacedDir) {
                touchDir(tp.dir, -1);
            }
        }
        Ext4InodeRaw moved = readInode(src.ino);
        moved.setCtime(now());
        writeInode(src.ino, moved);
        return replaced;
    }

    // ================================================================ file data

    private Ext4InodeRaw regular(long ino, boolean write) throws IOException {
        return checkRegular(ino, liveInode(ino), write);
    }

    /**
     * Refuses {@code in} unless it is a regular file ({@code EISDIR}, {@code EINVAL}) and, when
     * {@code write}, one whose blocks we may change ({@code EOPNOTSUPP} for immutable, inline-data
     * and verity inodes).
     */
    private Ext4InodeRaw checkRegular(long ino, Ext4InodeRaw in, boolean write) throws Ext4Exception {
        if (in.isDir()) {
            throw new Ext4Exception(Errno.EISDIR, dev + ": inode " + ino + ": "
                    + Errno.text(Errno.EISDIR));
        }
        if (!in.isReg()) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + " is not a regular file");
        }
        if (write && (in.hasFlag(EXT4_IMMUTABLE_FL) || in.hasFlag(EXT4_INLINE_DATA_FL) || in.hasFlag(EXT4_VERITY_FL))) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": inode " + ino
                    + " is immutable, inline-data or verity (not writable here)");
        }
        return in;
    }

    /**
     * Writes {@code len} bytes at {@code off} ({@code ext4_file_write_iter} without the page cache):
     * allocates blocks for holes (goal: after the previous extent), writes into written extents,
     * converts unwritten ones, zero-fills partial new blocks, and grows {@code i_size}.
     *
     * @param ino    a regular file
     * @param off    file offset
     * @param buf    data
     * @param bufOff offset in {@code buf}
     * @param len    bytes
     * @throws IOException EFBIG past {@link #MAX_FILE_SIZE}, ENOSPC, EISDIR, EROFS, corruption
     */
    public void write(long ino, long off, byte[] buf, int bufOff, int len) throws IOException {
        begin(true);
        Objects.checkFromIndexSize(bufOff, len, buf.length);
        if (off < 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": negative write offset " + off);
        }
        Ext4InodeRaw in = regular(ino, true);
        if (len == 0) {
            return;
        }
        long end = off + len;
        if (end > MAX_FILE_SIZE) {
            throw new Ext4Exception(Errno.EFBIG, dev + ": inode " + ino + ": "
                    + Errno.text(Errno.EFBIG));
        }
        ExtentTree t = tree(ino, in);
        byte[] blk = new byte[bs];
        long endBlock = (end + bs - 1) / bs;
        long pos = off;
        long done = off; // [off, done) is written and mapped
        try {
            while (pos < end) {
                long lblk = pos / bs;
                Extent e = t.findExtent(lblk);
                if (e != null && !e.unwritten()) {
                    long runEnd = Math.min(e.lend(), endBlock);
                    for (long l = lblk; l < runEnd; l++) {
                        pos = writeBlock(e.pblk() + (l - e.lblk()), l, pos, end, buf, bufOff, off, blk, true);
                        done = pos;
                    }
                } else if (e != null) {
                    long runEnd = Math.min(e.lend(), endBlock);
                    for (long l = lblk; l < runEnd; l++) {
                        pos = writeBlock(e.pblk() + (l - e.lblk()), l, pos, end, buf, bufOff, off, blk, false);
                    }
                    markWritten(t, lblk, runEnd - lblk);
                    done = pos;
                } else {
                    long hole = Math.min(t.nextMapped(lblk), endBlock) - lblk;
                    int want = (int) Math.min(hole, ExtentDescriptor.EXT_INIT_MAX_LEN);
                    BlockAllocator.Run r = balloc.allocate(goalFor(ino, t, lblk), want);
                    for (long i = 0; i < r.len(); i++) {
                        pos = writeBlock(r.start() + i, lblk + i, pos, end, buf, bufOff, off, blk, false);
                    }
                    try {
                        t.insert(lblk, r.start(), r.len(), false);
                    } catch (IOException | RuntimeException ex) {
                        balloc.free(r.start(), r.len());
                        throw ex;
                    }
                    in.setBlocks512(in.blocks512() + (long) r.len() * (bs / 512));
                    done = pos;
                }
            }
        } finally {
            if (done > in.size()) {
                in.setSize(done);
                noteLargeFile(done);
            }
            long now = now();
            in.setMtime(now);
            in.setCtime(now);
            writeInode(ino, in);
        }
    }

    /**
     * Writes the part of {@code [pos, end)} that falls in logical block {@code lblk} to {@code pblk}.
     *
     * @param keep whether the block's other bytes are kept (a written block) or zeroed (a new or
     *             unwritten block)
     * @return the new position
     */
    private long writeBlock(long pblk, long lblk, long pos, long end, byte[] buf, int bufOff, long off,
                            byte[] blk, boolean keep) throws IOException {
        long bStart = lblk * bs;
        int from = (int) Math.max(0, pos - bStart);
        int to = (int) Math.min(bs, end - bStart);
        if (from == 0 && to == bs) {
            System.arraycopy(buf, bufOff + (int) (bStart - off), blk, 0, bs);
        } else {
            if (keep) {
                io.read(pblk, blk);
            } else {
                Arrays.fill(blk, (byte) 0);
            }
            System.arraycopy(buf, bufOff + (int) (bStart + from - off), blk, from, to - from);
        }
        io.write(pblk, blk);
        return bStart + to;
    }

    /** Converts {@code [lblk, lblk+n)} (inside unwritten extents) to written. */
    private void markWritten(ExtentTree t, long lblk, long n) throws IOException {
        for (Extent piece : t.unmap(lblk, lblk + n)) {
            t.insert(piece.lblk(), piece.pblk(), piece.len(), false);
        }
    }

    private void noteLargeFile(long size) {
        if (size > Integer.MAX_VALUE && !sb.hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE)) {
            sb.setRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE);
            backupsStale = true;
        }
    }

    /** {@link #write(long, long, byte[], int, int)} by path. */
    public void write(String path, long off, byte[] data) throws IOException {
        write(lookup(path), off, data, 0, data.length);
    }

    /**
     * Reads up to {@code len} bytes at {@code off}; holes and unwritten extents read as zeros.
     *
     * @return bytes read: {@code len}, fewer at end of file, 0 at or past it
     * @throws IOException EISDIR, EINVAL (not a regular file), corruption
     */
    public int read(long ino, long off, byte[] buf, int bufOff, int len) throws IOException {
        begin(false);
        Objects.checkFromIndexSize(bufOff, len, buf.length);
        Ext4InodeRaw in = regular(ino, false);
        if (off < 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": negative read offset " + off);
        }
        long size = in.size();
        if (off >= size || len == 0) {
            return 0;
        }
        int n = (int) Math.min(len, size - off);
        readData(ino, in, off, buf, bufOff, n);
        return n;
    }

    private void readData(long ino, Ext4InodeRaw in, long off, byte[] buf, int bufOff, int n) throws IOException {
        ExtentTree t = tree(ino, in);
        byte[] blk = new byte[bs];
        long end = off + n;
        long pos = off;
        while (pos < end) {
            long lblk = pos / bs;
            Extent e = t.findExtent(lblk);
            if (e == null || e.unwritten()) {
                long stop = e != null ? e.lend() : t.nextMapped(lblk);
                long zEnd = Math.min(end, stop * bs);
                Arrays.fill(buf, bufOff + (int) (pos - off), bufOff + (int) (zEnd - off), (byte) 0);
                pos = zEnd;
                continue;
            }
            long runEnd = Math.min(e.lend(), (end + bs - 1) / bs);
            for (long l = lblk; l < runEnd; l++) {
                long bStart = l * bs;
                int from = (int) Math.max(0, pos - bStart);
                int to = (int) Math.min(bs, end - bStart);
                io.read(e.pblk() + (l - e.lblk()), blk);
                System.arraycopy(blk, from, buf, bufOff + (int) (bStart + from - off), to - from);
                pos = bStart + to;
            }
        }
    }

    /**
     * Reads a whole regular file.
     *
     * @param path the file
     * @return its contents
     * @throws IOException ENOENT, EISDIR, EFBIG if larger than 2 GiB - 1, corruption
     */
    public byte[] readAll(String path) throws IOException {
        long ino = lookup(path);
        Ext4InodeRaw in = regular(ino, false);
        if (in.size() > Integer.MAX_VALUE - 8) {
            throw Ext4Exception.of(Errno.EFBIG, dev, path);
        }
        byte[] out = new byte[(int) in.size()];
        read(ino, 0, out, 0, out.length);
        return out;
    }

    /** Zeroes bytes {@code [from, to)} of logical block {@code lblk} if it is written. */
    private void zeroPartial(ExtentTree t, long lblk, int from, int to) throws IOException {
        if (from >= to) {
            return;
        }
        Extent e = t.findExtent(lblk);
        if (e == null || e.unwritten()) {
            return;
        }
        long pblk = e.pblk() + (lblk - e.lblk());
        byte[] blk = new byte[bs];
        io.read(pblk, blk);
        Arrays.fill(blk, from, to, (byte) 0);
        io.write(pblk, blk);
    }

    /**
     * Sets the size ({@code ext4_setattr} / {@code ext4_truncate}): shrinking frees every block past
     * the new end (preallocated ones too) and zeroes the tail of the last partial block; growing
     * leaves a hole.
     *
     * @param ino     a regular file
     * @param newSize the size
     * @throws IOException EFBIG, EINVAL, EISDIR, EROFS
     */
    public void truncate(long ino, long newSize) throws IOException {
        begin(true);
        if (newSize < 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": negative size " + newSize);
        }
        if (newSize > MAX_FILE_SIZE) {
            throw new Ext4Exception(Errno.EFBIG, dev + ": inode " + ino + ": "
                    + Errno.text(Errno.EFBIG));
        }
        Ext4InodeRaw in = regular(ino, true);
        ExtentTree t = tree(ino, in);
        if (newSize < in.size()) {
            if (newSize % bs != 0) {
                zeroPartial(t, newSize / bs, (int) (newSize % bs), bs);
            }
            t.remove((newSize + bs - 1) / bs, ExtentDescriptor.EXT_MAX_BLOCKS);
        }
        in.setSize(newSize);
        noteLargeFile(newSize);
        long now = now();
        in.setMtime(now);
        in.setCtime(now);
        writeInode(ino, in);
    }

    /** {@link #truncate(long, long)} by path. */
    public void truncate(String path, long newSize) throws IOException {
        truncate(lookup(path), newSize);
    }

    /**
     * {@code fallocate(2)} ({@code ext4_fallocate}): mode 0 or {@link #FALLOC_FL_KEEP_SIZE} allocates
     * unwritten extents for every hole in the range (reads still return zeros) and, without
     * KEEP_SIZE, grows {@code i_size} to cover it; {@code FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE}
     * punches ({@link #punchHole}).
     *
     * @throws IOException EOPNOTSUPP for other modes, EINVAL, EFBIG, ENOSPC, EROFS
     */
    public void fallocate(long ino, int mode, long off, long len) throws IOException {
        begin(true);
        if (off < 0 || len <= 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": fallocate range " + off + "+" + len);
        }
        if ((mode & FALLOC_FL_PUNCH_HOLE) != 0) {
            if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
                throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": fallocate mode 0x"
                        + Integer.toHexString(mode) + " not supported");
            }
            punch(ino, off, len);
            return;
        }
        if ((mode & ~FALLOC_FL_KEEP_SIZE) != 0) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": fallocate mode 0x"
                    + Integer.toHexString(mode) + " not supported");
        }
        long end = off + len;
        if (end > MAX_FILE_SIZE || end < 0) {
            throw new Ext4Exception(Errno.EFBIG, dev + ": inode " + ino + ": "
                    + Errno.text(Errno.EFBIG));
        }
        Ext4InodeRaw in = regular(ino, true);
        long[] reached = {off / bs};
        try {
            fallocBlocks(ino, in, off / bs, (end + bs - 1) / bs, reached);
            reached[0] = Long.MAX_VALUE / bs;
        } finally {
            long epos = reached[0] > off / bs ? Math.min(end, reached[0] * bs) : 0; // as the kernel: allocated blocks stay inside the file
            if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && epos > in.size()) {
                in.setSize(epos);
                noteLargeFile(epos);
            }
            in.setCtime(now());
            writeInode(ino, in);
        }
    }

    /**
     * {@code ext4_alloc_file_blocks}: unwritten extents over every hole of {@code [lblk, endBlock)},
     * {@code i_blocks} updated in {@code in} (the caller writes the inode, also after a failure: what
     * was allocated stays).
     */
    private void fallocBlocks(long ino, Ext4InodeRaw in, long lblk, long endBlock, long[] reached) throws IOException {
        ExtentTree t = tree(ino, in);
        while (lblk < endBlock) {
            long next = t.nextMapped(lblk);
            if (next == lblk) {
                Extent e = t.findExtent(lblk);
                lblk = e.lend();
                reached[0] = lblk;
                continue;
            }
            long hole = Math.min(next, endBlock) - lblk;
            int want = claimFreeClusters((int) Math.min(hole, ExtentDescriptor.EXT_UNWRITTEN_MAX_LEN));
            BlockAllocator.Run r = balloc.allocate(goalFor(ino, t, lblk), want);
            try {
                t.insert(lblk, r.start(), r.len(), true);
            } catch (IOException | RuntimeException ex) {
                balloc.free(r.start(), r.len());
                throw ex;
            }
            in.setBlocks512(in.blocks512() + (long) r.len() * (bs / 512));
            lblk += r.len();
            reached[0] = lblk; // the end of what is mapped now
        }
    }

    /**
     * Punches a hole ({@code ext4_punch_hole}): the range reads as zeros afterwards, whole blocks in
     * it are freed, partial blocks at its edges are zeroed, {@code i_size} is unchanged. The range is
     * clipped to the end of the block holding the last byte of the file.
     *
     * @throws IOException EINVAL, EISDIR, EROFS
     */
    public void punchHole(long ino, long off, long len) throws IOException {
        begin(true);
        if (off < 0 || len <= 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": punch range " + off + "+" + len);
        }
        punch(ino, off, len);
    }

    private void punch(long ino, long off, long len) throws IOException {
        Ext4InodeRaw in = regular(ino, true);
        long size = in.size();
        if (off >= size) {
            return;
        }
        long end = Math.min(off + len, (size + bs - 1) / bs * bs);
        if (off + len < 0) {
            end = (size + bs - 1) / bs * bs;
        }
        ExtentTree t = tree(ino, in);
        long firstFull = (off + bs - 1) / bs;
        long lastFullEnd = end / bs;
        if (off / bs == (end - 1) / bs && (off % bs != 0 || end % bs != 0)) {
            zeroPartial(t, off / bs, (int) (off % bs), (int) ((end - 1) % bs) + 1);
        } else {
            if (off % bs != 0) {
                zeroPartial(t, off / bs, (int) (off % bs), bs);
            }
            if (end % bs != 0) {
                zeroPartial(t, end / bs, 0, (int) (end % bs));
            }
        }
        if (firstFull < lastFullEnd) {
            t.remove(firstFull, lastFullEnd);
        }
        long now = now();
        in.setMtime(now);
        in.setCtime(now);
        writeInode(ino, in);
    }

    /**
     * @param ino an inode
     * @return its extents, in logical order
     * @throws IOException corruption, EOPNOTSUPP if not extent-mapped
     */
    public List<Extent> extents(long ino) throws IOException {
        begin(false);
        return tree(ino, readInode(ino)).extents();
    }

    /**
     * @param ino an inode
     * @return its extent tree depth
     * @throws IOException corruption, EOPNOTSUPP if not extent-mapped
     */
    public int extentDepth(long ino) throws IOException {
        begin(false);
        return tree(ino, readInode(ino)).depth();
    }

    // ================================================================ inode-number API (in-kernel ext4)
    //
    // The in-kernel ext4 drives the volume by inode number. File DATA never goes through these calls:
    // the kernel's page cache and block layer read and write data blocks themselves, at the physical
    // blocks mapBlocks reports. The volume manages metadata only (inodes, extent trees, bitmaps,
    // directories, group and superblock counts), through its MetadataCache: every change is visible to
    // the next call at once and reaches the device at sync(). Single-threaded: the kernel calls in
    // under its own lock.

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
    private int claimFreeClusters(int len) throws Ext4Exception {
        long avail = balloc.freeBlocks() - dataReserve.getAsLong();
        while (len > 0 && len > avail) {
            len >>= 1;
        }
        if (len == 0) {
            throw new Ext4Exception(Errno.ENOSPC, dev + ": " + Errno.text(Errno.ENOSPC));
        }
        return len;
    }

    /** Logical blocks a file can have: {@link #MAX_FILE_SIZE} / block size. */
    private long maxFileBlocks() {
        return MAX_FILE_SIZE / bs;
    }

    private static String entryWhat(long dir, String name) {
        return "inode " + dir + " entry '" + name + "'";
    }

    /**
     * A name handed to the inode-number API, as stored on disk (UTF-8).
     *
     * @throws Ext4Exception ENOENT for an empty name, EINVAL for one containing '/' or NUL,
     *                       ENAMETOOLONG past {@link DirEntryDescriptor#EXT4_NAME_LEN} bytes
     */
    private byte[] entryName(long dir, String name) throws Ext4Exception {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new Ext4Exception(Errno.ENOENT, dev + ": inode " + dir + ": empty name: "
                    + Errno.text(Errno.ENOENT));
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw Ext4Exception.of(Errno.EINVAL, dev, entryWhat(dir, name));
        }
        byte[] n = nameBytes(name);
        if (n.length > EXT4_NAME_LEN) {
            throw Ext4Exception.of(Errno.ENAMETOOLONG, dev, entryWhat(dir, name));
        }
        return n;
    }

    /**
     * An inode number handed to the inode-number API: in range and allocated in the inode bitmap. Its
     * link count may be 0 (unlinked while the kernel still holds it).
     *
     * @throws Ext4Exception EINVAL if out of range or not in use
     */
    private Ext4InodeRaw heldInode(long ino) throws IOException {
        if (ino < 1 || ino > sb.inodesCount()) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode number " + ino + " out of range 1.."
                    + sb.inodesCount());
        }
        if (!ialloc.inUse(ino)) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + " is not in use");
        }
        return readInode(ino);
    }

    /**
     * A directory handed to the inode-number API.
     *
     * @throws Ext4Exception ENOENT if it is not in use (removed: operations in a dead directory fail so),
     *                       ENOTDIR if not a directory
     */
    private Ext4InodeRaw heldDir(long dir) throws IOException {
        if (dir < 1 || dir > sb.inodesCount() || !ialloc.inUse(dir)) {
            throw new Ext4Exception(Errno.ENOENT, dev + ": directory inode " + dir + " does not exist");
        }
        Ext4InodeRaw d = readInode(dir);
        if (!d.isDir()) {
            throw new Ext4Exception(Errno.ENOTDIR, dev + ": inode " + dir + ": "
                    + Errno.text(Errno.ENOTDIR));
        }
        if (d.linksCount() == 0) {
            throw new Ext4Exception(Errno.ENOENT, dev + ": directory inode " + dir + " has been removed");
        }
        return d;
    }

    /**
     * A regular file handed to the inode-number API (link count may be 0).
     *
     * @param write whether blocks or the size will change (refuses immutable, inline-data and verity
     *              inodes with EOPNOTSUPP)
     * @throws Ext4Exception EINVAL (not in use, or not a regular file), EISDIR
     */
    private Ext4InodeRaw heldRegular(long ino, boolean write) throws IOException {
        return checkRegular(ino, heldInode(ino), write);
    }

    /**
     * An inode whose blocks the kernel may read through {@link #mapBlocks} without {@code create}: a
     * regular file or an extent-mapped (slow) symbolic link.
     */
    private Ext4InodeRaw heldMappable(long ino) throws IOException {
        Ext4InodeRaw in = heldInode(ino);
        if (in.isLnk() && !in.isFastSymlink() && in.hasFlag(EXT4_EXTENTS_FL)) {
            return in;
        }
        if (in.isDir()) {
            throw new Ext4Exception(Errno.EISDIR, dev + ": inode " + ino + ": "
                    + Errno.text(Errno.EISDIR));
        }
        if (!in.isReg()) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino
                    + " is not a regular file or a block-mapped symbolic link");
        }
        return in;
    }

    /**
     * {@code ext4_lookup}: the inode number of {@code name} in directory {@code dir}. {@code "."} and
     * {@code ".."} are found as the entries they are.
     *
     * @param dir  a directory's inode number
     * @param name one component
     * @return its inode number, or 0 if there is no such entry
     * @throws IOException ENOTDIR, ENOENT (dir removed, or empty name), EINVAL, ENAMETOOLONG, corruption
     */
    public long lookupIn(long dir, String name) throws IOException {
        begin(false);
        Ext4InodeRaw d = heldDir(dir);
        Slot s = findEntry(dir, d, entryName(dir, name));
        return s == null ? 0 : s.ino;
    }

    /**
     * {@code ext4_create}: a new empty regular file linked as {@code name} in {@code dir}.
     *
     * @param dir  the directory
     * @param name the new name
     * @param mode {@code S_IFREG | perm} (a mode without file type bits is taken as regular)
     * @return the new inode number
     * @throws IOException EEXIST, ENOTDIR, ENOENT, EINVAL (another file type), ENAMETOOLONG, ENOSPC
     *                     (no inode, or no block to grow the directory), EROFS
     */
    public long createIn(long dir, String name, int mode) throws IOException {
        begin(true);
        byte[] n = entryName(dir, name);
        heldDir(dir);
        int type = mode & S_IFMT;
        if (type != 0 && type != S_IFREG) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": " + entryWhat(dir, name) + ": mode 0"
                    + Integer.toOctalString(mode) + " is not a regular file");
        }
        return createEntry(dir, n, S_IFREG | (mode & 07777), entryWhat(dir, name));
    }

    /**
     * {@code ext4_mkdir}: a new directory ({@code .} and {@code ..}, link count 2; the parent gains a
     * link).
     *
     * @param dir  the parent
     * @param name the new name
     * @param perm permission bits
     * @return the new inode number
     * @throws IOException EEXIST, ENOTDIR, ENOENT, EMLINK, ENAMETOOLONG, ENOSPC, EROFS
     */
    public long mkdirIn(long dir, String name, int perm) throws IOException {
        begin(true);
        byte[] n = entryName(dir, name);
        heldDir(dir);
        return mkdirEntry(dir, n, perm, entryWhat(dir, name));
    }

    /**
     * {@code ext4_unlink}: removes the entry and decrements the victim's {@code i_links_count}. The
     * inode and its blocks are NOT freed: when the count reaches 0 the inode goes on the on-disk orphan
     * list ({@code ext4_orphan_add}) and the caller calls {@link #evictInode} when its last reference
     * goes, as the VFS does.
     *
     * @param dir  the directory
     * @param name a non-directory's name
     * @return the victim's inode number
     * @throws IOException ENOENT, EISDIR, ENOTDIR, ENAMETOOLONG, EROFS
     */
    public long unlinkIn(long dir, String name) throws IOException {
        begin(true);
        byte[] n = entryName(dir, name);
        heldDir(dir);
        long victim = unlinkEntry(dir, n, entryWhat(dir, name));
        decLink(victim);
        return victim;
    }

    /**
     * {@code ext4_rmdir}: removes the empty directory {@code name} from {@code dir} and frees it at
     * once (directories are never held open in this model).
     *
     * @throws IOException ENOENT, ENOTDIR, ENOTEMPTY, EINVAL ({@code .} or {@code ..}), EROFS
     */
    public void rmdirIn(long dir, String name) throws IOException {
        begin(true);
        byte[] n = entryName(dir, name);
        heldDir(dir);
        rmdirEntry(dir, n, entryWhat(dir, name));
    }

    /**
     * {@code ext4_rename}: moves {@code oldName} in {@code oldDir} to {@code newName} in {@code newDir},
     * replacing an existing target of compatible type (a non-directory by a non-directory, an empty
     * directory by a directory). A moved directory's {@code ..} is repointed and the parents' link
     * counts adjusted. Renaming a name onto itself, or onto another link of the same inode, does
     * nothing.
     *
     * @return the replaced inode, or 0: a replaced non-directory has lost one link and is NOT freed
     *         (at 0 links it is on the orphan list; the caller evicts it); a replaced empty directory
     *         has been freed
     * @throws IOException ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL (a directory into itself, or
     *                     {@code .}/{@code ..}), EMLINK, ENAMETOOLONG, ENOSPC, EROFS
     */
    public long renameIn(long oldDir, String oldName, long newDir, String newName) throws IOException {
        begin(true);
        byte[] on = entryName(oldDir, oldName);
        byte[] nn = entryName(newDir, newName);
        heldDir(oldDir);
        heldDir(newDir);
        return renameEntry(new Parent(oldDir, on), new Parent(newDir, nn), entryWhat(oldDir, oldName),
                entryWhat(newDir, newName), false);
    }

    /**
     * {@code ext4_evict_inode}: frees every block of {@code ino} (data and extent tree) and the inode
     * itself, taking it off the orphan list. Its link count must be 0.
     *
     * @param ino an unlinked inode
     * @throws IOException EINVAL if its link count is not 0, it is not in use or is reserved; EROFS
     */
    public void evictInode(long ino) throws IOException {
        begin(true);
        Ext4InodeRaw in = heldInode(ino);
        if (ino < sb.firstIno()) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + " is reserved");
        }
        if (in.linksCount() != 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + " still has "
                    + in.linksCount() + " link(s)");
        }
        orphanDel(ino, in);
        evict(ino, in);
    }

    /**
     * {@code ext4_map_blocks}: the mapping of logical block {@code lblk} of {@code ino}, a run of up to
     * {@code maxLen} blocks in the same state. A mapped run ends at its extent's end (written and
     * unwritten extents are reported as they are: {@code create} never converts, see
     * {@link #convertUnwritten}). A hole reports {@code pblk == 0} and its length up to the next mapped
     * block.
     *
     * <p>With {@code create} and {@code lblk} in a hole: allocates up to {@code maxLen} contiguous
     * blocks (fewer if the hole is shorter or the allocator finds a shorter free run), the goal being
     * the physical block after the previous extent ({@code ext4_ext_find_goal}), maps them as a
     * written extent (unwritten if {@code createUnwritten}) and reports {@code isNew}. Updates
     * {@code i_blocks}; the size and times are untouched. Never reads or writes data blocks: new blocks
     * are not zeroed (the caller writes or zeroes all of them).
     *
     * @param ino             a regular file (link count may be 0)
     * @param lblk            logical block, &gt;= 0
     * @param maxLen          most blocks wanted, &gt;= 1
     * @param create          allocate a hole
     * @param createUnwritten allocate it as an unwritten extent
     * @return the mapping
     * @throws IOException EINVAL (bad arguments, not a regular file), EISDIR, EFBIG (allocating past
     *                     {@link #MAX_FILE_SIZE}), ENOSPC (no free block; nothing changed), EROFS
     */
    public BlockMap mapBlocks(long ino, long lblk, int maxLen, boolean create, boolean createUnwritten)
            throws IOException {
        return mapBlocks(ino, lblk, maxLen, create, createUnwritten, false);
    }

    /**
     * {@link #mapBlocks(long, long, int, boolean, boolean)}; {@code delallocReserved} says the blocks
     * were reserved when the data was dirtied ({@code EXT4_MB_DELALLOC_RESERVED}), so the
     * allocation may use the blocks {@link #setDataReserve reserved} for others.
     */
    public BlockMap mapBlocks(long ino, long lblk, int maxLen, boolean create, boolean createUnwritten,
                              boolean delallocReserved) throws IOException {
        begin(create);
        if (lblk < 0 || maxLen < 1) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + ": map " + lblk + "+" + maxLen);
        }
        Ext4InodeRaw in = create ? heldRegular(ino, true) : heldMappable(ino);
        if (lblk >= ExtentDescriptor.EXT_MAX_BLOCKS) {
            if (create) {
                throw new Ext4Exception(Errno.EFBIG, dev + ": inode " + ino + ": "
                        + Errno.text(Errno.EFBIG));
            }
            return new BlockMap(lblk, 0, maxLen, false, false);
        }
        ExtentTree t = tree(ino, in);
        Extent e = t.findExtent(lblk);
        if (e != null) {
            int len = (int) Math.min(maxLen, e.lend() - lblk);
            return new BlockMap(lblk, e.pblk() + (lblk - e.lblk()), len, e.unwritten(), false);
        }
        long hole = Math.min(maxLen, t.nextMapped(lblk) - lblk);
        if (!create) {
            return new BlockMap(lblk, 0, (int) hole, false, false);
        }
        if (lblk >= maxFileBlocks()) {
            throw new Ext4Exception(Errno.EFBIG, dev + ": inode " + ino + ": "
                    + Errno.text(Errno.EFBIG));
        }
        long want = Math.min(hole, maxFileBlocks() - lblk);
        want = Math.min(want, createUnwritten ? ExtentDescriptor.EXT_UNWRITTEN_MAX_LEN : ExtentDescriptor.EXT_INIT_MAX_LEN);
        if (!delallocReserved) {
            want = claimFreeClusters((int) want);
        }
        BlockAllocator.Run r = balloc.allocate(goalFor(ino, t, lblk), (int) want);
        try {
            t.insert(lblk, r.start(), r.len(), createUnwritten);
        } catch (IOException | RuntimeException ex) {
            balloc.free(r.start(), r.len());
            writeInode(ino, in); // a failed insert changes nothing, but keep the inode and tree in step
            throw ex;
        }
        in.setBlocks512(in.blocks512() + (long) r.len() * (bs / 512));
        writeInode(ino, in);
        return new BlockMap(lblk, r.start(), r.len(), createUnwritten, true);
    }

    /**
     * {@code ext4_convert_unwritten_extents}: marks {@code [lblk, lblk+len)} written, splitting
     * unwritten extents at the range's edges (the pieces merge with written neighbours). Holes and
     * written extents in the range are left alone. No data I/O.
     *
     * @throws IOException EINVAL, EISDIR, ENOSPC (a split needs an extent tree block), EROFS
     */
    public void convertUnwritten(long ino, long lblk, long len) throws IOException {
        begin(true);
        if (lblk < 0 || len < 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + ": convert " + lblk + "+" + len);
        }
        Ext4InodeRaw in = heldRegular(ino, true);
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
                    markWritten(t, pos, stop - pos);
                }
                pos = stop;
            }
        } finally {
            writeInode(ino, in);
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
    public void removeBlocks(long ino, long fromLblk, long toLblkExclusive) throws IOException {
        begin(true);
        if (fromLblk < 0 || toLblkExclusive < fromLblk) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + ": remove blocks "
                    + fromLblk + ".." + toLblkExclusive);
        }
        Ext4InodeRaw in = heldRegular(ino, true);
        long to = Math.min(toLblkExclusive, ExtentDescriptor.EXT_MAX_BLOCKS);
        if (fromLblk >= to) {
            return;
        }
        try {
            tree(ino, in).remove(fromLblk, to);
        } finally {
            writeInode(ino, in);
        }
    }

    /**
     * {@code ext4_fallocate} mode 0 or {@code FALLOC_FL_KEEP_SIZE}, on whole blocks: unwritten extents
     * over the holes of {@code [fromLblk, fromLblk+count)} ({@code ext4_alloc_file_blocks}); then, unless
     * {@code keepSize}, {@code i_size} grows to {@code newSize} if that is larger. {@code i_ctime} is
     * set, and {@code i_mtime} when the size grew. On ENOSPC what was allocated stays (as in the
     * kernel).
     *
     * @throws IOException EINVAL, EFBIG past {@link #MAX_FILE_SIZE}, ENOSPC, EISDIR, EROFS
     */
    public void allocateUnwritten(long ino, long fromLblk, long count, long newSize, boolean keepSize)
            throws IOException {
        begin(true);
        if (fromLblk < 0 || count < 0 || newSize < 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + ": fallocate blocks "
                    + fromLblk + "+" + count + ", size " + newSize);
        }
        if (fromLblk + count > maxFileBlocks() || fromLblk + count < 0 || newSize > MAX_FILE_SIZE) {
            throw new Ext4Exception(Errno.EFBIG, dev + ": inode " + ino + ": "
                    + Errno.text(Errno.EFBIG));
        }
        Ext4InodeRaw in = heldRegular(ino, true);
        long now = now();
        long[] reached = {fromLblk};
        try {
            fallocBlocks(ino, in, fromLblk, fromLblk + count, reached);
            reached[0] = Long.MAX_VALUE / bs;
        } finally {
            // ext4_alloc_file_blocks(): i_size follows each chunk, so blocks allocated before an
            // ENOSPC stay, and are inside the file
            long epos = reached[0] > fromLblk ? Math.min(newSize, reached[0] * bs) : 0;
            if (!keepSize && epos > in.size()) {
                in.setSize(epos);
                noteLargeFile(epos);
                in.setMtime(now);
            }
            in.setCtime(now);
            writeInode(ino, in);
        }
    }

    /**
     * Sets {@code i_size} ({@code ext4_update_disksize} / {@code i_size_write} then
     * {@code ext4_mark_inode_dirty}), setting {@code large_file} if needed. No block changes (a shrink
     * is {@link #removeBlocks} plus this).
     *
     * @throws IOException EINVAL (negative, not a regular file), EFBIG past {@link #MAX_FILE_SIZE},
     *                     EISDIR, EROFS
     */
    public void setSize(long ino, long size) throws IOException {
        begin(true);
        if (size < 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + ": negative size " + size);
        }
        if (size > MAX_FILE_SIZE) {
            throw new Ext4Exception(Errno.EFBIG, dev + ": inode " + ino + ": "
                    + Errno.text(Errno.EFBIG));
        }
        Ext4InodeRaw in = heldRegular(ino, false);
        if (in.size() == size) {
            return;
        }
        in.setSize(size);
        noteLargeFile(size);
        writeInode(ino, in);
    }

    /**
     * Sets {@code i_mtime} and {@code i_ctime} ({@code file_update_time} then
     * {@code ext4_mark_inode_dirty}) of any in-use inode.
     *
     * @param nowNs the kernel clock, nanoseconds since the epoch (stored as whole seconds, 32 bits)
     * @throws IOException EINVAL if not in use, EROFS
     */
    public void setTimes(long ino, long nowNs) throws IOException {
        begin(true);
        Ext4InodeRaw in = heldInode(ino);
        long sec = Math.floorDiv(nowNs, 1_000_000_000L) & 0xFFFFFFFFL;
        if (in.mtime() == sec && in.ctime() == sec) {
            return;
        }
        in.setMtime(sec);
        in.setCtime(sec);
        writeInode(ino, in);
    }

    /**
     * @return {@code i_blocks} of {@code ino} in 512-byte units: data and extent tree blocks (and an
     *         xattr block), for {@code stat}
     * @throws IOException EINVAL if not in use
     */
    public long iBlocks(long ino) throws IOException {
        begin(false);
        return heldInode(ino).blocks512();
    }

    // ================================================================ mkfs support

    /**
     * Creates the root directory (inode 2, its own parent) and {@code lost+found} with
     * {@code lpfBlocks} blocks, as mke2fs does. Only for {@link Mkfs} on a freshly laid out volume.
     */
    void mkfsRootAndLostFound(int lpfBlocks) throws IOException {
        begin(true);
        long root = EXT4_ROOT_INO;
        long pblk = balloc.allocateOne(goalFor(root));
        Ext4InodeRaw in = newInode(root, S_IFDIR | 0755, 2);
        tree(root, in).insert(0, pblk, 1, false);
        in.setBlocks512(bs / 512);
        in.setSize(bs);
        initDirBlock(cache.getNew(pblk), root, root);
        writeInode(root, in);
        GroupDesc g0 = gds[0];
        g0.setUsedDirsCount(g0.usedDirsCount() + 1);
        dirtyGroups.set(0);
        long lpf = makeDir(root, "lost+found".getBytes(StandardCharsets.US_ASCII), 0700, false);
        Ext4InodeRaw l = readInode(lpf);
        ExtentTree t = tree(lpf, l);
        for (int i = 1; i < lpfBlocks; i++) {
            long b = balloc.allocateOne(goalFor(lpf, t, i));
            t.insert(i, b, 1, false);
            DirEntry.initEmptyBlock(cache.getNew(b));
            l.setBlocks512(l.blocks512() + bs / 512);
            l.setSize(l.size() + bs);
        }
        writeInode(lpf, l);
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
        for (int g = dirtyGroups.nextSetBit(0); g >= 0; g = dirtyGroups.nextSetBit(g + 1)) {
            long gdtBlock = sb.firstDataBlock() + 1 + GroupDescDescriptor.gdtBlockIndex(g, bs);
            gds[g].writeTo(cache.get(gdtBlock), GroupDescDescriptor.offsetInBlock(g, bs));
            cache.markDirty(gdtBlock);
        }
        dirtyGroups.clear();
        sb.setWtime(now());
        byte[] b0 = cache.get(0);
        sb.writeTo(b0, SuperBlockDescriptor.SUPERBLOCK_OFFSET);
        cache.markDirty(0);
        if (backupsStale) {
            // a static field (a feature bit) changed: refresh the backup superblocks too
            for (int g = 1; g < sb.groupCount(); g++) {
                if (sb.groupHasSuper(g)) {
                    Ext4SuperBlock copy = sb.copy();
                    copy.setU16(SuperBlockDescriptor.S_BLOCK_GROUP_NR, g);
                    byte[] b = cache.get(sb.groupFirstBlock(g));
                    copy.writeTo(b, 0);
                    cache.markDirty(sb.groupFirstBlock(g));
                }
            }
            backupsStale = false;
        }
        sbDirty = false;
        cache.flush();
    }

    /**
     * Syncs (read-write) and releases the device if this volume opened it. Idempotent.
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
            }
        } finally {
            closed = true;
            cache.clear();
            if (owned != null) {
                try {
                    owned.close();
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Ext4Volume[" + dev + (readOnly ? ", ro" : ", rw") + ", " + sb + "]";
    }
}
