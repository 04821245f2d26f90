package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.DirEntryDescriptor.*;
import static org.faultline.fs.ext4.InodeDescriptor.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * The block level of fs/ext4/namei.c, shared by linear directories ({@link Ext4Dirs}) and the htree
 * ({@link Ext4Htree}): reading a directory block and checking it ({@code ext4_read_dirblock},
 * {@code __ext4_read_dirblock} with its checksum checks), walking and searching entries
 * ({@code ext4_check_dir_entry}, {@code search_dirblock}), finding room and inserting
 * ({@code ext4_find_dest_de}, {@code add_dirent_to_buf}), appending a block ({@code ext4_append}),
 * deleting ({@code ext4_generic_delete_entry}), and marking leaf and index blocks dirty with their
 * checksums ({@code ext4_handle_dirty_dirblock}, {@code ext4_handle_dirty_dx_node}).
 *
 * <p>Context: single-threaded, under the caller's filesystem lock (see {@link Ext4Volume}).
 */
@KernelSource("fs/ext4/namei.c")
final class Ext4DirBlocks {
    private final Ext4Volume v;
    private final Ext4SuperBlock sb;
    private final MetadataCache cache;
    private final BlockAllocator balloc;
    private final String dev;
    private final int bs;

    Ext4DirBlocks(Ext4Volume v) {
        this.v = v;
        this.sb = v.sb;
        this.cache = v.cache;
        this.balloc = v.balloc;
        this.dev = v.dev;
        this.bs = v.bs;
    }

    private ExtentTree tree(long ino, Ext4InodeRaw in) {
        return v.extents().tree(ino, in);
    }

    private long goalFor(long ino, ExtentTree t, long lblk) throws IOException {
        return v.extents().ext4ExtFindGoal(ino, t, lblk);
    }

    private void writeInode(long ino, Ext4InodeRaw in) throws IOException {
        v.inodes().writeInode(ino, in);
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
    int leafEnd() {
        return bs - v.csum.dirTailSpace();
    }

    /** A new, empty leaf block: one unused entry up to {@link #leafEnd}, then the tail. */
    void initEmptyLeaf(byte[] b) {
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
        return "__ext4_read_dirblock: inode #" + ino + ": block " + lblk + ": ";
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
    DirBlock readDirBlockAt(long ino, Ext4InodeRaw dir, int iseed, long lblk, long pblk, DirblockType type)
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
    interface EntryVisitor {
        boolean visit(long lblk, long pblk, byte[] b, int off, int prevOff) throws IOException;
    }

    long dirBlocks(long ino, Ext4InodeRaw dir) throws Ext4Exception {
        long size = dir.size();
        if (size % bs != 0) {
            throw Ext4Exception.corrupt(dev, "directory inode " + ino + " has size " + size
                    + ", not a multiple of the block size");
        }
        return size / bs;
    }

    long dirBlock(long ino, ExtentTree t, long lblk) throws IOException {
        Extent e = t.findExtent(lblk);
        if (e == null || e.unwritten()) {
            throw Ext4Exception.corrupt(dev, "directory inode " + ino + " has a hole at block " + lblk);
        }
        return e.pblk() + (lblk - e.lblk());
    }

    void checkExtentMapped(long ino, Ext4InodeRaw dir) throws Ext4Exception {
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
    void forEachEntry(long ino, Ext4InodeRaw dir, long nblocks, EntryVisitor v) throws IOException {
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

    /** The linear part of {@code __ext4_find_entry} over blocks 0..{@code nblocks}-1 (all if negative). */
    Slot linearSearch(long ino, Ext4InodeRaw dir, byte[] name, long nblocks) throws IOException {
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
                throw Ext4Exception.of(Errno.EEXIST, dev, Ext4Dirs.entryWhat(dirIno, new String(name, StandardCharsets.UTF_8)));
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
    void ext4GenericDeleteEntry(Slot s) throws IOException {
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
}
