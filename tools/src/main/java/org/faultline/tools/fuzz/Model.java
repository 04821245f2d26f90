package org.faultline.tools.fuzz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a single-task workload's statements leave behind, as far as their validity goes: which
 * handles are open (and how), which mappings are mapped, which paths exist, and each file's size
 * (a range [lo, hi] once a statement that may fail, wrapped in expect-error, could have changed it).
 * The generator asks it what it may generate; the shrinker replays a candidate through it and drops
 * every statement that is no longer valid where it stands (so dropping an {@code open} drops the
 * statements using its handle).
 *
 * <p>"Valid" means the statement parses and its system call succeeds on Linux: handles open with
 * the access it needs, O_DIRECT offsets, lengths and buffers 512-aligned, mapping accesses inside
 * the mapping and on pages below EOF (no SIGBUS), namespace operations on paths that exist (or not).
 *
 * <p>Hard links: every name of a file maps to the same {@link FileM}, so what is written through one
 * name is the file's under every other, unlinking one name keeps the file under the rest, and renaming
 * one name of a file onto another is the no-op rename(2) makes it. Symbolic links ({@link SymM}) are
 * never walked through: later statements only unlink, rename or link them, or replace them by a
 * rename; opens, stats, chmods and chowns name regular files and directories only (the host
 * interpreter cannot follow an absolute target inside its image). Modes and owners do not limit what
 * is valid: the workload runs as root.
 */
final class Model {
    /** Largest file offset + length the generator uses. */
    static final long MAX_FILE = 4L << 20;

    static final class FileM {
        long lo;
        long hi;

        FileM(long size) {
            lo = size;
            hi = size;
        }
    }

    static final class HandleM {
        final FileM f;
        final int flags;
        boolean open = true;

        HandleM(FileM f, int flags) {
            this.f = f;
            this.flags = flags;
        }

        boolean readable() {
            return open && (flags & Op.O_WRONLY) == 0;
        }

        boolean writable() {
            return open && (flags & Op.O_RDONLY) == 0;
        }

        boolean direct() {
            return (flags & Op.O_DIRECT) != 0;
        }
    }

    static final class MapM {
        final FileM f; // null: anonymous
        final long off;
        final long len;
        final boolean shared;
        final boolean rw;

        MapM(FileM f, long off, long len, boolean shared, boolean rw) {
            this.f = f;
            this.off = off;
            this.len = len;
            this.shared = shared;
            this.rw = rw;
        }

        /** Bytes from mapping offset 0 that can be accessed without a fault (pages below EOF). */
        long accessible() {
            if (f == null) {
                return len;
            }
            long eofPages = (f.lo + 4095) & ~4095L;
            return Math.max(0, Math.min(len, eofPages - off));
        }
    }

    /** A symbolic link and its target; the same object under every (hard-linked) name of one link. */
    static final class SymM {
        final String target;

        SymM(String target) {
            this.target = target;
        }
    }

    /** A directory: one object per directory, so its extended attributes follow it through renames. */
    static final class DirM {
    }

    /**
     * The extended attributes of one inode: the names surely set, with their value sizes, and the names
     * a statement that might have failed ({@code expect-error ... |ok}) left set or not, with the largest
     * value size it may have.
     */
    static final class XattrM {
        final Map<String, Integer> sure = new TreeMap<>();
        final Map<String, Integer> maybe = new TreeMap<>();

        /**
         * The most bytes the attributes other than {@code except} may take in an ext4 entry table:
         * EXT4_XATTR_LEN + EXT4_XATTR_SIZE each, the unsure ones at their largest.
         */
        int footprint(String except) {
            int n = 0;
            for (Map<String, Integer> m : List.of(sure, maybe)) {
                for (Map.Entry<String, Integer> e : m.entrySet()) {
                    n += e.getKey().equals(except) ? 0 : entrySize(e.getKey(), e.getValue());
                }
            }
            return n;
        }

        static int entrySize(String name, int size) {
            int nameLen = name.length() - name.indexOf('.') - 1; // the prefix is the name index
            return ((16 + nameLen + 3) & ~3) + ((size + 3) & ~3);
        }
    }

    /** inode (a FileM or DirM) → its extended attributes. */
    final Map<Object, XattrM> xattrs = new java.util.IdentityHashMap<>();

    /** The extended attributes of the file or directory {@code p}. */
    XattrM xattrs(String p) {
        return xattrs.computeIfAbsent(ns.get(p), k -> new XattrM());
    }

    /** path → FileM, DirM or SymM. */
    final Map<String, Object> ns = new TreeMap<>();
    final Map<String, HandleM> handles = new LinkedHashMap<>();
    final Map<String, MapM> maps = new LinkedHashMap<>();

    Model() {
        ns.put("/", new DirM());
        ns.put("/lost+found", new DirM());
    }

    boolean isDir(String p) {
        return ns.get(p) instanceof DirM;
    }

    FileM file(String p) {
        Object o = ns.get(p);
        return o instanceof FileM f ? f : null;
    }

    static String parent(String p) {
        int i = p.lastIndexOf('/');
        return i <= 0 ? "/" : p.substring(0, i);
    }

    /** Directories a new name may be made in. */
    List<String> dirs() {
        List<String> l = new ArrayList<>();
        for (Map.Entry<String, Object> e : ns.entrySet()) {
            if (e.getValue() instanceof DirM && !e.getKey().equals("/lost+found")) {
                l.add(e.getKey());
            }
        }
        return l;
    }

    List<String> files() {
        List<String> l = new ArrayList<>();
        for (Map.Entry<String, Object> e : ns.entrySet()) {
            if (e.getValue() instanceof FileM) {
                l.add(e.getKey());
            }
        }
        return l;
    }

    boolean isSymlink(String p) {
        return ns.get(p) instanceof SymM;
    }

    List<String> symlinks() {
        List<String> l = new ArrayList<>();
        for (Map.Entry<String, Object> e : ns.entrySet()) {
            if (e.getValue() instanceof SymM) {
                l.add(e.getKey());
            }
        }
        return l;
    }

    /** The other names of the file or symbolic link at {@code p} (hard links), in order. */
    List<String> otherNames(String p) {
        Object o = ns.get(p);
        List<String> l = new ArrayList<>();
        if (o instanceof FileM || o instanceof SymM) {
            for (Map.Entry<String, Object> e : ns.entrySet()) {
                if (e.getValue() == o && !e.getKey().equals(p)) {
                    l.add(e.getKey());
                }
            }
        }
        return l;
    }

    boolean emptyDir(String p) {
        String pre = p + "/";
        for (String q : ns.keySet()) {
            if (q.startsWith(pre)) {
                return false;
            }
        }
        return true;
    }

    private boolean creatable(String p) {
        String par = parent(p);
        return !ns.containsKey(p) && isDir(par) && !par.equals("/lost+found");
    }

    private boolean special(String p) {
        return p.equals("/") || p.equals("/lost+found");
    }

    HandleM open(String h) {
        HandleM hm = handles.get(h);
        return hm != null && hm.open ? hm : null;
    }

    private static boolean aligned(long v) {
        return (v & 511) == 0;
    }

    /** Whether {@code op} is valid in the current state. */
    boolean valid(Op op) {
        switch (op.kind()) {
            case OPEN: {
                if (open(op.h()) != null) {
                    return false;
                }
                int b = op.bits();
                if ((b & Op.O_APPEND) != 0 && (b & Op.O_DIRECT) != 0 || (b & Op.O_TRUNC) != 0 && (b & Op.O_RDONLY) != 0) {
                    return false;
                }
                if (isDir(op.path()) || isSymlink(op.path())) {
                    return false;
                }
                boolean exists = ns.containsKey(op.path());
                if (!exists) {
                    return (b & Op.O_CREATE) != 0 && creatable(op.path());
                }
                return (b & Op.O_EXCL) == 0;
            }
            case CLOSE:
            case FSYNC:
            case FDATASYNC:
                return open(op.h()) != null;
            case WRITE:
            case WRITE_UNCHECKED: {
                HandleM hm = open(op.h());
                if (hm == null || !hm.writable()) {
                    return false;
                }
                if (hm.direct() && !(aligned(op.off()) && aligned(op.len()))) {
                    return false;
                }
                if (op.m() != null) {
                    MapM mm = maps.get(op.m());
                    return mm != null && mm.f != hm.f && op.moff() >= 0 && op.moff() + op.len() <= mm.accessible()
                            && (!hm.direct() || aligned(op.moff()));
                }
                return true;
            }
            case READ: {
                HandleM hm = open(op.h());
                if (hm == null || !hm.readable()) {
                    return false;
                }
                if (hm.direct() && !(aligned(op.off()) && aligned(op.len()))) {
                    return false;
                }
                if (op.m() != null) {
                    MapM mm = maps.get(op.m());
                    return mm != null && mm.rw && mm.f != hm.f && op.moff() >= 0 && op.moff() + op.len() <= mm.accessible()
                            && (!hm.direct() || aligned(op.moff()));
                }
                return true;
            }
            case TRUNCATE:
            case FALLOCATE: {
                HandleM hm = open(op.h());
                return hm != null && hm.writable();
            }
            case MMAP: {
                HandleM hm = open(op.h());
                if (maps.containsKey(op.m()) || hm == null || !hm.readable()) {
                    return false;
                }
                boolean shared = (op.bits() & Op.MAP_SHARED) != 0;
                boolean rw = (op.bits() & Op.MAP_RW) != 0;
                return !(shared && rw && (!hm.writable() || (hm.flags & Op.O_APPEND) != 0)) && (op.off() & 4095) == 0;
            }
            case ANON:
                return !maps.containsKey(op.m());
            case STORE: {
                MapM mm = maps.get(op.m());
                return mm != null && mm.rw && op.off() >= 0 && op.off() + op.len() <= mm.accessible();
            }
            case LOAD: {
                MapM mm = maps.get(op.m());
                return mm != null && op.off() >= 0 && op.off() + op.len() <= mm.accessible();
            }
            case MSYNC:
            case MUNMAP:
                return maps.containsKey(op.m());
            case SYNC:
            case DROP_CACHES:
            case BARRIER:
                return true;
            case MKDIR:
                return creatable(op.path());
            case RMDIR:
                return isDir(op.path()) && !special(op.path()) && emptyDir(op.path());
            case UNLINK:
                return file(op.path()) != null || isSymlink(op.path());
            case STAT:
            case CHMOD:
            case CHOWN:
                return ns.containsKey(op.path()) && !isSymlink(op.path());
            case SETXATTR:
            case GETXATTR:
            case REMOVEXATTR: {
                if (!ns.containsKey(op.path()) || isSymlink(op.path())) {
                    return false;
                }
                if (op.expect() != null) {
                    return true;
                }
                XattrM x = xattrs(op.path());
                String name = op.m();
                if (op.kind() == Op.Kind.SETXATTR) {
                    return (op.bits() & Op.XATTR_CREATE) != 0 ? !x.sure.containsKey(name) && !x.maybe.containsKey(name)
                            : (op.bits() & Op.XATTR_REPLACE) == 0 || x.sure.containsKey(name);
                }
                return x.sure.containsKey(name);
            }
            case LINK:
                return (file(op.path()) != null || isSymlink(op.path())) && creatable(op.path2());
            case SYMLINK:
                return creatable(op.path()) && validTarget(op.data());
            case RENAME: {
                String from = op.path();
                String to = op.path2();
                if (!ns.containsKey(from) || special(from) || from.equals(to) || special(to)) {
                    return false;
                }
                String par = parent(to);
                if (!isDir(par) || par.equals("/lost+found")) {
                    return false;
                }
                if (isDir(from)) {
                    return !ns.containsKey(to) && !to.startsWith(from + "/");
                }
                return !isDir(to);
            }
            default:
                return false;
        }
    }

    /** Applies a valid {@code op}. */
    void apply(Op op) {
        boolean mayFail = op.expect() != null;
        switch (op.kind()) {
            case OPEN: {
                FileM f = file(op.path());
                if (f == null) {
                    f = new FileM(0);
                    ns.put(op.path(), f);
                }
                if ((op.bits() & Op.O_TRUNC) != 0) {
                    f.lo = 0;
                    f.hi = mayFail ? f.hi : 0;
                }
                handles.put(op.h(), new HandleM(f, op.bits()));
                break;
            }
            case CLOSE:
                handles.get(op.h()).open = false;
                break;
            case WRITE:
            case WRITE_UNCHECKED: {
                HandleM hm = open(op.h());
                FileM f = hm.f;
                if ((hm.flags & Op.O_APPEND) != 0) {
                    f.hi += op.len();
                    if (!mayFail) {
                        f.lo += op.len();
                    }
                } else {
                    grow(f, op.off() + op.len(), mayFail);
                }
                break;
            }
            case TRUNCATE: {
                FileM f = open(op.h()).f;
                if (mayFail) {
                    f.lo = Math.min(f.lo, op.len());
                    f.hi = Math.max(f.hi, op.len());
                } else {
                    f.lo = op.len();
                    f.hi = op.len();
                }
                break;
            }
            case FALLOCATE: {
                if ((op.bits() & (Op.FL_KEEP | Op.FL_PUNCH)) == 0) {
                    grow(open(op.h()).f, op.off() + op.len(), mayFail);
                }
                break;
            }
            case MMAP: {
                HandleM hm = open(op.h());
                maps.put(op.m(), new MapM(hm.f, op.off(), op.len(), (op.bits() & Op.MAP_SHARED) != 0,
                        (op.bits() & Op.MAP_RW) != 0));
                break;
            }
            case ANON:
                maps.put(op.m(), new MapM(null, 0, op.len(), false, true));
                break;
            case MUNMAP:
                maps.remove(op.m());
                break;
            case MKDIR:
                ns.put(op.path(), new DirM());
                break;
            case SETXATTR: {
                XattrM x = xattrs(op.path());
                if (mayFail) {
                    Integer was = x.sure.remove(op.m());
                    x.maybe.merge(op.m(), Math.max((int) op.len(), was == null ? 0 : was), Math::max);
                } else {
                    x.sure.put(op.m(), (int) op.len());
                    x.maybe.remove(op.m());
                }
                break;
            }
            case REMOVEXATTR: {
                XattrM x = xattrs(op.path());
                x.sure.remove(op.m()); // removed, or ENODATA: absent either way
                x.maybe.remove(op.m());
                break;
            }
            case LINK:
                ns.put(op.path2(), ns.get(op.path()));
                break;
            case SYMLINK:
                ns.put(op.path(), new SymM(op.data()));
                break;
            case RMDIR:
            case UNLINK:
                ns.remove(op.path());
                break;
            case RENAME: {
                String from = op.path();
                String to = op.path2();
                if (ns.get(from) == ns.get(to)) {
                    break; // two names of one inode: rename(2) does nothing
                }
                Map<String, Object> moved = new TreeMap<>();
                for (Map.Entry<String, Object> e : ns.entrySet()) {
                    if (e.getKey().equals(from) || e.getKey().startsWith(from + "/")) {
                        moved.put(e.getKey(), e.getValue());
                    }
                }
                ns.remove(to);
                for (Map.Entry<String, Object> e : moved.entrySet()) {
                    ns.remove(e.getKey());
                }
                for (Map.Entry<String, Object> e : moved.entrySet()) {
                    ns.put(to + e.getKey().substring(from.length()), e.getValue());
                }
                break;
            }
            default:
                break;
        }
    }

    /**
     * Whether {@code t} can stand as a symlink statement's TARGET: one word of the workload format (no
     * blanks, no comment), not empty, and shorter than the smallest block an image may have (longer is
     * ENAMETOOLONG with 1 KiB blocks).
     */
    static boolean validTarget(String t) {
        return t != null && !t.isEmpty() && t.length() < 1000 && t.chars().allMatch(c -> c > ' ' && c < 127 && c != '#');
    }

    private static void grow(FileM f, long end, boolean mayFail) {
        f.hi = Math.max(f.hi, end);
        if (!mayFail) {
            f.lo = Math.max(f.lo, end);
        }
    }

    /**
     * The valid statements of {@code ops}, in order: each invalid one (where it now stands, in its
     * task) is dropped. Tasks work on disjoint files, one model each. A barrier stays only if every
     * task left has it, and there are at least two tasks.
     */
    static List<Op> normalize(List<Op> ops) {
        Map<Integer, Model> models = new TreeMap<>();
        List<Op> kept = new ArrayList<>();
        for (Op op : ops) {
            Model m = models.computeIfAbsent(op.task(), t -> new Model());
            if (m.valid(op)) {
                m.apply(op);
                kept.add(op);
            }
        }
        java.util.Set<Integer> tasks = new java.util.TreeSet<>();
        Map<String, java.util.Set<Integer>> barriers = new TreeMap<>();
        for (Op op : kept) {
            if (op.kind() != Op.Kind.BARRIER) {
                tasks.add(op.task());
            }
        }
        for (Op op : kept) {
            if (op.kind() == Op.Kind.BARRIER) {
                barriers.computeIfAbsent(op.h(), b -> new java.util.TreeSet<>()).add(op.task());
            }
        }
        List<Op> out = new ArrayList<>();
        for (Op op : kept) {
            if (op.kind() != Op.Kind.BARRIER) {
                out.add(op);
            } else if (tasks.size() >= 2 && barriers.get(op.h()).equals(tasks)) {
                out.add(op);
            }
        }
        return out;
    }
}
