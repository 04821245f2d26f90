package org.faultline.tools.mount;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import jnr.ffi.Pointer;
import org.faultline.fs.DirEntry;
import org.faultline.fs.File;
import org.faultline.fs.Kstat;
import org.faultline.fs.Syscalls;
import org.faultline.kernel.Errno;
import org.faultline.kernel.HostGate;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * The emulated ext4 served to the host through FUSE ({@code faultline mount}): every request is a
 * system call of the emulated task that stands for the calling host process ({@link HostGate}, the
 * pid from the FUSE context); an open file belongs to the process that opened it, so its reads,
 * writes, fsyncs and its release run in that process's task, on that task's descriptor (the FUSE
 * handle carries both). Errors are the emulated kernel's errnos; a request the stopped machine
 * cannot serve fails with EIO.
 *
 * <p>An oops while serving a request (the machine runs without panic_on_oops) kills the task that
 * served it: the request fails with EIO, the report is printed, and from then on — the kernel being
 * tainted (D) — the mount refuses every request that would change the filesystem with EROFS, as
 * ext4 remounted read-only after an error would; reads are still served. The files the dead task
 * held open fail with EIO; the process's next request gets a fresh task.
 *
 * <p>Each call runs with the caller's uid and gid ({@link org.faultline.kernel.Cred}): what it
 * creates is its own, and chown/chmod are judged as its (the host kernel checks permission bits first:
 * the mount has {@code default_permissions}). Extended attributes ({@code getfattr}, {@code setfattr})
 * are the emulated ext4's ({@link org.faultline.fs.ext4.Ext4Xattr}): {@code user.}, {@code trusted.},
 * {@code security.}; POSIX ACLs ({@code system.posix_acl_*}) are EOPNOTSUPP. They are not recorded
 * ({@code --record}: the workload language has no xattr statements). Times are whole seconds on disk.
 */
public final class FuseFs extends FuseStubFS {
    /** Open flags the emulated open(2) honours; others (O_LARGEFILE, O_NOATIME...) are dropped. */
    private static final int OPEN_FLAGS = File.O_ACCMODE | File.O_CREAT | File.O_EXCL | File.O_TRUNC | File.O_APPEND
            | File.O_DIRECT | File.O_SYNC | File.O_DSYNC;

    private final HostGate gate;
    private final org.faultline.kernel.Kernel kernel;
    private final java.util.function.Consumer<String> console;
    private final java.util.concurrent.atomic.AtomicBoolean oopsSaid = new java.util.concurrent.atomic.AtomicBoolean();
    private final Recorder rec;
    private final List<org.faultline.tools.workload.FailWrite> failWrites;
    private final java.util.Set<String> armed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * @param console    where an oops and its consequence are said, as they happen
     * @param rec        where the calls are recorded as a workload ({@code --record}), or null
     * @param failWrites writeback failures to inject ({@code --fail-write}), each armed on its file's first open
     */
    public FuseFs(HostGate gate, org.faultline.kernel.Kernel kernel, java.util.function.Consumer<String> console,
                  Recorder rec, List<org.faultline.tools.workload.FailWrite> failWrites) {
        this.gate = gate;
        this.kernel = kernel;
        this.console = console;
        this.rec = rec;
        this.failWrites = List.copyOf(failWrites);
    }

    /**
     * {@code --fail-write}: the first open of a named path arms ext4's block-mapping fault injection on
     * its inode, as the workload setting {@code fail-write} does. Context: the opener's task.
     */
    private static void arm(int fd, String path, org.faultline.tools.workload.FailWrite f) {
        Kstat[] st = new Kstat[1];
        org.faultline.fs.SuperBlock root = org.faultline.fs.Vfs.of(org.faultline.kernel.Task.current().kernel()).root();
        if (Syscalls.fstat(fd, st) == 0 && root.fsInfo() instanceof org.faultline.fs.ext4.Ext4Super es) {
            es.injectMapBlocksFailure(st[0].ino(), f.nth(), f.count(), f.errno());
            org.faultline.kernel.Task.current().kernel().printk("mount: fail-write armed on " + path + " (inode "
                    + st[0].ino() + ")");
        }
    }

    private int caller() {
        Number pid = getContext().pid.get();
        return pid == null ? 0 : pid.intValue();
    }

    /**
     * {@code body} made with the calling process's credentials (the FUSE request's uid and gid, read
     * here on the FUSE thread): the task commits them before the call, so what it creates is the
     * caller's and chown/chmod are judged as the caller's.
     */
    private LongSupplier asCaller(LongSupplier body) {
        Number uid = getContext().uid.get();
        Number gid = getContext().gid.get();
        org.faultline.kernel.Cred c = new org.faultline.kernel.Cred(uid == null ? 0 : uid.intValue(),
                gid == null ? 0 : gid.intValue());
        return () -> {
            org.faultline.kernel.Cred.commit(c);
            return body.getAsLong();
        };
    }

    /** The host process's name, as /proc shows it (the emulated task's comm). */
    private static String comm(int pid) {
        try {
            String c = Files.readString(Path.of("/proc", Integer.toString(pid), "comm"), StandardCharsets.UTF_8).strip();
            return c.isEmpty() ? "pid" + pid : c;
        } catch (java.io.IOException | SecurityException e) {
            return "pid" + pid;
        }
    }

    /** A gate call's result as FUSE wants it: EIO once the machine has stopped or the task was killed. */
    private int errno(long r) {
        if (r == HostGate.DEAD || r == HostGate.KILLED) {
            oopsed();
            return -Errno.EIO;
        }
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, r));
    }

    /** The first time a request fails because an oops killed its task: the report, and what follows. */
    private void oopsed() {
        if (!kernel.taint().test(org.faultline.kernel.Taint.DIE) || !oopsSaid.compareAndSet(false, true)) {
            return;
        }
        for (org.faultline.kernel.Failure f : kernel.failures()) {
            if (f.kind() == org.faultline.kernel.Failure.Kind.BUG) {
                console.accept(f.report());
                break;
            }
        }
        console.accept("faultline mount: the emulated kernel oopsed serving a request: it failed with EIO; the kernel is "
                + "tainted (" + kernel.taint().letters() + "), so the mount refuses writes from now on (EROFS). "
                + "Unmount to capture the failure.");
    }

    /** Whether requests that would change the filesystem are refused (EROFS): after an oops (TAINT_DIE). */
    private boolean readOnly() {
        return kernel.taint().test(org.faultline.kernel.Taint.DIE);
    }

    /** A request that changes the filesystem: {@link #sys(String, LongSupplier)}, or EROFS after an oops. */
    private int change(String stmt, LongSupplier body) {
        return readOnly() ? -Errno.EROFS : sys(stmt, body);
    }

    /** A change through an open file: {@link #onHandle}, or EROFS after an oops. */
    private int changeOnHandle(FuseFileInfo fi, java.util.function.IntFunction<String> stmt, HandleCall body) {
        return readOnly() ? -Errno.EROFS : onHandle(fi, stmt, body);
    }

    /** Whether open(2) with {@code flags} would change the filesystem (write access, create, truncate). */
    private static boolean writes(int flags) {
        return (flags & File.O_ACCMODE) != File.O_RDONLY || (flags & (File.O_CREAT | File.O_TRUNC)) != 0;
    }

    private int sys(LongSupplier body) {
        return sys(null, body);
    }

    /** {@link #sys(LongSupplier)}, recorded as {@code stmt} (null: not recorded). */
    private int sys(String stmt, LongSupplier body) {
        int pid = caller();
        long raw = gate.call(pid, () -> comm(pid), asCaller(body));
        int rc = errno(raw);
        record(pid, stmt, raw, rc);
        return rc;
    }

    /**
     * Records a served call: as made, with the comment that the kernel oopsed in it if it did, and not
     * at all if the machine never made it (its task gone, the machine stopped).
     */
    private void record(int pid, String stmt, long raw, int rc) {
        if (rec == null || stmt == null || raw == HostGate.DEAD) {
            return;
        }
        rec.record(pid, () -> comm(pid), stmt, raw == HostGate.KILLED ? 0 : rc);
        if (raw == HostGate.KILLED) {
            rec.record(pid, () -> comm(pid), "# the emulated kernel oopsed in this call: the program saw EIO", 0);
        }
    }

    /**
     * A call on an open file: in the emulated task that opened it (the handle holds its pid and the
     * descriptor); recorded as {@code stmt} of handle f(fd), under the calling process that opened it.
     */
    private int onHandle(FuseFileInfo fi, java.util.function.IntFunction<String> stmt, HandleCall body) {
        long fh = fi.fh.get();
        int task = (int) (fh >>> 32);
        int fd = (int) fh;
        long raw = gate.callAs(task, asCaller(() -> body.call(fd)));
        int rc = errno(raw);
        int pid = gate.callerOf(task);
        if (rec != null && stmt != null && pid >= 0) {
            record(pid, stmt.apply(fd), raw, rc);
        }
        return rc;
    }

    private static String handle(int fd) {
        return "f" + fd;
    }

    /** A path statement, or a comment where the path cannot be written in the workload language. */
    private static String pathStmt(String kw, String... paths) {
        StringBuilder b = new StringBuilder(kw);
        for (String p : paths) {
            String t = Recorder.path(p);
            if (t == null) {
                return "# " + kw + " (a path with spaces or '#' is not recorded)";
            }
            b.append(' ').append(t);
        }
        return b.toString();
    }

    /** {@code kw PATH ARGS}, or the comment {@link #pathStmt(String, String...)} makes for a path it cannot write. */
    private static String pathStmt(String kw, String path, String args) {
        String s = pathStmt(kw, path);
        return s.startsWith("#") ? s : s + " " + args;
    }

    @FunctionalInterface
    private interface HandleCall {
        long call(int fd);
    }

    @Override
    public int getattr(String path, FileStat stat) {
        Kstat[] st = new Kstat[1];
        int rc = sys(() -> Syscalls.lstat(path, st));
        if (rc == 0) {
            fill(stat, st[0]);
        }
        return rc;
    }

    private static void fill(FileStat stat, Kstat k) {
        stat.st_mode.set(k.mode());
        stat.st_ino.set(k.ino());
        stat.st_nlink.set(k.nlink());
        stat.st_size.set(k.size());
        stat.st_blocks.set(k.blocks());
        stat.st_blksize.set(4096);
        stat.st_uid.set(k.uid());
        stat.st_gid.set(k.gid());
        stat.st_mtim.tv_sec.set(k.mtimeNs() / 1_000_000_000L);
        stat.st_mtim.tv_nsec.set(k.mtimeNs() % 1_000_000_000L);
        stat.st_ctim.tv_sec.set(k.ctimeNs() / 1_000_000_000L);
        stat.st_ctim.tv_nsec.set(k.ctimeNs() % 1_000_000_000L);
        stat.st_atim.tv_sec.set(k.mtimeNs() / 1_000_000_000L);
        stat.st_atim.tv_nsec.set(k.mtimeNs() % 1_000_000_000L);
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
        List<DirEntry> entries = new ArrayList<>();
        int rc = sys(() -> Syscalls.readdir(path, entries));
        if (rc != 0) {
            return rc;
        }
        filter.apply(buf, ".", null, 0);
        filter.apply(buf, "..", null, 0);
        for (DirEntry e : entries) {
            if (!e.name().equals(".") && !e.name().equals("..")) {
                filter.apply(buf, e.name(), null, 0);
            }
        }
        return 0;
    }

    private int openAs(String path, int flags, int mode, FuseFileInfo fi) {
        if (writes(flags) && readOnly()) {
            return -Errno.EROFS;
        }
        int pid = caller();
        int[] task = new int[1];
        long fd = gate.call(pid, () -> comm(pid), asCaller(() -> {
            task[0] = org.faultline.kernel.Task.current().pid();
            int f = Syscalls.open(path, flags & OPEN_FLAGS, mode);
            for (org.faultline.tools.workload.FailWrite w : failWrites) {
                if (f >= 0 && w.path().equals(path) && armed.add(path)) {
                    arm(f, path, w);
                }
            }
            return f;
        }));
        int rc = fd == HostGate.DEAD || fd == HostGate.KILLED ? errno(fd) : fd < 0 ? (int) fd : 0;
        String p = Recorder.path(path);
        record(pid, p == null ? "# open (a path with spaces or '#' is not recorded)"
                : Recorder.open(rc == 0 ? handle((int) fd) : "failed", p, flags & OPEN_FLAGS), fd, rc);
        if (rc != 0) {
            return rc;
        }
        fi.fh.set(((long) task[0] << 32) | fd);
        return 0;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return openAs(path, fi.flags.get(), 0644, fi);
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return openAs(path, fi.flags.get() | File.O_CREAT, (int) (mode & 07777), fi);
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        byte[] b = new byte[(int) Math.min(size, Integer.MAX_VALUE)];
        int n = onHandle(fi, fd -> b.length == 0 ? null : "read " + handle(fd) + " " + offset + " " + b.length,
                fd -> Syscalls.pread(fd, b, 0, b.length, offset));
        if (n > 0) {
            buf.put(0, b, 0, n);
        }
        return n;
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        if (readOnly()) {
            return -Errno.EROFS;
        }
        byte[] b = new byte[(int) Math.min(size, Integer.MAX_VALUE)];
        buf.get(0, b, 0, b.length);
        return onHandle(fi, fd -> b.length == 0 ? null : "write " + handle(fd) + " " + offset + " " + b.length + " "
                + rec.dataOf(b, b.length), fd -> Syscalls.pwrite(fd, b, 0, b.length, offset));
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        return onHandle(fi, fd -> (isdatasync != 0 ? "fdatasync " : "fsync ") + handle(fd),
                fd -> isdatasync != 0 ? Syscalls.fdatasync(fd) : Syscalls.fsync(fd));
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return 0; // close(2) of one of the process's descriptors: the file stays open until release
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return onHandle(fi, fd -> "close " + handle(fd), Syscalls::close);
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return changeOnHandle(fi, fd -> "truncate " + handle(fd) + " " + size, fd -> Syscalls.ftruncate(fd, size));
    }

    /**
     * fallocate(2) on an open file: the modes ext4_fallocate serves here — preallocation (0,
     * KEEP_SIZE), PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE; others are EOPNOTSUPP, as the kernel says.
     */
    @Override
    public int fallocate(String path, int mode, long off, long length, FuseFileInfo fi) {
        return changeOnHandle(fi, fd -> "fallocate " + handle(fd) + " " + off + " " + length
                + ((mode & Syscalls.FALLOC_FL_KEEP_SIZE) != 0 && (mode & Syscalls.FALLOC_FL_PUNCH_HOLE) == 0 ? " keep-size" : "")
                + ((mode & Syscalls.FALLOC_FL_PUNCH_HOLE) != 0 ? " punch" : "")
                + ((mode & Syscalls.FALLOC_FL_ZERO_RANGE) != 0 ? " zero-range" : ""),
                fd -> Syscalls.fallocate(fd, mode, off, length));
    }

    @Override
    public int truncate(String path, long size) {
        if (readOnly()) {
            return -Errno.EROFS;
        }
        int pid = caller();
        int rc = errno(gate.call(pid, () -> comm(pid), asCaller(() -> {
            int fd = Syscalls.open(path, File.O_WRONLY, 0);
            if (fd < 0) {
                return fd;
            }
            int r = Syscalls.ftruncate(fd, size);
            Syscalls.close(fd);
            return r;
        })));
        String p = Recorder.path(path);
        if (rec != null && p != null) { // truncate(2) of a path: the workload opens, truncates, closes
            rec.record(pid, () -> comm(pid), "open t " + p + " wronly", rc == -Errno.ENOENT || rc == -Errno.EISDIR ? rc : 0);
            if (rc != -Errno.ENOENT && rc != -Errno.EISDIR) {
                rec.record(pid, () -> comm(pid), "truncate t " + size, rc);
                rec.record(pid, () -> comm(pid), "close t", 0);
            }
        }
        return rc;
    }

    @Override
    public int mkdir(String path, long mode) {
        return change(pathStmt("mkdir", path), () -> Syscalls.mkdir(path, (int) (mode & 07777)));
    }

    @Override
    public int rmdir(String path) {
        return change(pathStmt("rmdir", path), () -> Syscalls.rmdir(path));
    }

    @Override
    public int unlink(String path) {
        return change(pathStmt("unlink", path), () -> Syscalls.unlink(path));
    }

    @Override
    public int rename(String from, String to) {
        return change(pathStmt("rename", from, to), () -> Syscalls.rename(from, to));
    }

    @Override
    public int statfs(String path, ru.serce.jnrfuse.struct.Statvfs st) {
        org.faultline.fs.Kstatfs[] out = new org.faultline.fs.Kstatfs[1];
        int rc = sys(() -> Syscalls.statfs(path, out));
        if (rc == 0) {
            org.faultline.fs.Kstatfs f = out[0];
            st.f_bsize.set(f.bsize());
            st.f_frsize.set(f.bsize());
            st.f_blocks.set(f.blocks());
            st.f_bfree.set(f.bfree());
            st.f_bavail.set(f.bavail());
            st.f_files.set(f.files());
            st.f_ffree.set(f.ffree());
            st.f_favail.set(f.ffree());
            st.f_namemax.set(f.namelen());
        }
        return rc;
    }

    @Override
    public int link(String oldPath, String newPath) {
        return change(pathStmt("link", oldPath, newPath), () -> Syscalls.link(oldPath, newPath));
    }

    @Override
    public int symlink(String target, String path) {
        String t = Recorder.path(target); // a target with spaces cannot be written as a token
        return change(t == null ? "# symlink (a target with spaces or '#' is not recorded)" : pathStmt("symlink " + t, path),
                () -> Syscalls.symlink(target, path));
    }

    /** readlink(): the target, NUL-terminated and cut to the buffer as the FUSE API wants. */
    @Override
    public int readlink(String path, Pointer buf, long size) {
        String[] out = new String[1];
        int rc = sys(() -> Syscalls.readlink(path, out));
        if (rc == 0) {
            byte[] t = out[0].getBytes(StandardCharsets.UTF_8);
            int n = (int) Math.min(t.length, Math.max(0, size - 1));
            buf.put(0, t, 0, n);
            buf.putByte(n, (byte) 0);
        }
        return rc;
    }

    @Override
    public int chmod(String path, long mode) {
        return change(pathStmt("chmod", path, Long.toOctalString(mode & 07777)),
                () -> Syscalls.chmod(path, (int) (mode & 07777)));
    }

    /** utimensat(2): each time as given, or now (UTIME_NOW), or left as it is (UTIME_OMIT). */
    @Override
    public int utimens(String path, ru.serce.jnrfuse.struct.Timespec[] ts) {
        long a = nanos(ts[0]);
        long m = nanos(ts[1]);
        return change(null, () -> Syscalls.utimens(path, a, m));
    }

    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    private static long nanos(ru.serce.jnrfuse.struct.Timespec t) {
        long ns = t.tv_nsec.longValue();
        if (ns == UTIME_NOW) {
            return org.faultline.fs.Iattr.TIME_NOW;
        }
        if (ns == UTIME_OMIT) {
            return org.faultline.fs.Iattr.TIME_UNSET;
        }
        return t.tv_sec.get() * 1_000_000_000L + ns;
    }

    /** chown(2): the owner and group (-1, as FUSE passes it unsigned, leaves one as it is). */
    @Override
    public int chown(String path, long uid, long gid) {
        int u = uid == 0xFFFFFFFFL || uid == -1 ? org.faultline.fs.Iattr.UNSET : (int) uid;
        int g = gid == 0xFFFFFFFFL || gid == -1 ? org.faultline.fs.Iattr.UNSET : (int) gid;
        return change(pathStmt("chown", path, u + " " + g), () -> Syscalls.chown(path, u, g));
    }

    /**
     * lgetxattr(2) of the node (FUSE resolves the path to the node itself: a link is not followed);
     * {@code size} 0 asks for the value's size, as the FUSE API passes it on.
     */
    @Override
    public int getxattr(String path, String name, Pointer value, long size) {
        byte[] b = new byte[(int) Math.min(size, Syscalls.XATTR_SIZE_MAX)];
        int rc = sys(() -> Syscalls.lgetxattr(path, name, b));
        if (rc > 0 && size > 0) {
            value.put(0, b, 0, rc);
        }
        return rc;
    }

    /** lsetxattr(2): flags XATTR_CREATE, XATTR_REPLACE as given. */
    @Override
    public int setxattr(String path, String name, Pointer value, long size, int flags) {
        if (readOnly()) {
            return -Errno.EROFS;
        }
        if (size > Syscalls.XATTR_SIZE_MAX) {
            return -Errno.E2BIG;
        }
        byte[] b = new byte[(int) size];
        if (size > 0) {
            value.get(0, b, 0, b.length);
        }
        return sys(() -> Syscalls.lsetxattr(path, name, b, flags));
    }

    /** llistxattr(2): the NUL-separated names; {@code size} 0 asks for the list's size. */
    @Override
    public int listxattr(String path, Pointer list, long size) {
        byte[] b = new byte[(int) Math.min(size, Syscalls.XATTR_LIST_MAX)];
        int rc = sys(() -> Syscalls.llistxattr(path, b));
        if (rc > 0 && size > 0) {
            list.put(0, b, 0, rc);
        }
        return rc;
    }

    /** lremovexattr(2). */
    @Override
    public int removexattr(String path, String name) {
        return change(null, () -> Syscalls.lremovexattr(path, name));
    }

    /** The mount is live (FUSE_INIT answered): callers may come. */
    @Override
    public Pointer init(Pointer conn) {
        gate.opened();
        return super.init(conn);
    }

    @Override
    public void destroy(Pointer initResult) {
        gate.close(); // the host unmounted: the machine syncs, unmounts and stops
    }
}
