package org.faultline.images.capture;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * A structural check of a capture store's LMDB data file ({@code data.mdb}), in Java, before LMDB opens
 * it. LMDB keeps no checksums and trusts every page it reads: a page overwritten with other bytes makes
 * it read or write outside a page or the map, or fail an assertion, and the JVM aborts. This models the
 * file as liblmdb 0.9.31 (lmdbjava 0.9.1's; 64-bit Linux: little endian, 8-byte page numbers) lays it
 * out, and refuses it, saying what and where, if anything LMDB would trust in a read or write
 * transaction does not hold:
 * <ul>
 * <li>both meta pages as {@code mdb_env_read_header} reads them (meta flag, magic, version, one page
 *     size), and the newest, which {@code mdb_env_pick_meta} and {@code mdb_txn_renew0} start every
 *     transaction from (LMDB never falls back to the other): on the page of its txnid's parity, its last
 *     page inside Faultline's map, its free list and main database records;</li>
 * <li>every page reachable from those roots and the named databases' (the main database's
 *     {@code F_SUBDATA} records, which {@code mdb_dbi_open} copies unread), as {@code mdb_page_get},
 *     {@code mdb_page_search_root}, {@code mdb_node_search} and {@code mdb_node_read} trust them: page
 *     number and type (branch above the record's depth, leaf at it, within the cursor stack; no
 *     {@code LEAF2}, sub-page or duplicate, which Faultline never writes), free-space bounds, each node
 *     inside the page and apart from the others, key and data sizes within LMDB's limits, keys in the
 *     comparator's order ({@code mdb_cmp_memn}, the free list's {@code mdb_cmp_long}) within the bounds
 *     the branch above sets, children inside the file, no page reached twice, each {@code F_BIGDATA}
 *     node's overflow run (header, long enough for the value, inside the file);</li>
 * <li>the free list's records as {@code mdb_page_alloc} merges them: a count, then that many pages,
 *     descending, each in the file's range, none free twice nor in use;</li>
 * <li>each record's page counts and entries against the walk's.</li>
 * </ul>
 * Overflow contents are not read (the free list's except): the store checks each value it reads against
 * its digest. LMDB has no such check; this is Faultline's. Holding no reader slot, it may read a page a
 * writer in another process has just reused: a failure counts only if neither meta page moved meanwhile,
 * else the check starts again.
 */
final class LmdbCheck {
    private static final int HEADER = 16; // MDB_page: pgno 8, pad 2, flags 2, lower 2, upper 2 (overflow: pages 4 at 12)
    private static final int NODE = 8; // MDB_node: lo 2, hi 2 (data size, or child), flags 2 (child's high bits), ksize 2
    private static final int META = 152; // page header and MDB_meta: what mdb_env_read_header reads
    private static final int DB = 48; // MDB_db: pad 4, flags 2, depth 2, branch, leaf, overflow, entries, root (8 each)
    private static final int P_BRANCH = 0x01, P_LEAF = 0x02, P_OVERFLOW = 0x04, P_META = 0x08;
    private static final int F_BIGDATA = 0x01, F_SUBDATA = 0x02;
    private static final int MAGIC = 0xBEEFC0DE, VERSION = 1, INTEGERKEY = 0x08;
    private static final int MAX_KEY = 511, CURSOR_STACK = 32, ATTEMPTS = 20;
    private static final long INVALID = -1L;

    /** Something LMDB would trust does not hold ({@code foreign}: page 0 is no LMDB meta page). */
    private static final class Damage extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean foreign;

        Damage(String message, boolean foreign) {
            super(message, null, false, false);
            this.foreign = foreign;
        }

        Damage(String message) {
            this(message, false);
        }
    }

    private enum Kind { FREE, MAIN, NAMED }

    /** An MDB_db record read at {@code at}: its branch, leaf, overflow pages and entries, and those the walk found. */
    private record Db(String name, Kind kind, int flags, int depth, long root, long[] recorded, long[] seen) {
        Db(String name, Kind kind, ByteBuffer b, int at) {
            this(name, kind, u16(b, at + 4), u16(b, at + 6), b.getLong(at + 40),
                    new long[] {b.getLong(at + 8), b.getLong(at + 16), b.getLong(at + 24), b.getLong(at + 32)}, new long[4]);
        }
    }

    private final FileChannel ch;
    private int psize;
    private int nodemax;
    private long txnid;
    private long lastPg;
    private long limit; // pages below it are inside the file and the snapshot
    private final BitSet used = new BitSet();
    private final BitSet free = new BitSet();
    private final List<Db> named = new ArrayList<>();

    private LmdbCheck(FileChannel ch) {
        this.ch = ch;
    }

    /**
     * Checks {@code dir}'s {@code data.mdb} (an empty one is a new environment to LMDB: nothing to check).
     *
     * @return the pages the newest snapshot uses (its trees and overflow runs)
     * @throws CaptureStoreException one line: not an LMDB file, or damaged (what and where)
     */
    static BitSet check(Path dir) throws CaptureStoreException {
        try (FileChannel ch = FileChannel.open(dir.resolve("data.mdb"), StandardOpenOption.READ)) {
            for (int attempt = 1;; attempt++) {
                long[] before = stamp(ch);
                LmdbCheck c = new LmdbCheck(ch);
                try {
                    c.run(ch.size());
                    return c.used;
                } catch (Damage | IndexOutOfBoundsException | IllegalArgumentException e) { // the last two: a case missed here
                    if (e instanceof Damage d && d.foreign) {
                        throw new CaptureStoreException(dir + ": not a readable capture store (data.mdb " + d.getMessage() + ")");
                    }
                    if (attempt == ATTEMPTS || Arrays.equals(before, stamp(ch))) { // else a commit moved the snapshot
                        throw new CaptureStoreException(dir + ": the capture store is damaged ("
                                + (e instanceof Damage ? e.getMessage() : "the check stumbled: " + e) + ")", e);
                    }
                }
            }
        } catch (CaptureStoreException e) {
            throw e;
        } catch (IOException e) {
            throw new CaptureStoreException(dir + ": cannot read the capture store: " + e.getMessage(), e);
        }
    }

    /** @return both meta pages' txnids as they are now (a commit changes one) */
    private static long[] stamp(FileChannel ch) throws IOException {
        LmdbCheck c = new LmdbCheck(ch);
        long size = ch.size();
        ByteBuffer m0 = size < META ? null : c.read(0, META);
        long at = m0 == null ? size : (m0.getInt(40) & 0xffffffffL) + 144;
        return new long[] {m0 == null ? 0 : m0.getLong(144), at + 8 > size ? 0 : c.read(at, 8).getLong(0)};
    }

    private void run(long size) throws IOException, Damage {
        if (size == 0) {
            return;
        }
        ByteBuffer m0 = meta(0, size);
        psize = m0.getInt(40);
        if (Integer.bitCount(psize) != 1 || psize < 4096 || psize > 32768 || size < 2L * psize) {
            throw new Damage("page 0: page size " + Integer.toUnsignedString(psize) + " in a file of " + size + " bytes");
        }
        ByteBuffer m1 = meta(psize, size);
        if (m1.getInt(40) != psize) {
            throw new Damage("page 1: page size " + Integer.toUnsignedString(m1.getInt(40)) + ", page 0 says " + psize);
        }
        ByteBuffer m = newest(m0, m1);
        nodemax = ((psize - HEADER) / 2 & -2) - 2; // me_nodemax: bigger leaf nodes go to overflow pages
        lastPg = m.getLong(136);
        if (lastPg < 1 || lastPg >= CaptureStore.MAP_SIZE / psize) {
            throw new Damage("meta page " + (txnid & 1) + ": last page " + Long.toUnsignedString(lastPg) + " outside the map");
        }
        limit = Math.min(size / psize, lastPg + 1);
        tree(new Db("free list", Kind.FREE, m, 40), INTEGERKEY);
        tree(new Db("main", Kind.MAIN, m, 88), 0);
        for (int i = 0; i < named.size(); i++) {
            tree(named.get(i), 0);
        }
        BitSet both = (BitSet) free.clone();
        both.and(used);
        if (!both.isEmpty()) {
            throw new Damage("page " + both.nextSetBit(0) + " is both in the free list and in use");
        }
    }

    /** A meta page as mdb_env_read_header checks it. */
    private ByteBuffer meta(long pos, long size) throws IOException, Damage {
        boolean first = pos == 0;
        String at = first ? "is not an LMDB data file, or is damaged: page 0" : "page 1";
        if (size < pos + META) {
            throw new Damage(at + " is cut short", first);
        }
        ByteBuffer b = read(pos, META);
        if ((u16(b, 10) & P_META) == 0 || b.getInt(16) != MAGIC || b.getInt(20) != VERSION) {
            throw new Damage(at + ": not an LMDB meta page of data version " + VERSION, first);
        }
        return b;
    }

    /** The meta every transaction starts from: the larger txnid's, which must be on the page of its parity. */
    private ByteBuffer newest(ByteBuffer m0, ByteBuffer m1) throws Damage {
        long t0 = m0.getLong(144);
        long t1 = m1.getLong(144);
        int i = Long.compareUnsigned(t0, t1) < 0 ? 1 : 0;
        txnid = i == 0 ? t0 : t1;
        if ((txnid & 1) != i || (t0 == t1 && t0 != 0)) {
            throw new Damage("the meta pages' txnids disagree (page 0: " + Long.toUnsignedString(t0) + ", page 1: "
                    + Long.toUnsignedString(t1) + ")");
        }
        return i == 0 ? m0 : m1;
    }

    /** Walks one database's tree, and checks its record (flags: Faultline's) against it. */
    private void tree(Db db, int flags) throws IOException, Damage {
        if (db.flags() != flags) {
            throw new Damage(db.name() + " database: flags 0x" + Integer.toHexString(db.flags()) + ", not 0x"
                    + Integer.toHexString(flags));
        }
        if (db.root() == INVALID) {
            if (db.depth() != 0 || Arrays.stream(db.recorded()).anyMatch(n -> n != 0)) {
                throw new Damage(db.name() + " database: empty, but its record counts pages or entries");
            }
            return;
        }
        if (db.depth() < 1 || db.depth() > CURSOR_STACK) {
            throw new Damage(db.name() + " database: depth " + db.depth());
        }
        page(db, db.root(), 1, null, null);
        String[] what = {"branch pages", "leaf pages", "overflow pages", "entries"};
        for (int i = 0; i < 4; i++) {
            if (db.recorded()[i] != db.seen()[i]) {
                throw new Damage(db.name() + " database: its record counts " + Long.toUnsignedString(db.recorded()[i]) + " "
                        + what[i] + ", its tree holds " + db.seen()[i]);
            }
        }
    }

    /** A branch or leaf page at {@code level} (the root's is 1), its keys in [lo, hi), then its children. */
    private void page(Db db, long pgno, int level, byte[] lo, byte[] hi) throws IOException, Damage {
        String at = "page " + pgno + " of the " + db.name() + " database";
        claim(pgno, 1, at);
        ByteBuffer p = read(pgno * psize, psize);
        boolean leaf = level == db.depth();
        int n = header(p, pgno, leaf, at);
        if (n < (leaf ? (level == 1 ? 0 : 1) : (db.kind() == Kind.FREE ? 1 : 2))) { // mdb_page_search_root asserts 2
            throw new Damage(at + ": " + n + " nodes, fewer than LMDB leaves on such a page");
        }
        byte[][] keys = nodes(db, p, n, leaf, at);
        order(db, keys, leaf ? 0 : 1, lo, hi, at); // a branch's first key is never compared
        db.seen()[leaf ? 1 : 0]++;
        for (int i = 0; i < n; i++) {
            int ptr = u16(p, HEADER + 2 * i);
            if (leaf) {
                value(db, p, ptr, keys[i], at + ", node " + i);
            } else {
                long child = dataSize(p, ptr) | (long) u16(p, ptr + 4) << 32;
                page(db, child, level + 1, i == 0 ? lo : keys[i], i == n - 1 ? hi : keys[i + 1]);
            }
        }
        db.seen()[3] += leaf ? n : 0;
    }

    /** @return the page's node count, once its number, type and free-space bounds check out */
    private int header(ByteBuffer p, long pgno, boolean leaf, String at) throws Damage {
        if (p.getLong(0) != pgno) {
            throw new Damage(at + ": the page says it is page " + Long.toUnsignedString(p.getLong(0)));
        }
        int flags = u16(p, 10);
        if (flags != (leaf ? P_LEAF : P_BRANCH)) {
            throw new Damage(at + ": flags 0x" + Integer.toHexString(flags) + ", not a " + (leaf ? "leaf" : "branch")
                    + " page as the tree's depth needs");
        }
        int lower = u16(p, 12);
        int upper = u16(p, 14);
        if (lower < HEADER || (lower & 1) != 0 || lower > upper || upper > psize) {
            throw new Damage(at + ": free space bounds " + lower + ".." + upper + " out of order");
        }
        return (lower - HEADER) / 2;
    }

    /** Each node's place and sizes; @return each node's key (a branch's first: null) */
    private byte[][] nodes(Db db, ByteBuffer p, int n, boolean leaf, String at) throws Damage {
        int upper = u16(p, 14);
        byte[][] keys = new byte[n][];
        long[] extents = new long[n];
        for (int i = 0; i < n; i++) {
            int ptr = u16(p, HEADER + 2 * i);
            if (ptr < upper || (ptr & 1) != 0 || ptr + NODE > psize) {
                throw new Damage(at + ": node " + i + " outside the page");
            }
            int ksize = u16(p, ptr + 6);
            boolean compared = leaf || i > 0;
            if (ksize > MAX_KEY || (compared && ksize == 0) || (compared && db.kind() == Kind.FREE && ksize != 8)) {
                throw new Damage(at + ": node " + i + " has a key of " + ksize + " bytes");
            }
            long end = ptr + NODE + ksize + (leaf ? inPage(db, p, ptr, ksize, at + ", node " + i) : 0);
            if (end > psize) {
                throw new Damage(at + ": node " + i + " outside the page");
            }
            extents[i] = (long) ptr << 32 | end;
            if (compared) {
                keys[i] = new byte[ksize];
                p.get(ptr + NODE, keys[i]);
            }
        }
        Arrays.sort(extents);
        for (int i = 1; i < n; i++) {
            if ((extents[i] >>> 32) < (extents[i - 1] & 0xffffffffL)) {
                throw new Damage(at + ": nodes overlap at offset " + (extents[i] >>> 32));
            }
        }
        return keys;
    }

    /** @return the bytes a leaf node's data takes in the page (LMDB puts bigger values on overflow pages) */
    private long inPage(Db db, ByteBuffer p, int ptr, int ksize, String at) throws Damage {
        int flags = u16(p, ptr + 4);
        long dsize = dataSize(p, ptr);
        if (flags == F_BIGDATA) {
            return 8;
        }
        if (flags != 0 && !(flags == F_SUBDATA && db.kind() == Kind.MAIN && dsize == DB)) {
            throw new Damage(at + ": flags 0x" + Integer.toHexString(flags) + " with " + dsize + " bytes of data"
                    + " (Faultline writes no such node)");
        }
        if (NODE + ksize + dsize > nodemax) {
            throw new Damage(at + ": " + dsize + " bytes of data in the page, more than LMDB puts there");
        }
        return dsize;
    }

    private static long dataSize(ByteBuffer p, int ptr) {
        return u16(p, ptr) | (long) u16(p, ptr + 2) << 16;
    }

    /** Keys from {@code from} on strictly ascending, in [lo, hi) (null: unbounded). */
    private static void order(Db db, byte[][] keys, int from, byte[] lo, byte[] hi, String at) throws Damage {
        for (int i = from; i < keys.length; i++) {
            byte[] prev = i == from ? lo : keys[i - 1];
            if ((prev != null && compare(db, prev, keys[i]) > (i == from ? 0 : -1))
                    || (hi != null && compare(db, keys[i], hi) >= 0)) {
                throw new Damage(at + ": node " + i + "'s key is out of order");
            }
        }
    }

    /** LMDB's comparator for the database: mdb_cmp_long (free list), else mdb_cmp_memn. */
    private static int compare(Db db, byte[] a, byte[] b) {
        return db.kind() == Kind.FREE ? Long.compareUnsigned(le64(a), le64(b)) : Arrays.compareUnsigned(a, b);
    }

    private static long le64(byte[] key) {
        return ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    /** A leaf node's data: a named database's record, a free list's page numbers, an overflow run. */
    private void value(Db db, ByteBuffer p, int ptr, byte[] key, String at) throws IOException, Damage {
        int flags = u16(p, ptr + 4);
        long dsize = dataSize(p, ptr);
        int data = ptr + NODE + key.length;
        if (flags == F_SUBDATA) {
            named.add(new Db("'" + new String(key, StandardCharsets.UTF_8) + "'", Kind.NAMED, p, data));
            return;
        }
        ByteBuffer v = p;
        if (flags == F_BIGDATA) {
            long ov = p.getLong(data);
            overflow(db, ov, dsize, at);
            if (db.kind() != Kind.FREE) {
                return;
            }
            if (dsize > Integer.MAX_VALUE - HEADER) {
                throw new Damage(at + ": a free list record of " + dsize + " bytes");
            }
            v = read(ov * psize + HEADER, (int) dsize); // inside the file: overflow() checked the run
            data = 0;
        }
        if (db.kind() == Kind.FREE) {
            idl(v, data, dsize, le64(key), at);
        }
    }

    /** An F_BIGDATA node's overflow run: its header, its length against the value's, its pages. */
    private void overflow(Db db, long pgno, long dsize, String at) throws IOException, Damage {
        claim(pgno, 1, at + ": overflow page " + Long.toUnsignedString(pgno));
        ByteBuffer h = read(pgno * psize, HEADER);
        if (h.getLong(0) != pgno || u16(h, 10) != P_OVERFLOW) {
            throw new Damage(at + ": page " + pgno + " is not the overflow page the node names");
        }
        long pages = h.getInt(12) & 0xffffffffL;
        long needs = (HEADER - 1 + dsize) / psize + 1; // OVPAGES
        if (pages < needs) {
            throw new Damage(at + ": overflow page " + pgno + " spans " + pages + " pages, its value needs " + needs);
        }
        claim(pgno + 1, pages - 1, at + ": overflow page " + pgno + " of " + pages + " pages");
        db.seen()[2] += pages;
    }

    /** A free list record (key: the txnid that freed the pages): a count, then that many page numbers, descending. */
    private void idl(ByteBuffer v, int off, long dsize, long key, String at) throws Damage {
        if (dsize < 8 || dsize % 8 != 0 || key < 1 || Long.compareUnsigned(key, txnid) > 0) {
            throw new Damage(at + ": free list record " + Long.toUnsignedString(key) + " of " + dsize + " bytes");
        }
        long count = v.getLong(off);
        if (count < 0 || count > dsize / 8 - 1) {
            throw new Damage(at + ": free list record counts " + Long.toUnsignedString(count) + " pages in " + dsize + " bytes");
        }
        long prev = Long.MAX_VALUE;
        for (int j = 1; j <= count; j++) {
            long pg = v.getLong(off + 8 * j);
            if (pg < 2 || pg > lastPg || pg >= prev || free.get((int) pg)) {
                throw new Damage(at + ": free page " + Long.toUnsignedString(pg) + " outside the file, out of order or free twice");
            }
            free.set((int) pg);
            prev = pg;
        }
    }

    /** Marks {@code count} pages from {@code pgno} in use: inside the file and the snapshot, once. */
    private void claim(long pgno, long count, String at) throws Damage {
        if (pgno < 2 || pgno > limit || count < 0 || count > limit - pgno) {
            throw new Damage(at + ": outside the file (" + limit + " pages)");
        }
        int twice = used.nextSetBit((int) pgno);
        if (twice >= 0 && twice < pgno + count) {
            throw new Damage(at + ": page " + twice + " is reached twice");
        }
        used.set((int) pgno, (int) (pgno + count));
    }

    private ByteBuffer read(long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new EOFException("data.mdb ends at " + (pos + b.position()) + " bytes");
            }
        }
        return b;
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xffff;
    }
}
