package org.faultline.tools.workload;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.faultline.fs.File;
import org.faultline.fs.Inode;
import org.faultline.fs.Kstat;
import org.faultline.fs.SuperBlock;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Vfs;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.mm.Truncate;
import org.faultline.tools.workload.Shadow.Actor;
import org.faultline.tools.workload.Shadow.Data;
import org.faultline.tools.workload.Shadow.FileShadow;
import org.faultline.tools.workload.Shadow.MapShadow;
import org.faultline.tools.workload.Shadow.Origin;

/**
 * Runs one task's statements in that task: handles become descriptors, mappings addresses, and each
 * system call is bracketed by the oracle (register what it may change before, record or verify after).
 *
 * <p>Failure policy: a read, load or stat that disagrees with the oracle is data corruption; a
 * statement that returns an errno it was not expected to (or succeeds under {@code expect-error}) is
 * a "workload error" — also reported as {@code CORRUPTION} (exit 4), since the oracle expected
 * otherwise. Both end the run from the task, with {@link Kernel#corruption}.
 */
final class Interp {
    private static final byte[] ONE_ZERO = new byte[1];

    /** An open handle: its descriptor (-1 once closed), its file's shadow and how it was opened. */
    private static final class Handle {
        int fd = -1;
        FileShadow file;
        String path;
        int flags;

        boolean readable() {
            return fd >= 0 && (flags & File.O_ACCMODE) != File.O_WRONLY;
        }

        boolean writable() {
            return fd >= 0 && (flags & File.O_ACCMODE) != File.O_RDONLY;
        }
    }

    private final Kernel k;
    private final Workload w;
    private final Oracle o;
    private final Actor me;
    private final Map<String, Barrier> barriers;
    private final Map<String, Handle> handles = new LinkedHashMap<>();
    private final Map<String, MapShadow> maps = new LinkedHashMap<>();
    private long statements;
    private final java.util.function.ObjLongConsumer<String> openHook;
    /** Told of every statement executed (loops excepted), or null. */
    private java.util.function.Consumer<StepResult> steps;
    private byte[] lastData;
    /** A benchmark's recorder of this task's system calls, or null. */
    private Meter.TaskMeter meter;

    /** @param openHook told of every successful open: the path and the inode it opened */
    Interp(Kernel k, Workload w, Oracle o, Actor me, Map<String, Barrier> barriers,
           java.util.function.ObjLongConsumer<String> openHook) {
        this.k = k;
        this.w = w;
        this.o = o;
        this.me = me;
        this.barriers = barriers;
        this.openHook = openHook;
    }

    long statements() {
        return statements;
    }

    /** Records this task's system calls in {@code m} (a benchmark). */
    void meter(Meter.TaskMeter m) {
        this.meter = m;
    }

    /** Reports every statement's result to {@code c} (a differential check against another interpreter). */
    void steps(java.util.function.Consumer<StepResult> c) {
        this.steps = c;
    }

    private void logStep(Stmt s, Expr.Env env, long rc) {
        if (steps != null) {
            steps.accept(new StepResult(s.line(), s.text() + env.describe(), rc, lastData));
        }
        lastData = null;
    }

    /** Runs {@code body}; at the end every descriptor is closed and every mapping torn down (exit). */
    void run(List<Stmt> body) {
        if (meter != null) {
            meter.begin();
        }
        exec(body, Expr.Env.EMPTY);
        if (meter != null) {
            meter.exit();
        }
        Syscalls.exit();
        for (Handle h : handles.values()) {
            if (h.fd >= 0) {
                o.closed(h.file);
                h.fd = -1;
            }
        }
        for (MapShadow m : maps.values()) {
            o.unmapped(m);
        }
        maps.clear();
    }

    private void exec(List<Stmt> body, Expr.Env env) {
        for (Stmt s : body) {
            step(s, env);
        }
    }

    private String where(Stmt s) {
        return w.fileName() + ":" + s.line();
    }

    private void step(Stmt s, Expr.Env env) {
        statements++;
        if (k.tracing()) {
            k.trace("workload " + me.name + " " + where(s) + ": " + s.text() + env.describe());
        }
        if (s instanceof Stmt.Loop l) {
            long n = eval(l.count(), env, s);
            for (long i = 0; i < n; i++) {
                exec(l.body(), env.bind(l.var(), i));
            }
            return;
        }
        Promises promises = o.promises();
        if (promises != null) {
            promises.begin(me.name);
        }
        if (s instanceof Stmt.ExpectError e) {
            long rc = metered(e.inner(), env, s);
            if (promises != null) {
                observe(promises, e.inner(), env, rc);
            }
            logStep(s, env, rc);
            if (rc >= 0 && !e.okAllowed()) {
                fail(s, env, s.text() + ": expected " + errnos(e) + ", got success"
                        + (rc > 0 ? " (" + rc + ")" : ""), "");
            }
            if (rc < 0 && !e.errnos().contains((int) -rc)) {
                fail(s, env, e.inner().text() + " failed with " + Errno.name(rc) + ", expected " + errnos(e), "");
            }
            return;
        }
        long rc = metered(s, env, s);
        if (promises != null) {
            observe(promises, s, env, rc);
        }
        logStep(s, env, rc);
        if (rc < 0) {
            fail(s, env, s.text() + " failed with " + Errno.name(rc), "");
        }
    }

    /**
     * {@link #call}, through the meter when there is one ({@link Meter.TaskMeter#statement}: a read,
     * write, load or store times its system call alone, {@link Meter.TaskMeter#sysDone}).
     */
    private long metered(Stmt s, Expr.Env env, Stmt outer) {
        return meter == null ? call(s, env, outer) : meter.statement(s, () -> call(s, env, outer));
    }

    /** Tells the durability promises what statement {@code s} changed or synced (crash checking). */
    private void observe(Promises p, Stmt s, Expr.Env env, long rc) {
        if (s instanceof Stmt.Fsync f) {
            Handle h = handle(f.handle());
            if (rc == 0 && h.file != null) {
                org.faultline.fs.Kstat[] st = new org.faultline.fs.Kstat[1];
                long blocks = Syscalls.fstat(h.fd, st) == 0 ? st[0].blocks() : -1;
                p.synced(me.name, h.file.ino, blocks, s.text(), o);
            }
        } else if (s instanceof Stmt.Sync) {
            if (rc == 0) {
                p.synced(me.name, -1, -1, s.text(), o);
            }
        } else if (s instanceof Stmt.Write w) {
            changedHandle(p, w.handle());
        } else if (s instanceof Stmt.Truncate t) {
            changedHandle(p, t.handle());
        } else if (s instanceof Stmt.Fallocate f) {
            changedHandle(p, f.handle());
        } else if (s instanceof Stmt.Open op && (op.flags() & File.O_TRUNC) != 0) {
            changedHandle(p, op.handle());
        } else if (s instanceof Stmt.Store st) {
            MapShadow m = maps.get(st.map());
            if (m != null && m.file != null && m.shared) {
                p.changed(me.name, m.file.ino, null, null);
            }
        } else if (s instanceof Stmt.PathOp po && !po.op().equals("mkdir")) {
            p.changed(me.name, -1, po.path().eval(env), null);
        } else if (s instanceof Stmt.Rename r) {
            p.changed(me.name, -1, r.from().eval(env), r.to().eval(env));
        }
    }

    private void changedHandle(Promises p, String handle) {
        Handle h = handles.get(handle);
        if (h != null && h.file != null) {
            p.changed(me.name, h.file.ino, null, null);
        }
    }

    private static String errnos(Stmt.ExpectError e) {
        StringBuilder sb = new StringBuilder();
        for (int v : e.errnos()) {
            sb.append(sb.length() == 0 ? "" : " or ").append(Errno.name(v));
        }
        if (e.okAllowed()) {
            sb.append(" or success");
        }
        return sb.toString();
    }

    /** A workload error: the statement did not do what the workload said it would. */
    private void fail(Stmt s, Expr.Env env, String what, String more) {
        k.corruption("workload error: " + where(s) + ": " + what,
                "task " + me.name + env.describe() + ", statement at " + where(s) + ": " + s.text()
                        + (more.isEmpty() ? "" : "\n" + more));
    }

    /** The oracle disagreed with what the kernel returned. */
    private void report(Oracle.Mismatch m, Stmt s, Expr.Env env) {
        if (m != null) {
            k.corruption(m.title(), "task " + me.name + env.describe() + ", statement at " + where(s) + ": " + s.text()
                    + "\n" + m.details());
        }
    }

    private long eval(Expr e, Expr.Env env, Stmt s) {
        try {
            return e.eval(env);
        } catch (ArithmeticException ex) {
            fail(s, env, s.text() + ": " + ex.getMessage(), "");
            return 0; // not reached: corruption() throws
        }
    }

    private long length(Expr e, Expr.Env env, Stmt s) {
        long n = eval(e, env, s);
        if (n <= 0 || n > Parser.MAX_IO) {
            fail(s, env, s.text() + ": LENGTH " + n + " is not between 1 and 64M", "");
        }
        return n;
    }

    private Origin origin(Stmt s, Expr.Env env) {
        return new Origin(me.name, () -> where(s) + " (" + s.text() + env.describe() + ")");
    }

    private Handle handle(String name) {
        return handles.computeIfAbsent(name, n -> new Handle());
    }

    /** The bytes of a write or store of {@code len} at (file or mapping) position {@code pos}. */
    private Data data(Stmt.Pattern p, Expr.Env env, Stmt s, long pos, int len) {
        if (p instanceof Stmt.Seeded sd) {
            return new Shadow.Seeded(eval(sd.seed(), env, s));
        }
        if (p instanceof Stmt.Recorded r) {
            long at = eval(r.offset(), env, s);
            java.nio.ByteBuffer f = w.data();
            if (at < 0 || at + len > f.limit()) {
                fail(s, env, s.text() + ": data=" + at + " of " + len + " bytes is outside the data file ("
                        + f.limit() + " bytes)", "");
            }
            return new Shadow.Recorded(f, at, pos, len);
        }
        long b = eval(((Stmt.Fill) p).value(), env, s);
        if (b < 0 || b > 255) {
            fail(s, env, s.text() + ": byte " + b + " is not 0..255", "");
        }
        return new Shadow.Fill((int) b);
    }

    /** getxattr's buffer: XATTR_SIZE_MAX, the largest value any attribute can have. */
    static final int XATTR_SIZE_MAX = 65536;

    private byte[] scratch = new byte[0];
    private Data scratchFill; // the fill whose bytes scratch's first scratchFilled bytes hold, or null
    private int scratchFilled;

    /**
     * The bytes of {@code d} at [pos, pos+len), in a buffer this task reuses (a write or store copies
     * them into the kernel and keeps nothing): valid until the next call.
     */
    private byte[] fill(Data d, long pos, int len) {
        if (scratch.length < len) {
            scratch = new byte[Math.max(len, 2 * scratch.length)];
            scratchFill = null;
        }
        byte[] b = scratch;
        if (d instanceof Shadow.Fill) { // the same bytes wherever they land: made once
            if (!d.equals(scratchFill) || scratchFilled < len) {
                java.util.Arrays.fill(b, 0, len, (byte) d.at(0));
                scratchFill = d;
                scratchFilled = len;
            }
            return b;
        }
        scratchFill = null;
        java.util.BitSet unknown = new java.util.BitSet();
        if (!d.get(pos, len, b, 0, unknown, 0)) {
            for (int i = unknown.nextSetBit(0); i >= 0; i = unknown.nextSetBit(i + 1)) {
                b[i] = (byte) 0xff; // an unknown byte is written as at() gives it: -1
            }
        }
        return b;
    }

    /** Runs one statement; returns its result (negative errno on failure). */
    private long call(Stmt s, Expr.Env env, Stmt outer) {
        if (s instanceof Stmt.Open op) {
            return open(op, env, outer);
        }
        if (s instanceof Stmt.Close c) {
            Handle h = handle(c.handle());
            int rc = Syscalls.close(h.fd);
            if (rc == 0) {
                o.closed(h.file);
                h.fd = -1;
            }
            return rc;
        }
        if (s instanceof Stmt.Read r) {
            return read(r, env, outer);
        }
        if (s instanceof Stmt.Write wr) {
            return write(wr, env, outer);
        }
        if (s instanceof Stmt.Fsync f) {
            int fd = handle(f.handle()).fd;
            return f.datasync() ? Syscalls.fdatasync(fd) : Syscalls.fsync(fd);
        }
        if (s instanceof Stmt.Sync sy) {
            return Syscalls.sync();
        }
        if (s instanceof Stmt.Measure) {
            return 0; // a benchmark's mark: see metered()
        }
        if (s instanceof Stmt.Truncate t) {
            Handle h = handle(t.handle());
            long len = eval(t.len(), env, outer);
            Oracle.FileOp op = h.writable() && h.file != null && len >= 0 ? o.beginTruncate(me, h.file, len, origin(outer, env)) : null;
            int rc = Syscalls.ftruncate(h.fd, len);
            if (op != null) {
                o.endTruncate(op, rc);
            }
            return rc;
        }
        if (s instanceof Stmt.Fallocate f) {
            Handle h = handle(f.handle());
            long off = eval(f.off(), env, outer);
            long len = eval(f.len(), env, outer);
            Oracle.FileOp op = h.writable() && h.file != null && off >= 0 && len > 0
                    ? o.beginFallocate(me, h.file, off, len, f.mode(), origin(outer, env)) : null;
            int rc = Syscalls.fallocate(h.fd, f.mode(), off, len);
            if (op != null) {
                o.endFallocate(op, rc);
            }
            return rc;
        }
        if (s instanceof Stmt.Mmap m) {
            return mmap(m, env, outer);
        }
        if (s instanceof Stmt.Anon a) {
            return anon(a, env, outer);
        }
        if (s instanceof Stmt.Store st) {
            return store(st, env, outer);
        }
        if (s instanceof Stmt.Load l) {
            return load(l, env, outer);
        }
        if (s instanceof Stmt.Msync m) {
            MapShadow ms = maps.get(m.map());
            return Syscalls.msync(ms == null ? 0 : ms.addr, m.sync());
        }
        if (s instanceof Stmt.Munmap m) {
            MapShadow ms = maps.get(m.map());
            int rc = Syscalls.munmap(ms == null ? 0 : ms.addr);
            if (rc == 0 && ms != null) {
                maps.remove(m.map());
                o.unmapped(ms);
            }
            return rc;
        }
        if (s instanceof Stmt.PathOp p) {
            String path = p.path().eval(env);
            int rc = switch (p.op()) {
                case "mkdir" -> Syscalls.mkdir(path, 0755);
                case "rmdir" -> Syscalls.rmdir(path);
                default -> Syscalls.unlink(path);
            };
            if (rc == 0 && !p.op().equals("mkdir")) {
                o.unlinked(path);
            }
            return rc;
        }
        if (s instanceof Stmt.Rename r) {
            String from = r.from().eval(env);
            String to = r.to().eval(env);
            int rc = Syscalls.rename(from, to);
            if (rc == 0) {
                o.renamed(from, to);
            }
            return rc;
        }
        if (s instanceof Stmt.Link l) {
            String from = l.from().eval(env);
            String to = l.to().eval(env);
            int rc = Syscalls.link(from, to);
            if (rc == 0) {
                o.linked(from, to);
            }
            return rc;
        }
        if (s instanceof Stmt.Symlink sl) {
            return Syscalls.symlink(sl.target(), sl.path().eval(env));
        }
        if (s instanceof Stmt.Chmod c) {
            return Syscalls.chmod(c.path().eval(env), c.mode());
        }
        if (s instanceof Stmt.Chown c) {
            return Syscalls.chown(c.path().eval(env), c.uid(), c.gid());
        }
        if (s instanceof Stmt.Stat st) {
            return stat(st, env, outer);
        }
        if (s instanceof Stmt.Setxattr sx) {
            long n = eval(sx.len(), env, outer);
            if (n < 0 || n > Parser.MAX_IO) {
                fail(outer, env, sx.text() + ": LEN " + n + " is not between 0 and 64M", "");
            }
            int len = (int) n; // 0: an empty value
            byte[] value = java.util.Arrays.copyOf(fill(data(sx.pattern(), env, outer, 0, len), 0, len), len);
            return Syscalls.setxattr(sx.path().eval(env), sx.name(), value, sx.flags());
        }
        if (s instanceof Stmt.Getxattr gx) {
            byte[] buf = new byte[XATTR_SIZE_MAX];
            int rc = Syscalls.getxattr(gx.path().eval(env), gx.name(), buf);
            if (rc >= 0) {
                lastData = java.util.Arrays.copyOf(buf, rc);
            }
            return rc;
        }
        if (s instanceof Stmt.Removexattr rx) {
            return Syscalls.removexattr(rx.path().eval(env), rx.name());
        }
        if (s instanceof Stmt.Sleep sl) {
            long ms = eval(sl.ms(), env, outer);
            if (ms > 0) {
                k.sched().msleep(ms);
            }
            return 0;
        }
        if (s instanceof Stmt.Yield y) {
            k.sched().condResched();
            return 0;
        }
        if (s instanceof Stmt.Barrier b) {
            barriers.get(b.name()).await(me);
            return 0;
        }
        if (s instanceof Stmt.Log l) {
            k.printk("workload: " + me.name + ": " + l.message());
            return 0;
        }
        if (s instanceof Stmt.DropCaches d) {
            dropCaches();
            return 0;
        }
        if (s instanceof Stmt.Loop) {
            throw new IllegalStateException("loop handled by step");
        }
        if (s instanceof Stmt.ExpectError) {
            throw new IllegalStateException("expect-error handled by step");
        }
        throw new IllegalStateException("statement " + s);
    }

    private long open(Stmt.Open op, Expr.Env env, Stmt outer) {
        Handle h = handle(op.handle());
        if (h.fd >= 0) {
            fail(outer, env, op.text() + ": handle " + op.handle() + " is already open (close it first)", "");
        }
        String path = op.path().eval(env);
        int flags = op.flags();
        Oracle.FileOp trunc = null;
        FileShadow known = null;
        if ((flags & File.O_TRUNC) != 0 && (flags & File.O_ACCMODE) != File.O_RDONLY) {
            known = o.lookup(path);
            if (known != null) {
                trunc = o.beginTruncate(me, known, 0, origin(outer, env));
            }
        }
        int fd = Syscalls.open(path, flags, 0644);
        if (fd < 0) {
            if (trunc != null) {
                o.endTruncate(trunc, fd);
            }
            return fd;
        }
        Kstat[] st = new Kstat[1];
        int rc = Syscalls.fstat(fd, st);
        if (rc < 0) {
            Syscalls.close(fd);
            return rc;
        }
        FileShadow f = o.opened(path, st[0].ino(), st[0].size(), st[0].isDir());
        openHook.accept(path, st[0].ino());
        if (trunc != null) {
            o.endTruncate(trunc, f == known ? 0 : -Errno.EIO); // a different file: the truncate hit something else
        } else if ((flags & File.O_TRUNC) != 0 && f != null && (flags & File.O_ACCMODE) != File.O_RDONLY) {
            o.endTruncate(o.beginTruncate(me, f, 0, origin(outer, env)), 0);
        }
        h.fd = fd;
        h.file = f;
        h.path = path;
        h.flags = flags;
        return 0;
    }

    private long read(Stmt.Read r, Expr.Env env, Stmt outer) {
        Handle h = handle(r.handle());
        long off = eval(r.off(), env, outer);
        int len = (int) length(r.len(), env, outer);
        boolean direct = (h.flags & File.O_DIRECT) != 0;
        if (r.into() == null) {
            byte[] buf = new byte[len];
            long t0 = meter != null ? meter.now() : 0;
            long n = Syscalls.pread(h.fd, buf, 0, len, off);
            if (meter != null) {
                meter.sysDone(t0);
            }
            if (n >= 0 && steps != null) {
                lastData = java.util.Arrays.copyOf(buf, (int) n);
            }
            if (n >= 0 && h.readable() && h.file != null && off >= 0) {
                report(o.verifyRead(me, h.file, off, len, buf, n, direct), outer, env);
            }
            return n;
        }
        MapShadow m = maps.get(r.into().map());
        long moff = eval(r.into().off(), env, outer);
        boolean tracked = m != null && moff >= 0 && moff + len <= m.len && h.readable() && h.file != null && off >= 0;
        Oracle.StoreOp op = tracked ? o.beginStore(me, m, moff, len, origin(outer, env)) : null;
        long n = Syscalls.preadUser(h.fd, m == null ? 0 : m.addr + moff, len, off);
        if (op != null) {
            Data d = n > 0 ? o.snapshotFile(me, h.file, off, (int) n, m.fileOff + moff) : Shadow.UNKNOWN;
            o.endStore(op, n, d, false, n <= 0 ? 0 : direct ? len : n); // the user memory the read wrote
            if (n >= 0) {
                long want = o.expectedReadCount(me, h.file, off, len);
                if (want >= 0 && n != want) {
                    report(new Oracle.Mismatch(String.format(Locale.ROOT,
                            "data corruption: %s: read of %d bytes at offset %d returned %d, expected %d", h.file.path, len,
                            off, n, want), "read into " + m.describe() + " at mapping offset " + moff), outer, env);
                }
            }
        }
        return n;
    }

    private long write(Stmt.Write wr, Expr.Env env, Stmt outer) {
        Handle h = handle(wr.handle());
        long off = eval(wr.off(), env, outer);
        int len = (int) length(wr.len(), env, outer);
        boolean append = (h.flags & File.O_APPEND) != 0;
        boolean tracked = !wr.unchecked() && h.writable() && h.file != null && (off >= 0 || append);
        if (wr.from() != null) {
            MapShadow m = maps.get(wr.from().map());
            long moff = eval(wr.from().off(), env, outer);
            tracked &= m != null && moff >= 0 && moff + len <= m.len;
            Oracle.FileOp op = tracked ? o.beginWrite(me, h.file, off, len, append, origin(outer, env)) : null;
            long n = Syscalls.pwriteUser(h.fd, m == null ? 0 : m.addr + moff, len, off);
            if (op != null) {
                o.endWrite(op, n, n > 0 ? o.snapshotMap(me, m, moff, (int) n, op.off) : Shadow.UNKNOWN);
            }
            return n;
        }
        Oracle.FileOp op = tracked ? o.beginWrite(me, h.file, off, len, append, origin(outer, env)) : null;
        long pos = op != null ? op.off : off;
        Data d = data(wr.pattern(), env, outer, pos, len);
        byte[] buf = fill(d, pos, len); // patterns are keyed by the file offset the bytes land at
        long t0 = meter != null ? meter.now() : 0;
        long n = Syscalls.pwrite(h.fd, buf, 0, len, off);
        if (meter != null) {
            meter.sysDone(t0);
        }
        if (op != null) {
            o.endWrite(op, n, d);
        }
        return n;
    }

    private long mmap(Stmt.Mmap m, Expr.Env env, Stmt outer) {
        if (maps.containsKey(m.map())) {
            fail(outer, env, m.text() + ": mapping " + m.map() + " is already mapped (munmap it first)", "");
        }
        Handle h = handle(m.handle());
        long off = eval(m.off(), env, outer);
        long len = length(m.len(), env, outer);
        int prot = Syscalls.PROT_READ | (m.writable() ? Syscalls.PROT_WRITE : 0);
        long addr = Syscalls.mmap(len, prot, m.shared() ? Syscalls.MAP_SHARED : Syscalls.MAP_PRIVATE, h.fd, off);
        if (addr < 0) {
            return addr;
        }
        maps.put(m.map(), o.mapped(m.map(), addr, len, off, h.file, m.shared(), m.writable()));
        return 0;
    }

    private long anon(Stmt.Anon a, Expr.Env env, Stmt outer) {
        if (maps.containsKey(a.map())) {
            fail(outer, env, a.text() + ": mapping " + a.map() + " is already mapped (munmap it first)", "");
        }
        long len = length(a.len(), env, outer);
        long addr = Syscalls.mmap(len, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0);
        if (addr < 0) {
            return addr;
        }
        maps.put(a.map(), o.mapped(a.map(), addr, len, 0, null, false, true));
        if (a.touch()) {
            for (long p = 0; p < len; p += 4096) {
                long rc = Syscalls.store(addr + p, ONE_ZERO, 0, 1); // zero: the shadow is unchanged
                if (rc < 0) {
                    return rc;
                }
            }
        }
        return 0;
    }

    private long store(Stmt.Store st, Expr.Env env, Stmt outer) {
        MapShadow m = maps.get(st.map());
        long off = eval(st.off(), env, outer);
        int len = (int) length(st.len(), env, outer);
        boolean tracked = m != null && off >= 0 && off + len <= m.len;
        long pos = m == null ? off : m.fileOff + off;
        Data d = data(st.pattern(), env, outer, pos, len);
        byte[] buf = fill(d, pos, len); // keyed by file offset (mapping offset for anonymous memory)
        Oracle.StoreOp op = tracked ? o.beginStore(me, m, off, len, origin(outer, env)) : null;
        long t0 = meter != null ? meter.now() : 0;
        long rc = Syscalls.store(m == null ? 0 : m.addr + off, buf, 0, len);
        if (meter != null) {
            meter.sysDone(t0);
        }
        if (op != null) {
            report(o.endStore(op, rc, d, true), outer, env);
        }
        return rc;
    }

    private long load(Stmt.Load l, Expr.Env env, Stmt outer) {
        MapShadow m = maps.get(l.map());
        long off = eval(l.off(), env, outer);
        int len = (int) length(l.len(), env, outer);
        byte[] buf = new byte[len];
        long t0 = meter != null ? meter.now() : 0;
        long rc = Syscalls.load(m == null ? 0 : m.addr + off, buf, 0, len);
        if (meter != null) {
            meter.sysDone(t0);
        }
        if (rc >= 0) {
            lastData = buf;
        }
        if (m != null && off >= 0 && off + len <= m.len) {
            report(o.verifyLoad(me, m, off, buf, rc), outer, env);
        }
        return rc;
    }

    private long stat(Stmt.Stat st, Expr.Env env, Stmt outer) {
        String path = st.path().eval(env);
        Kstat[] out = new Kstat[1];
        int rc = Syscalls.stat(path, out);
        if (rc < 0) {
            return rc;
        }
        Kstat ks = out[0];
        lastData = StepResult.statData(ks.isDir(), ks.size(), ks.mode(), ks.nlink(), ks.uid(), ks.gid());
        if (st.dir() != null && st.dir() != ks.isDir()) {
            report(new Oracle.Mismatch("stat mismatch: " + path + " is " + (ks.isDir() ? "a directory" : "not a directory")
                    + ", expected " + (st.dir() ? "a directory" : "a file"), "mode 0" + Integer.toOctalString(ks.mode())), outer, env);
        }
        if (st.size() != null) {
            long want = eval(st.size(), env, outer);
            if (ks.size() != want) {
                report(new Oracle.Mismatch("stat mismatch: " + path + ": size " + ks.size() + ", expected " + want,
                        "the workload states size=" + st.size()), outer, env);
            }
        }
        if (ks.isReg()) {
            report(o.verifyStat(me, path, ks.size()), outer, env);
        }
        return 0;
    }

    /** echo 1 &gt; /proc/sys/vm/drop_caches: drop_pagecache_sb() on the root filesystem. */
    private void dropCaches() {
        SuperBlock sb = Vfs.of(k).root();
        if (sb == null) {
            return;
        }
        for (Inode i : sb.icacheAll()) {
            Truncate.invalidateMappingPages(i.mapping(), 0, Long.MAX_VALUE);
            k.sched().condResched();
        }
    }
}
