package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.DirEntryDescriptor.*;
import static org.faultline.fs.ext4.InodeDescriptor.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * The on-disk half of fs/ext4/namei.c and fs/ext4/dir.c: directories — finding, adding and deleting
 * entries ({@code ext4_find_entry}, {@code ext4_add_entry}, {@code ext4_generic_delete_entry}),
 * listing them ({@code ext4_readdir}) — and the namespace operations by inode number, each the
 * counterpart of one kernel function: {@link #ext4Lookup}, {@link #ext4Create}, {@link #ext4Mkdir},
 * {@link #ext4Link}, {@link #ext4Symlink}, {@link #ext4Unlink}, {@link #ext4Rmdir}, {@link #ext4Rename},
 * and {@link #ext4GetLink} (symlink.c).
 *
 * <p>A directory is linear (entries packed in its blocks, searched block by block) until, on a
 * filesystem with {@code dir_index}, its single block is full: {@code make_indexed_dir} then makes it a
 * hash tree ({@code EXT4_INDEX_FL}), which {@link Ext4Htree} searches and grows. Deleting an entry edits
 * its block only, in both kinds. Directory link counts follow {@code dir_nlink}: an indexed directory
 * with more than {@code EXT4_LINK_MAX} links counts 1 ({@code ext4_inc_count}, {@code ext4_dec_count}).
 *
 * <p>An inode whose last link goes stays allocated, on the orphan list ({@link Ext4Orphan}), until
 * the caller {@link Ext4Inodes#ext4EvictInode evicts} it, as the VFS does on its last reference; a
 * removed directory is freed at once (directories are never held open in this model).
 *
 * <p>Every entry read is checked as {@code __ext4_check_dir_entry} checks it. Context:
 * single-threaded, under the caller's filesystem lock (the VFS holds the directories' {@code i_rwsem}).
 */
@KernelSource("fs/ext4/namei.c")
public final class Ext4Dirs {
    private final Ext4Volume v;
    private final Ext4SuperBlock sb;
    private final MetadataCache cache;
    private final BlockAllocator balloc;
    private final InodeAllocator ialloc;
    private final String dev;
    private final int bs;
    private final Ext4Htree htree;

    Ext4Dirs(Ext4Volume v) {
        this.v = v;
        this.sb = v.sb;
        this.cache = v.cache;
        this.balloc = v.balloc;
        this.ialloc = v.ialloc;
        this.dev = v.dev;
        this.bs = v.bs;
        this.htree = new Ext4Htree(v, this);
    }

    private Ext4InodeRaw readInode(long ino) throws IOException {
        return v.inodes().readInode(ino);
    }

    private void writeInode(long ino, Ext4InodeRaw in) throws IOException {
        v.inodes().writeInode(ino, in);
    }

    private Ext4InodeRaw liveInode(long ino) throws IOException {
        return v.inodes().liveInode(ino);
    }

    private Ext4InodeRaw newInode(long ino, int mode, int links) throws IOException {
        return v.inodes().newInode(ino, mode, links);
    }

    private void evict(long ino, Ext4InodeRaw in) throws IOException {
        v.inodes().freeInode(ino, in);
    }

    private ExtentTree tree(long ino, Ext4InodeRaw in) {
        return v.extents().tree(ino, in);
    }

    private long goalFor(long ino) {
        return v.extents().ext4InodeToGoalBlock(ino);
    }

    private long goalFor(long ino, ExtentTree t, long lblk) throws IOException {
        return v.extents().ext4ExtFindGoal(ino, t, lblk);
    }

    private long now() {
        return v.now();
    }

    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};

    private static byte[] nameBytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isDotName(byte[] n) {
        return Arrays.equals(n, DOT) || Arrays.equals(n, DOTDOT);
    }

    /** Where a directory entry lives. */
    record Slot(long ino, int fileType, long pblk, int off, int prevOff, int iseed) {
    }

    /** The directory's checksum seed ({@code ei->i_csum_seed}). */
    int iseed(long dirIno, Ext4InodeRaw dir) {
        return v.csum.inodeSeed(dirIno, dir.generation());
    }

    /**
     * Marks a directory leaf block dirty, its tail checksum to be set from {@code iseed}
     * ({@code ext4_handle_dirty_dirblock}).
     */
    void dirtyLeaf(long pblk, int iseed) {
        cache.markDirty(pblk, b -> v.csum.setDirBlockCsum(iseed, b));
    }

    /**
     * Marks an htree index block (root or node) dirty, its {@code dx_tail} checksum to be set from
     * {@code iseed} ({@code ext4_handle_dirty_dx_node}).
     */
    void dirtyDx(long pblk, int iseed) {
        cache.markDirty(pblk, b -> v.csum.setDxCsum(iseed, b));
    }

    /** {@code is_dx}: an indexed directory ({@code EXT4_INDEX_FL}) on a filesystem with {@code dir_index}. */
    boolean isDx(Ext4InodeRaw dir) {
        return sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_DIR_INDEX) && dir.hasFlag(EXT4_INDEX_FL);
    }

    /** Where the entries of a new leaf block end: before the checksum tail with metadata_csum. */
    private int leafEnd() {
        return bs - v.csum.dirTailSpace();
    }

    /** A new, empty leaf block: one unused entry up to {@link #leafEnd}, then the tail. */
    private void initEmptyLeaf(byte[] b) {
        DirEntry.initEmptyBlock(b);
        DirEntry.setRecLen(b, 0, leafEnd());
        if (v.csum.on()) {
            Ext4Csum.initDirTail(b);
        }
    }

    /**
     * {@code dirblock_type_t}: what the caller of {@code __ext4_read_dirblock} expects — an htree index
     * block, a leaf of a linear directory or of the htree, or either (then an index block is not
     * checked).
     */
    enum DirblockType {
        EITHER, INDEX, DIRENT, DIRENT_HTREE
    }

    /**
     * A directory block as read for one operation: its logical and physical numbers, its cached bytes
     * (valid until the operation ends) and where its entries end (before a leaf's checksum tail).
     */
    record DirBlock(long lblk, long pblk, byte[] b, int end) {
    }

    private String readWhere(long ino, long lblk) {
        return "__ext4_read_dirblock: inode #" + ino + ": lblock " + lblk + ": comm faultline: ";
    }

    /**
     * {@code ext4_read_dirblock}: maps block {@code lblk} of directory {@code ino} and reads it as
     * {@link #readDirBlockAt} does.
     *
     * @throws Ext4Exception EUCLEAN for a block past {@code i_size} ("Attempting to read directory block
     *                       ... past i_size") or a hole (for an htree block "Directory hole found for
     *                       htree index/leaf block"; a hole in a linear directory is refused too, a
     *                       deviation), and as {@link #readDirBlockAt}
     */
    DirBlock ext4ReadDirblock(long ino, Ext4InodeRaw dir, long lblk, DirblockType type) throws IOException {
        if (lblk >= dir.size() / bs) {
            throw Ext4Exception.corrupt(dev, readWhere(ino, lblk) + "Attempting to read directory block (" + lblk
                    + ") that is past i_size (" + dir.size() + ")");
        }
        Extent e = tree(ino, dir).findExtent(lblk);
        if (e == null || e.unwritten()) {
            if (type == DirblockType.INDEX || type == DirblockType.DIRENT_HTREE) {
                throw Ext4Exception.corrupt(dev, readWhere(ino, lblk) + "Directory hole found for htree "
                        + (type == DirblockType.INDEX ? "index" : "leaf") + " block");
            }
            throw Ext4Exception.corrupt(dev, "directory inode " + ino + " has a hole at block " + lblk);
        }
        return readDirBlockAt(ino, dir, iseed(ino, dir), lblk, e.pblk() + (lblk - e.lblk()), type);
    }

    /**
     * {@code __ext4_read_dirblock} of a mapped block. In an indexed directory block 0 and any block whose
     * first entry spans it are index blocks: one read as {@link DirblockType#INDEX} has its
     * {@code dx_tail} checksum verified (once); otherwise its entries reach the end of the block. A leaf
     * with metadata_csum must end in a tail whose checksum holds (checked once).
     *
     * @throws Ext4Exception EUCLEAN for a leaf read as an index block ("directory leaf block found
     *                       instead of index block"), EBADMSG for a bad checksum
     */
    private DirBlock readDirBlockAt(long ino, Ext4InodeRaw dir, int iseed, long lblk, long pblk, DirblockType type)
            throws IOException {
        byte[] raw = cache.get(pblk);
        boolean dx = isDx(dir) && (lblk == 0 || DirEntry.recLenAt(raw, 0) == bs);
        if (!dx && type == DirblockType.INDEX) {
            throw Ext4Exception.corrupt(dev, readWhere(ino, lblk) + "directory leaf block found instead of index block");
        }
        if (!v.csum.on()) {
            return new DirBlock(lblk, pblk, raw, bs);
        }
        if (dx) {
            if (type == DirblockType.INDEX) {
                raw = cache.getVerified(pblk, b -> {
                    if (!v.csum.dxCsumValid(iseed, b)) {
                        throw Ext4Exception.badCrc(dev, readWhere(ino, lblk) + "Directory index failed checksum");
                    }
                });
            }
            return new DirBlock(lblk, pblk, raw, bs);
        }
        raw = cache.getVerified(pblk, b -> {
            if (!v.csum.dirBlockCsumValid(iseed, b)) {
                throw Ext4Exception.badCrc(dev, readWhere(ino, lblk) + (Ext4Csum.hasDirTail(b)
                        ? "Directory block failed checksum" : "No space for directory leaf checksum. Please run e2fsck -D."));
            }
        });
        return new DirBlock(lblk, pblk, raw, bs - Ext4Csum.DIR_TAIL_SIZE);
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

    private void checkExtentMapped(long ino, Ext4InodeRaw dir) throws Ext4Exception {
        if (dir.hasFlag(EXT4_INLINE_DATA_FL) || !dir.hasFlag(EXT4_EXTENTS_FL)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": directory inode " + ino
                    + " is not extent-mapped (not supported)");
        }
    }

    /**
     * Walks every entry (used or not) of blocks 0..{@code nblocks}-1 (all of them if negative), checking
     * each as {@code ext4_check_dir_entry}. Index blocks read as entries: the root as "." and "..", a
     * node as one unused entry.
     */
    private void forEachEntry(long ino, Ext4InodeRaw dir, long nblocks, EntryVisitor v) throws IOException {
        checkExtentMapped(ino, dir);
        long n = nblocks < 0 ? dirBlocks(ino, dir) : Math.min(nblocks, dirBlocks(ino, dir));
        ExtentTree t = tree(ino, dir);
        int iseed = iseed(ino, dir);
        for (long lblk = 0; lblk < n; lblk++) {
            long pblk = dirBlock(ino, t, lblk);
            DirBlock db = readDirBlockAt(ino, dir, iseed, lblk, pblk, DirblockType.EITHER);
            int end = db.end();
            byte[] b = db.b();
            int off = 0;
            int prev = -1;
            while (off < end) {
                String bad = DirEntry.check(b, off, end, sb.inodesCount());
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

    /**
     * {@code __ext4_find_entry}: the live entry named {@code name}, or null. "." and ".." are looked for
     * in block 0 only; an indexed directory is searched through its index
     * ({@link Ext4Htree#ext4DxFindEntry}), or block by block if the index is malformed, as the kernel
     * falls back; a linear directory block by block ({@code ext4_search_dir} on each).
     */
    private Slot ext4SearchDir(long ino, Ext4InodeRaw dir, byte[] name) throws IOException {
        checkExtentMapped(ino, dir);
        if (isDotName(name)) {
            return linearSearch(ino, dir, name, 1);
        }
        if (isDx(dir)) {
            try {
                return htree.ext4DxFindEntry(ino, dir, name);
            } catch (Ext4Htree.BadDxDir e) {
                // ERR_BAD_DX_DIR: search the directory the old-fashioned way
            }
        }
        return linearSearch(ino, dir, name, -1);
    }

    /** The linear part of {@code __ext4_find_entry} over blocks 0..{@code nblocks}-1 (all if negative). */
    private Slot linearSearch(long ino, Ext4InodeRaw dir, byte[] name, long nblocks) throws IOException {
        Slot[] found = new Slot[1];
        int iseed = iseed(ino, dir);
        forEachEntry(ino, dir, nblocks, (lblk, pblk, b, off, prev) -> {
            if (DirEntry.inodeAt(b, off) != 0 && DirEntry.nameEquals(b, off, name)) {
                found[0] = new Slot(DirEntry.inodeAt(b, off), DirEntry.fileTypeAt(b, off), pblk, off, prev, iseed);
                return true;
            }
            return false;
        });
        return found[0];
    }

    /**
     * {@code search_dirblock} of one htree leaf: the live entry named {@code name}, or null; every entry
     * on the way checked as {@code ext4_check_dir_entry}.
     */
    Slot searchDirblock(long ino, Ext4InodeRaw dir, DirBlock db, byte[] name) throws Ext4Exception {
        byte[] b = db.b();
        int prev = -1;
        for (int off = 0; off < db.end(); off += DirEntry.recLenAt(b, off)) {
            String bad = DirEntry.check(b, off, db.end(), sb.inodesCount());
            if (bad != null) {
                throw Ext4Exception.corrupt(dev, "directory inode " + ino + ", block " + db.lblk() + ", offset "
                        + off + ": " + bad);
            }
            if (DirEntry.inodeAt(b, off) != 0 && DirEntry.nameEquals(b, off, name)) {
                return new Slot(DirEntry.inodeAt(b, off), DirEntry.fileTypeAt(b, off), db.pblk(), off, prev,
                        iseed(ino, dir));
            }
            prev = off;
        }
        return null;
    }

    /**
     * {@code ext4_add_entry}: adds an entry (the name must not exist). An indexed directory adds it
     * through its index ({@link Ext4Htree#ext4DxAddEntry}); if that index is malformed the directory
     * loses {@code EXT4_INDEX_FL} and is treated as linear, or, with metadata_csum, the add fails. A
     * linear directory takes the first block with room ({@code add_dirent_to_buf}); when its only
     * block is full on a {@code dir_index} filesystem it becomes indexed ({@code make_indexed_dir}),
     * else a block is appended ({@code ext4_append}).
     *
     * @throws Ext4Exception EUCLEAN "Directory has corrupted htree index.", ENOSPC, EEXIST, corruption
     */
    private void ext4AddEntry(long dirIno, byte[] name, long ino, int fileType) throws IOException {
        Ext4InodeRaw dir = readInode(dirIno);
        checkExtentMapped(dirIno, dir);
        boolean dxFallback = false;
        if (isDx(dir)) {
            try {
                htree.ext4DxAddEntry(dirIno, dir, name, ino, fileType);
                finishAdd(dirIno, dir);
                return;
            } catch (Ext4Htree.BadDxDir e) {
                if (v.csum.on()) {
                    throw Ext4Exception.corrupt(dev, "ext4_add_entry: inode #" + dirIno
                            + ": Directory has corrupted htree index. (" + e.getMessage() + ")");
                }
                dir.setFlags(dir.flags() & ~EXT4_INDEX_FL);
                dxFallback = true;
                writeInode(dirIno, dir);
            }
        }
        long blocks = dirBlocks(dirIno, dir);
        for (long lblk = 0; lblk < blocks; lblk++) {
            DirBlock db = ext4ReadDirblock(dirIno, dir, lblk, DirblockType.DIRENT);
            int de = ext4FindDestDe(dirIno, db, name);
            if (de >= 0) {
                addDirentToBuf(dirIno, dir, db.pblk(), db.b(), de, name, ino, fileType);
                finishAdd(dirIno, dir);
                return;
            }
            if (blocks == 1 && !dxFallback && sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_DIR_INDEX)) {
                htree.makeIndexedDir(dirIno, dir, db, name, ino, fileType);
                finishAdd(dirIno, dir);
                return;
            }
        }
        Appended a = ext4Append(dirIno, dir);
        initEmptyLeaf(a.b());
        addDirentToBuf(dirIno, dir, a.pblk(), a.b(), 0, name, ino, fileType);
        finishAdd(dirIno, dir);
    }

    /**
     * The end of {@code add_dirent_to_buf} for the directory inode: {@code ext4_update_dx_flag} (an
     * indexed directory on a filesystem without {@code dir_index} loses its flag), the times, and
     * {@code ext4_mark_inode_dirty}.
     */
    private void finishAdd(long dirIno, Ext4InodeRaw dir) throws IOException {
        ext4UpdateDxFlag(dir);
        long t = now();
        dir.setMtime(t);
        dir.setCtime(t);
        writeInode(dirIno, dir);
    }

    /** {@code ext4_update_dx_flag}: clears {@code EXT4_INDEX_FL} when the filesystem has no {@code dir_index}. */
    private void ext4UpdateDxFlag(Ext4InodeRaw dir) {
        if (!sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_DIR_INDEX) && dir.hasFlag(EXT4_INDEX_FL)) {
            dir.setFlags(dir.flags() & ~EXT4_INDEX_FL);
        }
    }

    /**
     * {@code ext4_find_dest_de}: the first entry of a leaf with room for {@code name} — unused and long
     * enough, or used with enough slack after its name — among the entries before the checksum tail.
     *
     * @return its offset, or -1 if none has room ({@code -ENOSPC})
     * @throws Ext4Exception EEXIST if an entry passed on the way has the name; EUCLEAN for a bad entry
     */
    int ext4FindDestDe(long dirIno, DirBlock db, byte[] name) throws Ext4Exception {
        byte[] b = db.b();
        int bufSize = leafEnd();
        int reclen = recLen(name.length);
        int top = bufSize - reclen;
        int off = 0;
        while (off <= top) {
            String bad = DirEntry.check(b, off, bufSize, sb.inodesCount());
            if (bad != null) {
                throw Ext4Exception.corrupt(dev, "directory inode " + dirIno + ", block " + db.lblk() + ", offset "
                        + off + ": " + bad);
            }
            long e = DirEntry.inodeAt(b, off);
            if (e != 0 && DirEntry.nameEquals(b, off, name)) {
                throw Ext4Exception.of(Errno.EEXIST, dev, entryWhat(dirIno, new String(name, StandardCharsets.UTF_8)));
            }
            int rlen = DirEntry.recLenAt(b, off);
            if ((e != 0 ? rlen - recLen(DirEntry.nameLenAt(b, off)) : rlen) >= reclen) {
                return off;
            }
            off += rlen;
        }
        return -1;
    }

    /**
     * {@code add_dirent_to_buf} with its entry found ({@code ext4_insert_dentry}): an unused entry at
     * {@code de} takes the name; a used one is cut to its own length and the name goes in the rest.
     * The leaf is marked dirty; the caller updates the directory inode ({@link #finishAdd}).
     */
    void addDirentToBuf(long dirIno, Ext4InodeRaw dir, long pblk, byte[] b, int de, byte[] name, long ino,
                        int fileType) throws Ext4Exception {
        int rlen = DirEntry.recLenAt(b, de);
        if (DirEntry.inodeAt(b, de) != 0) {
            int nlen = recLen(DirEntry.nameLenAt(b, de));
            DirEntry.setRecLen(b, de, nlen);
            de += nlen;
            rlen -= nlen;
        }
        if (rlen < recLen(name.length)) {
            throw Ext4Exception.corrupt(dev, "add_dirent_to_buf: directory inode " + dirIno + ": no room for '"
                    + new String(name, StandardCharsets.UTF_8) + "' in the entry chosen");
        }
        DirEntry.put(b, de, ino, rlen, name, fileType);
        dirtyLeaf(pblk, iseed(dirIno, dir));
    }

    /** A block {@link #ext4Append} added to a directory: its logical and physical numbers, its zeroed bytes. */
    record Appended(long lblk, long pblk, byte[] b) {
    }

    /**
     * {@code ext4_append}: allocates block {@code i_size / blocksize} of directory {@code dirIno}, maps it,
     * grows {@code i_size} and writes the inode ({@code ext4_mark_inode_dirty}). The block is zeroed
     * and cached dirty; the caller fills it.
     *
     * @throws Ext4Exception ENOSPC; EUCLEAN "Logical block already allocated"
     */
    Appended ext4Append(long dirIno, Ext4InodeRaw dir) throws IOException {
        ExtentTree t = tree(dirIno, dir);
        long lblk = dirBlocks(dirIno, dir);
        if (t.findExtent(lblk) != null) {
            throw Ext4Exception.corrupt(dev, "ext4_append: inode #" + dirIno + ": Logical block already allocated");
        }
        long pblk = balloc.allocateOne(goalFor(dirIno, t, lblk));
        try {
            t.insert(lblk, pblk, 1, false);
        } catch (IOException | RuntimeException ex) {
            balloc.free(pblk, 1);
            throw ex;
        }
        byte[] b = cache.getNew(pblk);
        dir.setBlocks512(dir.blocks512() + bs / 512);
        dir.setSize(dir.size() + bs);
        writeInode(dirIno, dir);
        return new Appended(lblk, pblk, b);
    }

    /** Removes the entry at {@code s} ({@code ext4_generic_delete_entry}). */
    private void ext4GenericDeleteEntry(Slot s) throws IOException {
        byte[] b = cache.get(s.pblk);
        int rl = DirEntry.recLenAt(b, s.off);
        if (s.prevOff >= 0) {
            DirEntry.setRecLen(b, s.prevOff, DirEntry.recLenAt(b, s.prevOff) + rl);
            Arrays.fill(b, s.off, s.off + rl, (byte) 0);
        } else {
            DirEntry.setInode(b, s.off, 0, 0);
        }
        dirtyLeaf(s.pblk, s.iseed);
    }

    /**
     * Sets a directory's mtime and ctime, and with {@code linkDelta} +1 or -1 counts a subdirectory
     * gained or lost ({@link #ext4IncCount}, {@link #ext4DecCount}); {@code ext4_update_dx_flag} as the
     * kernel's unlink, rmdir and rename do.
     */
    private void touchDir(long dirIno, int linkDelta) throws IOException {
        Ext4InodeRaw d = readInode(dirIno);
        if (linkDelta > 0) {
            ext4IncCount(d);
        } else if (linkDelta < 0) {
            ext4DecCount(d);
        }
        ext4UpdateDxFlag(d);
        long t = now();
        d.setMtime(t);
        d.setCtime(t);
        writeInode(dirIno, d);
    }

    /**
     * {@code ext4_inc_count} of a directory gaining a subdirectory: an indexed directory whose count
     * passes {@code EXT4_LINK_MAX}, or was 1, counts 1 ("many": {@code dir_nlink}).
     */
    private void ext4IncCount(Ext4InodeRaw d) {
        int n = d.linksCount() + 1;
        if (isDx(d) && (n > Ext4Volume.EXT4_LINK_MAX || n == 2)) {
            n = 1;
        }
        d.setLinksCount(n);
    }

    /** {@code ext4_dec_count}: a directory at 2 links, or at 1 ("many"), keeps its count. */
    private void ext4DecCount(Ext4InodeRaw d) {
        if (!d.isDir() || d.linksCount() > 2) {
            d.setLinksCount(d.linksCount() - 1);
        }
    }

    /**
     * {@code EXT4_DIR_LINK_MAX}: whether directory {@code d} can take no more subdirectories — it has
     * {@code EXT4_LINK_MAX} links and is not an indexed directory on a {@code dir_nlink} filesystem.
     */
    private boolean ext4DirLinkMax(Ext4InodeRaw d) {
        return d.linksCount() >= Ext4Volume.EXT4_LINK_MAX
                && !(sb.hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_DIR_NLINK) && isDx(d));
    }

    /** {@code ext4_init_new_dir}: a new directory's first block, "." and "..", and its tail. */
    private void ext4InitNewDir(long pblk, byte[] b, long self, Ext4InodeRaw selfInode, long parent) {
        initEmptyLeaf(b);
        DirEntry.put(b, 0, self, recLen(1), DOT, EXT4_FT_DIR);
        DirEntry.put(b, recLen(1), parent, leafEnd() - recLen(1), DOTDOT, EXT4_FT_DIR);
        dirtyLeaf(pblk, iseed(self, selfInode));
    }

    /** {@code ext4_empty_dir}: only "." and ".." in the first block, nothing live elsewhere. */
    private boolean ext4EmptyDir(long ino, Ext4InodeRaw dir) throws IOException {
        boolean[] other = new boolean[1];
        forEachEntry(ino, dir, -1, (lblk, pblk, b, off, prev) -> {
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

    /** {@code ext4_mkdir} in directory {@code dir}; {@code what} names the entry in messages. */
    private long mkdirEntry(long dir, byte[] name, int perm, String what) throws IOException {
        checkNew(dir, name, what);
        Ext4InodeRaw parent = readInode(dir);
        if (ext4DirLinkMax(parent)) {
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
        ext4InitNewDir(pblk, cache.getNew(pblk), ino, in, parentIno);
        writeInode(ino, in);
        try {
            ext4AddEntry(parentIno, name, ino, EXT4_FT_DIR);
        } catch (IOException e) {
            evict(ino, in);
            throw e;
        }
        touchDir(parentIno, +1);
        return ino;
    }

    private void checkNew(long dir, byte[] name, String what) throws IOException {
        if (isDotName(name) || ext4SearchDir(dir, readInode(dir), name) != null) {
            throw Ext4Exception.of(Errno.EEXIST, dev, what);
        }
    }

    /** {@code ext4_create} of a regular file with {@code mode} in directory {@code dir}. */
    private long createEntry(long dir, byte[] name, int mode, String what) throws IOException {
        checkNew(dir, name, what);
        long ino = ialloc.allocate(dir, false);
        Ext4InodeRaw in = newInode(ino, mode, 1);
        writeInode(ino, in);
        try {
            ext4AddEntry(dir, name, ino, EXT4_FT_REG_FILE);
        } catch (IOException e) {
            evict(ino, in);
            throw e;
        }
        return ino;
    }

    private String linkTarget(long ino, Ext4InodeRaw in) throws IOException {
        int len = (int) Math.min(in.size(), bs);
        if (in.isFastSymlink()) {
            return new String(in.raw(), I_BLOCK, len, StandardCharsets.UTF_8);
        }
        Ext4Extents.BlockMap m = v.extents().lookup(ino, in, 0, 1);
        byte[] b = new byte[bs];
        if (!m.hole() && !m.unwritten()) {
            v.io.read(m.pblk(), b); // page_get_link(): page 0 of the link's mapping
        }
        return new String(b, 0, len, StandardCharsets.UTF_8);
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
        Slot s = ext4SearchDir(dir, readInode(dir), name);
        if (s == null) {
            throw Ext4Exception.of(Errno.ENOENT, dev, what);
        }
        Ext4InodeRaw in = liveInode(s.ino);
        if (in.isDir()) {
            throw Ext4Exception.of(Errno.EISDIR, dev, what);
        }
        ext4GenericDeleteEntry(s);
        touchDir(dir, 0);
        return s.ino;
    }

    /**
     * Drops one link of a non-directory without freeing it ({@code drop_nlink} in {@code ext4_unlink}
     * / {@code ext4_rename}); at 0 the inode goes on the orphan list ({@code ext4_orphan_add}) until
     * {@link Ext4Inodes#ext4EvictInode} frees it.
     */
    private void dropNlink(long ino) throws IOException {
        Ext4InodeRaw in = readInode(ino);
        in.setLinksCount(in.linksCount() - 1);
        in.setCtime(now());
        if (in.linksCount() == 0) {
            v.orphan().ext4OrphanAdd(ino, in);
        }
        writeInode(ino, in);
    }

    /** {@code ext4_rmdir} of {@code name} in {@code dir}: removes and frees the empty directory. */
    private void rmdirEntry(long dir, byte[] name, String what) throws IOException {
        if (isDotName(name)) {
            throw Ext4Exception.of(Errno.EINVAL, dev, what);
        }
        Slot s = ext4SearchDir(dir, readInode(dir), name);
        if (s == null) {
            throw Ext4Exception.of(Errno.ENOENT, dev, what);
        }
        Ext4InodeRaw in = liveInode(s.ino);
        if (!in.isDir()) {
            throw Ext4Exception.of(Errno.ENOTDIR, dev, what);
        }
        if (!ext4EmptyDir(s.ino, in)) {
            throw Ext4Exception.of(Errno.ENOTEMPTY, dev, what);
        }
        ext4GenericDeleteEntry(s);
        touchDir(dir, -1);
        evict(s.ino, readInode(s.ino));
    }

    /**
     * {@code ext4_rename} of {@code fp} to {@code tp}.
     *
     * A replaced non-directory loses a link (at 0 it goes on the orphan list for the caller to
     * evict); a replaced directory is freed.
     *
     * @return the replaced inode, or 0
     */
    private long renameEntry(Parent fp, Parent tp, String from, String to) throws IOException {
        if (isDotName(fp.name) || isDotName(tp.name)) {
            throw Ext4Exception.of(Errno.EINVAL, dev, from);
        }
        Slot src = ext4SearchDir(fp.dir, readInode(fp.dir), fp.name);
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
                Slot up = ext4SearchDir(d, readInode(d), DOTDOT);
                if (up == null) {
                    throw Ext4Exception.corrupt(dev, "directory inode " + d + " has no '..' entry");
                }
                d = up.ino;
            }
        }
        Slot dst = ext4SearchDir(tp.dir, readInode(tp.dir), tp.name);
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
            if (dstIn.isDir() && !ext4EmptyDir(dst.ino, dstIn)) {
                throw Ext4Exception.of(Errno.ENOTEMPTY, dev, to);
            }
            byte[] b = cache.get(dst.pblk);
            DirEntry.setInode(b, dst.off, src.ino, ftype);
            dirtyLeaf(dst.pblk, dst.iseed);
            touchDir(tp.dir, 0);
            replacedDir = dstIn.isDir();
            replaced = dst.ino;
            if (replacedDir) {
                evict(dst.ino, readInode(dst.ino));
            } else {
                dropNlink(dst.ino);
            }
        } else {
            if (isDir && tp.dir != fp.dir && ext4DirLinkMax(readInode(tp.dir))) {
                throw Ext4Exception.of(Errno.EMLINK, dev, to);
            }
            ext4AddEntry(tp.dir, tp.name, src.ino, ftype);
        }
        // the source slot may have moved if the entry was added to the same directory: look it up again
        Slot again = ext4SearchDir(fp.dir, readInode(fp.dir), fp.name);
        if (again == null || again.ino != src.ino) {
            throw Ext4Exception.corrupt(dev, "rename: source entry vanished from directory inode " + fp.dir);
        }
        ext4GenericDeleteEntry(again);
        touchDir(fp.dir, 0);
        if (isDir) {
            if (fp.dir != tp.dir) {
                Ext4InodeRaw moved = readInode(src.ino);
                Slot dd = ext4SearchDir(src.ino, moved, DOTDOT);
                if (dd == null) {
                    throw Ext4Exception.corrupt(dev, "directory inode " + src.ino + " has no '..' entry");
                }
                byte[] b = cache.get(dd.pblk);
                DirEntry.setInode(b, dd.off, tp.dir, EXT4_FT_DIR);
                if (isDx(moved)) {
                    dirtyDx(dd.pblk, dd.iseed);     // ext4_rename_dir_finish: ".." is in the htree root
                } else {
                    dirtyLeaf(dd.pblk, dd.iseed);
                }
            }
            // ext4_rename: the old parent loses the moved directory's "..", the new one gains it unless
            // it replaced a directory (whose ".." it loses)
            touchDir(fp.dir, -1);
            if (!replacedDir) {
                touchDir(tp.dir, +1);
            }
        }
        Ext4InodeRaw moved = readInode(src.ino);
        moved.setCtime(now());
        writeInode(src.ino, moved);
        return replaced;
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

    /** A name split off a path: its directory and last component. */
    private record Parent(long dir, byte[] name) {
    }

    /**
     * {@code ext4_find_entry} in a directory the caller has read (the offline tools walk paths with it):
     * the inode number of {@code name}, or 0.
     *
     * @throws IOException corruption, EOPNOTSUPP for a directory that is not extent-mapped
     */
    public long ext4FindEntry(long dir, Ext4InodeRaw dirInode, String name) throws IOException {
        v.begin(false);
        Slot s = ext4SearchDir(dir, dirInode, nameBytes(name));
        return s == null ? 0 : s.ino;
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
    public long ext4Lookup(long dir, String name) throws IOException {
        v.begin(false);
        Ext4InodeRaw d = v.inodes().heldDir(dir);
        Slot s = ext4SearchDir(dir, d, entryName(dir, name));
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
    public long ext4Create(long dir, String name, int mode) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        v.inodes().heldDir(dir);
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
    public long ext4Mkdir(long dir, String name, int perm) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        v.inodes().heldDir(dir);
        return mkdirEntry(dir, n, perm, entryWhat(dir, name));
    }

    /**
     * {@code ext4_link}: a new name {@code name} in {@code dir} for the non-directory {@code ino}.
     *
     * @throws IOException EEXIST, ENOENT, EISDIR for a directory (the VFS says EPERM), EMLINK,
     *                     ENAMETOOLONG, ENOSPC, EROFS
     */
    public void ext4Link(long dir, String name, long ino) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        v.inodes().heldDir(dir);
        Ext4InodeRaw in = liveInode(ino);
        if (in.isDir()) {
            throw Ext4Exception.of(Errno.EISDIR, dev, "inode " + ino);
        }
        if (in.linksCount() >= Ext4Volume.EXT4_LINK_MAX) {
            throw Ext4Exception.of(Errno.EMLINK, dev, "inode " + ino);
        }
        checkNew(dir, n, entryWhat(dir, name));
        ext4AddEntry(dir, n, ino, DirEntryDescriptor.fileType(in.mode()));
        in = readInode(ino);
        in.setLinksCount(in.linksCount() + 1);
        in.setCtime(now());
        writeInode(ino, in);
    }

    /**
     * {@code ext4_symlink}: a fast symlink (target in {@code i_block}) below 60 bytes, else one
     * extent-mapped block written with the target.
     *
     * @param target the link text (1..4095 bytes)
     * @return the new inode number
     * @throws IOException EEXIST, ENOENT, ENAMETOOLONG, ENOSPC, EROFS
     */
    public long ext4Symlink(long dir, String name, String target) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        String what = entryWhat(dir, name);
        byte[] t = nameBytes(target);
        if (t.length == 0 || t.length >= bs) {
            throw Ext4Exception.of(t.length == 0 ? Errno.ENOENT : Errno.ENAMETOOLONG, dev, what);
        }
        v.inodes().heldDir(dir);
        checkNew(dir, n, what);
        long ino = ialloc.allocate(dir, false);
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
            v.io.write(pblk, b); // deviation: page_symlink() writes through the page cache
        }
        in.setSize(t.length);
        writeInode(ino, in);
        try {
            ext4AddEntry(dir, n, ino, EXT4_FT_SYMLINK);
        } catch (IOException e) {
            evict(ino, in);
            throw e;
        }
        return ino;
    }

    /**
     * {@code ext4_unlink}: removes the entry and decrements the victim's {@code i_links_count}. The
     * inode and its blocks are NOT freed: when the count reaches 0 the inode goes on the on-disk orphan
     * list ({@code ext4_orphan_add}) and the caller calls {@link Ext4Inodes#ext4EvictInode} when its
     * last reference goes, as the VFS does.
     *
     * @return the victim's inode number
     * @throws IOException ENOENT, EISDIR, ENOTDIR, ENAMETOOLONG, EROFS
     */
    public long ext4Unlink(long dir, String name) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        v.inodes().heldDir(dir);
        long victim = unlinkEntry(dir, n, entryWhat(dir, name));
        dropNlink(victim);
        return victim;
    }

    /**
     * {@code ext4_rmdir}: removes the empty directory {@code name} from {@code dir} and frees it at
     * once.
     *
     * @throws IOException ENOENT, ENOTDIR, ENOTEMPTY, EINVAL ({@code .} or {@code ..}), EROFS
     */
    public void ext4Rmdir(long dir, String name) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        v.inodes().heldDir(dir);
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
    public long ext4Rename(long oldDir, String oldName, long newDir, String newName) throws IOException {
        v.begin(true);
        byte[] on = entryName(oldDir, oldName);
        byte[] nn = entryName(newDir, newName);
        v.inodes().heldDir(oldDir);
        v.inodes().heldDir(newDir);
        return renameEntry(new Parent(oldDir, on), new Parent(newDir, nn), entryWhat(oldDir, oldName),
                entryWhat(newDir, newName));
    }

    /**
     * {@code ext4_readdir}: every live entry of directory {@code ino} once, in on-disk order, {@code .}
     * and {@code ..} included. Deviation: an indexed directory is listed block by block (its index
     * blocks read as "." and ".." and as unused entries), not in hash order as {@code ext4_dx_readdir}
     * returns it.
     *
     * @throws IOException ENOTDIR, corruption
     */
    public List<DirEntry> ext4Readdir(long ino) throws IOException {
        v.begin(false);
        Ext4InodeRaw dir = liveInode(ino);
        if (!dir.isDir()) {
            throw new Ext4Exception(Errno.ENOTDIR, dev + ": inode " + ino + ": " + Errno.text(Errno.ENOTDIR));
        }
        List<DirEntry> out = new ArrayList<>();
        forEachEntry(ino, dir, -1, (lblk, pblk, b, off, prev) -> {
            long e = DirEntry.inodeAt(b, off);
            if (e != 0) {
                out.add(new DirEntry(e, DirEntry.nameAt(b, off), DirEntry.fileTypeAt(b, off)));
            }
            return false;
        });
        return out;
    }

    /**
     * {@code ext4_get_link} (fs/ext4/symlink.c): the target of symbolic link {@code ino}; a fast
     * symlink (no extents flag, shorter than {@code i_block}) holds it in {@code i_block}, a slow one
     * in its first data block, read as {@code page_get_link} reads page 0.
     *
     * @throws IOException EINVAL if not a symlink (or not in use), corruption
     */
    public String ext4GetLink(long ino) throws IOException {
        v.begin(false);
        Ext4InodeRaw in = liveInode(ino);
        if (!in.isLnk()) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + " is not a symbolic link");
        }
        return linkTarget(ino, in);
    }

    /**
     * mke2fs's root directory (inode 2, its own parent) and {@code lost+found} with {@code lpfBlocks}
     * blocks (not a kernel path: for the image tools' mkfs on a freshly laid out volume).
     */
    public void mkfsRootAndLostFound(int lpfBlocks) throws IOException {
        v.begin(true);
        long root = EXT4_ROOT_INO;
        long pblk = balloc.allocateOne(goalFor(root));
        Ext4InodeRaw in = newInode(root, S_IFDIR | 0755, 2);
        tree(root, in).insert(0, pblk, 1, false);
        in.setBlocks512(bs / 512);
        in.setSize(bs);
        ext4InitNewDir(pblk, cache.getNew(pblk), root, in, root);
        writeInode(root, in);
        GroupDesc g0 = v.gds[0];
        g0.setUsedDirsCount(g0.usedDirsCount() + 1);
        v.dirtyGroups.set(0);
        long lpf = makeDir(root, "lost+found".getBytes(StandardCharsets.US_ASCII), 0700, false);
        Ext4InodeRaw l = readInode(lpf);
        ExtentTree t = tree(lpf, l);
        for (int i = 1; i < lpfBlocks; i++) {
            long b = balloc.allocateOne(goalFor(lpf, t, i));
            t.insert(i, b, 1, false);
            initEmptyLeaf(cache.getNew(b));
            dirtyLeaf(b, iseed(lpf, l));
            l.setBlocks512(l.blocks512() + bs / 512);
            l.setSize(l.size() + bs);
        }
        writeInode(lpf, l);
    }
}
