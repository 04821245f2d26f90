package org.faultline.tools.workload;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.faultline.images.ext4.Ext4Image;
import org.faultline.kernel.HostLock;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.tools.workload.Shadow.Actor;
import org.faultline.tools.workload.Shadow.Content;
import org.faultline.tools.workload.Shadow.Data;
import org.faultline.tools.workload.Shadow.Entry;
import org.faultline.tools.workload.Shadow.FileShadow;
import org.faultline.tools.workload.Shadow.MapShadow;
import org.faultline.tools.workload.Shadow.Origin;

/**
 * The data oracle of a workload run (fsx-style): for every file the workload touches, the bytes and
 * size it must have, updated by every write, store, truncate and fallocate and checked by every read,
 * load and stat. Concurrency follows {@link Shadow}: bytes written by a task that no barrier orders
 * against the reader are not checked; bytes two unordered tasks both wrote are unknown until an
 * ordered write replaces them.
 *
 * <p>Files are identified by inode number (fstat after each open), so renames and unlinks of open
 * files are followed; a file first seen non-empty (it was on the image before the run) has unknown
 * contents until written.
 *
 * <p>An Oracle serves one run ({@link WorkloadRunner#spawn} binds it). Its state is guarded by a host
 * lock held only for short, non-blocking sections and never across a system call: the oracle is
 * instrumentation, it adds no preemption point and cannot change a schedule.
 *
 * <p>After the run: {@link #expectedFiles()} gives each file's expected contents and
 * {@link #verifyImage} compares them with an unmounted ext4 image.
 */
public final class Oracle {
    /** A difference the oracle found: the failure's title and its details. */
    record Mismatch(String title, String details) {
    }

    /** Whether an access to a mapping must fault (SIGBUS beyond EOF, SIGSEGV on a read-only mapping). */
    enum Fault { NO, YES, MAYBE }

    private final HostLock lock = new HostLock();
    private final Map<Long, FileShadow> byIno = new TreeMap<>();
    private final Map<String, FileShadow> byPath = new TreeMap<>();
    private Actor[] actors;
    private long verified;
    private long unchecked;

    private volatile Promises promises;

    public Oracle() {
    }

    /** Records durability promises for crash checking ({@link Promises}); call before the run. */
    public void recordPromises(Promises p) {
        promises = p;
    }

    /** The promises being recorded, or null. */
    Promises promises() {
        return promises;
    }

    // ================================================================ results

    /**
     * What one file must contain. {@code data} has {@code sizeMax} bytes; bytes flagged in
     * {@code unknown} are not known (racing writers, failed writes, contents from before the run).
     *
     * @param sizeMin smallest possible size (equal to sizeMax unless unordered tasks raced on it)
     */
    public record ExpectedFile(String path, long ino, long sizeMin, long sizeMax, byte[] data, BitSet unknown) {
        public boolean sizeKnown() {
            return sizeMin == sizeMax;
        }

        public long size() {
            return sizeMax;
        }

        /** Whether byte {@code i} is known. */
        public boolean known(int i) {
            return i < data.length && !unknown.get(i);
        }

        /** Bytes known. */
        public long knownBytes() {
            return data.length - unknown.cardinality();
        }

        /**
         * Compares {@code actual} (the whole file as read back) with this.
         *
         * @return the first difference, one line, or empty if it matches
         */
        public Optional<String> compare(byte[] actual) {
            if (actual.length < sizeMin || actual.length > sizeMax) {
                return Optional.of(path + ": size " + actual.length + ", expected "
                        + (sizeKnown() ? Long.toString(sizeMax) : sizeMin + ".." + sizeMax));
            }
            int n = Math.min(actual.length, data.length);
            for (int i = 0; i < n; i++) {
                if (!unknown.get(i) && actual[i] != data[i]) {
                    int bad = 0;
                    for (int j = i; j < n; j++) {
                        if (!unknown.get(j) && actual[j] != data[j]) {
                            bad++;
                        }
                    }
                    return Optional.of(String.format(Locale.ROOT, "%s offset %d: expected 0x%02x got 0x%02x (%d bytes differ)",
                            path, i, data[i] & 0xff, actual[i] & 0xff, bad));
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Every regular file the workload left linked, by path (sorted), with its expected contents.
     * Call after the run.
     *
     * @throws IllegalStateException for a file larger than 2 GiB
     */
    public Map<String, ExpectedFile> expectedFiles() {
        lock.lock();
        try {
            Map<String, ExpectedFile> out = new TreeMap<>();
            for (Map.Entry<String, FileShadow> e : byPath.entrySet()) {
                FileShadow f = e.getValue();
                long lo = f.size.lo;
                long hi = f.size.hi;
                if (hi > Integer.MAX_VALUE - 8) {
                    throw new IllegalStateException(e.getKey() + ": " + hi + " bytes is too large to compare");
                }
                byte[] data = new byte[(int) hi];
                BitSet unknown = new BitSet();
                if (hi > 0) {
                    f.content.snapshot(0, (int) hi, null, data, 0, unknown, 0, null);
                }
                out.put(e.getKey(), new ExpectedFile(e.getKey(), f.ino, lo, hi, data, unknown));
            }
            return Collections.unmodifiableMap(out);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads every expected file from an unmounted ext4 image and compares it.
     *
     * @return one line per difference (a missing file, a wrong size, the first wrong byte); empty if
     *         the image holds exactly what the oracle expects
     * @throws IOException if the image cannot be opened
     */
    public List<String> verifyImage(Path image) throws IOException {
        List<String> diffs = new ArrayList<>();
        try (Ext4Image v = Ext4Image.openImage(image, Ext4Volume.Options.readOnlyMode())) {
            for (ExpectedFile ef : expectedFiles().values()) {
                byte[] actual;
                try {
                    actual = v.readAll(ef.path());
                } catch (IOException e) {
                    diffs.add(ef.path() + ": cannot be read from the image: " + e.getMessage());
                    continue;
                }
                ef.compare(actual).ifPresent(diffs::add);
            }
        }
        return diffs;
    }

    /** Bytes read back and compared with the shadow so far. */
    public long verifiedBytes() {
        lock.lock();
        try {
            return verified;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes read back but not comparable (unordered writers, unknown contents). */
    public long uncheckedBytes() {
        lock.lock();
        try {
            return unchecked;
        } finally {
            lock.unlock();
        }
    }

    // ================================================================ binding

    /** Creates one actor per task plus the epilogue's (the last). Once per oracle. */
    Actor[] bind(List<String> taskNames) {
        lock.lock();
        try {
            if (actors != null) {
                throw new IllegalStateException("an Oracle serves one run: create a new one");
            }
            int n = taskNames.size() + 1;
            actors = new Actor[n];
            for (int i = 0; i < taskNames.size(); i++) {
                actors[i] = new Actor(i, taskNames.get(i), n);
            }
            actors[n - 1] = new Actor(n - 1, "epilogue", n);
            return actors.clone();
        } finally {
            lock.unlock();
        }
    }

    HostLock lock() {
        return lock;
    }

    /** The epilogue runs after every task: it has seen everything. */
    void joinAll(Actor epilogue) {
        lock.lock();
        try {
            for (Actor a : actors) {
                for (int i = 0; i < a.vc.length; i++) {
                    epilogue.vc[i] = Math.max(epilogue.vc[i], a.vc[i]);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    // ================================================================ namespace

    /** After a successful open and fstat: the file's shadow (null for a directory). */
    FileShadow opened(String path, long ino, long size, boolean isDir) {
        if (isDir) {
            return null;
        }
        lock.lock();
        try {
            FileShadow f = byIno.get(ino);
            if (f == null) {
                f = new FileShadow(ino, path, size);
                byIno.put(ino, f);
            }
            FileShadow old = byPath.get(path);
            if (old != null && old != f) {
                old.linked = false;
                maybeRelease(old);
            }
            byPath.put(path, f);
            f.path = path;
            f.linked = true;
            f.refs++;
            return f;
        } finally {
            lock.unlock();
        }
    }

    /** The shadow a path names now, or null. */
    FileShadow lookup(String path) {
        lock.lock();
        try {
            return byPath.get(path);
        } finally {
            lock.unlock();
        }
    }

    /** Live files by path, for the epilogue's final check. */
    Map<String, FileShadow> liveFiles() {
        lock.lock();
        try {
            return new LinkedHashMap<>(byPath);
        } finally {
            lock.unlock();
        }
    }

    void closed(FileShadow f) {
        if (f == null) {
            return;
        }
        lock.lock();
        try {
            f.refs--;
            maybeRelease(f);
        } finally {
            lock.unlock();
        }
    }

    void unlinked(String path) {
        lock.lock();
        try {
            FileShadow f = byPath.remove(path);
            if (f != null && !byPath.containsValue(f)) { // its last known name: a hard link keeps it otherwise
                f.linked = false;
                maybeRelease(f);
            }
        } finally {
            lock.unlock();
        }
    }

    /** A hard link {@code to} of the file at {@code from}: one file, two names. */
    void linked(String from, String to) {
        lock.lock();
        try {
            FileShadow f = byPath.get(from);
            if (f != null) {
                byPath.put(to, f);
            }
        } finally {
            lock.unlock();
        }
    }

    void renamed(String from, String to) {
        lock.lock();
        try {
            if (from.equals(to) || byPath.get(from) != null && byPath.get(from) == byPath.get(to)) {
                return; // two names of one inode: vfs_rename() returns 0 and leaves both
            }
            FileShadow target = byPath.remove(to);
            if (target != null && !byPath.containsValue(target)) { // its last known name: a hard link keeps it otherwise
                target.linked = false;
                maybeRelease(target);
            }
            Map<String, FileShadow> moved = new TreeMap<>();
            for (Map.Entry<String, FileShadow> e : byPath.entrySet()) {
                String p = e.getKey();
                if (p.equals(from) || p.startsWith(from + "/")) {
                    moved.put(p, e.getValue());
                }
            }
            for (Map.Entry<String, FileShadow> e : moved.entrySet()) {
                byPath.remove(e.getKey());
                String np = to + e.getKey().substring(from.length());
                byPath.put(np, e.getValue());
                e.getValue().path = np;
            }
        } finally {
            lock.unlock();
        }
    }

    private void maybeRelease(FileShadow f) {
        if (!f.linked && f.refs <= 0 && byIno.get(f.ino) == f) {
            byIno.remove(f.ino); // the inode may be freed and its number reused
        }
    }

    /** stat(2) returned {@code size} for {@code path}: check it against the shadow. */
    Mismatch verifyStat(Actor a, String path, long size) {
        lock.lock();
        try {
            FileShadow f = byPath.get(path);
            if (f == null) {
                return null;
            }
            long want = f.size.known(a);
            if (want >= 0 && want != size) {
                return new Mismatch("data corruption: " + path + ": size " + size + ", expected " + want,
                        "stat(2) reports " + size + " bytes; the last size change was by " + f.size.frontier[0].origin);
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    // ================================================================ file data

    /** A write, truncate or fallocate in flight: its pending entries. */
    static final class FileOp {
        final Actor a;
        final FileShadow f;
        final long off;
        final long len;
        final Entry content;   // null if the op changes no bytes
        final Entry size;      // null if the op cannot change the size
        final boolean append;
        final long lowAtBegin;
        boolean appendUnknown;

        FileOp(Actor a, FileShadow f, long off, long len, Entry content, Entry size, boolean append, long lowAtBegin) {
            this.a = a;
            this.f = f;
            this.off = off;
            this.len = len;
            this.content = content;
            this.size = size;
            this.append = append;
            this.lowAtBegin = lowAtBegin;
        }
    }

    /**
     * Before pwrite(2) of {@code len} bytes at {@code off} ({@code append}: at EOF, O_APPEND).
     * Registers the bytes as being written, so concurrent readers do not check them.
     */
    FileOp beginWrite(Actor a, FileShadow f, long off, long len, boolean append, Origin o) {
        lock.lock();
        try {
            boolean unknownPos = false;
            if (append) {
                long s = f.size.known(a);
                unknownPos = s < 0;
                off = s < 0 ? f.size.lo : s;
            }
            Entry ce = a.newEntry(o, null, true);
            f.content.write(off, unknownPos ? Long.MAX_VALUE : off + len, ce, a);
            Entry se = a.newEntry(o, null, true);
            f.size.begin(se, a);
            FileOp op = new FileOp(a, f, off, len, ce, se, append, f.size.lo);
            op.appendUnknown = unknownPos;
            return op;
        } finally {
            lock.unlock();
        }
    }

    /** After the pwrite: {@code n} bytes written (or a negative errno); {@code d} what was written. */
    void endWrite(FileOp op, long n, Data d) {
        lock.lock();
        try {
            long off = op.off;
            if (n >= 0 && !op.appendUnknown) {
                op.content.data = n == op.len ? d : new Shadow.Limited(d, off, off + n);
            } else {
                op.content.data = Shadow.UNKNOWN;
            }
            op.content.pending = false;
            if (n > 0 && op.appendUnknown) {
                op.f.size.end(op.size, x -> x + n, x -> x + n);
            } else if (n > 0) {
                op.f.size.end(op.size, x -> Math.max(x, off + n), x -> Math.max(x, off + n));
            } else if (n == 0) {
                op.f.size.end(op.size, x -> x, x -> x);
            } else {
                op.f.size.end(op.size, x -> x, x -> Math.max(x, off + op.len));
            }
            if (op.append && !op.appendUnknown && op.f.size.frontier.length > 1) {
                // a size change raced with the append: the data may have landed elsewhere
                op.f.content.addConcurrent(Math.min(op.lowAtBegin, op.f.size.lo), Long.MAX_VALUE,
                        op.a.newEntry(op.content.origin, Shadow.UNKNOWN, false));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Before ftruncate(2) (or open with O_TRUNC) to {@code len}. */
    FileOp beginTruncate(Actor a, FileShadow f, long len, Origin o) {
        lock.lock();
        try {
            Entry ce = a.newEntry(o, null, true);
            f.content.write(len, Long.MAX_VALUE, ce, a);
            Entry se = a.newEntry(o, null, true);
            f.size.begin(se, a);
            return new FileOp(a, f, len, 0, ce, se, false, f.size.lo);
        } finally {
            lock.unlock();
        }
    }

    void endTruncate(FileOp op, long rc) {
        lock.lock();
        try {
            long len = op.off;
            op.content.data = rc == 0 ? new Shadow.Fill(0) : Shadow.UNKNOWN;
            op.content.pending = false;
            if (rc == 0) {
                op.f.size.end(op.size, x -> len, x -> len);
            } else {
                op.f.size.end(op.size, x -> Math.min(x, len), x -> Math.max(x, len));
            }
            loseCopies(op.f, (len + 4095) / 4096, Long.MAX_VALUE);
        } finally {
            lock.unlock();
        }
    }

    /** Before fallocate(2). */
    FileOp beginFallocate(Actor a, FileShadow f, long off, long len, int mode, Origin o) {
        lock.lock();
        try {
            boolean zeroes = (mode & (org.faultline.fs.Syscalls.FALLOC_FL_PUNCH_HOLE
                    | org.faultline.fs.Syscalls.FALLOC_FL_ZERO_RANGE)) != 0;
            boolean grows = (mode & org.faultline.fs.Syscalls.FALLOC_FL_KEEP_SIZE) == 0;
            Entry ce = null;
            if (zeroes) {
                ce = a.newEntry(o, null, true);
                f.content.write(off, off + len, ce, a);
            }
            Entry se = null;
            if (grows) {
                se = a.newEntry(o, null, true);
                f.size.begin(se, a);
            }
            return new FileOp(a, f, off, len, ce, se, false, f.size.lo);
        } finally {
            lock.unlock();
        }
    }

    void endFallocate(FileOp op, long rc) {
        lock.lock();
        try {
            long end = op.off + op.len;
            if (op.content != null) {
                op.content.data = rc == 0 ? new Shadow.Fill(0) : Shadow.UNKNOWN;
                op.content.pending = false;
                loseCopies(op.f, (op.off + 4095) / 4096, end / 4096);
            }
            if (op.size != null) {
                if (rc == 0) {
                    op.f.size.end(op.size, x -> Math.max(x, end), x -> Math.max(x, end));
                } else {
                    op.f.size.end(op.size, x -> x, x -> Math.max(x, end));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Private pages copied from {@code f} in pages [from, to) may be dropped by truncation
     * ({@code unmap_mapping_range} with even_cows): their contents and faults are no longer checked.
     */
    private void loseCopies(FileShadow f, long from, long to) {
        for (MapShadow m : f.privateMaps) {
            for (Long p : new ArrayList<>(m.cowPages.subSet(from, true, Math.max(from, to), false))) {
                m.cowPages.remove(p);
                m.lostPages.add(p);
            }
        }
    }

    /**
     * After pread(2) of {@code len} bytes at {@code off} returned {@code n} bytes in {@code buf}
     * ({@code direct}: O_DIRECT).
     */
    Mismatch verifyRead(Actor a, FileShadow f, long off, long len, byte[] buf, long n, boolean direct) {
        if (n < 0) {
            return null;
        }
        lock.lock();
        try {
            long size = f.size.known(a);
            long bound = size >= 0 ? size : f.size.lo;
            long checkable = n;
            if (direct || size >= 0) {
                // bytes past EOF are not data: a read that returns too much is reported by its count below
                checkable = Math.min(n, Math.max(0, bound - off));
            }
            Mismatch m = compare(a, f.content, f.path, off, buf, 0, (int) checkable);
            unchecked += n - checkable;
            if (m != null) {
                return m;
            }
            if (size >= 0) {
                long want = Math.max(0, Math.min(len, size - off));
                if (n != want) {
                    return new Mismatch(String.format(Locale.ROOT,
                            "data corruption: %s: read of %d bytes at offset %d returned %d, expected %d",
                            f.path, len, off, n, want),
                            "the file's size is " + size + ", set last by " + f.size.frontier[0].origin);
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** The count a read of {@code len} at {@code off} must return, or -1 if not known to {@code a}. */
    long expectedReadCount(Actor a, FileShadow f, long off, long len) {
        lock.lock();
        try {
            long size = f.size.known(a);
            return size < 0 ? -1 : Math.max(0, Math.min(len, size - off));
        } finally {
            lock.unlock();
        }
    }

    /**
     * What {@code a} knows [off, off+n) of {@code f} holds, positioned at {@code destBase} (the data a
     * read copies elsewhere). Bytes at or beyond EOF are unknown.
     */
    Data snapshotFile(Actor a, FileShadow f, long off, int n, long destBase) {
        lock.lock();
        try {
            byte[] b = new byte[n];
            BitSet unknown = new BitSet();
            f.content.snapshot(off, n, a, b, 0, unknown, 0, null);
            long size = f.size.known(a);
            long bound = size >= 0 ? size : f.size.lo;
            if (off + n > bound) {
                unknown.set((int) Math.max(0, bound - off), n);
            }
            return new Shadow.Copy(destBase, b, unknown);
        } finally {
            lock.unlock();
        }
    }

    // ================================================================ mappings

    MapShadow mapped(String name, long addr, long len, long fileOff, FileShadow f, boolean shared, boolean writable) {
        lock.lock();
        try {
            MapShadow m = new MapShadow(name, addr, len, fileOff, f, f != null && shared, writable);
            if (f != null) {
                f.refs++;
                if (!shared) {
                    f.privateMaps.add(m);
                }
            }
            return m;
        } finally {
            lock.unlock();
        }
    }

    void unmapped(MapShadow m) {
        if (m.file == null) {
            return;
        }
        lock.lock();
        try {
            m.file.privateMaps.remove(m);
            m.file.refs--;
            maybeRelease(m.file);
        } finally {
            lock.unlock();
        }
    }

    /** Predicts whether an access to [off, off+len) of {@code m} faults. Context: lock held. */
    private Fault predict(Actor a, MapShadow m, long off, long len, boolean store) {
        if (store && !m.writable) {
            return Fault.YES;
        }
        if (m.file == null) {
            return Fault.NO;
        }
        long size = m.file.size.known(a);
        long lo = m.file.size.lo;
        Fault r = Fault.NO;
        long first = (m.fileOff + off) >>> 12;
        long last = (m.fileOff + off + len - 1) >>> 12;
        for (long p = first; p <= last; p++) {
            if (!m.shared && m.lostPages.contains(p)) {
                return r == Fault.NO ? Fault.MAYBE : r;
            }
            if (!m.shared && m.cowPages.contains(p)) {
                continue;
            }
            if (size >= 0 && p * 4096 >= size) {
                return r == Fault.NO ? Fault.YES : r;
            }
            if (size < 0 && p * 4096 >= lo) {
                r = Fault.MAYBE;
            }
        }
        return r;
    }

    /** A store (or a read into user memory) in flight. */
    static final class StoreOp {
        final Actor a;
        final MapShadow m;
        final long off;
        final long len;
        final Entry shared;  // pending entry on the file, for a shared mapping
        final Origin origin;

        StoreOp(Actor a, MapShadow m, long off, long len, Entry shared, Origin origin) {
            this.a = a;
            this.m = m;
            this.off = off;
            this.len = len;
            this.shared = shared;
            this.origin = origin;
        }
    }

    /** Before a CPU store (or a read(2) into user memory) to [off, off+len) of {@code m}. */
    StoreOp beginStore(Actor a, MapShadow m, long off, long len, Origin o) {
        lock.lock();
        try {
            Entry e = null;
            if (m.file != null && m.shared) {
                e = a.newEntry(o, null, true);
                long pos = m.fileOff + off;
                m.file.content.write(pos, pos + len, e, a);
            }
            return new StoreOp(a, m, off, len, e, o);
        } finally {
            lock.unlock();
        }
    }

    /**
     * After the store: {@code rc} bytes or a negative errno; {@code d} the data by position.
     *
     * @param checkFault a CPU store: it must fault where the oracle knows it must
     */
    Mismatch endStore(StoreOp op, long rc, Data d, boolean checkFault) {
        return endStore(op, rc, d, checkFault, op.len);
    }

    /**
     * As {@link #endStore(StoreOp, long, Data, boolean)}, for a store that wrote (and so
     * copied-on-write, in a private mapping) only the first {@code touched} bytes of its range when
     * it succeeded: a read into memory that returned 0 at EOF touches none, a buffered one only what
     * it copied, a direct one its whole buffer.
     */
    Mismatch endStore(StoreOp op, long rc, Data d, boolean checkFault, long touched) {
        lock.lock();
        try {
            MapShadow m = op.m;
            long pos = m.fileOff + op.off;
            long n = rc >= 0 ? Math.min(rc, op.len) : -1;
            // predicted now, not before the store: a size change racing with it has registered by now
            Fault fault = checkFault ? predict(op.a, m, op.off, op.len, true) : Fault.NO;
            if (m.file != null && m.shared) {
                if (n >= 0) {
                    long size = m.file.size.known(op.a);
                    long bound = size >= 0 ? size : m.file.size.lo;
                    op.shared.data = new Shadow.Limited(d, pos, Math.min(pos + n, bound)); // beyond EOF: not file data
                } else {
                    op.shared.data = Shadow.UNKNOWN;
                }
                op.shared.pending = false;
            } else if (m.file != null) {
                long span = n < 0 ? op.len : Math.min(touched, op.len);
                long first = pos >>> 12;
                long last = (pos + span - 1) >>> 12;
                for (long p = first; span > 0 && p <= last; p++) {
                    if (n < 0) {
                        m.cowPages.remove(p);
                        m.lostPages.add(p);
                    } else if (!m.cowPages.contains(p) && !m.lostPages.contains(p)) {
                        // the write fault copied the page as it was (wp_page_copy / do_cow_fault)
                        byte[] b = new byte[4096];
                        BitSet unknown = new BitSet();
                        m.file.content.snapshot(p * 4096, 4096, op.a, b, 0, unknown, 0, null);
                        m.priv.write(p * 4096, p * 4096 + 4096, op.a.newEntry(op.origin, new Shadow.Copy(p * 4096, b, unknown),
                                false), op.a);
                        m.cowPages.add(p);
                    }
                }
                if (n >= 0 && span > 0) {
                    m.priv.write(pos, pos + span, op.a.newEntry(op.origin, n >= span ? d
                            : new Shadow.Limited(d, pos, pos + n), false), op.a);
                }
            } else {
                m.priv.write(pos, pos + op.len, op.a.newEntry(op.origin, n < 0 ? Shadow.UNKNOWN : n == op.len ? d
                        : new Shadow.Limited(d, pos, pos + n), false), op.a);
            }
            if (rc >= 0 && fault == Fault.YES) {
                return new Mismatch("data corruption: " + m.describe() + " offset " + op.off + ": store did not fault",
                        faultReason(op.a, m, op.off, true));
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    private String faultReason(Actor a, MapShadow m, long off, boolean store) {
        if (store && !m.writable) {
            return "the mapping is read-only: a store must raise SIGSEGV (EFAULT)";
        }
        return "offset " + off + " of the mapping is file offset " + (m.fileOff + off) + ", in a page beyond EOF (size "
                + m.file.size.known(a) + "): the access must raise SIGBUS (EFAULT)";
    }

    /** After a CPU load of [off, off+buf.length) of {@code m} returned {@code rc}. */
    Mismatch verifyLoad(Actor a, MapShadow m, long off, byte[] buf, long rc) {
        lock.lock();
        try {
            Fault f = predict(a, m, off, buf.length, false);
            if (rc < 0) {
                return null;
            }
            if (f == Fault.YES) {
                return new Mismatch("data corruption: " + m.describe() + " offset " + off + ": load did not fault",
                        faultReason(a, m, off, false));
            }
            return compareView(a, m, off, buf, (int) Math.min(rc, buf.length));
        } finally {
            lock.unlock();
        }
    }

    /** What {@code a} knows [off, off+n) of mapping {@code m} holds, positioned at {@code destBase}. */
    Data snapshotMap(Actor a, MapShadow m, long off, int n, long destBase) {
        lock.lock();
        try {
            byte[] b = new byte[n];
            BitSet unknown = new BitSet();
            view(a, m, off, n, b, unknown, null);
            return new Shadow.Copy(destBase, b, unknown);
        } finally {
            lock.unlock();
        }
    }

    /** The expected view of a mapping. Context: lock held. */
    private void view(Actor a, MapShadow m, long off, int n, byte[] out, BitSet unknown, Entry[] origins) {
        long pos = m.fileOff + off;
        if (m.file == null) {
            m.priv.snapshot(pos, n, a, out, 0, unknown, 0, origins);
            return;
        }
        int i = 0;
        while (i < n) {
            long p = pos + i;
            long page = p >>> 12;
            int chunk = (int) Math.min(n - i, 4096 - (p & 4095));
            Entry[] o = origins == null ? null : new Entry[chunk];
            if (!m.shared && m.lostPages.contains(page)) {
                unknown.set(i, i + chunk);
            } else if (!m.shared && m.cowPages.contains(page)) {
                m.priv.snapshot(p, chunk, a, out, i, unknown, i, o);
            } else {
                m.file.content.snapshot(p, chunk, a, out, i, unknown, i, o);
            }
            if (o != null) {
                System.arraycopy(o, 0, origins, i, chunk);
            }
            i += chunk;
        }
    }

    // ================================================================ comparing

    private Mismatch compare(Actor a, Content c, String path, long pos, byte[] buf, int bufOff, int n) {
        if (n <= 0) {
            return null;
        }
        byte[] exp = new byte[n];
        BitSet unknown = new BitSet();
        c.snapshot(pos, n, a, exp, 0, unknown, 0, null);
        if (agrees(buf, bufOff, n, exp, unknown)) {
            return null;
        }
        Entry[] origins = new Entry[n]; // for the report: the same snapshot, with where each byte came from
        c.snapshot(pos, n, a, exp, 0, unknown, 0, origins);
        return diff(path, pos, buf, bufOff, n, exp, unknown, origins);
    }

    private Mismatch compareView(Actor a, MapShadow m, long off, byte[] buf, int n) {
        if (n <= 0) {
            return null;
        }
        byte[] exp = new byte[n];
        BitSet unknown = new BitSet();
        view(a, m, off, n, exp, unknown, null);
        if (agrees(buf, 0, n, exp, unknown)) {
            return null;
        }
        Entry[] origins = new Entry[n];
        view(a, m, off, n, exp, unknown, origins);
        Mismatch r = diff(m.file != null && m.shared ? m.file.path : m.describe(), m.fileOff + off, buf, 0, n, exp,
                unknown, origins);
        if (r == null) {
            return null;
        }
        return new Mismatch(r.title(), "read through " + m.describe() + " at mapping offset " + off + "\n" + r.details());
    }

    /**
     * The common case, fast: whether every checkable byte read equals the expected one (compared a
     * run of checkable bytes at a time); counts them as {@link #diff} does when they agree.
     */
    private boolean agrees(byte[] buf, int bufOff, int n, byte[] exp, BitSet unknown) {
        for (int i = unknown.nextClearBit(0); i < n; ) {
            int hole = unknown.nextSetBit(i);
            int end = hole < 0 ? n : Math.min(n, hole);
            if (java.util.Arrays.mismatch(buf, bufOff + i, bufOff + end, exp, i, end) >= 0) {
                return false;
            }
            i = end >= n ? n : unknown.nextClearBit(end);
        }
        int unk = unknown.cardinality();
        verified += n - unk;
        unchecked += unk;
        return true;
    }

    /** Compares; counts; builds the report of the first difference. Context: lock held. */
    private Mismatch diff(String what, long pos, byte[] buf, int bufOff, int n, byte[] exp, BitSet unknown,
                          Entry[] origins) {
        int first = -1;
        int bad = 0;
        int unk = unknown.cardinality();
        for (int i = unknown.nextClearBit(0); i < n; i = unknown.nextClearBit(i + 1)) {
            if (buf[bufOff + i] != exp[i]) {
                if (first < 0) {
                    first = i;
                }
                bad++;
            }
        }
        verified += n - unk;
        unchecked += unk;
        if (first < 0) {
            return null;
        }
        long at = pos + first;
        String title = String.format(Locale.ROOT, "data corruption: %s offset %d: expected 0x%02x got 0x%02x", what, at,
                exp[first] & 0xff, buf[bufOff + first] & 0xff);
        StringBuilder d = new StringBuilder();
        d.append(String.format(Locale.ROOT, "%d of %d bytes read at %d differ (%d checked, %d not checkable)%n", bad, n, pos,
                n - unk, unk));
        Entry o = origins[first];
        d.append("expected bytes at ").append(at).append(" come from ").append(o == null ? "?" : o.origin).append('\n');
        int start = (int) Math.max(0, ((at - 16) & ~15L) - pos);
        int end = Math.min(n, start + 64);
        d.append("offset              expected                                          actual\n");
        for (int row = start; row < end; row += 16) {
            StringBuilder e = new StringBuilder();
            StringBuilder g = new StringBuilder();
            boolean differs = false;
            for (int i = row; i < row + 16; i++) {
                if (i >= end) {
                    e.append("   ");
                    g.append("   ");
                    continue;
                }
                boolean u = unknown.get(i);
                e.append(u ? " .." : String.format(Locale.ROOT, " %02x", exp[i] & 0xff));
                g.append(String.format(Locale.ROOT, " %02x", buf[bufOff + i] & 0xff));
                differs |= !u && exp[i] != buf[bufOff + i];
            }
            d.append(String.format(Locale.ROOT, "%s0x%012x %s  %s%n", differs ? "*" : " ", pos + row, e, g));
        }
        d.append("('..': not checkable; '*': rows that differ)");
        return new Mismatch(title, d.toString());
    }
}
