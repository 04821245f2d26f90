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
 * <p><strong>Writing</strong>: metadata goes through a {@link MetadataCache} and reaches the device at
 * {@link #sync()} (and {@link #close()}), which writes the primary superblock and group descriptors
 * too; like the kernel, backups are left as {@link Mkfs} wrote them, except that the backup superblocks
 * are refreshed when a feature bit changes ({@code large_file} set by a file growing past 2 GiB). File data
 * is written straight to the device by {@link #write}. There is no journal: a crash between writes
 * leaves what {@code e2fsck} would repair.
 *
 * <p><strong>Time</strong> comes from the clock given at open (seconds since the epoch, truncated to
 * 32 bits), by default the fixed {@link Mkfs#DEFAULT_EPOCH}: no wall clock, so images are
 * reproducible. A deleted inode's {@code i_dtime} is at least {@code s_inodes_count} whatever the
 * clock says, since e2fsck takes smaller values for orphan-list links.
 *
 * <p><strong>Errors</strong> are {@link Ext4Exception}s with the errno the kernel would return and a
 * one-line message naming the device.
 *
 * <p><strong>Threads</strong>: none. The class is single-threaded by design (the emulated kernel
 * serializes calls into it); callers must not use one volume from several threads.
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
    private final InodeAllocator ialloc;
    private final ExtentTree.Store store;
    private final int bs;
    private final AutoCloseable owned;
    private boolean closed;
    private boolean backupsStale;

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
            throw new Ext4Exception(Ext4Exception.EIO, dev + ": cannot open image: " + e.getMessage(), e);
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
                throw new Ext4Exception(Ext4Exception.EIO, dev + ": cannot read group descriptors: " + e.getMessage(), e);
            }
            GroupDesc d = GroupDesc.read(b, GroupDescDescriptor.offsetInBlock(g, bsz));
            long first = sb.groupFirstBlock(g) + sb.groupSuperOverhead(g);
            long end = sb.groupFirstBlock(g) + sb.groupBlocks(g);
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
            throw new Ext4Exception(Ext4Exception.EBADF, dev + ": volume is closed");
        }
        if (write && readOnly) {
            throw new Ext4Exception(Ext4Exception.EROFS, dev + ": " + Ext4Exception.describe(Ext4Exception.EROFS));
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
                throw Ext4Exception.of(Ext4Exception.ENAMETOOLONG, dev, path);
            }
            if (c.indexOf('\0') >= 0) {
                throw Ext4Exception.of(Ext4Exception.EINVAL, dev, path);
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
                throw Ext4Exception.of(Ext4Exception.ENOTDIR, dev, path);
            }
            Slot s = findEntry(ino, in, c);
            if (s == null) {
                throw Ext4Exception.of(Ext4Exception.ENOENT, dev, path);
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
            throw Ext4Exception.of(Ext4Exception.EINVAL, dev, path);
        }
        long ino = EXT4_ROOT_INO;
        for (int i = 0; i < cs.size() - 1; i++) {
            Ext4InodeRaw in = liveInode(ino);
            if (!in.isDir()) {
                throw Ext4Exception.of(Ext4Exception.ENOTDIR, dev, path);
            }
            Slot s = findEntry(ino, in, cs.get(i));
            if (s == null) {
                throw Ext4Exception.of(Ext4Exception.ENOENT, dev, path);
            }
            ino = s.ino;
        }
        if (!liveInode(ino).isDir()) {
            throw Ext4Exception.of(Ext4Exception.ENOTDIR, dev, path);
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
            throw new Ext4Exception(Ext4Exception.EOPNOTSUPP, dev + ": directory inode " + ino
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
            throw new Ext4Exception(Ext4Exception.ENOTDIR, dev + ": inode " + ino + ": "
                    + Ext4Exception.describe(Ext4Exception.ENOTDIR));
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
        checkNew(p, path);
        Ext4InodeRaw parent = readInode(p.dir);
        if (parent.linksCount() >= EXT4_LINK_MAX) {
            throw Ext4Exception.of(Ext4Exception.EMLINK, dev, path);
        }
        return makeDir(p.dir, p.name, perm, true);
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
        if (isDotName(p.name) || findEntry(p.dir, readInode(p.dir), p.name) != null) {
            throw Ext4Exception.of(Ext4Exception.EEXIST, dev, path);
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
        checkNew(p, path);
        long ino = ialloc.allocate(p.dir, false);
        Ext4InodeRaw in = newInode(ino, S_IFREG | (perm & 07777), 1);
        writeInode(ino, in);
        try {
            addEntry(p.dir, p.name, ino, EXT4_FT_REG_FILE);
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
            throw Ext4Exception.of(t.length == 0 ? Ext4Exception.ENOENT : Ext4Exception.ENAMETOOLONG, dev, path);
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
            throw Ext4Exception.of(Ext4Exception.EINVAL, dev, path);
        }
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
            throw Ext4Exception.of(Ext4Exception.EISDIR, dev, existing);
        }
        if (in.linksCount() >= EXT4_LINK_MAX) {
            throw Ext4Exception.of(Ext4Exception.EMLINK, dev, existing);
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
        if (isDotName(p.name)) {
            throw Ext4Exception.of(Ext4Exception.EISDIR, dev, path);
        }
        Slot s = findEntry(p.dir, readInode(p.dir), p.name);
        if (s == null) {
            throw Ext4Exception.of(Ext4Exception.ENOENT, dev, path);
        }
        Ext4InodeRaw in = liveInode(s.ino);
        if (in.isDir()) {
            throw Ext4Exception.of(Ext4Exception.EISDIR, dev, path);
        }
        removeEntry(s);
        touchDir(p.dir, 0);
        dropLink(s.ino);
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
     * Removes an empty directory ({@code ext4_rmdir}).
     *
     * @param path the directory
     * @throws IOException ENOENT, ENOTDIR, ENOTEMPTY, EINVAL (for {@code /} or a {@code .} name), EROFS
     */
    public void rmdir(String path) throws IOException {
        begin(true);
        Parent p = resolveParent(path);
        if (isDotName(p.name)) {
            throw Ext4Exception.of(Ext4Exception.EINVAL, dev, path);
        }
        Slot s = findEntry(p.dir, readInode(p.dir), p.name);
        if (s == null) {
            throw Ext4Exception.of(Ext4Exception.ENOENT, dev, path);
        }
        Ext4InodeRaw in = liveInode(s.ino);
        if (!in.isDir()) {
            throw Ext4Exception.of(Ext4Exception.ENOTDIR, dev, path);
        }
        if (!isEmptyDir(s.ino, in)) {
            throw Ext4Exception.of(Ext4Exception.ENOTEMPTY, dev, path);
        }
        removeEntry(s);
        touchDir(p.dir, -1);
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
        if (isDotName(fp.name) || isDotName(tp.name)) {
            throw Ext4Exception.of(Ext4Exception.EINVAL, dev, from);
        }
        Slot src = findEntry(fp.dir, readInode(fp.dir), fp.name);
        if (src == null) {
            throw Ext4Exception.of(Ext4Exception.ENOENT, dev, from);
        }
        if (fp.dir == tp.dir && Arrays.equals(fp.name, tp.name)) {
            return;
        }
        Ext4InodeRaw srcIn = liveInode(src.ino);
        boolean isDir = srcIn.isDir();
        if (isDir) {
            for (long d = tp.dir; ; ) {
                if (d == src.ino) {
                    throw Ext4Exception.of(Ext4Exception.EINVAL, dev, to);
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
        if (dst != null) {
            if (dst.ino == src.ino) {
                return;
            }
            Ext4InodeRaw dstIn = liveInode(dst.ino);
            if (isDir && !dstIn.isDir()) {
                throw Ext4Exception.of(Ext4Exception.ENOTDIR, dev, to);
            }
            if (!isDir && dstIn.isDir()) {
                throw Ext4Exception.of(Ext4Exception.EISDIR, dev, to);
            }
            if (dstIn.isDir() && !isEmptyDir(dst.ino, dstIn)) {
                throw Ext4Exception.of(Ext4Exception.ENOTEMPTY, dev, to);
            }
            byte[] b = cache.get(dst.pblk);
            DirEntry.setInode(b, dst.off, src.ino, ftype);
            cache.markDirty(dst.pblk);
            touchDir(tp.dir, 0);
            replacedDir = dstIn.isDir();
            if (replacedDir) {
                evict(dst.ino, readInode(dst.ino));
            } else {
                dropLink(dst.ino);
            }
        } else {
            if (isDir && tp.dir != fp.dir && readInode(tp.dir).linksCount() >= EXT4_LINK_MAX) {
                throw Ext4Exception.of(Ext4Exception.EMLINK, dev, to);
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
    }

    // ================================================================ file data

    private Ext4InodeRaw regular(long ino, boolean write) throws IOException {
        Ext4InodeRaw in = liveInode(ino);
        if (in.isDir()) {
            throw new Ext4Exception(Ext4Exception.EISDIR, dev + ": inode " + ino + ": "
                    + Ext4Exception.describe(Ext4Exception.EISDIR));
        }
        if (!in.isReg()) {
            throw new Ext4Exception(Ext4Exception.EINVAL, dev + ": inode " + ino + " is not a regular file");
        }
        if (write && (in.hasFlag(EXT4_IMMUTABLE_FL) || in.hasFlag(EXT4_INLINE_DATA_FL) || in.hasFlag(EXT4_VERITY_FL))) {
            throw new Ext4Exception(Ext4Exception.EOPNOTSUPP, dev + ": inode " + ino
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
            throw new Ext4Exception(Ext4Exception.EINVAL, dev + ": negative write offset " + off);
        }
        Ext4InodeRaw in = regular(ino, true);
        if (len == 0) {
            return;
        }
        long end = off + len;
        if (end > MAX_FILE_SIZE) {
            throw new Ext4Exception(Ext4Exception.EFBIG, dev + ": inode " + ino + ": "
                    + Ext4Exception.describe(Ext4Exception.EFBIG));
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
            throw new Ext4Exception(Ext4Exception.EINVAL, dev + ": negative read offset " + off);
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
            throw Ext4Exception.of(Ext4Exception.EFBIG, dev, path);
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
            throw new Ext4Exception(Ext4Exception.EINVAL, dev + ": negative size " + newSize);
        }
        if (newSize > MAX_FILE_SIZE) {
            throw new Ext4Exception(Ext4Exception.EFBIG, dev + ": inode " + ino + ": "
                    + Ext4Exception.describe(Ext4Exception.EFBIG));
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
            throw new Ext4Exception(Ext4Exception.EINVAL, dev + ": fallocate range " + off + "+" + len);
        }
        if ((mode & FALLOC_FL_PUNCH_HOLE) != 0) {
            if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
                throw new Ext4Exception(Ext4Exception.EOPNOTSUPP, dev + ": fallocate mode 0x"
                        + Integer.toHexString(mode) + " not supported");
            }
            punch(ino, off, len);
            return;
        }
        if ((mode & ~FALLOC_FL_KEEP_SIZE) != 0) {
            throw new Ext4Exception(Ext4Exception.EOPNOTSUPP, dev + ": fallocate mode 0x"
                    + Integer.toHexString(mode) + " not supported");
        }
        long end = off + len;
        if (end > MAX_FILE_SIZE || end < 0) {
            throw new Ext4Exception(Ext4Exception.EFBIG, dev + ": inode " + ino + ": "
                    + Ext4Exception.describe(Ext4Exception.EFBIG));
        }
        Ext4InodeRaw in = regular(ino, true);
        ExtentTree t = tree(ino, in);
        long lblk = off / bs;
        long endBlock = (end + bs - 1) / bs;
        try {
            while (lblk < endBlock) {
                long next = t.nextMapped(lblk);
                if (next == lblk) {
                    Extent e = t.findExtent(lblk);
                    lblk = e.lend();
                    continue;
                }
                long hole = Math.min(next, endBlock) - lblk;
                int want = (int) Math.min(hole, ExtentDescriptor.EXT_UNWRITTEN_MAX_LEN);
                BlockAllocator.Run r = balloc.allocate(goalFor(ino, t, lblk), want);
                try {
                    t.insert(lblk, r.start(), r.len(), true);
                } catch (IOException | RuntimeException ex) {
                    balloc.free(r.start(), r.len());
                    throw ex;
                }
                in.setBlocks512(in.blocks512() + (long) r.len() * (bs / 512));
                lblk += r.len();
            }
            if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && end > in.size()) {
                in.setSize(end);
                noteLargeFile(end);
            }
        } finally {
            in.setCtime(now());
            writeInode(ino, in);
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
            throw new Ext4Exception(Ext4Exception.EINVAL, dev + ": punch range " + off + "+" + len);
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
     * superblock ({@code s_wtime} set), then flushes the device. A read-only volume only flushes.
     *
     * @throws IOException on a device error
     */
    public void sync() throws IOException {
        if (closed) {
            throw new Ext4Exception(Ext4Exception.EBADF, dev + ": volume is closed");
        }
        if (readOnly) {
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
