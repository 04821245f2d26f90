package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.ExtentDescriptor.*;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * The extent tree of one inode ({@code fs/ext4/extents.c}): a B+tree keyed by logical block whose root
 * is the 60-byte {@code i_block} of the inode (up to 4 entries) and whose other nodes are whole blocks
 * (up to 340 entries). Layouts in {@link ExtentDescriptor}.
 *
 * <pre>
 *  i_block: [hdr depth=2 | idx 0 | idx 1 ]
 *                           |       '--------------------.
 *            block: [hdr depth=1 | idx | idx | ...]     [hdr depth=1 | ...]
 *                                 |
 *            block: [hdr depth=0 | ext | ext | ... up to 340 ext ]   (leaf)
 * </pre>
 *
 * <p>Invariants kept (and expected by {@code e2fsck}): keys strictly increase within a node; every
 * index entry's {@code ei_block} equals the first key of its child; extents do not overlap; non-root
 * nodes are never empty (an emptied node is freed and its index entry removed; an emptied root goes
 * back to depth 0); a root with a single child that would fit in {@code i_block} is collapsed into it.
 *
 * <p>Insertion ({@link #insert}) merges with a logically and physically contiguous neighbour of the
 * same written state when the merged length fits ({@link ExtentDescriptor#EXT_INIT_MAX_LEN} written,
 * {@link ExtentDescriptor#EXT_UNWRITTEN_MAX_LEN} unwritten), else adds an entry, splitting full nodes
 * up to the root and growing the tree by one level when the root is full (as
 * {@code ext4_ext_split} / {@code ext4_ext_grow_indepth} do: entries after the insertion point move to
 * the new node, so appending leaves full nodes behind). Removal ({@link #remove}) trims, splits and
 * deletes extents and frees their blocks through the {@link Store}.
 *
 * <p>{@code i_blocks} of the inode is kept up to date for tree blocks and for data blocks this class
 * frees; the caller adds data blocks it allocates. The caller writes the inode back afterwards.
 *
 * <p>Not thread-safe (this layer is single-threaded).
 */
@KernelSource("fs/ext4/extents.c")
public final class ExtentTree {

    /** What the tree needs from the volume: node blocks through the metadata cache, and the allocator. */
    public interface Store {
        /** @return the block size */
        int blockSize();

        /** @return the device size in blocks (for range checks) */
        long deviceBlocks();

        /** @return free blocks left (for reserving node blocks before a split) */
        long freeBlocks();

        /** @return the device name for messages */
        String dev();

        /** @return the cached contents of a tree node block (edit in place, then {@link #dirtyNode}) */
        byte[] readNode(long pblk) throws IOException;

        /** Marks a node block dirty. */
        void dirtyNode(long pblk);

        /** Allocates one block for a tree node near {@code goal}; returns its number. */
        long allocNode(long goal) throws IOException;

        /** @return the zeroed, dirty cached contents of a just-allocated node block */
        byte[] newNode(long pblk);

        /** Frees a tree node block. */
        void freeNode(long pblk) throws IOException;

        /** Frees {@code count} data blocks starting at {@code pblk}. */
        void freeData(long pblk, long count) throws IOException;
    }

    private final Ext4InodeRaw inode;
    private final long ino;
    private final Store store;
    private final int blockMax;
    private final int sectorsPerBlock;

    /**
     * @param inode the inode whose {@code i_block} holds the root (edited in place)
     * @param ino   its number, for messages
     * @param store node I/O and allocation
     */
    public ExtentTree(Ext4InodeRaw inode, long ino, Store store) {
        this.inode = inode;
        this.ino = ino;
        this.store = store;
        this.blockMax = blockMax(store.blockSize());
        this.sectorsPerBlock = store.blockSize() / 512;
    }

    /**
     * Makes {@code i_block} an empty depth-0 tree and sets {@code EXT4_EXTENTS_FL}
     * ({@code ext4_ext_tree_init}).
     */
    public static void init(Ext4InodeRaw inode) {
        byte[] b = inode.raw();
        int base = InodeDescriptor.I_BLOCK;
        java.util.Arrays.fill(b, base, base + InodeDescriptor.I_BLOCK_SIZE, (byte) 0);
        LittleEndian.putU16(b, base + EH_MAGIC, EXT4_EXT_MAGIC);
        LittleEndian.putU16(b, base + EH_ENTRIES, 0);
        LittleEndian.putU16(b, base + EH_MAX, ROOT_MAX);
        LittleEndian.putU16(b, base + EH_DEPTH, 0);
        inode.setFlags(inode.flags() | InodeDescriptor.EXT4_EXTENTS_FL);
    }

    // ---------------------------------------------------------------- nodes

    /** A tree node: the root in the inode ({@code pblk == -1}) or a block. */
    private static final class Node {
        final long pblk;
        final byte[] b;
        final int base;

        Node(long pblk, byte[] b, int base) {
            this.pblk = pblk;
            this.b = b;
            this.base = base;
        }

        int magic() {
            return LittleEndian.u16(b, base + EH_MAGIC);
        }

        int entries() {
            return LittleEndian.u16(b, base + EH_ENTRIES);
        }

        void setEntries(int n) {
            LittleEndian.putU16(b, base + EH_ENTRIES, n);
        }

        int max() {
            return LittleEndian.u16(b, base + EH_MAX);
        }

        int depth() {
            return LittleEndian.u16(b, base + EH_DEPTH);
        }

        void setDepth(int d) {
            LittleEndian.putU16(b, base + EH_DEPTH, d);
        }

        long key(int i) {
            return LittleEndian.u32(b, entry(base, i) + EE_BLOCK);
        }

        void setKey(int i, long k) {
            LittleEndian.putU32(b, entry(base, i) + EE_BLOCK, k);
        }

        long child(int i) {
            int o = entry(base, i);
            return LittleEndian.u32(b, o + EI_LEAF_LO) | ((long) LittleEndian.u16(b, o + EI_LEAF_HI) << 32);
        }

        Extent extent(int i) {
            int o = entry(base, i);
            int raw = LittleEndian.u16(b, o + EE_LEN);
            long pblk = LittleEndian.u32(b, o + EE_START_LO) | ((long) LittleEndian.u16(b, o + EE_START_HI) << 32);
            boolean uw = raw > EXT_INIT_MAX_LEN;
            return new Extent(LittleEndian.u32(b, o + EE_BLOCK), pblk, uw ? raw - EXT_INIT_MAX_LEN : raw, uw);
        }

        void putEntry(int i, byte[] e) {
            System.arraycopy(e, 0, b, entry(base, i), ENTRY_SIZE);
        }

        void putExtent(int i, long lblk, long pblk, int len, boolean uw) {
            putEntry(i, extentEntry(lblk, pblk, len, uw));
        }

        void insertAt(int pos, byte[] e) {
            int cnt = entries();
            System.arraycopy(b, entry(base, pos), b, entry(base, pos + 1), (cnt - pos) * ENTRY_SIZE);
            putEntry(pos, e);
            setEntries(cnt + 1);
        }

        void deleteAt(int pos) {
            int cnt = entries();
            System.arraycopy(b, entry(base, pos + 1), b, entry(base, pos), (cnt - pos - 1) * ENTRY_SIZE);
            java.util.Arrays.fill(b, entry(base, cnt - 1), entry(base, cnt), (byte) 0);
            setEntries(cnt - 1);
        }

        /** @return the largest i with key(i) &lt;= lblk, or -1 */
        int search(long lblk) {
            int lo = 0;
            int hi = entries() - 1;
            int ans = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (key(mid) <= lblk) {
                    ans = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return ans;
        }
    }

    /** @return the 12 bytes of an {@code ext4_extent} */
    static byte[] extentEntry(long lblk, long pblk, int len, boolean uw) {
        byte[] e = new byte[ENTRY_SIZE];
        LittleEndian.putU32(e, EE_BLOCK, lblk);
        LittleEndian.putU16(e, EE_LEN, uw ? len + EXT_INIT_MAX_LEN : len);
        LittleEndian.putU16(e, EE_START_HI, (int) (pblk >>> 32));
        LittleEndian.putU32(e, EE_START_LO, pblk);
        return e;
    }

    /** @return the 12 bytes of an {@code ext4_extent_idx} */
    static byte[] idxEntry(long lblk, long child) {
        byte[] e = new byte[ENTRY_SIZE];
        LittleEndian.putU32(e, EI_BLOCK, lblk);
        LittleEndian.putU32(e, EI_LEAF_LO, child);
        LittleEndian.putU16(e, EI_LEAF_HI, (int) (child >>> 32));
        return e;
    }

    private Node root() throws Ext4Exception {
        Node r = new Node(-1, inode.raw(), InodeDescriptor.I_BLOCK);
        if (!inode.hasFlag(InodeDescriptor.EXT4_EXTENTS_FL)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, store.dev() + ": inode " + ino
                    + " is not extent-mapped (block-mapped files are not supported)");
        }
        if (r.magic() != EXT4_EXT_MAGIC || r.max() != ROOT_MAX || r.entries() > r.max()
                || r.depth() > EXT4_MAX_EXTENT_DEPTH || (r.depth() > 0 && r.entries() == 0)) {
            throw corrupt("bad extent header in i_block: magic 0x" + Integer.toHexString(r.magic())
                    + ", entries " + r.entries() + ", max " + r.max() + ", depth " + r.depth());
        }
        return r;
    }

    private Node readNode(long pblk, int depth) throws IOException {
        if (pblk <= 0 || pblk >= store.deviceBlocks()) {
            throw corrupt("extent tree node block " + pblk + " outside the device");
        }
        Node n = new Node(pblk, store.readNode(pblk), 0);
        if (n.magic() != EXT4_EXT_MAGIC || n.max() == 0 || n.max() > blockMax || n.entries() > n.max()
                || n.depth() != depth || (depth > 0 && n.entries() == 0)) {
            throw corrupt("bad extent header in block " + pblk + ": magic 0x" + Integer.toHexString(n.magic())
                    + ", entries " + n.entries() + ", max " + n.max() + ", depth " + n.depth()
                    + " (expected depth " + depth + ")");
        }
        return n;
    }

    private Node newNode(long pblk, int depth) {
        byte[] b = store.newNode(pblk);
        LittleEndian.putU16(b, EH_MAGIC, EXT4_EXT_MAGIC);
        LittleEndian.putU16(b, EH_ENTRIES, 0);
        LittleEndian.putU16(b, EH_MAX, blockMax);
        LittleEndian.putU16(b, EH_DEPTH, depth);
        return new Node(pblk, b, 0);
    }

    private void dirty(Node n) {
        if (n.pblk >= 0) {
            store.dirtyNode(n.pblk);
        }
    }

    private Ext4Exception corrupt(String what) {
        return Ext4Exception.corrupt(store.dev(), "inode " + ino + ": " + what);
    }

    private Extent checked(Extent e) throws Ext4Exception {
        if (e.len() == 0 || e.pblk() <= 0 || e.pend() > store.deviceBlocks() || e.lend() > EXT_MAX_BLOCKS) {
            throw corrupt("bad extent " + e);
        }
        return e;
    }

    // ---------------------------------------------------------------- paths

    /** The nodes from the root (level 0) down to a leaf, and the entry chosen at each level. */
    private static final class Path {
        final Node[] nodes = new Node[EXT4_MAX_EXTENT_DEPTH + 2];
        final int[] idx = new int[EXT4_MAX_EXTENT_DEPTH + 2];
        int levels;

        int leaf() {
            return levels - 1;
        }
    }

    /** {@code ext4_find_extent}: the path to the leaf that holds (or would hold) {@code lblk}. */
    private Path find(long lblk) throws IOException {
        Node n = root();
        int depth = n.depth();
        Path p = new Path();
        p.levels = depth + 1;
        for (int level = 0; ; level++) {
            p.nodes[level] = n;
            int i = n.search(lblk);
            if (level == depth) {
                p.idx[level] = i;
                return p;
            }
            if (i < 0) {
                i = 0;
            }
            p.idx[level] = i;
            n = readNode(n.child(i), depth - level - 1);
        }
    }

    /** @return the first key after the path's position, or {@link ExtentDescriptor#EXT_MAX_BLOCKS} */
    private static long nextKey(Path p) {
        int l = p.leaf();
        Node leaf = p.nodes[l];
        if (p.idx[l] + 1 < leaf.entries()) {
            return leaf.key(p.idx[l] + 1);
        }
        for (int level = l - 1; level >= 0; level--) {
            Node n = p.nodes[level];
            if (p.idx[level] + 1 < n.entries()) {
                return n.key(p.idx[level] + 1);
            }
        }
        return EXT_MAX_BLOCKS;
    }

    /** After the first key of the node at {@code level} changed: copy it into the ancestors' index keys. */
    private void fixKeys(Path p, int level) {
        long k = p.nodes[level].key(0);
        for (int l = level - 1; l >= 0; l--) {
            Node a = p.nodes[l];
            int j = p.idx[l];
            if (a.key(j) != k) {
                a.setKey(j, k);
                dirty(a);
            }
            if (j != 0) {
                break;
            }
        }
    }

    // ---------------------------------------------------------------- lookup

    /**
     * @param lblk a logical block
     * @return the extent containing it, or null for a hole
     * @throws IOException on a device error or a corrupt tree ({@link org.faultline.kernel.Errno#EUCLEAN})
     */
    public Extent findExtent(long lblk) throws IOException {
        Path p = find(lblk);
        int l = p.leaf();
        int i = p.idx[l];
        if (i >= 0) {
            Extent e = p.nodes[l].extent(i);
            if (e.lend() > lblk) {
                return checked(e);
            }
        }
        return null;
    }

    /**
     * The extent holding {@code lblk} or, if it is in a hole, the nearest extent before it (the
     * allocation goal comes from it, as in {@code ext4_ext_find_goal}).
     *
     * @param lblk a logical block
     * @return that extent, or null if none starts at or before {@code lblk}
     * @throws IOException on a device error or a corrupt tree
     */
    public Extent extentAtOrBefore(long lblk) throws IOException {
        Path p = find(lblk);
        int l = p.leaf();
        int i = p.idx[l];
        return i >= 0 ? checked(p.nodes[l].extent(i)) : null;
    }

    /**
     * @param lblk a logical block
     * @return {@code lblk} if it is mapped, else the first mapped logical block after it, else
     *         {@link ExtentDescriptor#EXT_MAX_BLOCKS}
     * @throws IOException on a device error or a corrupt tree
     */
    public long nextMapped(long lblk) throws IOException {
        Path p = find(lblk);
        int l = p.leaf();
        int i = p.idx[l];
        if (i >= 0 && p.nodes[l].extent(i).lend() > lblk) {
            return lblk;
        }
        if (i < 0 && p.nodes[l].entries() > 0) {
            return p.nodes[l].key(0);
        }
        return nextKey(p);
    }

    /** @return the tree depth ({@code eh_depth} of the root) */
    public int depth() throws Ext4Exception {
        return root().depth();
    }

    /**
     * @return every extent in logical order
     * @throws IOException on a device error or a corrupt tree
     */
    public List<Extent> extents() throws IOException {
        List<Extent> out = new ArrayList<>();
        Node r = root();
        walk(r, r.depth(), out, null);
        return out;
    }

    /**
     * @return the block numbers of every non-root tree node, in depth-first order
     * @throws IOException on a device error or a corrupt tree
     */
    public List<Long> nodeBlocks() throws IOException {
        List<Long> out = new ArrayList<>();
        Node r = root();
        walk(r, r.depth(), null, out);
        return out;
    }

    private void walk(Node n, int depth, List<Extent> ext, List<Long> nodes) throws IOException {
        for (int i = 0; i < n.entries(); i++) {
            if (depth == 0) {
                if (ext != null) {
                    ext.add(checked(n.extent(i)));
                }
            } else {
                Node c = readNode(n.child(i), depth - 1);
                if (nodes != null) {
                    nodes.add(c.pblk);
                }
                walk(c, depth - 1, ext, nodes);
            }
        }
    }

    // ---------------------------------------------------------------- insertion

    private static boolean canMerge(Extent a, Extent b) {
        return a.unwritten() == b.unwritten() && a.lend() == b.lblk() && a.pend() == b.pblk()
                && a.len() + b.len() <= (a.unwritten() ? EXT_UNWRITTEN_MAX_LEN : EXT_INIT_MAX_LEN);
    }

    /**
     * Maps logical blocks {@code [lblk, lblk + len)} to physical {@code [pblk, pblk + len)}
     * ({@code ext4_ext_insert_extent}). The range must be a hole. Long ranges become several extents.
     *
     * @param lblk      first logical block
     * @param pblk      first physical block (already allocated by the caller)
     * @param len       blocks
     * @param unwritten whether to mark the extents unwritten
     * @throws IOException {@link org.faultline.kernel.Errno#ENOSPC} if a node split finds no free block (nothing is
     *                     changed then), {@link org.faultline.kernel.Errno#EUCLEAN} on a corrupt tree
     */
    public void insert(long lblk, long pblk, long len, boolean unwritten) throws IOException {
        if (lblk < 0 || len <= 0 || lblk + len > EXT_MAX_BLOCKS) {
            // only a corrupt size (a directory's i_size far past its blocks) asks for such a range
            throw corrupt("bad extent range " + lblk + "+" + len + " (beyond the largest logical block)");
        }
        int maxLen = unwritten ? EXT_UNWRITTEN_MAX_LEN : EXT_INIT_MAX_LEN;
        while (len > 0) {
            int n = (int) Math.min(len, maxLen);
            insertOne(new Extent(lblk, pblk, n, unwritten));
            lblk += n;
            pblk += n;
            len -= n;
        }
    }

    private void insertOne(Extent x) throws IOException {
        Path p = find(x.lblk());
        int l = p.leaf();
        Node leaf = p.nodes[l];
        int i = p.idx[l];
        if (i >= 0 && leaf.extent(i).lend() > x.lblk()) {
            // the caller (ext4_append, a write past a corrupt i_size) believed the block unmapped
            throw corrupt("logical block already allocated: insert " + x + " overlaps " + leaf.extent(i));
        }
        if (nextKeyAfter(p, leaf, i) < x.lend()) {
            throw corrupt("logical block already allocated: insert " + x + " overlaps the next extent");
        }
        if (i >= 0) {
            Extent left = leaf.extent(i);
            if (canMerge(left, x)) {
                leaf.putExtent(i, left.lblk(), left.pblk(), left.len() + x.len(), x.unwritten());
                dirty(leaf);
                if (i + 1 < leaf.entries()) {
                    Extent merged = leaf.extent(i);
                    Extent right = leaf.extent(i + 1);
                    if (canMerge(merged, right)) {
                        leaf.putExtent(i, merged.lblk(), merged.pblk(), merged.len() + right.len(), x.unwritten());
                        leaf.deleteAt(i + 1);
                    }
                }
                return;
            }
        }
        if (i + 1 < leaf.entries()) {
            Extent right = leaf.extent(i + 1);
            if (canMerge(x, right)) {
                leaf.putExtent(i + 1, x.lblk(), x.pblk(), x.len() + right.len(), x.unwritten());
                dirty(leaf);
                if (i + 1 == 0) {
                    fixKeys(p, l);
                }
                return;
            }
        }
        reserveNodes(p);
        insertEntry(p, l, i + 1, extentEntry(x.lblk(), x.pblk(), x.len(), x.unwritten()), x.pblk());
    }

    private static long nextKeyAfter(Path p, Node leaf, int i) {
        if (i < 0 && leaf.entries() > 0) {
            return leaf.key(0);
        }
        return nextKey(p);
    }

    /** Fails with ENOSPC, before changing anything, if the splits an insert may need lack blocks. */
    private void reserveNodes(Path p) throws Ext4Exception {
        int need = 0;
        for (int l = p.leaf(); l >= 0; l--) {
            Node n = p.nodes[l];
            if (n.entries() < n.max()) {
                break;
            }
            need++;
        }
        if (need > 0 && store.freeBlocks() < need) {
            throw new Ext4Exception(Errno.ENOSPC, store.dev() + ": inode " + ino
                    + ": no free block for an extent tree node: " + Errno.text(Errno.ENOSPC));
        }
    }

    private static long entryKey(byte[] e) {
        return LittleEndian.u32(e, EE_BLOCK);
    }

    /** Inserts a 12-byte entry at {@code pos} of the node at {@code level}, splitting as needed. */
    private void insertEntry(Path p, int level, int pos, byte[] e, long goal) throws IOException {
        Node n = p.nodes[level];
        int cnt = n.entries();
        if (cnt < n.max()) {
            n.insertAt(pos, e);
            dirty(n);
            if (pos == 0 && level > 0) {
                fixKeys(p, level);
            }
            return;
        }
        if (level == 0) {
            growInDepth(p, goal);
            insertEntry(p, 1, pos, e, goal);
            return;
        }
        long nb = allocNode(n.pblk + 1);
        Node nn = newNode(nb, n.depth());
        long splitKey;
        if (pos == cnt) {
            nn.putEntry(0, e);
            nn.setEntries(1);
            splitKey = entryKey(e);
        } else {
            int move = cnt - pos;
            System.arraycopy(n.b, entry(n.base, pos), nn.b, entry(nn.base, 0), move * ENTRY_SIZE);
            java.util.Arrays.fill(n.b, entry(n.base, pos), entry(n.base, cnt), (byte) 0);
            nn.setEntries(move);
            n.setEntries(pos);
            n.insertAt(pos, e);
            splitKey = nn.key(0);
            if (pos == 0) {
                fixKeys(p, level);
            }
        }
        dirty(n);
        dirty(nn);
        insertEntry(p, level - 1, p.idx[level - 1] + 1, idxEntry(splitKey, nb), goal);
    }

    /** {@code ext4_ext_grow_indepth}: moves the root's entries to a new block one level down. */
    private void growInDepth(Path p, long goal) throws IOException {
        Node root = p.nodes[0];
        if (root.depth() >= EXT4_MAX_EXTENT_DEPTH) {
            throw corrupt("extent tree deeper than " + EXT4_MAX_EXTENT_DEPTH);
        }
        long nb = allocNode(goal);
        Node nn = newNode(nb, root.depth());
        int cnt = root.entries();
        System.arraycopy(root.b, entry(root.base, 0), nn.b, entry(0, 0), cnt * ENTRY_SIZE);
        nn.setEntries(cnt);
        java.util.Arrays.fill(root.b, entry(root.base, 0), entry(root.base, root.max()), (byte) 0);
        root.setDepth(root.depth() + 1);
        root.setEntries(1);
        root.putEntry(0, idxEntry(cnt > 0 ? nn.key(0) : 0, nb));
        for (int l = p.levels; l >= 2; l--) {
            p.nodes[l] = p.nodes[l - 1];
            p.idx[l] = p.idx[l - 1];
        }
        p.nodes[1] = nn;
        p.idx[1] = p.idx[0];
        p.idx[0] = 0;
        p.levels++;
    }

    private long allocNode(long goal) throws IOException {
        long b = store.allocNode(goal);
        inode.setBlocks512(inode.blocks512() + sectorsPerBlock);
        return b;
    }

    private void freeNode(long pblk) throws IOException {
        store.freeNode(pblk);
        inode.setBlocks512(inode.blocks512() - sectorsPerBlock);
    }

    private void freeData(long pblk, long count) throws IOException {
        store.freeData(pblk, count);
        inode.setBlocks512(inode.blocks512() - count * sectorsPerBlock);
    }

    // ---------------------------------------------------------------- removal

    /**
     * Unmaps logical blocks {@code [from, to)} and frees their physical blocks
     * ({@code ext4_ext_remove_space}); extents straddling the bounds are trimmed or split.
     *
     * @param from first logical block
     * @param to   one past the last ({@link ExtentDescriptor#EXT_MAX_BLOCKS} for "to the end")
     * @return blocks freed
     * @throws IOException ENOSPC if splitting an extent in two needs a node block and none is free
     *                     (nothing freed for that extent), EUCLEAN on a corrupt tree
     */
    public long remove(long from, long to) throws IOException {
        return removeRange(from, to, true);
    }

    /**
     * Unmaps {@code [from, to)} without freeing the blocks (the caller re-maps them, e.g. when an
     * unwritten range becomes written).
     *
     * @return the extents (pieces) that were unmapped, in logical order
     */
    public List<Extent> unmap(long from, long to) throws IOException {
        List<Extent> out = new ArrayList<>();
        removeRange(from, to, false, out);
        return out;
    }

    private long removeRange(long from, long to, boolean free) throws IOException {
        return removeRange(from, to, free, null);
    }

    private long removeRange(long from, long to, boolean free, List<Extent> removed) throws IOException {
        long freed = 0;
        while (from < to) {
            Path p = find(from);
            int l = p.leaf();
            Node leaf = p.nodes[l];
            int i = p.idx[l];
            int ei;
            if (i >= 0 && leaf.extent(i).lend() > from) {
                ei = i;
            } else if (i + 1 < leaf.entries()) {
                ei = i + 1;
            } else {
                long nk = nextKey(p);
                if (nk >= to) {
                    break;
                }
                p = find(nk);
                l = p.leaf();
                leaf = p.nodes[l];
                ei = p.idx[l];
                if (ei < 0 || leaf.key(ei) != nk) {
                    throw corrupt("index key " + nk + " does not match its leaf");
                }
            }
            Extent e = checked(leaf.extent(ei));
            if (e.lblk() >= to) {
                break;
            }
            long s = Math.max(e.lblk(), from);
            long t = Math.min(e.lend(), to);
            long gone = t - s;
            long goneP = e.pblk() + (s - e.lblk());
            if (s == e.lblk() && t == e.lend()) {
                deleteEntry(p, l, ei);
            } else if (s == e.lblk()) {
                leaf.putExtent(ei, t, e.pblk() + (t - e.lblk()), (int) (e.lend() - t), e.unwritten());
                dirty(leaf);
                if (ei == 0) {
                    p.idx[l] = ei;
                    fixKeys(p, l);
                }
            } else if (t == e.lend()) {
                leaf.putExtent(ei, e.lblk(), e.pblk(), (int) (s - e.lblk()), e.unwritten());
                dirty(leaf);
            } else {
                p.idx[l] = ei;
                reserveNodes(p);
                leaf.putExtent(ei, e.lblk(), e.pblk(), (int) (s - e.lblk()), e.unwritten());
                dirty(leaf);
                insertOne(new Extent(t, e.pblk() + (t - e.lblk()), (int) (e.lend() - t), e.unwritten()));
            }
            if (removed != null) {
                removed.add(new Extent(s, goneP, (int) gone, e.unwritten()));
            }
            if (free) {
                freeData(goneP, gone);
            }
            freed += gone;
            from = t;
        }
        collapse();
        return freed;
    }

    private void deleteEntry(Path p, int level, int pos) throws IOException {
        Node n = p.nodes[level];
        n.deleteAt(pos);
        dirty(n);
        if (n.entries() == 0) {
            if (level == 0) {
                n.setDepth(0);
                return;
            }
            freeNode(n.pblk);
            deleteEntry(p, level - 1, p.idx[level - 1]);
            return;
        }
        if (pos == 0 && level > 0) {
            p.idx[level] = 0;
            fixKeys(p, level);
        }
    }

    /** Pulls a lone child that fits into {@code i_block} up into the root. */
    private void collapse() throws IOException {
        while (true) {
            Node root = root();
            if (root.depth() == 0 || root.entries() != 1) {
                return;
            }
            Node c = readNode(root.child(0), root.depth() - 1);
            if (c.entries() > root.max()) {
                return;
            }
            int cnt = c.entries();
            java.util.Arrays.fill(root.b, entry(root.base, 0), entry(root.base, root.max()), (byte) 0);
            System.arraycopy(c.b, entry(c.base, 0), root.b, entry(root.base, 0), cnt * ENTRY_SIZE);
            root.setEntries(cnt);
            root.setDepth(c.depth());
            freeNode(c.pblk);
        }
    }
}
