package org.faultline.nativeio;

import com.sun.jna.Memory;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Objects;
import org.faultline.kernel.Errno;

/**
 * An open host file descriptor: a regular file (a disk image) or a block device.
 *
 * <p>All I/O is positional ({@code pread}/{@code pwrite}/{@code preadv}/{@code pwritev}) and moves
 * a whole request per system call: the vectored calls take up to {@link LibC#IOV_MAX} buffers in
 * one call (larger vectors are split), building the {@code struct iovec} array in a reusable
 * per-thread off-heap buffer. Reads and writes loop on short transfers and {@code EINTR} until the
 * full length is done; a read that reaches end of file returns the bytes it got.
 *
 * <p><strong>Addresses.</strong> Methods taking a {@code long addr} pass it to the kernel as is.
 * The kernel rejects unmapped memory with {@code EFAULT}, but a wrong address inside the JVM's own
 * memory is silently overwritten: callers pass only addresses they own, normally from
 * {@link AlignedMemory#address(long, long)}, which is bounds-checked. The overloads taking an
 * {@link AlignedMemory} check the range themselves.
 *
 * <p><strong>Thread safety.</strong> Concurrent reads and writes from several threads are safe
 * (they are positional and share no state; the kernel orders overlapping ones). The class has no
 * locks of its own. {@link #close()} is idempotent and may be called from any thread, but must not
 * race with I/O still in flight on other threads: the descriptor number could be reused by another
 * open in between.
 *
 * <p>Every failure throws {@link ErrnoException} naming the call and the path. After close, calls
 * fail with {@code EBADF}.
 */
public final class HostFile implements AutoCloseable {

    private static final VarHandle FD;

    static {
        try {
            FD = MethodHandles.lookup().findVarHandle(HostFile.class, "fd", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Path path;
    private final String pathString;
    private final boolean direct;
    private final int flags;
    private final int mode;
    @SuppressWarnings("unused") // accessed through FD
    private volatile int fd;

    private HostFile(Path path, int fd, int flags, int mode) {
        this.path = path;
        this.pathString = path.toString();
        this.fd = fd;
        this.flags = flags;
        this.direct = (flags & LibC.O_DIRECT) != 0;
        this.mode = mode;
    }

    // ---------------------------------------------------------------- opening

    /**
     * {@code open(2)}: opens {@code path} with the given {@code O_*} flags ({@link LibC#O_CLOEXEC} is
     * always added) and, with {@code O_CREAT}, permission bits {@code mode}. Retries on {@code EINTR}.
     *
     * @param path  the file or block device
     * @param flags {@code O_*} flags from {@link LibC}
     * @param mode  permission bits for a created file, e.g. {@code 0644}
     * @return the open file
     * @throws DirectIoUnsupportedException if {@code O_DIRECT} was asked and the filesystem refuses it
     *                                      ({@code EINVAL})
     * @throws ErrnoException               any other failure, e.g. {@code ENOENT}, {@code EEXIST},
     *                                      {@code EACCES}
     */
    public static HostFile open(Path path, int flags, int mode) throws ErrnoException {
        LibC.requireSupported();
        Objects.requireNonNull(path, "path");
        int f = flags | LibC.O_CLOEXEC;
        byte[] p = LibC.pathBytes(path);
        int fd;
        while ((fd = LibC.open(p, f, mode)) < 0) {
            int err = LibC.errno();
            if (err == Errno.EINTR) {
                continue;
            }
            if (err == Errno.EINVAL && (f & LibC.O_DIRECT) != 0) {
                throw new DirectIoUnsupportedException(path.toString(), HostFilesystem.nameOf(path));
            }
            throw new ErrnoException(err, "open", path.toString());
        }
        FileStat st;
        try {
            st = FileStat.of(fd, path.toString());
        } catch (ErrnoException e) {
            LibC.close(fd);
            throw e;
        }
        return new HostFile(path, fd, f, st.mode());
    }

    /**
     * Opens an existing disk image or block device: {@code O_RDWR} (or {@code O_RDONLY}), plus
     * {@code O_DIRECT} when {@code direct}, plus {@code O_CLOEXEC}. Never creates the file.
     *
     * @param path     the image file or block device
     * @param direct   bypass the host page cache ({@code O_DIRECT}); I/O must then be aligned
     * @param readOnly open for reading only
     * @return the open file
     * @throws DirectIoUnsupportedException if {@code direct} and the host filesystem refuses it
     * @throws ErrnoException               any other {@code open} failure
     */
    public static HostFile openImage(Path path, boolean direct, boolean readOnly) throws ErrnoException {
        int flags = (readOnly ? LibC.O_RDONLY : LibC.O_RDWR) | (direct ? LibC.O_DIRECT : 0);
        return open(path, flags, 0);
    }

    // ---------------------------------------------------------------- accessors

    /** @return the path this file was opened with */
    public Path path() {
        return path;
    }

    /**
     * The raw descriptor, for calls this class lacks. Do not close it.
     *
     * @return the descriptor, or -1 after {@link #close()}
     */
    public int fd() {
        return fd;
    }

    /** @return true if opened with {@code O_DIRECT} */
    public boolean isDirect() {
        return direct;
    }

    /** @return true if opened read-only */
    public boolean isReadOnly() {
        return (flags & LibC.O_ACCMODE) == LibC.O_RDONLY;
    }

    /** @return true if the file is a block device ({@code S_ISBLK} at open time) */
    public boolean isBlockDevice() {
        return (mode & LibC.S_IFMT) == LibC.S_IFBLK;
    }

    /** @return true if the descriptor has been closed */
    public boolean isClosed() {
        return fd < 0;
    }

    private int liveFd(String call) throws ErrnoException {
        int f = fd;
        if (f < 0) {
            throw new ErrnoException(Errno.EBADF, call, pathString, "file already closed");
        }
        return f;
    }

    private ErrnoException fail(int err, String call) {
        if (direct && err == Errno.EINVAL) {
            return new ErrnoException(err, call, pathString,
                    "O_DIRECT needs buffer address, offset and length aligned to the logical block size");
        }
        return new ErrnoException(err, call, pathString);
    }

    private static void checkOffset(long off, long len) {
        if (off < 0 || len < 0 || off + len < 0) {
            throw new IllegalArgumentException("bad file range: offset " + off + ", length " + len);
        }
    }

    private static void checkAddr(long addr, long len) {
        if (len > 0 && addr == 0) {
            throw new IllegalArgumentException("null buffer address");
        }
    }

    // ---------------------------------------------------------------- pread / pwrite

    /**
     * {@code pread(2)}: reads {@code len} bytes at file offset {@code off} into memory at {@code addr},
     * looping on short reads and {@code EINTR}.
     *
     * @param addr address of {@code len} writable bytes owned by the caller
     * @param len  bytes to read
     * @param off  file offset
     * @return bytes read: {@code len}, or fewer only if end of file was reached
     * @throws ErrnoException on failure ({@code EINVAL} with O_DIRECT usually means misalignment)
     */
    public int pread(long addr, int len, long off) throws ErrnoException {
        checkOffset(off, len);
        checkAddr(addr, len);
        int f = liveFd("pread");
        int done = 0;
        while (done < len) {
            long r = LibC.pread(f, addr + done, len - done, off + done);
            if (r > 0) {
                done += (int) r;
            } else if (r == 0) {
                break;
            } else {
                int err = LibC.errno();
                if (err != Errno.EINTR) {
                    throw fail(err, "pread");
                }
            }
        }
        return done;
    }

    /**
     * {@code pwrite(2)}: writes {@code len} bytes from memory at {@code addr} to file offset
     * {@code off}, looping on short writes and {@code EINTR} until all are written.
     *
     * @param addr address of {@code len} readable bytes owned by the caller
     * @param len  bytes to write
     * @param off  file offset
     * @throws ErrnoException on failure, e.g. {@code ENOSPC}, {@code EIO}
     */
    public void pwrite(long addr, int len, long off) throws ErrnoException {
        checkOffset(off, len);
        checkAddr(addr, len);
        int f = liveFd("pwrite");
        int done = 0;
        while (done < len) {
            long r = LibC.pwrite(f, addr + done, len - done, off + done);
            if (r > 0) {
                done += (int) r;
            } else if (r == 0) {
                throw new ErrnoException(Errno.EIO, "pwrite", pathString,
                        "wrote 0 bytes at offset " + (off + done));
            } else {
                int err = LibC.errno();
                if (err != Errno.EINTR) {
                    throw fail(err, "pwrite");
                }
            }
        }
    }

    /**
     * {@code pread(2)} into a bounds-checked range of {@code mem}.
     *
     * @param mem    destination region
     * @param memOff offset in {@code mem}
     * @param len    bytes to read
     * @param off    file offset
     * @return bytes read ({@code len} unless end of file)
     * @throws ErrnoException            on failure
     * @throws IndexOutOfBoundsException if the range is outside {@code mem}
     */
    public int pread(AlignedMemory mem, long memOff, int len, long off) throws ErrnoException {
        return pread(mem.address(memOff, len), len, off);
    }

    /**
     * {@code pwrite(2)} from a bounds-checked range of {@code mem}.
     *
     * @param mem    source region
     * @param memOff offset in {@code mem}
     * @param len    bytes to write
     * @param off    file offset
     * @throws ErrnoException            on failure
     * @throws IndexOutOfBoundsException if the range is outside {@code mem}
     */
    public void pwrite(AlignedMemory mem, long memOff, int len, long off) throws ErrnoException {
        pwrite(mem.address(memOff, len), len, off);
    }

    // ---------------------------------------------------------------- preadv / pwritev

    /** Per-thread iovec array: {@link LibC#IOV_MAX} entries off-heap plus an on-heap staging copy. */
    private static final class IovScratch {
        final Memory iov = new Memory((long) LibC.IOV_MAX * LibC.IOVEC_SIZE);
        final long[] staging = new long[2 * LibC.IOV_MAX];
        final long address = com.sun.jna.Pointer.nativeValue(iov);
    }

    private static final ThreadLocal<IovScratch> SCRATCH = ThreadLocal.withInitial(IovScratch::new);

    /**
     * {@code preadv(2)}: scatter-reads consecutive file bytes starting at {@code off} into
     * {@code count} buffers, one system call per up to {@link LibC#IOV_MAX} buffers, looping on short
     * reads and {@code EINTR}.
     *
     * @param addrs buffer addresses (caller-owned), at least {@code count} entries
     * @param lens  buffer lengths (≥ 0), at least {@code count} entries
     * @param count number of buffers
     * @param off   file offset of the first byte
     * @return bytes read: the sum of {@code lens}, or fewer only if end of file was reached
     * @throws ErrnoException on failure
     */
    public long preadv(long[] addrs, int[] lens, int count, long off) throws ErrnoException {
        return vectored(false, addrs, lens, count, off);
    }

    /**
     * {@code pwritev(2)}: gather-writes {@code count} buffers to consecutive file bytes starting at
     * {@code off}, one system call per up to {@link LibC#IOV_MAX} buffers, looping on short writes and
     * {@code EINTR} until everything is written.
     *
     * @param addrs buffer addresses (caller-owned), at least {@code count} entries
     * @param lens  buffer lengths (≥ 0), at least {@code count} entries
     * @param count number of buffers
     * @param off   file offset of the first byte
     * @return bytes written (the sum of {@code lens})
     * @throws ErrnoException on failure
     */
    public long pwritev(long[] addrs, int[] lens, int count, long off) throws ErrnoException {
        return vectored(true, addrs, lens, count, off);
    }

    private long vectored(boolean write, long[] addrs, int[] lens, int count, long off)
            throws ErrnoException {
        String call = write ? "pwritev" : "preadv";
        if (count < 0 || count > addrs.length || count > lens.length) {
            throw new IllegalArgumentException(call + ": count " + count + " exceeds arrays ("
                    + addrs.length + " addresses, " + lens.length + " lengths)");
        }
        long total = 0;
        for (int i = 0; i < count; i++) {
            if (lens[i] < 0) {
                throw new IllegalArgumentException(call + ": negative length " + lens[i] + " at iovec " + i);
            }
            checkAddr(addrs[i], lens[i]);
            total += lens[i];
        }
        checkOffset(off, total);
        int f = liveFd(call);
        if (total == 0) {
            return 0;
        }
        IovScratch s = SCRATCH.get();
        IovCursor cur = new IovCursor(addrs, lens, count);
        long done = 0;
        while (done < total) {
            int n = cur.stage(s.staging, LibC.IOV_MAX);
            s.iov.write(0, s.staging, 0, 2 * n);
            long r = write ? LibC.pwritev(f, s.address, n, off + done)
                           : LibC.preadv(f, s.address, n, off + done);
            if (r < 0) {
                int err = LibC.errno();
                if (err == Errno.EINTR) {
                    continue;
                }
                throw fail(err, call);
            }
            if (r == 0) {
                if (!write) {
                    break; // end of file
                }
                throw new ErrnoException(Errno.EIO, call, pathString, "wrote 0 bytes at offset " + (off + done));
            }
            done += r;
            cur.advance(r);
        }
        return done;
    }

    // ---------------------------------------------------------------- durability and size

    /**
     * {@code fdatasync(2)}: makes written data (and the size) durable on the host.
     *
     * @throws ErrnoException on failure; {@code EIO} means previously written data was lost
     */
    public void fdatasync() throws ErrnoException {
        int f = liveFd("fdatasync");
        while (LibC.fdatasync(f) != 0) {
            int err = LibC.errno();
            if (err != Errno.EINTR) {
                throw fail(err, "fdatasync");
            }
        }
    }

    /**
     * {@code fsync(2)}: makes written data and all metadata durable on the host.
     *
     * @throws ErrnoException on failure
     */
    public void fsync() throws ErrnoException {
        int f = liveFd("fsync");
        while (LibC.fsync(f) != 0) {
            int err = LibC.errno();
            if (err != Errno.EINTR) {
                throw fail(err, "fsync");
            }
        }
    }

    /**
     * {@code fallocate(2)}: mode 0 allocates (and may grow the file); {@code FALLOC_FL_PUNCH_HOLE |
     * FALLOC_FL_KEEP_SIZE} deallocates so the range reads as zeros; {@code FALLOC_FL_ZERO_RANGE} zeroes.
     *
     * @param mode {@code FALLOC_FL_*} bits from {@link LibC}
     * @param off  start of the range
     * @param len  length of the range (> 0)
     * @throws ErrnoException on failure; {@code EOPNOTSUPP} if the host filesystem lacks the mode
     */
    public void fallocate(int mode, long off, long len) throws ErrnoException {
        checkOffset(off, len);
        int f = liveFd("fallocate");
        while (LibC.fallocate(f, mode, off, len) != 0) {
            int err = LibC.errno();
            if (err != Errno.EINTR) {
                throw fail(err, "fallocate");
            }
        }
    }

    /**
     * {@code ftruncate(2)}: sets the file size; growing leaves a hole that reads as zeros.
     *
     * @param length the new size (≥ 0)
     * @throws ErrnoException on failure ({@code EINVAL} for a block device or read-only descriptor)
     */
    public void ftruncate(long length) throws ErrnoException {
        checkOffset(length, 0);
        int f = liveFd("ftruncate");
        while (LibC.ftruncate(f, length) != 0) {
            int err = LibC.errno();
            if (err != Errno.EINTR) {
                throw fail(err, "ftruncate");
            }
        }
    }

    /**
     * The size in bytes: {@code ioctl(BLKGETSIZE64)} for a block device, {@code st_size} from
     * {@code statx(2)} otherwise.
     *
     * @return the size
     * @throws ErrnoException on failure
     */
    public long size() throws ErrnoException {
        int f = liveFd("statx");
        if (isBlockDevice()) {
            try (Memory out = new Memory(8)) {
                while (LibC.ioctl(f, LibC.BLKGETSIZE64, com.sun.jna.Pointer.nativeValue(out)) != 0) {
                    int err = LibC.errno();
                    if (err != Errno.EINTR) {
                        throw new ErrnoException(err, "ioctl(BLKGETSIZE64)", pathString);
                    }
                }
                return out.getLong(0);
            }
        }
        return FileStat.of(f, pathString).size();
    }

    /**
     * {@code statx(2)}: the file's current status (mode, size, allocated blocks, O_DIRECT alignment).
     *
     * @return the status
     * @throws ErrnoException on failure
     */
    public FileStat stat() throws ErrnoException {
        return FileStat.of(liveFd("statx"), pathString);
    }

    /**
     * {@code lseek(2)} with {@code SEEK_DATA}: the first offset ≥ {@code off} holding data.
     *
     * @param off where to start looking
     * @return the offset of the next data, or -1 if there is none before end of file ({@code ENXIO})
     * @throws ErrnoException on other failures
     */
    public long nextData(long off) throws ErrnoException {
        return seek(off, LibC.SEEK_DATA, "lseek(SEEK_DATA)");
    }

    /**
     * {@code lseek(2)} with {@code SEEK_HOLE}: the first offset ≥ {@code off} in a hole (end of file
     * counts as a hole).
     *
     * @param off where to start looking
     * @return the offset of the next hole, or -1 if {@code off} is at or past end of file ({@code ENXIO})
     * @throws ErrnoException on other failures
     */
    public long nextHole(long off) throws ErrnoException {
        return seek(off, LibC.SEEK_HOLE, "lseek(SEEK_HOLE)");
    }

    private long seek(long off, int whence, String call) throws ErrnoException {
        checkOffset(off, 0);
        int f = liveFd(call);
        long r = LibC.lseek(f, off, whence);
        if (r < 0) {
            int err = LibC.errno();
            if (err == Errno.ENXIO) {
                return -1;
            }
            throw fail(err, call);
        }
        return r;
    }

    // ---------------------------------------------------------------- clone and advice

    /**
     * {@code ioctl(FICLONE)}: makes this file share all of {@code src}'s extents (a reflink copy;
     * this file's old contents are replaced). Only some filesystems can (btrfs, xfs with reflink,
     * bcachefs, ...); callers fall back to copying when {@link ErrnoException#isCloneUnsupported()}.
     *
     * @param src the file to clone, on the same filesystem
     * @throws ErrnoException with {@code EOPNOTSUPP}, {@code EXDEV}, {@code EINVAL} or {@code ENOTTY}
     *                        where reflink is unavailable; other numbers for real failures
     */
    public void ficlone(HostFile src) throws ErrnoException {
        Objects.requireNonNull(src, "src");
        int f = liveFd("ioctl(FICLONE)");
        int s = src.liveFd("ioctl(FICLONE)");
        while (LibC.ioctl(f, LibC.FICLONE, s) != 0) {
            int err = LibC.errno();
            if (err != Errno.EINTR) {
                throw new ErrnoException(err, "ioctl(FICLONE)", pathString, "source " + src.pathString);
            }
        }
    }

    /**
     * {@code posix_fadvise(2)}: tells the host page cache the expected access pattern for a range.
     *
     * @param off    start of the range
     * @param len    length, 0 for "to end of file"
     * @param advice {@code POSIX_FADV_*} from {@link LibC}
     * @throws ErrnoException on failure (e.g. {@code ESPIPE}, {@code EINVAL})
     */
    public void fadvise(long off, long len, int advice) throws ErrnoException {
        checkOffset(off, len);
        int f = liveFd("posix_fadvise");
        int err = LibC.posix_fadvise(f, off, len, advice);
        if (err != 0) {
            throw new ErrnoException(err, "posix_fadvise", pathString);
        }
    }

    // ---------------------------------------------------------------- locks

    /**
     * {@code flock(fd, LOCK_SH|LOCK_NB)} or {@code flock(fd, LOCK_EX|LOCK_NB)}: tries to take an
     * advisory lock on the file, held by this open file (released by {@link #close()}).
     *
     * @param exclusive an exclusive lock (a writer), else a shared one (a reader)
     * @return true if taken, false if another open file holds a conflicting lock
     * @throws ErrnoException on any other failure (e.g. {@code ENOLCK})
     */
    public boolean tryLock(boolean exclusive) throws ErrnoException {
        int f = liveFd("flock");
        int op = (exclusive ? LibC.LOCK_EX : LibC.LOCK_SH) | LibC.LOCK_NB;
        while (LibC.flock(f, op) != 0) {
            int err = LibC.errno();
            if (err == Errno.EINTR) {
                continue;
            }
            if (err == Errno.EAGAIN) {
                return false;
            }
            throw new ErrnoException(err, "flock", pathString);
        }
        return true;
    }

    /** @return the {@code st_mode} file type bits at open time ({@code S_IFREG}, {@code S_IFBLK}, ...) */
    public int fileType() {
        return mode & LibC.S_IFMT;
    }

    // ---------------------------------------------------------------- close

    /**
     * {@code close(2)}: releases the descriptor. Idempotent: later calls do nothing. The descriptor is
     * released even if close reports an error (Linux semantics), so it is never retried.
     *
     * @throws ErrnoException if the kernel reports a deferred write error ({@code EIO}, {@code ENOSPC},
     *                        {@code EDQUOT}, mostly on NFS)
     */
    @Override
    public void close() throws ErrnoException {
        int f = (int) FD.getAndSet(this, -1);
        if (f >= 0 && LibC.close(f) != 0) {
            int err = LibC.errno();
            if (err != Errno.EINTR) {
                throw new ErrnoException(err, "close", pathString);
            }
        }
    }

    /**
     * close(2), for a caller with nothing to learn from its error: a read-only descriptor, or one
     * whose delayed write errors {@code fdatasync} has already reported.
     */
    public void closeQuietly() {
        try {
            close();
        } catch (ErrnoException ignored) {
            // see above: nothing to report
        }
    }

    @Override
    public String toString() {
        return "HostFile[" + pathString + ", fd=" + fd + (direct ? ", O_DIRECT" : "") + "]";
    }
}
