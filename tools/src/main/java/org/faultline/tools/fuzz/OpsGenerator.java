package org.faultline.tools.fuzz;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.faultline.tools.fuzz.Model.FileM;
import org.faultline.tools.fuzz.Model.HandleM;
import org.faultline.tools.fuzz.Model.MapM;

/**
 * Seeded random single-task workloads with every statement kind: opens (create, excl, trunc,
 * append, direct, rdonly, wronly), buffered and O_DIRECT reads and writes at any offset and length
 * (O_DIRECT at 512-byte alignment), reads into and writes from mappings, truncate, fallocate in every
 * mode, shared and private mmap with store/load/msync/munmap, fsync/fdatasync/sync, directories,
 * renames, unlinks, stat, drop-caches, hard and symbolic links, chmod and chown, anonymous memory pressure under a small {@code set ram}, and
 * now and then a near-full phase (a large fallocate, then writes wrapped in
 * {@code expect-error ... ENOSPC|ok}, then the filler is removed). Anonymous memory mapped at any
 * time stays within half the RAM: memory pressure, not an out-of-memory machine.
 *
 * <p>With {@link Options#withTasks} several tasks run such sequences concurrently, each on its
 * own directory, with barriers between phases.
 *
 * <p>Every statement is valid where it stands ({@link Model}): the workload parses and each system
 * call succeeds on Linux. The same (seed, options) always gives the same sequence.
 */
public final class OpsGenerator {
    /**
     * What to generate.
     *
     * @param ops          statements per sequence
     * @param mix          relative weight of each statement kind (0 disables a kind)
     * @param fillPercent  percentage of sequences with a near-full phase
     * @param ramChoices   {@code set ram} values, picked uniformly
     * @param imageBytes   {@code set image-size}
     */
    public record Options(int ops, Map<Op.Kind, Integer> mix, int fillPercent, List<Long> ramChoices, long imageBytes,
                          int tasks) {
        public Options {
            mix = Map.copyOf(mix);
            ramChoices = List.copyOf(ramChoices);
            if (tasks < 1) {
                throw new IllegalArgumentException("tasks must be at least 1");
            }
        }

        /** 100 statements, {@link #defaultMix()}, 10% near-full sequences, 8–64 MiB RAM, 32 MiB image, one task. */
        public static Options defaults() {
            return new Options(100, defaultMix(), 10, List.of(8L << 20, 16L << 20, 32L << 20, 64L << 20), 32L << 20, 1);
        }

        public Options withOps(int n) {
            return new Options(n, mix, fillPercent, ramChoices, imageBytes, tasks);
        }

        public Options withMix(Map<Op.Kind, Integer> m) {
            return new Options(ops, m, fillPercent, ramChoices, imageBytes, tasks);
        }

        public Options withImageBytes(long b) {
            return new Options(ops, mix, fillPercent, ramChoices, b, tasks);
        }

        public Options withFillPercent(int p) {
            return new Options(ops, mix, p, ramChoices, imageBytes, tasks);
        }

        /**
         * {@code n} concurrent tasks, each on its own directory {@code /tK} with its own files, ops/n
         * statements each, two barriers between three phases; no near-full phase (ENOSPC would reach
         * every task), anonymous memory within half the RAM over all tasks.
         */
        public Options withTasks(int n) {
            return new Options(ops, mix, fillPercent, ramChoices, imageBytes, n);
        }
    }

    /** The default weights: data statements dominate; every kind appears in a 100-statement sequence. */
    public static Map<Op.Kind, Integer> defaultMix() {
        Map<Op.Kind, Integer> m = new EnumMap<>(Op.Kind.class);
        m.put(Op.Kind.OPEN, 8);
        m.put(Op.Kind.CLOSE, 3);
        m.put(Op.Kind.WRITE, 20);
        m.put(Op.Kind.READ, 12);
        m.put(Op.Kind.TRUNCATE, 4);
        m.put(Op.Kind.FALLOCATE, 8);
        m.put(Op.Kind.MMAP, 4);
        m.put(Op.Kind.ANON, 1);
        m.put(Op.Kind.STORE, 6);
        m.put(Op.Kind.LOAD, 4);
        m.put(Op.Kind.MSYNC, 2);
        m.put(Op.Kind.MUNMAP, 2);
        m.put(Op.Kind.FSYNC, 3);
        m.put(Op.Kind.FDATASYNC, 1);
        m.put(Op.Kind.SYNC, 1);
        m.put(Op.Kind.MKDIR, 1);
        m.put(Op.Kind.RMDIR, 1);
        m.put(Op.Kind.UNLINK, 1);
        m.put(Op.Kind.RENAME, 2);
        m.put(Op.Kind.STAT, 2);
        m.put(Op.Kind.DROP_CACHES, 3);
        m.put(Op.Kind.LINK, 2);
        m.put(Op.Kind.SYMLINK, 2);
        m.put(Op.Kind.CHMOD, 1);
        m.put(Op.Kind.CHOWN, 1);
        m.put(Op.Kind.SETXATTR, 2);
        m.put(Op.Kind.GETXATTR, 1);
        m.put(Op.Kind.REMOVEXATTR, 1);
        return m;
    }

    /** A file no mapping maps: {@code mapFor(NO_FILE, ...)} excludes nothing. */
    private static final FileM NO_FILE = new FileM(-1);

    private final Options opts;

    public OpsGenerator(Options opts) {
        this.opts = opts;
    }

    /** A 64-bit finalizer: nearby seeds give unrelated streams. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** The sequence of {@code seed}. */
    public OpsSequence generate(long seed) {
        if (opts.tasks() == 1) {
            return new Gen(seed, 0).run();
        }
        Gen first = new Gen(seed, 0);
        long ram = first.ram();
        int n = opts.tasks();
        int per = Math.max(3, opts.ops() / n);
        List<Op> all = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            Gen g = t == 0 ? first : new Gen(seed, t);
            String dir = "/t" + t;
            all.add(new Op(Op.Kind.MKDIR, null, null, dir, null, 0, 0, -1, 0, null, null, t));
            List<Op> body = g.body(ram, per - 1, false, ram / 2 / n);
            for (int i = 0; i < body.size(); i++) {
                if (i == body.size() / 3 || i == 2 * body.size() / 3) {
                    all.add(new Op(Op.Kind.BARRIER, i == body.size() / 3 ? "phase1" : "phase2", null, null, null, 0, 0, -1,
                            0, null, null, t));
                }
                all.add(body.get(i).inTask(t, dir));
            }
        }
        return new OpsSequence(seed, ram, opts.imageBytes(), all);
    }

    /** Attribute names: in-inode sized and longer ones, in user. and now and then trusted. */
    static final String[] XATTR_NAMES = {"user.a", "user.b", "user.c", "user.mime_type", "user.a", "user.b",
        "user.checksum.sha256.of.the.whole.file.contents", "trusted.t", "trusted.overlay.opaque"};

    /**
     * What the attributes of one inode may take (entries and values, ext4's padding included) for a
     * setxattr to be sure to succeed: under what fits one 1 KiB block (1024 less its 32-byte header and
     * the 4-byte end marker), whatever the image's block size and inode size.
     */
    static final int XATTR_SURE_BYTES = 960;

    /** The most statements {@link Gen#fill} emits: open, fallocate, four writes with fsyncs, close, unlink. */
    static final int FILL_OPS = 12;

    private final class Gen {
        final long seed;
        final SplittableRandom r;
        final Model m = new Model();
        final List<Op> out = new ArrayList<>();
        int names;
        int handleNames;
        int mapNames;
        final Op.Kind[] kinds;
        final int[] cum;

        Gen(long seed, int task) {
            this.seed = seed;
            this.r = new SplittableRandom(task == 0 ? mix(seed) : mix(mix(seed) + task)); // unrelated streams per task
            List<Op.Kind> ks = new ArrayList<>();
            List<Integer> ws = new ArrayList<>();
            int t = 0;
            for (Op.Kind k : Op.Kind.values()) {
                int w = opts.mix().getOrDefault(k, 0);
                if (w > 0) {
                    t += w;
                    ks.add(k);
                    ws.add(t);
                }
            }
            kinds = ks.toArray(new Op.Kind[0]);
            cum = ws.stream().mapToInt(Integer::intValue).toArray();
        }

        long ram;
        long anonBudget;

        long ram() {
            ram = opts.ramChoices().get(r.nextInt(opts.ramChoices().size()));
            return ram;
        }

        OpsSequence run() {
            long ram = ram();
            return new OpsSequence(seed, ram, opts.imageBytes(), body(ram, opts.ops(), true, ram / 2));
        }

        /** {@code count} statements of one task. */
        List<Op> body(long ram, int count, boolean fillAllowed, long anonBudget) {
            this.anonBudget = anonBudget;
            // the phase has room to end before the count: it emits up to FILL_OPS statements
            int fillAt = fillAllowed && r.nextInt(100) < opts.fillPercent() ? r.nextInt(Math.max(1, count - FILL_OPS)) : -1;
            int guard = 0;
            while (out.size() < count && guard++ < count * 50) {
                if (out.size() == fillAt) {
                    fill();
                    fillAt = -1;
                    continue;
                }
                Op op = make(pick(), ram);
                if (op != null) {
                    emit(op);
                }
            }
            return out;
        }

        void emit(Op op) {
            if (!m.valid(op)) {
                throw new IllegalStateException("generated an invalid statement: " + op.text());
            }
            m.apply(op);
            out.add(op);
        }

        Op.Kind pick() {
            if (kinds.length == 0) {
                return Op.Kind.SYNC;
            }
            int x = r.nextInt(cum[cum.length - 1]);
            for (int i = 0; i < cum.length; i++) {
                if (x < cum[i]) {
                    return kinds[i];
                }
            }
            return kinds[kinds.length - 1];
        }

        <T> T any(List<T> l) {
            return l.isEmpty() ? null : l.get(r.nextInt(l.size()));
        }

        List<String> openHandles(boolean write, boolean read) {
            List<String> l = new ArrayList<>();
            for (Map.Entry<String, HandleM> e : m.handles.entrySet()) {
                HandleM h = e.getValue();
                if (h.open && (!write || h.writable()) && (!read || h.readable())) {
                    l.add(e.getKey());
                }
            }
            return l;
        }

        String newHandleName() {
            List<String> closed = new ArrayList<>();
            for (Map.Entry<String, HandleM> e : m.handles.entrySet()) {
                if (!e.getValue().open) {
                    closed.add(e.getKey());
                }
            }
            if (!closed.isEmpty() && r.nextInt(3) == 0) {
                return any(closed);
            }
            return "h" + handleNames++;
        }

        String newPath() {
            String d = any(m.dirs());
            return (d.equals("/") ? "" : d) + "/f" + names++;
        }

        String data() {
            int x = r.nextInt(10);
            if (x < 7) {
                return "seed=" + (1 + r.nextInt(999));
            }
            if (x < 9) {
                return "byte=0x" + Integer.toHexString(1 + r.nextInt(255));
            }
            return "zero";
        }

        long offset(FileM f, boolean direct) {
            long o;
            switch (r.nextInt(6)) {
                case 0 -> o = 0;
                case 1, 2 -> o = Math.max(0, f.lo + r.nextInt(16384) - 8192); // around EOF
                case 3 -> o = (long) r.nextInt((int) (Model.MAX_FILE >> 12)) << 12;
                case 4 -> o = r.nextLong(Math.max(1, Math.min(Model.MAX_FILE, f.lo + 65536)));
                default -> o = r.nextLong(Model.MAX_FILE);
            }
            if (direct) {
                o &= r.nextInt(3) == 0 ? ~4095L : ~511L;
            }
            return Math.min(o, Model.MAX_FILE - 4096);
        }

        long length(boolean direct) {
            long n = switch (r.nextInt(8)) {
                case 0, 1 -> 1 + r.nextInt(600);
                case 2, 3 -> 1 + r.nextInt(8192);
                case 4, 5 -> 4096L * (1 + r.nextInt(16));
                case 6 -> 1 + r.nextInt(256 << 10);
                default -> 1 + r.nextInt(1 << 20);
            };
            if (direct) {
                n = Math.max(512, n & (r.nextInt(3) == 0 ? ~4095L : ~511L));
            }
            return n;
        }

        long clampLen(long off, long len) {
            return Math.max(1, Math.min(len, Model.MAX_FILE - off));
        }

        Op open() {
            if (openHandles(false, false).size() >= 6) {
                return null;
            }
            String h = newHandleName();
            List<String> files = m.files();
            boolean existing = !files.isEmpty() && r.nextInt(3) > 0;
            String path = existing ? any(files) : newPath();
            int bits = existing ? (r.nextInt(4) == 0 ? Op.O_CREATE : 0) : Op.O_CREATE | (r.nextBoolean() ? Op.O_EXCL : 0);
            int acc = r.nextInt(10);
            if (acc == 0) {
                bits |= Op.O_RDONLY;
            } else if (acc == 1) {
                bits |= Op.O_WRONLY;
            }
            int x = r.nextInt(10);
            if (x < 3) {
                bits |= Op.O_DIRECT;
            } else if (x < 4 && (bits & Op.O_RDONLY) == 0) {
                bits |= Op.O_APPEND;
            }
            if (existing && (bits & Op.O_RDONLY) == 0 && r.nextInt(8) == 0) {
                bits |= Op.O_TRUNC;
            }
            return new Op(Op.Kind.OPEN, h, null, path, null, 0, 0, -1, bits, null, null);
        }

        /** A range of mapping {@code mm} that can be accessed, or null: [off, off+len). */
        long[] mapRange(MapM mm, boolean direct, long maxLen) {
            long acc = mm.accessible();
            if (acc <= (direct ? 512 : 0)) {
                return null;
            }
            long off = r.nextLong(acc);
            long len = 1 + r.nextLong(Math.min(maxLen, acc - off));
            if (direct) {
                off &= ~511L;
                len = Math.min(Math.max(512, len & ~511L), (acc - off) & ~511L);
                if (len < 512) {
                    return null;
                }
            }
            return new long[] {off, len};
        }

        String mapFor(FileM notThis, boolean needRw) {
            List<String> l = new ArrayList<>();
            for (Map.Entry<String, MapM> e : m.maps.entrySet()) {
                MapM mm = e.getValue();
                if (mm.f != notThis && (!needRw || mm.rw) && mm.accessible() > 0) {
                    l.add(e.getKey());
                }
            }
            return any(l);
        }

        Op make(Op.Kind k, long ram) {
            switch (k) {
                case OPEN:
                    return open();
                case CLOSE: {
                    String h = any(openHandles(false, false));
                    return h == null ? null : new Op(Op.Kind.CLOSE, h, null, null, null, 0, 0, -1, 0, null, null);
                }
                case WRITE: {
                    String h = any(openHandles(true, false));
                    if (h == null) {
                        return open();
                    }
                    HandleM hm = m.open(h);
                    long off = offset(hm.f, hm.direct());
                    if (r.nextInt(5) == 0) {
                        String mp = mapFor(hm.f, false);
                        if (mp != null) {
                            long[] rg = mapRange(m.maps.get(mp), hm.direct(), 256 << 10);
                            if (rg != null) {
                                long len = Math.min(rg[1], Model.MAX_FILE - off) & (hm.direct() ? ~511L : ~0L);
                                if (len > 0) {
                                    return new Op(Op.Kind.WRITE, h, mp, null, null, off, len, rg[0], 0, null, null);
                                }
                            }
                        }
                    }
                    long len = clampLen(off, length(hm.direct()));
                    if (hm.direct()) {
                        len = Math.max(512, len & ~511L);
                    }
                    return new Op(Op.Kind.WRITE, h, null, null, null, off, len, -1, 0, data(), null);
                }
                case READ: {
                    String h = any(openHandles(false, true));
                    if (h == null) {
                        return open();
                    }
                    HandleM hm = m.open(h);
                    long off = r.nextInt(4) == 0 ? 0 : offset(hm.f, hm.direct());
                    if (r.nextInt(5) == 0) {
                        String mp = mapFor(hm.f, true);
                        if (mp != null) {
                            long[] rg = mapRange(m.maps.get(mp), hm.direct(), 256 << 10);
                            if (rg != null) {
                                return new Op(Op.Kind.READ, h, mp, null, null, off, rg[1], rg[0], 0, null, null);
                            }
                        }
                    }
                    long len = r.nextInt(5) == 0 ? Math.max(512, (hm.f.hi + 511) & ~511L) : length(hm.direct());
                    return new Op(Op.Kind.READ, h, null, null, null, off, Math.min(len, 8L << 20), -1, 0, null, null);
                }
                case TRUNCATE: {
                    String h = any(openHandles(true, false));
                    if (h == null) {
                        return null;
                    }
                    FileM f = m.open(h).f;
                    long len = switch (r.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> Math.max(0, f.lo + r.nextInt(20000) - 10000);
                        case 2 -> (long) r.nextInt(1024) << 12;
                        default -> r.nextLong(Model.MAX_FILE);
                    };
                    return new Op(Op.Kind.TRUNCATE, h, null, null, null, 0, len, -1, 0, null, null);
                }
                case FALLOCATE: {
                    String h = any(openHandles(true, false));
                    if (h == null) {
                        return null;
                    }
                    FileM f = m.open(h).f;
                    long off = r.nextInt(3) == 0 ? r.nextLong(Math.max(1, f.lo + 1)) : offset(f, false);
                    long len = clampLen(off, length(false));
                    int mode = switch (r.nextInt(6)) {
                        case 0 -> 0;
                        case 1 -> Op.FL_KEEP;
                        case 2, 3 -> Op.FL_PUNCH | Op.FL_KEEP;
                        case 4 -> Op.FL_ZERO;
                        default -> Op.FL_ZERO | Op.FL_KEEP;
                    };
                    return new Op(Op.Kind.FALLOCATE, h, null, null, null, off, len, -1, mode, null, null);
                }
                case MMAP: {
                    if (m.maps.size() >= 5) {
                        return null;
                    }
                    String h = any(openHandles(false, true));
                    if (h == null) {
                        return null;
                    }
                    HandleM hm = m.open(h);
                    long pages = Math.max(1, (hm.f.lo + 4095) >> 12);
                    long off = r.nextInt(3) == 0 ? 0 : (r.nextLong(pages) << 12);
                    long len = 4096L * (1 + r.nextInt(64));
                    boolean shared = r.nextInt(3) > 0;
                    boolean rw = r.nextInt(5) > 0;
                    if (shared && rw && (!hm.writable() || (hm.flags & Op.O_APPEND) != 0)) {
                        rw = false;
                    }
                    return new Op(Op.Kind.MMAP, h, "m" + mapNames++, null, null, off, len, -1,
                            (shared ? Op.MAP_SHARED : 0) | (rw ? Op.MAP_RW : 0), null, null);
                }
                case ANON: {
                    if (m.maps.size() >= 5) {
                        return null;
                    }
                    long live = 0; // anonymous memory mapped now: together at most half the RAM
                    for (MapM mm : m.maps.values()) {
                        live += mm.f == null ? mm.len : 0;
                    }
                    long room = anonBudget - live;
                    if (room < 4096) {
                        return null;
                    }
                    long len = 4096L * (1 + r.nextLong(Math.max(1, room / 4096)));
                    return new Op(Op.Kind.ANON, null, "a" + mapNames++, null, null, 0, len, -1,
                            r.nextInt(8) == 0 ? Op.NOTOUCH : 0, null, "EFAULT|ok");
                }
                case STORE:
                case LOAD: {
                    String mp = mapFor(NO_FILE, k == Op.Kind.STORE);
                    if (mp == null) {
                        return null;
                    }
                    long[] rg = mapRange(m.maps.get(mp), false, 64 << 10);
                    if (rg == null) {
                        return null;
                    }
                    return k == Op.Kind.STORE ? new Op(Op.Kind.STORE, null, mp, null, null, rg[0], rg[1], -1, 0, data(), null)
                            : new Op(Op.Kind.LOAD, null, mp, null, null, rg[0], rg[1], -1, 0, null, null);
                }
                case MSYNC:
                case MUNMAP: {
                    String mp = any(new ArrayList<>(m.maps.keySet()));
                    if (mp == null) {
                        return null;
                    }
                    return new Op(k, null, mp, null, null, 0, 0, -1, k == Op.Kind.MSYNC && r.nextInt(3) == 0 ? Op.ASYNC : 0,
                            null, null);
                }
                case FSYNC:
                case FDATASYNC: {
                    String h = any(openHandles(false, false));
                    return h == null ? null : new Op(k, h, null, null, null, 0, 0, -1, 0, null, null);
                }
                case SYNC:
                case DROP_CACHES:
                    return Op.of(k);
                case MKDIR: {
                    if (m.dirs().size() >= 5) {
                        return null;
                    }
                    String d = any(m.dirs());
                    return new Op(Op.Kind.MKDIR, null, null, (d.equals("/") ? "" : d) + "/d" + names++, null, 0, 0, -1, 0,
                            null, null);
                }
                case RMDIR: {
                    List<String> l = new ArrayList<>();
                    for (String d : m.dirs()) {
                        if (!d.equals("/") && m.emptyDir(d)) {
                            l.add(d);
                        }
                    }
                    String d = any(l);
                    return d == null ? null : new Op(Op.Kind.RMDIR, null, null, d, null, 0, 0, -1, 0, null, null);
                }
                case UNLINK: {
                    List<String> l = new ArrayList<>(m.files());
                    if (l.size() < 2) {
                        l.clear();
                    }
                    l.addAll(m.symlinks());
                    String f = any(l);
                    return f == null ? null : new Op(Op.Kind.UNLINK, null, null, f, null, 0, 0, -1, 0, null, null);
                }
                case RENAME: {
                    List<String> all = new ArrayList<>(m.files());
                    all.addAll(m.symlinks());
                    for (String d : m.dirs()) {
                        if (!d.equals("/")) {
                            all.add(d);
                        }
                    }
                    String from = any(all);
                    if (from == null) {
                        return null;
                    }
                    String to;
                    List<String> files = m.files();
                    files.addAll(m.symlinks());
                    List<String> siblings = m.otherNames(from);
                    if (!siblings.isEmpty() && r.nextInt(4) == 0) {
                        to = any(siblings); // onto another name of the same file: rename(2) does nothing
                    } else if (!m.isDir(from) && files.size() > 1 && r.nextInt(3) == 0) {
                        to = any(files); // replace another file or symbolic link
                    } else {
                        to = newPath();
                    }
                    Op op = new Op(Op.Kind.RENAME, null, null, from, to, 0, 0, -1, 0, null, null);
                    return m.valid(op) ? op : null;
                }
                case STAT: {
                    List<String> l = new ArrayList<>(m.ns.keySet());
                    l.removeAll(m.symlinks());
                    return new Op(Op.Kind.STAT, null, null, any(l), null, 0, 0, -1, 0, null, null);
                }
                case LINK: {
                    List<String> l = m.symlinks();
                    String from = !l.isEmpty() && r.nextInt(5) == 0 ? any(l) : any(m.files());
                    return from == null ? null : new Op(Op.Kind.LINK, null, null, from, newPath(), 0, 0, -1, 0, null, null);
                }
                case SYMLINK: {
                    String d = any(m.dirs());
                    String path = (d.equals("/") ? "" : d) + "/s" + names++;
                    return new Op(Op.Kind.SYMLINK, null, null, path, null, 0, 0, -1, 0, target(path), null);
                }
                case CHMOD:
                case CHOWN: {
                    List<String> l = new ArrayList<>(m.files());
                    l.addAll(m.dirs()); // the root included, lost+found not
                    String p = any(l);
                    return k == Op.Kind.CHMOD ? new Op(Op.Kind.CHMOD, null, null, p, null, 0, 0, -1, mode(), null, null)
                            : new Op(Op.Kind.CHOWN, null, null, p, null, owner(), owner(), -1, 0, null, null);
                }
                case SETXATTR:
                case GETXATTR:
                case REMOVEXATTR:
                    return xattrOp(k);
                default:
                    return null;
            }
        }

        /**
         * An extended attribute statement on a file or directory (the root included, lost+found not):
         * mostly names the model knows set (get, remove, replace) or unset (create), now and then one it
         * does not know, or whose value may no longer fit, wrapped in expect-error.
         */
        Op xattrOp(Op.Kind k) {
            List<String> l = new ArrayList<>(m.files());
            l.addAll(m.dirs());
            List<String> with = new ArrayList<>();
            for (String q : l) {
                Model.XattrM y = m.xattrs.get(m.ns.get(q));
                if (y != null && (!y.sure.isEmpty() || !y.maybe.isEmpty())) {
                    with.add(q);
                }
            }
            String p = !with.isEmpty() && r.nextInt(3) != 0 ? any(with) : any(l); // mostly where some are set
            Model.XattrM x = m.xattrs(p);
            List<String> set = new ArrayList<>(x.sure.keySet());
            if (k == Op.Kind.REMOVEXATTR) {
                set.addAll(x.maybe.keySet()); // removing one whose fate is unknown makes the inode's attributes known again
            }
            boolean known = !set.isEmpty() && r.nextInt(5) != 0;
            String name = known ? any(set) : XATTR_NAMES[r.nextInt(XATTR_NAMES.length)];
            boolean isSet = x.sure.containsKey(name);
            if (k == Op.Kind.GETXATTR || k == Op.Kind.REMOVEXATTR) {
                return new Op(k, null, name, p, null, 0, 0, -1, 0, null, isSet ? null : "ENODATA|ok");
            }
            int flags = switch (r.nextInt(4)) {
                case 0 -> Op.XATTR_CREATE;
                case 1 -> Op.XATTR_REPLACE;
                default -> 0;
            };
            int len = switch (r.nextInt(10)) {
                case 0 -> 0;
                case 1, 2, 3 -> 1 + r.nextInt(32);
                case 4, 5 -> 1 + r.nextInt(300);
                case 6, 7 -> 1 + r.nextInt(1000);
                case 8 -> 1000 + r.nextInt(3000); // beyond the inode: the external block (ENOSPC with 1 KiB blocks)
                default -> r.nextInt(20) == 0 ? 65537 : 4000 + r.nextInt(10000); // too large for a block, or E2BIG
            };
            boolean fits = x.footprint(name) + Model.XattrM.entrySize(name, len) <= XATTR_SURE_BYTES;
            String expect = null;
            boolean unsure = x.maybe.containsKey(name) && flags != 0; // create or replace of one that may exist
            if (!fits || unsure) {
                expect = "ENOSPC|E2BIG|ENODATA|EEXIST|ok";
            } else if (flags == Op.XATTR_CREATE && isSet) {
                expect = "EEXIST";
            } else if (flags == Op.XATTR_REPLACE && !isSet) {
                expect = "ENODATA";
            }
            return new Op(Op.Kind.SETXATTR, null, name, p, null, 0, len, -1, flags, data(), expect);
        }

        /**
         * A symbolic link's target, as {@code symlink} writes it: a name in the namespace (absolute, or
         * relative to the link's directory), a name that does not exist, {@code .}, {@code ..}, the
         * root, spellings a path parser would tidy up (a doubled or trailing slash), or a long one —
         * 58 to 61 bytes (ext4 keeps up to 59 in the inode, 60 and more get a block) or up to 300.
         */
        String target(String link) {
            List<String> l = new ArrayList<>(m.ns.keySet());
            String any = any(l);
            String dir = Model.parent(link);
            return switch (r.nextInt(10)) {
                case 0, 1 -> any;
                case 2, 3 -> relative(dir, any);
                case 4 -> "nowhere" + names++;
                case 5 -> switch (r.nextInt(5)) {
                    case 0 -> ".";
                    case 1 -> "..";
                    case 2 -> "/";
                    case 3 -> "." + any.replace("/", "//");
                    default -> relative(dir, any) + "/";
                };
                case 6, 7 -> longName(58 + r.nextInt(4));
                default -> longName(1 + r.nextInt(300));
            };
        }

        /** {@code p} relative to directory {@code dir}: up to the common ancestor, then down. */
        String relative(String dir, String p) {
            List<String> a = dir.equals("/") ? List.of() : List.of(dir.substring(1).split("/"));
            List<String> b = p.equals("/") ? List.of() : List.of(p.substring(1).split("/"));
            int c = 0;
            while (c < a.size() && c < b.size() && a.get(c).equals(b.get(c))) {
                c++;
            }
            StringBuilder sb = new StringBuilder();
            for (int i = c; i < a.size(); i++) {
                sb.append(sb.length() == 0 ? "" : "/").append("..");
            }
            for (int i = c; i < b.size(); i++) {
                sb.append(sb.length() == 0 ? "" : "/").append(b.get(i));
            }
            return sb.length() == 0 ? "." : sb.toString();
        }

        /** A target of exactly {@code n} bytes: path components of letters and digits. */
        String longName(int n) {
            StringBuilder sb = new StringBuilder(n);
            while (sb.length() < n) {
                int c = r.nextInt(12);
                sb.append(c == 0 && sb.length() > 0 && sb.charAt(sb.length() - 1) != '/' ? '/'
                        : (char) (c < 6 ? 'a' + r.nextInt(26) : '0' + r.nextInt(10)));
            }
            return sb.toString();
        }

        /** A chmod mode: usual ones, none at all, or any of the 12 bits (set-user-ID, set-group-ID, sticky). */
        int mode() {
            return switch (r.nextInt(4)) {
                case 0 -> new int[] {0644, 0600, 0755, 0700, 0444, 0777}[r.nextInt(6)];
                case 1 -> r.nextInt(0777 + 1);
                case 2 -> new int[] {04755, 02755, 06755, 02644, 01777, 02775, 04644, 0}[r.nextInt(8)];
                default -> r.nextInt(07777 + 1);
            };
        }

        /** A chown UID or GID: -1 (unchanged), root, common ids, and ones needing ext4's high 16 bits. */
        long owner() {
            long[] ids = {-1, -1, 0, 1, 100, 1000, 65534, 65535, 65536, 100000, 4294967294L};
            return ids[r.nextInt(ids.length)];
        }

        /** Near-full: fill the image with one fallocate, a few writes that may get ENOSPC, then free it again. */
        void fill() {
            String h = newHandleName();
            String path = newPath();
            emit(new Op(Op.Kind.OPEN, h, null, path, null, 0, 0, -1, Op.O_CREATE, null, null));
            long len = opts.imageBytes() * (70 + r.nextInt(60)) / 100;
            emit(new Op(Op.Kind.FALLOCATE, h, null, null, null, 0, len, -1, 0, null, "ENOSPC|ok"));
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                String w = any(openHandles(true, false));
                HandleM hm = m.open(w);
                long off = offset(hm.f, hm.direct());
                if (r.nextInt(3) == 0) {
                    emit(new Op(Op.Kind.FALLOCATE, w, null, null, null, off, clampLen(off, length(false)), -1,
                            r.nextBoolean() ? 0 : Op.FL_ZERO, null, "ENOSPC|ok"));
                } else {
                    long l = clampLen(off, length(hm.direct()));
                    if (hm.direct()) {
                        l = Math.max(512, l & ~511L);
                    }
                    emit(new Op(Op.Kind.WRITE, w, null, null, null, off, l, -1, 0, data(), "ENOSPC|ok"));
                }
                if (r.nextInt(3) == 0) {
                    emit(new Op(Op.Kind.FSYNC, w, null, null, null, 0, 0, -1, 0, null, "ENOSPC|EIO|ok"));
                }
            }
            emit(new Op(Op.Kind.CLOSE, h, null, null, null, 0, 0, -1, 0, null, null));
            emit(new Op(Op.Kind.UNLINK, null, null, path, null, 0, 0, -1, 0, null, null));
        }
    }
}
