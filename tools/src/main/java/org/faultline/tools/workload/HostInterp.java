package org.faultline.tools.workload;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.faultline.fs.File;
import org.faultline.kernel.Errno;
import org.faultline.kernel.ForkGuard;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.LibC;

/**
 * The second interpreter of the workload format: a single-task workload's statements as real system
 * calls on the host kernel (through JNA), on a directory tree — the root of a loop-mounted scratch
 * ext4 image — so Faultline's results can be compared with Linux's, statement by statement
 * ({@link StepResult}: the same counts and errnos, the same bytes read) and file by file.
 *
 * <p>Mappings are real host mappings ({@code mmap(2)} through libc), stores and loads are CPU
 * accesses through {@link Pointer}. An access the host would kill the JVM for (SIGBUS on a page
 * beyond EOF, SIGSEGV on a read-only or absent mapping) is not made: it returns EFAULT, as Faultline
 * reports such faults; a store through a shared mapping to a range with holes when the file system
 * is nearly full (the write fault might find no block: SIGBUS) is not made either: EFAULT.
 * {@code drop-caches} is {@code echo 1 > /proc/sys/vm/drop_caches} (the host's whole clean page cache;
 * dirty pages stay), or, where that is not allowed, {@code POSIX_FADV_DONTNEED} on the open files,
 * which writes their dirty pages back first. {@code anon} maps and touches memory
 * but creates no pressure. Barriers, sleeps and yields are no-ops (one task).
 */
public final class HostInterp {
    /** libc calls {@link LibC} does not bind. */
    static final class Sys {
        static {
            Native.register(Sys.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        static native int msync(long addr, long len, int flags);

        static native void sync();

        static native int mkdir(byte[] path, int mode);

        static native int rmdir(byte[] path);

        static native int unlink(byte[] path);

        static native int rename(byte[] from, byte[] to);

        static native int link(byte[] from, byte[] to);

        static native int symlink(byte[] target, byte[] path);

        static native int chmod(byte[] path, int mode);

        static native int chown(byte[] path, int uid, int gid);

        static native int dup(int fd);

        static native long readlink(byte[] path, byte[] buf, long size);

        static native int setxattr(byte[] path, String name, byte[] value, long size, int flags);

        static native long getxattr(byte[] path, String name, byte[] value, long size);

        static native int removexattr(byte[] path, String name);

        static native long llistxattr(byte[] path, byte[] list, long size);

        static native long lgetxattr(byte[] path, String name, byte[] value, long size);

        private Sys() {
        }
    }

    private static final int MS_ASYNC = 1;
    private static final int MS_SYNC = 4;
    private static final int O_APPEND = 02000;
    private static final int O_SYNC = 04010000;
    private static final long PAGE = 4096;

    /** The steps the workload ran. */
    public record Result(List<StepResult> steps) {
    }

    private static final class Handle {
        int fd = -1;
        int flags;
    }

    private static final class Mapping {
        long addr;
        long len;
        long fileOff;
        int sizeFd = -1; // a dup of the file's descriptor, to know its size (-1: anonymous)
        boolean writable;
        boolean shared;
    }

    private final Workload w;
    private final Path root;
    private final Map<String, Handle> handles = new LinkedHashMap<>();
    private final Map<String, Mapping> maps = new LinkedHashMap<>();
    private final List<StepResult> steps = new ArrayList<>();
    private byte[] lastData;
    private Meter.TaskMeter meter;
    private AlignedMemory scratchMem;
    private int scratchFill = -1; // the byte a fill left in scratchMem's first scratchFilled bytes, or -1
    private int scratchFilled;

    private HostInterp(Workload w, Path root) {
        this.w = w;
        this.root = root;
    }

    /**
     * Runs the single task of {@code w} with its paths under {@code root}, then closes every
     * descriptor and unmaps every mapping.
     *
     * @throws IllegalArgumentException for a workload with more than one task
     */
    public static Result run(Workload w, Path root) throws IOException {
        return run(w, root, null);
    }

    /**
     * {@link #run(Workload, Path)}, each system call timed into {@code meter} (slot 0) when not null:
     * a benchmark's host side.
     */
    public static Result run(Workload w, Path root, Meter meter) throws IOException {
        if (w.tasks().size() != 1) {
            throw new IllegalArgumentException("the host interpreter runs single-task workloads only");
        }
        LibC.requireSupported();
        HostInterp h = new HostInterp(w, root);
        if (meter != null) {
            h.meter = meter.task(0, Meter.hasMeasure(w));
            h.meter.begin();
        }
        try {
            h.exec(w.tasks().get(0).body(), Expr.Env.EMPTY);
            if (h.meter != null) {
                h.meter.exit();
            }
        } finally {
            ForkGuard.call(() -> {
                h.exit();
                return 0;
            });
        }
        return new Result(List.copyOf(h.steps));
    }

    /** Every regular file under {@code root}: its path from the root → its contents. */
    public static Map<String, byte[]> readFiles(Path root) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (var all = Files.walk(root)) {
            for (Path p : all.sorted().toList()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    files.put("/" + root.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return files;
    }

    /**
     * readlink(2): the target of the symbolic link {@code p}, byte for byte (Java's own readSymbolicLink
     * parses it as a path, which drops doubled and trailing slashes).
     *
     * @throws IOException if {@code p} is not a symbolic link, or cannot be read
     */
    public static byte[] readlink(Path p) throws IOException {
        byte[] buf = new byte[4096];
        long n = Sys.readlink(LibC.pathBytes(p), buf, buf.length);
        if (n < 0) {
            throw new IOException("readlink " + p + ": " + Errno.name(-LibC.errno()));
        }
        return java.util.Arrays.copyOf(buf, (int) n);
    }

    /**
     * The extended attributes of {@code p} itself (llistxattr, lgetxattr: a symbolic link not followed),
     * name to value, sorted by name.
     */
    public static java.util.SortedMap<String, byte[]> xattrs(Path p) throws IOException {
        byte[] path = LibC.pathBytes(p);
        java.util.SortedMap<String, byte[]> out = new java.util.TreeMap<>();
        byte[] list = new byte[Interp.XATTR_SIZE_MAX];
        long n = Sys.llistxattr(path, list, list.length);
        if (n < 0) {
            int e = LibC.errno();
            if (e == Errno.EOPNOTSUPP) {
                return out;
            }
            throw new IOException("llistxattr " + p + ": " + Errno.name(-e));
        }
        byte[] val = new byte[Interp.XATTR_SIZE_MAX];
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (list[i] == 0) {
                String name = new String(list, start, i - start, java.nio.charset.StandardCharsets.ISO_8859_1);
                start = i + 1;
                long v = Sys.lgetxattr(path, name, val, val.length);
                if (v < 0) {
                    throw new IOException("lgetxattr " + p + " " + name + ": " + Errno.name(-LibC.errno()));
                }
                out.put(name, java.util.Arrays.copyOf(val, (int) v));
            }
        }
        return out;
    }

    private void exit() {
        if (scratchMem != null) {
            scratchMem.close();
            scratchMem = null;
        }
        for (Mapping m : maps.values()) {
            LibC.munmap(m.addr, m.len);
            if (m.sizeFd >= 0) {
                LibC.close(m.sizeFd);
            }
        }
        maps.clear();
        for (Handle h : handles.values()) {
            if (h.fd >= 0) {
                LibC.close(h.fd);
                h.fd = -1;
            }
        }
    }

    private void exec(List<Stmt> body, Expr.Env env) {
        for (Stmt s : body) {
            if (s instanceof Stmt.Loop l) {
                long n = l.count().eval(env);
                for (long i = 0; i < n; i++) {
                    exec(l.body(), env.bind(l.var(), i));
                }
                continue;
            }
            Stmt inner = s instanceof Stmt.ExpectError e ? e.inner() : s;
            long rc = meter == null ? ForkGuard.call(() -> call(inner, env))
                    : meter.statement(inner, () -> ForkGuard.call(() -> call(inner, env)));
            steps.add(new StepResult(s.line(), s.text() + env.describe(), rc, lastData));
            lastData = null;
        }
    }

    private static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");

    /**
     * {@code echo 1 > /proc/sys/vm/drop_caches}, as the statement means: the clean page cache goes,
     * dirty pages stay dirty (the host's whole cache: slower, not different). False if not allowed.
     */
    private static boolean dropCaches() {
        try {
            Files.writeString(DROP_CACHES, "1\n");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static long err() {
        return -LibC.errno();
    }

    private byte[] path(Stmt.PathT p, Expr.Env env) {
        return LibC.pathBytes(root.resolve(p.eval(env).substring(1)));
    }

    private Handle handle(String name) {
        return handles.computeIfAbsent(name, n -> new Handle());
    }

    private static int hostFlags(int f) {
        int acc = f & File.O_ACCMODE;
        int h = acc == File.O_WRONLY ? LibC.O_WRONLY : acc == File.O_RDONLY ? LibC.O_RDONLY : LibC.O_RDWR;
        if ((f & File.O_CREAT) != 0) {
            h |= LibC.O_CREAT;
        }
        if ((f & File.O_EXCL) != 0) {
            h |= LibC.O_EXCL;
        }
        if ((f & File.O_TRUNC) != 0) {
            h |= LibC.O_TRUNC;
        }
        if ((f & File.O_APPEND) != 0) {
            h |= O_APPEND;
        }
        if ((f & File.O_DIRECT) != 0) {
            h |= LibC.O_DIRECT;
        }
        if ((f & File.O_SYNC) == File.O_SYNC) {
            h |= O_SYNC;
        } else if ((f & File.O_DSYNC) != 0) {
            h |= LibC.O_DSYNC;
        }
        return h | LibC.O_CLOEXEC;
    }

    private byte[] pattern(Stmt.Pattern p, Expr.Env env, long pos, int len) {
        byte[] b = new byte[len];
        if (p instanceof Stmt.Seeded sd) { // eight bytes at a time, as Faultline's interpreter makes them
            new Shadow.Seeded(sd.seed().eval(env)).get(pos, len, b, 0, null, 0);
        } else if (p instanceof Stmt.Recorded r) { // beyond the data file: zeros (Faultline's interpreter refuses)
            long at = r.offset().eval(env);
            java.nio.ByteBuffer f = w.data();
            if (at >= 0 && at < f.limit()) {
                f.get((int) at, b, 0, (int) Math.min(len, f.limit() - at));
            }
        } else {
            java.util.Arrays.fill(b, (byte) ((Stmt.Fill) p).value().eval(env));
        }
        return b;
    }

    private long call(Stmt s, Expr.Env env) {
        if (s instanceof Stmt.Open op) {
            Handle h = handle(op.handle());
            if (h.fd >= 0) {
                return -Errno.EBADF; // Faultline reports a workload error: the runs differ from here on
            }
            int fd = LibC.open(path(op.path(), env), hostFlags(op.flags()), 0644);
            if (fd < 0) {
                return err();
            }
            h.fd = fd;
            h.flags = op.flags();
            return 0;
        }
        if (s instanceof Stmt.Close c) {
            Handle h = handle(c.handle());
            int rc = LibC.close(h.fd);
            if (rc != 0) {
                return err();
            }
            h.fd = -1;
            return 0;
        }
        if (s instanceof Stmt.Read r) {
            return read(r, env);
        }
        if (s instanceof Stmt.Write wr) {
            return write(wr, env);
        }
        if (s instanceof Stmt.Fsync f) {
            int fd = handle(f.handle()).fd;
            return (f.datasync() ? LibC.fdatasync(fd) : LibC.fsync(fd)) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Sync) {
            Sys.sync();
            return 0;
        }
        if (s instanceof Stmt.Measure) {
            return 0;
        }
        if (s instanceof Stmt.Truncate t) {
            return LibC.ftruncate(handle(t.handle()).fd, t.len().eval(env)) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Fallocate f) {
            return LibC.fallocate(handle(f.handle()).fd, f.mode(), f.off().eval(env), f.len().eval(env)) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Mmap m) {
            return mmap(m, env);
        }
        if (s instanceof Stmt.Anon a) {
            return anon(a, env);
        }
        if (s instanceof Stmt.Store st) {
            return access(st.map(), st.off().eval(env), (int) st.len().eval(env), st.pattern(), env);
        }
        if (s instanceof Stmt.Load l) {
            return access(l.map(), l.off().eval(env), (int) l.len().eval(env), null, env);
        }
        if (s instanceof Stmt.Msync m) {
            Mapping mp = maps.get(m.map());
            if (mp == null) {
                return -Errno.ENOMEM;
            }
            return Sys.msync(mp.addr, mp.len, m.sync() ? MS_SYNC : MS_ASYNC) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Munmap m) {
            Mapping mp = maps.remove(m.map());
            if (mp == null) {
                return -Errno.EINVAL;
            }
            if (mp.sizeFd >= 0) {
                LibC.close(mp.sizeFd);
            }
            return LibC.munmap(mp.addr, mp.len) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.PathOp p) {
            byte[] path = path(p.path(), env);
            int rc = switch (p.op()) {
                case "mkdir" -> Sys.mkdir(path, 0755);
                case "rmdir" -> Sys.rmdir(path);
                default -> Sys.unlink(path);
            };
            return rc == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Rename r) {
            return Sys.rename(path(r.from(), env), path(r.to(), env)) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Link l) {
            return Sys.link(path(l.from(), env), path(l.to(), env)) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Symlink sl) {
            byte[] t = (sl.target() + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return Sys.symlink(t, path(sl.path(), env)) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Chmod c) {
            return Sys.chmod(path(c.path(), env), c.mode()) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Chown c) {
            return Sys.chown(path(c.path(), env), c.uid(), c.gid()) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Setxattr sx) {
            int len = (int) sx.len().eval(env);
            byte[] v = pattern(sx.pattern(), env, 0, len);
            return Sys.setxattr(path(sx.path(), env), sx.name(), v, len, sx.flags()) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Getxattr gx) {
            byte[] buf = new byte[Interp.XATTR_SIZE_MAX];
            long n = Sys.getxattr(path(gx.path(), env), gx.name(), buf, buf.length);
            if (n < 0) {
                return err();
            }
            lastData = java.util.Arrays.copyOf(buf, (int) n);
            return n;
        }
        if (s instanceof Stmt.Removexattr rx) {
            return Sys.removexattr(path(rx.path(), env), rx.name()) == 0 ? 0 : err();
        }
        if (s instanceof Stmt.Stat st) {
            try {
                Map<String, Object> a = Files.readAttributes(root.resolve(st.path().eval(env).substring(1)),
                        "unix:isDirectory,size,mode,nlink,uid,gid", LinkOption.NOFOLLOW_LINKS);
                lastData = StepResult.statData((Boolean) a.get("isDirectory"), (Long) a.get("size"), (Integer) a.get("mode"),
                        (Integer) a.get("nlink"), (Integer) a.get("uid"), (Integer) a.get("gid"));
                return 0;
            } catch (NoSuchFileException e) {
                return -Errno.ENOENT;
            } catch (IOException e) {
                return -Errno.EIO;
            }
        }
        if (s instanceof Stmt.DropCaches) {
            if (dropCaches()) {
                return 0;
            }
            for (Handle h : handles.values()) { // not root: the nearest thing, which also writes dirty pages back
                if (h.fd >= 0) {
                    LibC.posix_fadvise(h.fd, 0, 0, LibC.POSIX_FADV_DONTNEED);
                }
            }
            return 0;
        }
        return 0; // sleep, yield, barrier, log: nothing to do in one task
    }

    private long read(Stmt.Read r, Expr.Env env) {
        Handle h = handle(r.handle());
        long off = r.off().eval(env);
        int len = (int) r.len().eval(env);
        if (r.into() != null) {
            Mapping m = maps.get(r.into().map());
            long moff = r.into().off().eval(env);
            if (m == null || moff < 0 || moff + len > m.len) {
                return -Errno.EFAULT;
            }
            long t0 = timer();
            long n = LibC.pread(h.fd, m.addr + moff, len, off);
            timed(t0);
            return n < 0 ? err() : n;
        }
        try {
            long buf = scratch(len);
            scratchFill = -1;
            long t0 = timer();
            long n = LibC.pread(h.fd, buf, len, off);
            timed(t0);
            if (n < 0) {
                return err();
            }
            if (meter == null) { // kept for the statement-by-statement comparison
                byte[] b = new byte[(int) n];
                new Pointer(buf).read(0, b, 0, (int) n);
                lastData = b;
            }
            return n;
        } catch (IOException e) {
            return -Errno.ENOMEM;
        }
    }

    /**
     * The buffer reads and writes go through: page-aligned (O_DIRECT), kept from call to call — a fresh
     * mapping per call would cost the host side page faults Faultline's side does not pay.
     */
    private long scratch(int len) throws IOException {
        if (scratchMem == null || scratchMem.size() < len) {
            long size = Math.max(Math.max(len, 1), scratchMem == null ? 0 : 2 * scratchMem.size());
            if (scratchMem != null) {
                scratchMem.close();
            }
            scratchMem = AlignedMemory.allocate(size, PAGE);
            scratchFill = -1;
        }
        return scratchMem.address();
    }

    private long write(Stmt.Write wr, Expr.Env env) {
        Handle h = handle(wr.handle());
        long off = wr.off().eval(env);
        int len = (int) wr.len().eval(env);
        if (wr.from() != null) {
            Mapping m = maps.get(wr.from().map());
            long moff = wr.from().off().eval(env);
            if (m == null || moff < 0 || moff + len > m.len) {
                return -Errno.EFAULT;
            }
            long t0 = timer();
            long n = pwrite(h, m.addr + moff, len, off);
            timed(t0);
            return n;
        }
        long pos = off;
        if ((h.flags & File.O_APPEND) != 0 && h.fd >= 0) {
            pos = LibC.lseek(h.fd, 0, LibC.SEEK_END); // where the bytes land: the pattern is keyed by it
        }
        try {
            long buf = scratch(len);
            if (wr.pattern() instanceof Stmt.Fill f) { // the same bytes wherever they land: made once
                int v = (int) f.value().eval(env) & 0xff;
                if (scratchFill != v || scratchFilled < len) {
                    new Pointer(buf).setMemory(0, len, (byte) v);
                    scratchFill = v;
                    scratchFilled = len;
                }
            } else {
                new Pointer(buf).write(0, pattern(wr.pattern(), env, pos, len), 0, len);
                scratchFill = -1;
            }
            long t0 = timer();
            long n = pwrite(h, buf, len, off);
            timed(t0);
            return n;
        } catch (IOException e) {
            return -Errno.ENOMEM;
        }
    }

    /**
     * pwrite(2), continued page by page where the host stopped short for want of space. The host's
     * ext4 caches file data in folios larger than a page, and near ENOSPC a buffered write stops at
     * the folio that could not be reserved; the modelled kernel (6.6) reserves page by page and goes
     * on to the last page that fits. Writing the rest a page at a time (small writes get single-page
     * folios) gives the host the same boundary. O_DIRECT writes are not folio-based: left as they are.
     */
    private static long pwrite(Handle h, long addr, int len, long off) {
        long n = LibC.pwrite(h.fd, addr, len, off);
        if (n < 0 && LibC.errno() != Errno.ENOSPC || n == len || (h.flags & File.O_DIRECT) != 0) {
            return n < 0 ? err() : n;
        }
        long done = Math.max(n, 0);
        while (done < len) {
            long piece = Math.min(len - done, PAGE - ((off + done) & (PAGE - 1)));
            long r = LibC.pwrite(h.fd, addr + done, piece, off + done);
            if (r <= 0) {
                break;
            }
            done += r;
        }
        return done > 0 ? done : -Errno.ENOSPC;
    }

    private long mmap(Stmt.Mmap m, Expr.Env env) {
        Handle h = handle(m.handle());
        long off = m.off().eval(env);
        long len = m.len().eval(env);
        int prot = 1 | (m.writable() ? 2 : 0);
        long addr = LibC.mmap(0, len, prot, m.shared() ? 1 : 2, h.fd, off);
        if (addr == -1) {
            return err();
        }
        Mapping mp = new Mapping();
        mp.addr = addr;
        mp.len = len;
        mp.fileOff = off;
        mp.writable = m.writable();
        mp.shared = m.shared();
        mp.sizeFd = Sys.dup(h.fd);
        maps.put(m.map(), mp);
        return 0;
    }

    private long anon(Stmt.Anon a, Expr.Env env) {
        long len = a.len().eval(env);
        long addr = LibC.mmap(0, len, 3, 2 | 0x20, -1, 0);
        if (addr == -1) {
            return err();
        }
        Mapping mp = new Mapping();
        mp.addr = addr;
        mp.len = len;
        mp.writable = true;
        maps.put(a.map(), mp);
        if (a.touch()) {
            for (long p = 0; p < len; p += PAGE) {
                new Pointer(addr + p).setByte(0, (byte) 0);
            }
        }
        return 0;
    }

    /**
     * Whether the file system of {@code fd} has too little room for a store of {@code len} bytes
     * through a shared mapping to be sure its write faults find blocks (free blocks, root's reserve
     * included, below len + 2 MiB).
     */
    private static boolean nearlyFull(int fd, int len) {
        byte[] buf = new byte[LibC.STATFS_SIZE];
        if (LibC.fstatfs(fd, buf) != 0) {
            return true;
        }
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        long bsize = b.getLong(8);
        long bfree = b.getLong(24);
        return bfree * bsize < len + (2L << 20);
    }

    /** Whether [off, off+len) of the file has blocks (no hole: SEEK_HOLE finds none before its end). */
    private static boolean allocated(int fd, long off, int len) {
        long hole = LibC.lseek(fd, off & ~(PAGE - 1), LibC.SEEK_HOLE);
        return hole >= 0 && hole >= off + len;
    }

    /** A store ({@code p} non-null) or load; EFAULT instead of an access that would fault. */
    private long access(String map, long off, int len, Stmt.Pattern p, Expr.Env env) {
        Mapping m = maps.get(map);
        if (m == null || off < 0 || off + len > m.len || (p != null && !m.writable)) {
            return -Errno.EFAULT;
        }
        if (m.sizeFd >= 0) {
            long size = LibC.lseek(m.sizeFd, 0, LibC.SEEK_END);
            long eofPages = (size + PAGE - 1) & ~(PAGE - 1);
            if (m.fileOff + off + len > eofPages) {
                return -Errno.EFAULT; // SIGBUS: a page wholly beyond EOF
            }
        }
        if (p != null && m.shared && m.sizeFd >= 0 && nearlyFull(m.sizeFd, len)
                && !allocated(m.sizeFd, m.fileOff + off, len)) {
            return -Errno.EFAULT; // the write fault may find no block: SIGBUS (it would end the JVM)
        }
        Pointer ptr = new Pointer(m.addr + off);
        if (p != null) {
            byte[] b = pattern(p, env, m.sizeFd >= 0 ? m.fileOff + off : off, len);
            long t0 = timer();
            ptr.write(0, b, 0, len);
            timed(t0);
        } else {
            byte[] b = new byte[len];
            long t0 = timer();
            ptr.read(0, b, 0, len);
            timed(t0);
            lastData = meter == null ? b : null;
        }
        return len; // the bytes accessed, as Faultline's store and load return
    }

    /** The meter's clock now (0 when not metered). */
    private long timer() {
        return meter == null ? 0 : meter.now();
    }

    /** The system call that began at {@code t0} is done: its latency is the statement's. */
    private void timed(long t0) {
        if (meter != null) {
            meter.sysDone(t0);
        }
    }
}
