package org.faultline.tools.workload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The oracle's model of bytes (fsx's "good buffer", made concurrent). Holds no lock: {@link Oracle}
 * guards every instance with its own lock.
 *
 * <p><b>Happens-before.</b> Every workload task has a vector clock; a task's own component counts the
 * barriers it has passed. A write is recorded as an {@link Entry} stamped with its task and that
 * task's barrier count. Entry e happened before task t's current statement iff e is t's own, or the
 * initial state, or {@code t.vc[e.task] >= e.counter} (t passed a barrier after e's task did the
 * write and reached the same barrier, directly or transitively).
 *
 * <p><b>Frontier.</b> Each byte range holds the writes that may have put its current value there: a
 * new write drops the entries that happened before it and adds itself. One entry left means the
 * value is known; more than one means concurrent writers raced and the value is either. A write is
 * registered, pending, before its system call starts, and filled in when it returns, so a concurrent
 * reader never checks bytes that may be changing under it.
 */
final class Shadow {
    private Shadow() {
    }

    /** The task index of the initial state (before the workload): happened before everything. */
    static final int INITIAL = -1;

    /**
     * The byte at position {@code pos} of pattern {@code seed=N}: byte {@code pos & 7} (little-endian)
     * of SplitMix64's finalizer applied to {@code N * 0x9e3779b97f4a7c15 + (pos >>> 3)}.
     */
    static int patternByte(long seed, long pos) {
        return (int) (mix(seed * 0x9e3779b97f4a7c15L + (pos >>> 3)) >>> ((pos & 7) * 8)) & 0xff;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    // ---------------------------------------------------------------- data

    /** Expected bytes by position: a value 0..255, or -1 when unknown. */
    interface Data {
        int at(long pos);

        /**
         * The bytes of [pos, pos+len) into {@code out[off..]}, each unknown one flagged in
         * {@code unknown} at {@code unknownOff + i} instead (no bit is cleared): {@link #at} over a
         * range, which the oracle asks for every read and store.
         *
         * @return true if every byte was known
         */
        default boolean get(long pos, int len, byte[] out, int off, BitSet unknown, int unknownOff) {
            boolean all = true;
            for (int i = 0; i < len; i++) {
                int b = at(pos + i);
                if (b < 0) {
                    unknown.set(unknownOff + i);
                    all = false;
                } else {
                    out[off + i] = (byte) b;
                }
            }
            return all;
        }
    }

    static final Data UNKNOWN = new Data() {
        @Override
        public int at(long pos) {
            return -1;
        }

        @Override
        public boolean get(long pos, int len, byte[] out, int off, BitSet unknown, int unknownOff) {
            unknown.set(unknownOff, unknownOff + len);
            return len == 0;
        }

        @Override
        public String toString() {
            return "unknown";
        }
    };

    record Seeded(long seed) implements Data {
        @Override
        public int at(long pos) {
            return patternByte(seed, pos);
        }

        /**
         * {@link #patternByte} eight bytes at a time: one mix per aligned 8-byte word, stored whole
         * (little-endian: byte k of the word is bits 8k..8k+7, as patternByte takes them).
         */
        @Override
        public boolean get(long pos, int len, byte[] out, int off, BitSet unknown, int unknownOff) {
            int i = 0;
            while (i < len) {
                long p = pos + i;
                long w = mix(seed * 0x9e3779b97f4a7c15L + (p >>> 3));
                int shift = (int) (p & 7);
                int n = Math.min(8 - shift, len - i);
                if (n == 8) {
                    LONG_LE.set(out, off + i, w);
                } else {
                    for (int j = 0; j < n; j++) {
                        out[off + i + j] = (byte) (w >>> ((shift + j) * 8));
                    }
                }
                i += n;
            }
            return true;
        }

        private static final java.lang.invoke.VarHandle LONG_LE =
                java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    record Fill(int value) implements Data {
        @Override
        public int at(long pos) {
            return value;
        }

        @Override
        public boolean get(long pos, int len, byte[] out, int off, BitSet unknown, int unknownOff) {
            if (value < 0) {
                unknown.set(unknownOff, unknownOff + len);
                return len == 0;
            }
            java.util.Arrays.fill(out, off, off + len, (byte) value);
            return true;
        }
    }

    /** Bytes copied from elsewhere, positioned at [base, base+bytes.length); unknown ones flagged. */
    record Copy(long base, byte[] bytes, BitSet unknown) implements Data {
        @Override
        public int at(long pos) {
            long i = pos - base;
            if (i < 0 || i >= bytes.length || unknown.get((int) i)) {
                return -1;
            }
            return bytes[(int) i] & 0xff;
        }

        @Override
        public boolean get(long pos, int len, byte[] out, int off, BitSet unk, int unkOff) {
            long from = overlap(pos, len, base, base + bytes.length, unk, unkOff);
            if (from < 0) {
                return len == 0;
            }
            int head = (int) (from - pos);
            int n = (int) (Math.min(pos + len, base + bytes.length) - from);
            int src = (int) (from - base);
            boolean all = head == 0 && n == len;
            for (int b = src; b < src + n; ) { // the known runs between the holes
                int hole = unknown.nextSetBit(b);
                int end = hole < 0 ? src + n : Math.min(hole, src + n);
                System.arraycopy(bytes, b, out, off + head + (b - src), end - b);
                if (end < src + n) {
                    unk.set(unkOff + head + (end - src));
                    all = false;
                }
                b = end + 1;
            }
            return all;
        }
    }

    /**
     * Recorded bytes ({@code data=OFFSET}): the data file's {@code [offset, offset+len)}, landing at
     * {@code [base, base+len)}. Identity equality: the file is compared by reference, never by content.
     */
    static final class Recorded implements Data {
        private final java.nio.ByteBuffer file;
        private final long offset;
        private final long base;
        private final int len;

        Recorded(java.nio.ByteBuffer file, long offset, long base, int len) {
            this.file = file;
            this.offset = offset;
            this.base = base;
            this.len = len;
        }

        @Override
        public int at(long pos) {
            long i = pos - base;
            return i < 0 || i >= len ? -1 : file.get((int) (offset + i)) & 0xff;
        }

        @Override
        public boolean get(long pos, int n, byte[] out, int off, BitSet unknown, int unknownOff) {
            long a = overlap(pos, n, base, base + len, unknown, unknownOff);
            if (a < 0) {
                return n == 0;
            }
            int head = (int) (a - pos);
            int k = (int) (Math.min(pos + n, base + len) - a);
            file.get((int) (offset + a - base), out, off + head, k);
            return head == 0 && k == n;
        }

        @Override
        public String toString() {
            return "data=" + offset;
        }
    }

    /** {@code data} known only in [from, to): a short write, or a store partly beyond EOF. */
    record Limited(Data data, long from, long to) implements Data {
        @Override
        public int at(long pos) {
            return pos >= from && pos < to ? data.at(pos) : -1;
        }

        @Override
        public boolean get(long pos, int len, byte[] out, int off, BitSet unknown, int unknownOff) {
            long a = overlap(pos, len, from, to, unknown, unknownOff);
            if (a < 0) {
                return len == 0;
            }
            int head = (int) (a - pos);
            int n = (int) (Math.min(pos + len, to) - a);
            return data.get(a, n, out, off + head, unknown, unknownOff + head) && head == 0 && n == len;
        }
    }

    /**
     * Flags the bytes of [pos, pos+len) outside [from, to) unknown (at {@code unknownOff + i}).
     *
     * @return where the overlap starts, or -1 if there is none
     */
    private static long overlap(long pos, int len, long from, long to, BitSet unknown, int unknownOff) {
        long a = Math.max(pos, from);
        long b = Math.min(pos + len, to);
        if (a >= b) {
            unknown.set(unknownOff, unknownOff + len);
            return -1;
        }
        unknown.set(unknownOff, unknownOff + (int) (a - pos));
        unknown.set(unknownOff + (int) (b - pos), unknownOff + len);
        return a;
    }

    /**
     * Where an entry's bytes came from, for reports: the task, and its statement's place and text,
     * formatted only when a report prints it (every write and store makes one).
     */
    static final class Origin {
        private final String task;
        private final java.util.function.Supplier<String> statement;

        /** @param task null for the initial contents */
        Origin(String task, java.util.function.Supplier<String> statement) {
            this.task = task;
            this.statement = statement;
        }

        @Override
        public String toString() {
            return task == null ? "the initial contents" : task + " at " + statement.get();
        }
    }

    static final Origin INITIAL_ORIGIN = new Origin(null, null);

    /** One write (or size change) by one task. Mutable fields guarded by the oracle's lock. */
    static final class Entry {
        final int task;
        final long counter;
        final Origin origin;
        Data data;
        boolean pending;

        Entry(int task, long counter, Origin origin, Data data, boolean pending) {
            this.task = task;
            this.counter = counter;
            this.origin = origin;
            this.data = data;
            this.pending = pending;
        }
    }

    /** The workload task doing something: its index and vector clock. */
    static final class Actor {
        final int index;
        final String name;
        final long[] vc;

        Actor(int index, String name, int nActors) {
            this.index = index;
            this.name = name;
            this.vc = new long[nActors];
            Arrays.fill(vc, -1);
            vc[index] = 0;
        }

        /** Did {@code e} happen before this task's current statement? */
        boolean after(Entry e) {
            return e.task == INITIAL || e.task == index || vc[e.task] >= e.counter;
        }

        Entry newEntry(Origin o, Data d, boolean pending) {
            return new Entry(index, vc[index], o, d, pending);
        }
    }

    // ---------------------------------------------------------------- content

    /** A sparse byte map over [0, Long.MAX_VALUE): extents, each with its frontier of entries. */
    static final class Content {
        private final TreeMap<Long, Entry[]> map = new TreeMap<>(); // extent start -> frontier; each extent ends where the next starts

        Content(Entry initial) {
            map.put(0L, new Entry[] {initial});
        }

        private void split(long at) {
            if (at <= 0 || at == Long.MAX_VALUE) {
                return;
            }
            Map.Entry<Long, Entry[]> e = map.floorEntry(at);
            if (e.getKey() != at) {
                map.put(at, e.getValue());
            }
        }

        /**
         * Records {@code w} over [start, end): entries that happened before {@code a}'s statement
         * are superseded; concurrent ones stay.
         */
        void write(long start, long end, Entry w, Actor a) {
            if (start >= end) {
                return;
            }
            split(start);
            split(end);
            List<Long> keys = new ArrayList<>(map.subMap(start, true, end, false).keySet());
            for (Long k : keys) {
                Entry[] f = map.get(k);
                List<Entry> nf = new ArrayList<>(f.length + 1);
                for (Entry x : f) {
                    if (!a.after(x) && x != w) {
                        nf.add(x);
                    }
                }
                nf.add(w);
                map.put(k, nf.toArray(new Entry[0]));
            }
            merge(start, end);
        }

        /** Adds {@code w} over [start, end) without superseding anything: more uncertainty. */
        void addConcurrent(long start, long end, Entry w) {
            if (start >= end) {
                return;
            }
            split(start);
            split(end);
            List<Long> keys = new ArrayList<>(map.subMap(start, true, end, false).keySet());
            for (Long k : keys) {
                Entry[] f = map.get(k);
                Entry[] nf = Arrays.copyOf(f, f.length + 1);
                nf[f.length] = w;
                map.put(k, nf);
            }
            merge(start, end);
        }

        /** Replaces whatever was known about [start, end) by {@code w} (a file first seen). */
        void replace(long start, long end, Entry w) {
            if (start >= end) {
                return;
            }
            split(start);
            split(end);
            List<Long> keys = new ArrayList<>(map.subMap(start, true, end, false).keySet());
            for (Long k : keys) {
                map.put(k, new Entry[] {w});
            }
            merge(start, end);
        }

        /** Joins neighbouring extents with the same frontier around [start, end). */
        private void merge(long start, long end) {
            Long from = map.lowerKey(start);
            if (from == null) {
                from = map.firstKey();
            }
            Long to = end == Long.MAX_VALUE ? null : map.ceilingKey(end);
            Entry[] prev = null;
            List<Long> drop = new ArrayList<>();
            for (Map.Entry<Long, Entry[]> e : map.tailMap(from, true).entrySet()) {
                if (prev != null && Arrays.equals(prev, e.getValue())) {
                    drop.add(e.getKey());
                } else {
                    prev = e.getValue();
                }
                if (to != null && e.getKey() >= to) {
                    break;
                }
            }
            for (Long d : drop) {
                map.remove(d);
            }
        }

        /** Visits the extents overlapping [start, end), clipped to it. */
        void forEach(long start, long end, ExtentVisitor v) {
            if (start >= end) {
                return;
            }
            Long k = map.floorKey(start);
            java.util.Iterator<Map.Entry<Long, Entry[]>> it = map.tailMap(k, true).entrySet().iterator();
            Map.Entry<Long, Entry[]> e = it.next();
            while (e != null && e.getKey() < end) { // each extent ends where the next starts: one walk, no lookups
                Map.Entry<Long, Entry[]> next = it.hasNext() ? it.next() : null;
                long s = Math.max(start, e.getKey());
                long t = Math.min(end, next == null ? Long.MAX_VALUE : next.getKey());
                v.visit(s, t, e.getValue());
                e = next;
            }
        }

        /** The entry whose value {@code a} must see in a known extent, or null if not knowable. */
        static Entry known(Entry[] f, Actor a) {
            if (f.length != 1 || f[0].pending || a != null && !a.after(f[0])) {
                return null;
            }
            return f[0];
        }

        /**
         * The expected bytes of [start, start+len) for {@code a} (null: at the end of the run, after
         * every task): {@code out} receives values, {@code unknown} flags bytes not knowable.
         */
        void snapshot(long start, int len, Actor a, byte[] out, int outOff, BitSet unknown, int unknownOff,
                      Entry[] originOut) {
            forEach(start, start + len, (s, t, f) -> {
                Entry e = known(f, a);
                int i = (int) (s - start);
                int n = (int) (t - s);
                if (e == null) {
                    unknown.set(unknownOff + i, unknownOff + i + n);
                    return;
                }
                boolean all = e.data.get(s, n, out, outOff + i, unknown, unknownOff + i);
                if (originOut != null) {
                    for (int j = 0; j < n; j++) {
                        if (all || e.data.at(s + j) >= 0) {
                            originOut[i + j] = e;
                        }
                    }
                }
            });
        }
    }

    @FunctionalInterface
    interface ExtentVisitor {
        void visit(long start, long end, Entry[] frontier);
    }

    // ---------------------------------------------------------------- size

    /**
     * A file's size: the entries that may have set it last, and the range [lo, hi] it lies in.
     * Known to a task iff one entry, complete, happened before it, and lo == hi.
     */
    static final class Size {
        Entry[] frontier;
        long lo;
        long hi;

        Size(long initial) {
            frontier = new Entry[] {new Entry(INITIAL, 0, INITIAL_ORIGIN, null, false)};
            lo = initial;
            hi = initial;
        }

        void begin(Entry w, Actor a) {
            List<Entry> nf = new ArrayList<>();
            for (Entry x : frontier) {
                if (!a.after(x)) {
                    nf.add(x);
                }
            }
            nf.add(w);
            frontier = nf.toArray(new Entry[0]);
        }

        /**
         * Completes {@code w}: the size became {@code [opLo(lo), opHi(hi)]}; if other writers raced
         * with it, anything between the old and new range.
         */
        void end(Entry w, java.util.function.LongUnaryOperator opLo, java.util.function.LongUnaryOperator opHi) {
            w.pending = false;
            long nlo = opLo.applyAsLong(lo);
            long nhi = opHi.applyAsLong(hi);
            boolean raced = frontier.length > 1;
            if (raced) {
                lo = Math.min(lo, nlo);
                hi = Math.max(hi, nhi);
            } else {
                lo = nlo;
                hi = nhi;
            }
        }

        /** The size if {@code a} (null: after everything) can know it, else -1. */
        long known(Actor a) {
            if (frontier.length != 1 || frontier[0].pending || a != null && !a.after(frontier[0]) || lo != hi) {
                return -1;
            }
            return lo;
        }
    }

    // ---------------------------------------------------------------- files and mappings

    /** One file (inode) of the workload's filesystem. */
    static final class FileShadow {
        final long ino;
        String path;
        boolean linked = true;
        int refs;              // open handles and mappings that hold the inode
        final Content content;
        final Size size;
        final List<MapShadow> privateMaps = new ArrayList<>();

        /** A file first seen with {@code size} bytes: empty is known, anything else unknown below size. */
        FileShadow(long ino, String path, long size) {
            this.ino = ino;
            this.path = path;
            this.content = new Content(new Entry(INITIAL, 0, INITIAL_ORIGIN, new Fill(0), false));
            this.size = new Size(size);
            if (size > 0) {
                content.replace(0, size, new Entry(INITIAL, 0, INITIAL_ORIGIN, UNKNOWN, false));
            }
        }
    }

    /** One mapping of one task: of a file (shared or private), or anonymous. */
    static final class MapShadow {
        final String name;
        final long addr;
        final long len;
        final long fileOff;         // positions are fileOff + offset in the mapping
        final FileShadow file;      // null for anonymous memory
        final boolean shared;
        final boolean writable;
        final Content priv;         // anonymous memory, or a private mapping's copied pages
        final java.util.TreeSet<Long> cowPages = new java.util.TreeSet<>();    // private: pages copied
        final java.util.TreeSet<Long> lostPages = new java.util.TreeSet<>();   // private: copies a truncate may have dropped

        MapShadow(String name, long addr, long len, long fileOff, FileShadow file, boolean shared, boolean writable) {
            this.name = name;
            this.writable = writable;
            this.addr = addr;
            this.len = len;
            this.fileOff = fileOff;
            this.file = file;
            this.shared = shared;
            this.priv = shared ? null : new Content(new Entry(INITIAL, 0, INITIAL_ORIGIN, new Fill(0), false));
        }

        String describe() {
            return file == null ? "anonymous mapping " + name
                    : (shared ? "shared" : "private") + " mapping " + name + " of " + file.path;
        }
    }
}
