package org.faultline.mm;

import org.faultline.kernel.KernelSource;

/**
 * The page cache's index → page tree with search marks ({@code struct xarray}, lib/xarray.c, 4.20+;
 * the radix tree of lib/radix-tree.c before it, with tags for marks). A tree of 64-slot nodes: each
 * node keeps, per mark, a bitmap of the slots below which some entry carries the mark, so
 * "next dirty page from index i" costs a walk down the tree, not a scan — as {@code xa_find_marked}.
 *
 * <p>Deviations: no single-entry root, no value entries, no RCU (callers hold the mapping's
 * {@code i_pages} lock for every call), and the tree does not shrink its height when emptied from the
 * top; an emptied node is freed as the kernel's {@code xas_delete_node} does. Presence is kept as an
 * internal fourth mark so that {@link #find} uses the same bitmap walk as {@link #findMarked}.
 *
 * <p>Indices are non-negative.
 *
 * @param <T> the entry type
 */
@KernelSource("lib/xarray.c")
final class XArray<T> {
    /** XA_CHUNK_SHIFT. */
    static final int CHUNK_SHIFT = 6;
    private static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;
    /** XA_MAX_MARKS: the marks callers may use (the page cache's DIRTY, WRITEBACK, TOWRITE). */
    static final int MAX_MARKS = 3;
    private static final int PRESENT = MAX_MARKS; // internal: the slot holds an entry

    /** {@code struct xa_node}. */
    private static final class Node {
        final int shift;        // index bits below this node's slots
        Node parent;
        int offset;             // slot in the parent
        final Object[] slots = new Object[1 << CHUNK_SHIFT];
        final long[] marks = new long[MAX_MARKS + 1];

        Node(int shift) {
            this.shift = shift;
        }
    }

    private Node root;
    private long size;

    /** Entries stored. */
    long size() {
        return size;
    }

    /** Bits of index a node with {@code shift} covers, as a mask (all ones when it covers every index). */
    private static long spanMask(int shift) {
        int bits = shift + CHUNK_SHIFT;
        return bits >= 63 ? Long.MAX_VALUE : (1L << bits) - 1;
    }

    private static int offset(Node n, long index) {
        return (int) ((index >>> n.shift) & CHUNK_MASK);
    }

    /** xa_load(): the entry at {@code index}, or null. */
    @SuppressWarnings("unchecked")
    T load(long index) {
        Node n = leaf(index);
        return n == null ? null : (T) n.slots[offset(n, index)];
    }

    /** The leaf node that would hold {@code index}, or null if none exists. */
    private Node leaf(long index) {
        Node n = root;
        if (n == null || index > spanMask(n.shift)) {
            return null;
        }
        while (n.shift > 0) {
            Object o = n.slots[offset(n, index)];
            if (o == null) {
                return null;
            }
            n = (Node) o;
        }
        return n;
    }

    /** xa_store(): puts {@code entry} (not null) at {@code index}; returns the entry it replaced. */
    @SuppressWarnings("unchecked")
    T store(long index, T entry) {
        if (entry == null) {
            throw new IllegalArgumentException("xa_store of NULL: use erase");
        }
        expand(index);
        Node n = root;
        while (n.shift > 0) {
            int off = offset(n, index);
            Node child = (Node) n.slots[off];
            if (child == null) {
                child = new Node(n.shift - CHUNK_SHIFT);
                child.parent = n;
                child.offset = off;
                n.slots[off] = child;
                // the child is still empty: no bits in the parent until it holds an entry
            }
            n = child;
        }
        int off = offset(n, index);
        Object old = n.slots[off];
        n.slots[off] = entry;
        if (old == null) {
            size++;
            setMarkUp(n, off, PRESENT);
        }
        return (T) old;
    }

    /** xas_expand(): adds levels on top until the root covers {@code index}. */
    private void expand(long index) {
        if (root == null) {
            int shift = 0;
            while (index > spanMask(shift)) {
                shift += CHUNK_SHIFT;
            }
            root = new Node(shift);
            return;
        }
        while (index > spanMask(root.shift)) {
            Node top = new Node(root.shift + CHUNK_SHIFT);
            if (root.marks[PRESENT] != 0) {
                top.slots[0] = root;
                root.parent = top;
                root.offset = 0;
                for (int m = 0; m <= MAX_MARKS; m++) {
                    if (root.marks[m] != 0) {
                        top.marks[m] |= 1L;
                    }
                }
            }
            root = top;
        }
    }

    /** xa_erase(): removes the entry at {@code index} and its marks; returns it, or null. */
    @SuppressWarnings("unchecked")
    T erase(long index) {
        Node n = leaf(index);
        if (n == null) {
            return null;
        }
        int off = offset(n, index);
        Object old = n.slots[off];
        if (old == null) {
            return null;
        }
        n.slots[off] = null;
        size--;
        for (int m = 0; m <= MAX_MARKS; m++) {
            clearMarkUp(n, off, m);
        }
        deleteEmptyNodes(n);
        return (T) old;
    }

    /** xas_delete_node(): frees nodes left without entries, bottom up. */
    private void deleteEmptyNodes(Node n) {
        while (n != null && n.marks[PRESENT] == 0) {
            Node p = n.parent;
            if (p == null) {
                root = null; // the tree is empty
                return;
            }
            p.slots[n.offset] = null;
            n = p;
        }
    }

    private static void setMarkUp(Node n, int off, int mark) {
        while (n != null) {
            long bit = 1L << off;
            if ((n.marks[mark] & bit) != 0) {
                return; // ancestors already carry it
            }
            n.marks[mark] |= bit;
            off = n.offset;
            n = n.parent;
        }
    }

    private static void clearMarkUp(Node n, int off, int mark) {
        while (n != null) {
            n.marks[mark] &= ~(1L << off);
            if (n.marks[mark] != 0) {
                return; // a sibling still carries it
            }
            off = n.offset;
            n = n.parent;
        }
    }

    /** xa_set_mark(): marks the entry at {@code index}; nothing if there is none. */
    void setMark(long index, int mark) {
        Node n = leaf(index);
        int off = n == null ? 0 : offset(n, index);
        if (n != null && n.slots[off] != null) {
            setMarkUp(n, off, mark);
        }
    }

    /** xa_clear_mark(). */
    void clearMark(long index, int mark) {
        Node n = leaf(index);
        if (n != null) {
            int off = offset(n, index);
            if ((n.marks[mark] & (1L << off)) != 0) {
                clearMarkUp(n, off, mark);
            }
        }
    }

    /** xa_get_mark(). */
    boolean getMark(long index, int mark) {
        Node n = leaf(index);
        return n != null && (n.marks[mark] & (1L << offset(n, index))) != 0;
    }

    /** xa_marked(): whether any entry carries {@code mark}. */
    boolean marked(int mark) {
        return root != null && root.marks[mark] != 0;
    }

    /** xa_find_marked(): the first index in [start, end] whose entry carries {@code mark}, or -1. */
    long findMarked(long start, long end, int mark) {
        Node n = root;
        if (n == null || start > end || start > spanMask(n.shift)) {
            return -1;
        }
        long index = start;
        for (;;) {
            int off = offset(n, index);
            long bits = n.marks[mark] & (-1L << off);
            if (bits == 0) {
                // nothing here at or after index: continue after this node, in an ancestor
                for (;;) {
                    Node p = n.parent;
                    if (p == null) {
                        return -1;
                    }
                    if (n.offset < CHUNK_MASK) {
                        index = (index & ~spanMask(p.shift)) | ((long) (n.offset + 1) << p.shift);
                        n = p;
                        break;
                    }
                    n = p;
                }
                if (index > end) {
                    return -1;
                }
                continue;
            }
            int next = Long.numberOfTrailingZeros(bits);
            if (next != off) {
                index = (index & ~spanMask(n.shift)) | ((long) next << n.shift);
            }
            if (index > end) {
                return -1;
            }
            if (n.shift == 0) {
                return index;
            }
            n = (Node) n.slots[next];
        }
    }

    /** xa_find(): the first index in [start, end] holding an entry, or -1. */
    long find(long start, long end) {
        return findMarked(start, end, PRESENT);
    }
}
