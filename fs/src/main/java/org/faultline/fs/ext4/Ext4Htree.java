package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.DxDescriptor.*;
import static org.faultline.fs.ext4.LittleEndian.*;

import java.io.IOException;
import java.util.Arrays;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * The hash tree ({@code dir_index}) half of fs/ext4/namei.c, for {@link Ext4Dirs}: finding a name by
 * walking the index from the root to the one leaf its hash leads to ({@code dx_probe},
 * {@code ext4_dx_find_entry}, {@code ext4_htree_next_block}), adding an entry to that leaf and
 * splitting full leaves and index blocks ({@code ext4_dx_add_entry}, {@code do_split}), and turning a
 * full one-block directory into an indexed one ({@code make_indexed_dir}). Layouts are in
 * {@link DxDescriptor}.
 *
 * <p>Index blocks (the root and nodes) carry a {@code dx_tail} checksum with metadata_csum, set when
 * they are written ({@link Ext4Dirs#dirtyDx}) and verified when {@code dx_probe} reads them. Deleting
 * an entry edits its leaf only: the kernel never shrinks the index.
 *
 * <p>A malformed index ({@code ERR_BAD_DX_DIR}) is reported as a {@link BadDxDir}: lookups then search
 * the directory linearly, as {@code __ext4_find_entry} falls back; {@code ext4_add_entry} either does the
 * same after clearing {@code EXT4_INDEX_FL} or, with metadata_csum, fails with EUCLEAN. Deviation: the
 * {@code ext4_warning} the kernel logs on the way is not printed (the volume has no log). Other errors
 * (a block past {@code i_size}, a hole, a bad checksum) are failures, as in the kernel.
 *
 * <p>Context: called by {@link Ext4Dirs} only, single-threaded, under the caller's filesystem lock.
 */
@KernelSource("fs/ext4/namei.c")
final class Ext4Htree {
    private final Ext4Volume v;
    private final Ext4DirBlocks blocks;
    private final String dev;
    private final int bs;

    Ext4Htree(Ext4Volume v, Ext4DirBlocks blocks) {
        this.v = v;
        this.blocks = blocks;
        this.dev = v.dev;
        this.bs = v.bs;
    }

    /**
     * {@code ERR_BAD_DX_DIR}: the index of a directory is malformed; callers fall back to the linear
     * directory format (never reflected to the caller as is, as the kernel's contract says).
     */
    static final class BadDxDir extends Ext4Exception {
        private static final long serialVersionUID = 1L;

        BadDxDir(String message) {
            super(Errno.EUCLEAN, message);
        }
    }

    /** {@code struct dx_hash_info}: a directory's hash version and seed, and one name's hash. */
    static final class DxHashInfo {
        long hash;
        long minorHash;
        int hashVersion;
        int[] seed;

        /** {@code ext4fs_dirhash} of {@code name} with this version and seed. */
        void hashName(byte[] name) {
            Ext4Hash.DxHash h = Ext4Hash.ext4fsDirhash(name, hashVersion, seed);
            hash = h.hash();
            minorHash = h.minorHash();
        }
    }

    /**
     * {@code struct dx_frame}: one index block on the path from the root — its block, where its
     * {@code dx_countlimit} (entry 0) is, and the entry followed ({@code at}), as byte offsets.
     */
    static final class DxFrame {
        long pblk;
        byte[] b;
        int entries;
        int at;

        DxFrame(long pblk, byte[] b, int entries, int at) {
            this.pblk = pblk;
            this.b = b;
            this.entries = entries;
            this.at = at;
        }
    }

    /** Where the new entry goes after {@code do_split}: the leaf block and the entry to fill or split. */
    private record Split(long pblk, byte[] b, int de) {
    }

    // ---------------------------------------------------------------- dx_entry accessors

    private static int dxGetCount(byte[] b, int entries) {
        return u16(b, entries + COUNT);
    }

    private static int dxGetLimit(byte[] b, int entries) {
        return u16(b, entries + LIMIT);
    }

    private static void dxSetCount(byte[] b, int entries, int n) {
        putU16(b, entries + COUNT, n);
    }

    private static void dxSetLimit(byte[] b, int entries, int n) {
        putU16(b, entries + LIMIT, n);
    }

    private static long dxGetHash(byte[] b, int e) {
        return u32(b, e + DX_HASH);
    }

    /** {@code dx_get_block}: the low 28 bits of {@code block}. */
    private static long dxGetBlock(byte[] b, int e) {
        return u32(b, e + DX_BLOCK) & DX_BLOCK_MASK;
    }

    private static void dxSetBlock(byte[] b, int e, long block) {
        putU32(b, e + DX_BLOCK, block);
    }

    private static int count(DxFrame f) {
        return dxGetCount(f.b, f.entries);
    }

    private static int limit(DxFrame f) {
        return dxGetLimit(f.b, f.entries);
    }

    private int rootLimit(int infoLength) {
        return dxRootLimit(bs, infoLength, v.csum.on());
    }

    private int nodeLimit() {
        return dxNodeLimit(bs, v.csum.on());
    }

    /** {@code ext4_dir_htree_level}: index levels allowed, the root included (3 with large_dir, else 2). */
    private int ext4DirHtreeLevel() {
        return v.sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_LARGEDIR) ? EXT4_HTREE_LEVEL : EXT4_HTREE_LEVEL_COMPAT;
    }

    /** {@code dx_hash_info} for a root of {@code hashVersion}: the signedness and seed of the filesystem added. */
    private DxHashInfo hashInfo(int hashVersion) {
        DxHashInfo h = new DxHashInfo();
        h.hashVersion = hashVersion <= DX_HASH_TEA ? hashVersion + v.sHashUnsigned : hashVersion;
        h.seed = v.sHashSeed;
        return h;
    }

    private BadDxDir bad(long ino, String what) {
        return new BadDxDir(dev + ": ext4 corruption: dx_probe: inode #" + ino + ": " + what
                + "; Corrupt directory, running e2fsck is recommended");
    }

    // ---------------------------------------------------------------- lookup

    /**
     * {@code dx_probe}: reads the root (block 0) and the index nodes below it, following at each level
     * the last entry whose hash is not above the hash of {@code name}, and checks each block as the
     * kernel does (hash version, flags, depth, limits, counts, cycles).
     *
     * @param name  the name to hash, into {@code hinfo}
     * @param hinfo filled with the root's hash version, the seed and the name's hash
     * @return the path: {@code indirect_levels + 1} frames, the last one pointing at a leaf
     * @throws BadDxDir for a malformed index ({@code ERR_BAD_DX_DIR}); Ext4Exception for a block past
     *                  {@code i_size}, a hole, a leaf where an index block should be, a bad checksum
     */
    DxFrame[] dxProbe(long ino, Ext4InodeRaw dir, byte[] name, DxHashInfo hinfo) throws IOException {
        Ext4DirBlocks.DirBlock root = blocks.ext4ReadDirblock(ino, dir, 0, Ext4DirBlocks.DirblockType.INDEX);
        byte[] b = root.b();
        int version = u8(b, INFO_HASH_VERSION);
        if (version != DX_HASH_TEA && version != DX_HASH_HALF_MD4 && version != DX_HASH_LEGACY
                && version != DX_HASH_SIPHASH) {
            throw bad(ino, "Unrecognised inode hash code " + version);
        }
        if (version == DX_HASH_SIPHASH) {
            throw bad(ino, "Hash code is SIPHASH, but hash not in dirent");
        }
        DxHashInfo h = hashInfo(version);
        hinfo.hashVersion = h.hashVersion;
        hinfo.seed = h.seed;
        hinfo.hashName(name);
        int flags = u8(b, INFO_UNUSED_FLAGS);
        if ((flags & 1) != 0) {
            throw bad(ino, String.format("Unimplemented hash flags: %#06x", flags));
        }
        int indirect = u8(b, INFO_INDIRECT_LEVELS);
        if (indirect >= ext4DirHtreeLevel()) {
            throw bad(ino, String.format("Directory (ino: %d) htree depth %#06x exceed supported value", ino,
                    ext4DirHtreeLevel()));
        }
        int infoLength = u8(b, INFO_INFO_LENGTH);
        int entries = INFO + infoLength;
        if (dxGetLimit(b, entries) != rootLimit(infoLength)) {
            throw bad(ino, "dx entry: limit " + dxGetLimit(b, entries) + " != root limit " + rootLimit(infoLength));
        }
        DxFrame[] frames = new DxFrame[indirect + 1];
        long[] path = new long[indirect + 1];
        long pblk = root.pblk();
        for (int level = 0; ; ) {
            int count = dxGetCount(b, entries);
            if (count == 0 || count > dxGetLimit(b, entries)) {
                throw bad(ino, "dx entry: count " + count + " beyond limit " + dxGetLimit(b, entries));
            }
            int at = dxSearch(b, entries, count, hinfo.hash);
            frames[level] = new DxFrame(pblk, b, entries, at);
            long block = dxGetBlock(b, at);
            for (int i = 0; i <= level; i++) {
                if (path[i] == block) {
                    throw bad(ino, "dx entry: tree cycle block " + path[level] + " points back to block " + block);
                }
            }
            if (++level > indirect) {
                return frames;
            }
            path[level] = block;
            Ext4DirBlocks.DirBlock node = blocks.ext4ReadDirblock(ino, dir, block, Ext4DirBlocks.DirblockType.INDEX);
            b = node.b();
            pblk = node.pblk();
            entries = NODE_ENTRIES;
            if (dxGetLimit(b, entries) != nodeLimit()) {
                throw bad(ino, "dx entry: limit " + dxGetLimit(b, entries) + " != node limit " + nodeLimit());
            }
        }
    }

    /** The binary search of {@code dx_probe}: the last of entries 1..count-1 whose hash is at most {@code hash}, else entry 0. */
    private static int dxSearch(byte[] b, int entries, int count, long hash) {
        int p = 1;
        int q = count - 1;
        while (p <= q) {
            int m = p + (q - p) / 2;
            if (dxGetHash(b, entry(entries, m)) > hash) {
                q = m - 1;
            } else {
                p = m + 1;
            }
        }
        return entry(entries, p - 1);
    }

    /**
     * {@code ext4_htree_next_block}: moves the path to the next leaf in hash order, reading the index
     * nodes on the way. With an even {@code hash} (a lookup) it goes on only if the next leaf's hash,
     * its collision bit cleared, equals {@code hash}: the entries of one hash continue there.
     *
     * @return whether the caller should search the next leaf
     */
    private boolean ext4HtreeNextBlock(long ino, Ext4InodeRaw dir, long hash, DxFrame[] frames) throws IOException {
        int p = frames.length - 1;
        int up = 0;
        while (true) {
            DxFrame f = frames[p];
            f.at += DX_ENTRY_SIZE;
            if (f.at < entry(f.entries, count(f))) {
                break;
            }
            if (p == 0) {
                return false;
            }
            up++;
            p--;
        }
        long bhash = dxGetHash(frames[p].b, frames[p].at);
        if ((hash & 1) == 0 && (bhash & ~1L) != hash) {
            return false;
        }
        while (up-- > 0) {
            Ext4DirBlocks.DirBlock node = blocks.ext4ReadDirblock(ino, dir, dxGetBlock(frames[p].b, frames[p].at),
                    Ext4DirBlocks.DirblockType.INDEX);
            p++;
            frames[p] = new DxFrame(node.pblk(), node.b(), NODE_ENTRIES, NODE_ENTRIES);
        }
        return true;
    }

    /**
     * {@code ext4_dx_find_entry}: searches the leaf the hash of {@code name} leads to, and the leaves
     * after it while their hash continues the same collision run.
     *
     * @return where the live entry {@code name} is, or null
     * @throws BadDxDir for a malformed index (the caller falls back to a linear search)
     */
    Ext4DirBlocks.Slot ext4DxFindEntry(long ino, Ext4InodeRaw dir, byte[] name) throws IOException {
        DxHashInfo h = new DxHashInfo();
        DxFrame[] frames = dxProbe(ino, dir, name, h);
        DxFrame leaf = frames[frames.length - 1];
        do {
            Ext4DirBlocks.DirBlock db = blocks.ext4ReadDirblock(ino, dir, dxGetBlock(leaf.b, leaf.at),
                    Ext4DirBlocks.DirblockType.DIRENT_HTREE);
            Ext4DirBlocks.Slot s = blocks.searchDirblock(ino, dir, db, name);
            if (s != null) {
                return s;
            }
        } while (ext4HtreeNextBlock(ino, dir, h.hash, frames));
        return null;
    }

    // ---------------------------------------------------------------- adding

    /**
     * {@code ext4_dx_add_entry}: adds {@code name} to the leaf its hash leads to. A full leaf is split
     * ({@link #doSplit}); if its index block is full too, that block is split in two under its parent
     * (then the probe restarts if an upper block had to be split), or, when every block on the path is
     * full, the root's entries move to a new node and the tree gains a level (then the probe restarts).
     * The caller writes the directory inode afterwards; blocks appended on the way already wrote it.
     *
     * @throws BadDxDir for a malformed index (the caller decides on the fallback)
     * @throws Ext4Exception ENOSPC when the index is full at the deepest level allowed
     *                       ({@code ext4_dir_htree_level}), or no block can be allocated; EEXIST; corruption
     */
    void ext4DxAddEntry(long dirIno, Ext4InodeRaw dir, byte[] name, long ino, int fileType) throws IOException {
        while (true) {
            DxHashInfo h = new DxHashInfo();
            DxFrame[] frames = dxProbe(dirIno, dir, name, h);
            DxFrame frame = frames[frames.length - 1];
            Ext4DirBlocks.DirBlock leaf = blocks.ext4ReadDirblock(dirIno, dir, dxGetBlock(frame.b, frame.at),
                    Ext4DirBlocks.DirblockType.DIRENT_HTREE);
            int de = blocks.ext4FindDestDe(dirIno, leaf, name);
            if (de >= 0) {
                blocks.addDirentToBuf(dirIno, dir, leaf.pblk(), leaf.b(), de, name, ino, fileType);
                return;
            }
            if (count(frame) == limit(frame) && splitIndex(dirIno, dir, frames)) {
                continue;
            }
            Split s = doSplit(dirIno, dir, leaf.pblk(), leaf.b(), frame, h);
            blocks.addDirentToBuf(dirIno, dir, s.pblk(), s.b(), s.de(), name, ino, fileType);
            return;
        }
    }

    /**
     * The index half of {@code ext4_dx_add_entry}, for a full deepest index block: splits the lowest
     * full block on the path whose parent has room, or adds a level under the root when none has.
     *
     * @return whether the path changed so that {@code dx_probe} must run again (an upper block was split,
     *         or a level was added); false when the deepest block itself was split and {@code frames}
     *         now leads to the half that covers the name
     */
    private boolean splitIndex(long dirIno, Ext4InodeRaw dir, DxFrame[] frames) throws IOException {
        int levels = frames.length;
        int fi = frames.length - 1;
        boolean addLevel = true;
        boolean restart = false;
        while (fi > 0) {
            if (count(frames[fi - 1]) < limit(frames[fi - 1])) {
                addLevel = false;
                break;
            }
            fi--;
            restart = true;
        }
        if (addLevel && levels == ext4DirHtreeLevel()) {
            throw new Ext4Exception(Errno.ENOSPC, dev + ": ext4_dx_add_entry: Directory (ino: " + dirIno
                    + ") index full, reach max htree level :" + levels
                    + (levels < EXT4_HTREE_LEVEL ? "; Large directory feature is not enabled on this filesystem" : ""));
        }
        DxFrame frame = frames[fi];
        int icount = count(frame);
        Ext4DirBlocks.Appended nb = blocks.ext4Append(dirIno, dir);
        byte[] b2 = nb.b();
        DirEntry.setRecLen(b2, 0, bs);     // the node's fake dirent: inode 0, spanning the block
        int iseed = blocks.iseed(dirIno, dir);
        if (addLevel) {
            addLevel(frame, nb, icount, iseed);
            return true;
        }
        int icount1 = icount / 2;
        int icount2 = icount - icount1;
        long hash2 = dxGetHash(frame.b, entry(frame.entries, icount1));
        System.arraycopy(frame.b, entry(frame.entries, icount1), b2, NODE_ENTRIES, icount2 * DX_ENTRY_SIZE);
        dxSetCount(frame.b, frame.entries, icount1);
        dxSetCount(b2, NODE_ENTRIES, icount2);
        dxSetLimit(b2, NODE_ENTRIES, nodeLimit());
        long oldPblk = frame.pblk;
        if ((frame.at - frame.entries) / DX_ENTRY_SIZE >= icount1) {
            frame.at = entry(NODE_ENTRIES, (frame.at - frame.entries) / DX_ENTRY_SIZE - icount1);
            frame.entries = NODE_ENTRIES;
            frame.b = b2;
            frame.pblk = nb.pblk();
        }
        dxInsertBlock(frames[fi - 1], hash2, nb.lblk());
        blocks.dirtyDx(nb.pblk(), iseed);
        blocks.dirtyDx(oldPblk, iseed);
        blocks.dirtyDx(frames[fi - 1].pblk, iseed);
        return restart;
    }

    /**
     * The add-a-level branch of {@code ext4_dx_add_entry}: every index block on the path is full, so
     * the root's {@code icount} entries move to the new node {@code nb}, the root keeps one entry
     * pointing at it, and {@code indirect_levels} grows by one.
     */
    private void addLevel(DxFrame root, Ext4DirBlocks.Appended nb, int icount, int iseed) {
        byte[] b2 = nb.b();
        System.arraycopy(root.b, root.entries, b2, NODE_ENTRIES, icount * DX_ENTRY_SIZE);
        dxSetLimit(b2, NODE_ENTRIES, nodeLimit());
        dxSetCount(root.b, root.entries, 1);
        dxSetBlock(root.b, root.entries, nb.lblk());
        putU8(root.b, INFO_INDIRECT_LEVELS, u8(root.b, INFO_INDIRECT_LEVELS) + 1);
        blocks.dirtyDx(root.pblk, iseed);
        blocks.dirtyDx(nb.pblk(), iseed);
    }

    /** {@code dx_insert_block}: a new entry ({@code hash}, {@code block}) right after {@code frame.at}. */
    private static void dxInsertBlock(DxFrame frame, long hash, long block) {
        int count = count(frame);
        int end = entry(frame.entries, count);
        int nu = frame.at + DX_ENTRY_SIZE;
        System.arraycopy(frame.b, nu, frame.b, nu + DX_ENTRY_SIZE, end - nu);
        putU32(frame.b, nu + DX_HASH, hash);
        dxSetBlock(frame.b, nu, block);
        dxSetCount(frame.b, frame.entries, count + 1);
    }

    // ---------------------------------------------------------------- splitting a leaf

    /** {@code struct dx_map_entry}: a live entry of a leaf being split — its hash, offset and rec_len. */
    private record MapEntry(long hash, int offs, int size) {
    }

    /**
     * {@code dx_make_map}: the live entries of a leaf with their hashes, checking every entry; listed
     * last-first, as the kernel fills its map from the end of a buffer.
     */
    private MapEntry[] dxMakeMap(long ino, byte[] b, DxHashInfo hinfo) throws Ext4Exception {
        int end = bs - v.csum.dirTailSpace();
        MapEntry[] map = new MapEntry[bs / DirEntryDescriptor.recLen(1)];
        int n = 0;
        DxHashInfo h = new DxHashInfo();
        h.hashVersion = hinfo.hashVersion;
        h.seed = hinfo.seed;
        for (int off = 0; off < end; off += DirEntry.recLenAt(b, off)) {
            String err = DirEntry.check(b, off, end, v.sb.inodesCount());
            if (err != null) {
                throw Ext4Exception.corrupt(dev, "dx_make_map: directory inode " + ino + ", offset " + off + ": " + err);
            }
            if (DirEntry.nameLenAt(b, off) != 0 && DirEntry.inodeAt(b, off) != 0) {
                h.hash = Ext4Hash.ext4fsDirhash(b, off + DirEntryDescriptor.NAME, DirEntry.nameLenAt(b, off),
                        h.hashVersion, h.seed).hash();
                map[n++] = new MapEntry(h.hash, off, DirEntry.recLenAt(b, off));
            }
        }
        MapEntry[] out = new MapEntry[n];
        for (int i = 0; i < n; i++) {
            out[i] = map[n - 1 - i];
        }
        return out;
    }

    /**
     * {@code dx_sort_map}: sorts by hash, as the kernel does it (a comb sort with gaps shrinking by
     * 10/13, 9 and 10 replaced by 11, then bubble passes), so that equal hashes end in its order.
     */
    private static void dxSortMap(MapEntry[] map) {
        int top = map.length - 1;
        int gap = map.length;
        while (gap > 2) {
            gap = gap * 10 / 13;
            if (gap == 9 || gap == 10) {
                gap = 11;
            }
            for (int p = top, q = p - gap; q >= 0; p--, q--) {
                if (map[p].hash < map[q].hash) {
                    swap(map, p, q);
                }
            }
        }
        boolean more;
        do {
            more = false;
            for (int q = top - 1; q >= 0; q--) {
                if (map[q + 1].hash < map[q].hash) {
                    swap(map, q, q + 1);
                    more = true;
                }
            }
        } while (more);
    }

    private static void swap(MapEntry[] m, int i, int j) {
        MapEntry t = m[i];
        m[i] = m[j];
        m[j] = t;
    }

    /**
     * {@code dx_move_dirents}: copies the entries {@code map[from..to)} packed (each at its minimal
     * rec_len) to the start of {@code dst}, wiping each original but its rec_len.
     *
     * @return the offset in {@code dst} of the last entry copied
     */
    private static int dxMoveDirents(byte[] src, byte[] dst, MapEntry[] map, int from, int to) {
        int at = 0;
        int len = 0;
        for (int i = from; i < to; i++) {
            int de = map[i].offs();
            len = DirEntryDescriptor.recLen(DirEntry.nameLenAt(src, de));
            System.arraycopy(src, de, dst, at, len);
            DirEntry.setRecLen(dst, at, len);
            putU32(src, de + DirEntryDescriptor.INODE, 0);
            Arrays.fill(src, de + DirEntryDescriptor.NAME_LEN, de + DirEntry.recLenAt(src, de), (byte) 0);
            at += len;
        }
        return at - len;
    }

    /**
     * {@code dx_pack_dirents}: moves the live entries of a block to its start, each at its minimal
     * rec_len.
     *
     * @return the offset of the last live entry
     */
    private int dxPackDirents(byte[] b) {
        int to = 0;
        int prev = 0;
        for (int de = 0; de < bs; ) {
            int next = de + DirEntry.recLenAt(b, de);
            if (DirEntry.inodeAt(b, de) != 0 && DirEntry.nameLenAt(b, de) != 0) {
                int len = DirEntryDescriptor.recLen(DirEntry.nameLenAt(b, de));
                if (de > to) {
                    System.arraycopy(b, de, b, to, len);
                }
                DirEntry.setRecLen(b, to, len);
                prev = to;
                to += len;
            }
            de = next;
        }
        return prev;
    }

    /**
     * {@code do_split}: a new leaf is appended to the directory and the upper part of the full leaf's
     * entries, by hash, moves there — as much as keeps each half under half full, else half of the
     * entries — and an index entry for it (its lowest hash, plus 1 when that hash continues a run of
     * equal hashes from the old leaf) is inserted after {@code frame.at}.
     *
     * @return the leaf the new entry (of hash {@code hinfo.hash}) belongs to, and its last entry
     */
    private Split doSplit(long ino, Ext4InodeRaw dir, long pblk, byte[] data1, DxFrame frame, DxHashInfo hinfo)
            throws IOException {
        int csumSize = v.csum.dirTailSpace();
        Ext4DirBlocks.Appended nb = blocks.ext4Append(ino, dir);
        byte[] data2 = nb.b();
        MapEntry[] map = dxMakeMap(ino, data1, hinfo);
        int count = map.length;
        if (count < 2) {
            throw Ext4Exception.corrupt(dev, "do_split: directory inode " + ino + ": a full leaf with "
                    + count + " entries");
        }
        dxSortMap(map);
        int size = 0;
        int move = 0;
        int i;
        for (i = count - 1; i >= 0; i--) {
            if (size + map[i].size() / 2 > bs / 2) {
                break;
            }
            size += map[i].size();
            move++;
        }
        int split = i > 0 ? count - move : count / 2;
        long hash2 = map[split].hash();
        int continued = hash2 == map[split - 1].hash() ? 1 : 0;
        int de2 = dxMoveDirents(data1, data2, map, split, count);
        int de = dxPackDirents(data1);
        DirEntry.setRecLen(data1, de, bs - csumSize - de);
        DirEntry.setRecLen(data2, de2, bs - csumSize - de2);
        if (csumSize != 0) {
            Ext4Csum.initDirTail(data1);
            Ext4Csum.initDirTail(data2);
        }
        int iseed = blocks.iseed(ino, dir);
        blocks.dirtyLeaf(pblk, iseed);
        blocks.dirtyLeaf(nb.pblk(), iseed);
        dxInsertBlock(frame, hash2 + continued, nb.lblk());
        blocks.dirtyDx(frame.pblk, iseed);
        return hinfo.hash >= hash2 ? new Split(nb.pblk(), data2, de2) : new Split(pblk, data1, de);
    }

    // ---------------------------------------------------------------- indexing a linear directory

    /**
     * {@code make_indexed_dir}: block 0 of a full one-block directory becomes the htree root. Its
     * entries after ".." move to a new block 1, which is then split by hash ({@link #doSplit}, making
     * block 2), and {@code name} is added to the half its hash belongs to. The root gets
     * {@code s_def_hash_version} and one entry (block 1); its bytes past the entries are left as they
     * were, the old leaf tail included, as the kernel leaves them. Sets {@code EXT4_INDEX_FL} on
     * {@code dir} (the caller writes it).
     *
     * @param root block 0 as read for the failed linear insert
     * @throws Ext4Exception EUCLEAN ("invalid rec_len for '..'", a bad entry), ENOSPC
     */
    void makeIndexedDir(long dirIno, Ext4InodeRaw dir, Ext4DirBlocks.DirBlock root, byte[] name, long ino, int fileType)
            throws IOException {
        int csumSize = v.csum.dirTailSpace();
        DxHashInfo h = hashInfo(v.sDefHashVersion);
        if (Ext4Hash.ext4fsDirhash(name, h.hashVersion, h.seed) == null) {
            throw Ext4Exception.corrupt(dev, "make_indexed_dir: inode #" + dirIno + ": s_def_hash_version "
                    + v.sDefHashVersion + " is not a known hash");
        }
        h.hashName(name);
        byte[] b = root.b();
        int de = DOTDOT + DirEntry.recLenAt(b, DOTDOT);
        if (de >= bs) {
            throw Ext4Exception.corrupt(dev, "make_indexed_dir: inode #" + dirIno + ": invalid rec_len for '..'");
        }
        int len = bs - csumSize - de;
        Ext4DirBlocks.Appended nb = blocks.ext4Append(dirIno, dir);
        dir.setFlags(dir.flags() | InodeDescriptor.EXT4_INDEX_FL);
        byte[] data2 = nb.b();
        System.arraycopy(b, de, data2, 0, len);
        Arrays.fill(b, de, de + len, (byte) 0);
        int last = lastEntry(dirIno, data2, len);
        DirEntry.setRecLen(data2, last, bs - csumSize - last);
        if (csumSize != 0) {
            Ext4Csum.initDirTail(data2);
        }
        initRoot(b);
        DxFrame frame = new DxFrame(root.pblk(), b, ROOT_ENTRIES, ROOT_ENTRIES);
        int iseed = blocks.iseed(dirIno, dir);
        blocks.dirtyDx(root.pblk(), iseed);
        blocks.dirtyLeaf(nb.pblk(), iseed);
        Split s = doSplit(dirIno, dir, nb.pblk(), data2, frame, h);
        blocks.addDirentToBuf(dirIno, dir, s.pblk(), s.b(), s.de(), name, ino, fileType);
    }

    /** The last entry of the {@code len} bytes of entries moved out of the root, each before it checked. */
    private int lastEntry(long ino, byte[] b, int len) throws Ext4Exception {
        int de = 0;
        for (int next = DirEntry.recLenAt(b, 0); next < len; next = de + DirEntry.recLenAt(b, de)) {
            String err = DirEntry.check(b, de, len, v.sb.inodesCount());
            if (err != null) {
                throw Ext4Exception.corrupt(dev, "make_indexed_dir: directory inode " + ino + ", offset " + de
                        + ": " + err);
            }
            de = next;
        }
        return de;
    }

    /** The root's ".." spans the rest of the block, then a zeroed {@code dx_root_info} and one entry: block 1. */
    private void initRoot(byte[] b) {
        DirEntry.setRecLen(b, DOTDOT, bs - DirEntryDescriptor.recLen(1));
        Arrays.fill(b, INFO, INFO + DX_ROOT_INFO_SIZE, (byte) 0);
        putU8(b, INFO_INFO_LENGTH, DX_ROOT_INFO_SIZE);
        putU8(b, INFO_HASH_VERSION, v.sDefHashVersion);
        dxSetBlock(b, ROOT_ENTRIES, 1);
        dxSetCount(b, ROOT_ENTRIES, 1);
        dxSetLimit(b, ROOT_ENTRIES, rootLimit(DX_ROOT_INFO_SIZE));
    }
}
