package org.faultline.nativeio;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.faultline.kernel.Errno;

/**
 * Direct-mapped bindings to the host C library (glibc) on Linux x86_64 and aarch64.
 *
 * <p>Every method is a JNA <em>direct mapping</em> ({@link Native#register(NativeLibrary)}): a
 * {@code static native} method taking primitives, raw {@code long} addresses or byte arrays,
 * so a call costs one JNI transition and nothing is boxed. Each method returns exactly what the
 * C function returns; on failure the C error number is read with {@link #errno()} immediately
 * after the call, on the same thread (JNA saves {@code errno} after every direct call).
 *
 * <p><strong>These bindings are raw.</strong> A {@code long} address argument is passed to the
 * kernel or to libc unchecked: a wrong address or length corrupts the heap or crashes the JVM.
 * Callers pass only addresses they own (for example from {@link AlignedMemory#address(long,
 * long)}, which is bounds-checked). Prefer {@link HostFile} and {@link AlignedMemory}, which
 * validate their arguments and turn failures into {@link ErrnoException}.
 *
 * <p>Path arguments are NUL-terminated byte arrays made by {@link #pathBytes(Path)}.
 *
 * <p>On any other operating system or architecture nothing is registered and
 * {@link #requireSupported()} throws {@link UnsupportedOperationException} with a one-line reason;
 * the entry points {@link HostFile#open} and {@link AlignedMemory#allocate} call it first.
 */
public final class LibC {

    private LibC() {
    }

    // ---------------------------------------------------------------- platform

    /** True on x86_64 Linux. */
    public static final boolean X86_64 = Platform.isLinux() && "x86-64".equals(Platform.ARCH);
    /** True on aarch64 (arm64) Linux. */
    public static final boolean AARCH64 = Platform.isLinux() && "aarch64".equals(Platform.ARCH);

    private static final String UNSUPPORTED;

    static {
        String reason = null;
        if (!X86_64 && !AARCH64) {
            reason = "faultline-native supports Linux on x86_64 and aarch64 only; this host is "
                    + System.getProperty("os.name") + " on " + Platform.ARCH;
        } else {
            try {
                Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
            } catch (UnsatisfiedLinkError | IllegalArgumentException e) {
                reason = "cannot bind the host C library (" + Platform.C_LIBRARY_NAME + "): "
                        + e.getMessage() + " (glibc 2.33 or newer is required)";
            }
        }
        UNSUPPORTED = reason;
    }

    /**
     * Throws unless the bindings are usable on this host.
     *
     * @throws UnsupportedOperationException with a one-line reason on an unsupported OS, architecture
     *                                       or C library
     */
    public static void requireSupported() {
        if (UNSUPPORTED != null) {
            throw new UnsupportedOperationException(UNSUPPORTED);
        }
    }

    /** @return true if the bindings are registered and usable on this host */
    public static boolean isSupported() {
        return UNSUPPORTED == null;
    }

    // ---------------------------------------------------------------- open(2) flags

    /** {@code O_RDONLY}: open for reading only. */
    public static final int O_RDONLY = 0;
    /** {@code O_WRONLY}: open for writing only. */
    public static final int O_WRONLY = 0x1;
    /** {@code O_RDWR}: open for reading and writing. */
    public static final int O_RDWR = 0x2;
    /** {@code O_ACCMODE}: mask of the access mode bits. */
    public static final int O_ACCMODE = 0x3;
    /** {@code O_CREAT}: create the file if it does not exist (uses the mode argument). */
    public static final int O_CREAT = 0x40;
    /** {@code O_EXCL}: with {@code O_CREAT}, fail with {@code Errno.EEXIST} if the file exists. */
    public static final int O_EXCL = 0x80;
    /** {@code O_TRUNC}: truncate a regular file opened for writing to length 0. */
    public static final int O_TRUNC = 0x200;
    /** {@code O_DSYNC}: each write returns after data (and metadata needed to read it) is durable. */
    public static final int O_DSYNC = 0x1000;
    /** {@code open(2)}: do not block (opening a FIFO without a writer returns at once). */
    public static final int O_NONBLOCK = 0x800;
    /**
     * {@code O_DIRECT}: bypass the host page cache; buffers, offsets and lengths must be aligned to
     * the device's logical block size. 0x4000 on x86_64, 0x10000 on aarch64.
     */
    public static final int O_DIRECT = AARCH64 ? 0x10000 : 0x4000;
    /** {@code O_CLOEXEC}: close the descriptor on {@code execve(2)}. */
    public static final int O_CLOEXEC = 0x80000;

    // ---------------------------------------------------------------- other constants

    /** {@code lseek(2)} whence: from the start of the file. */
    public static final int SEEK_SET = 0;
    /** {@code lseek(2)} whence: from the current position. */
    public static final int SEEK_CUR = 1;
    /** {@code lseek(2)} whence: from the end of the file. */
    public static final int SEEK_END = 2;
    /** {@code lseek(2)} whence: next offset at or after which there is data. */
    public static final int SEEK_DATA = 3;
    /** {@code lseek(2)} whence: next hole at or after the offset (end of file counts as a hole). */
    public static final int SEEK_HOLE = 4;

    /** {@code fallocate(2)} mode: allocate without changing the file size. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** {@code fallocate(2)} mode: deallocate the range (must be or-ed with {@code KEEP_SIZE}). */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** {@code fallocate(2)} mode: zero the range, preferably by unwritten extents. */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    /** {@code posix_fadvise(2)} advice: no special treatment. */
    public static final int POSIX_FADV_NORMAL = 0;
    /** {@code posix_fadvise(2)} advice: random access expected. */
    public static final int POSIX_FADV_RANDOM = 1;
    /** {@code posix_fadvise(2)} advice: sequential access expected. */
    public static final int POSIX_FADV_SEQUENTIAL = 2;
    /** {@code posix_fadvise(2)} advice: the data will be needed soon. */
    public static final int POSIX_FADV_WILLNEED = 3;
    /** {@code posix_fadvise(2)} advice: the data will not be needed soon. */
    public static final int POSIX_FADV_DONTNEED = 4;
    /** {@code posix_fadvise(2)} advice: the data will be accessed once. */
    public static final int POSIX_FADV_NOREUSE = 5;

    /** {@code ioctl(2)} request {@code BLKGETSIZE64}: size of a block device in bytes (u64 out). */
    public static final long BLKGETSIZE64 = 0x80081272L;
    /** {@code ioctl(2)} request {@code FICLONE}: reflink a whole file; the argument is the source fd. */
    public static final long FICLONE = 0x40049409L;

    /** {@code AT_FDCWD} for the {@code *at} calls. */
    public static final int AT_FDCWD = -100;
    /** {@code AT_EMPTY_PATH}: operate on the dirfd itself when the path is empty. */
    public static final int AT_EMPTY_PATH = 0x1000;
    /** {@code STATX_BASIC_STATS}: request the fields of a classic {@code struct stat}. */
    public static final int STATX_BASIC_STATS = 0x7ff;
    /** {@code STATX_DIOALIGN}: request direct I/O alignment (Linux 6.1+). */
    public static final int STATX_DIOALIGN = 0x2000;
    /** Size of {@code struct statx} in bytes (same layout on every architecture). */
    public static final int STATX_SIZE = 256;
    /** A buffer large enough for {@code struct statfs} on x86_64 and aarch64 (120 bytes). */
    public static final int STATFS_SIZE = 128;
    /** Size of {@code struct iovec} on LP64: {@code void *iov_base; size_t iov_len}. */
    public static final int IOVEC_SIZE = 16;
    /** {@code IOV_MAX}: the most iovecs one {@code preadv}/{@code pwritev} call accepts. */
    public static final int IOV_MAX = 1024;

    /** File type mask of {@code st_mode}. */
    public static final int S_IFMT = 0xF000;
    /** {@code st_mode} type: regular file. */
    public static final int S_IFREG = 0x8000;
    /** {@code st_mode} type: block device. */
    public static final int S_IFBLK = 0x6000;
    /** {@code st_mode} type: directory. */
    public static final int S_IFDIR = 0x4000;
    /** {@code st_mode} type: character device. */
    public static final int S_IFCHR = 0x2000;
    /** {@code st_mode} file type: FIFO (named pipe). */
    public static final int S_IFIFO = 0x1000;
    /** {@code st_mode} file type: socket. */
    public static final int S_IFSOCK = 0xC000;

    /** {@code flock(2)}: a shared lock. */
    public static final int LOCK_SH = 1;
    /** {@code flock(2)}: an exclusive lock. */
    public static final int LOCK_EX = 2;
    /** {@code flock(2)}: fail with {@code EWOULDBLOCK} instead of waiting. */
    public static final int LOCK_NB = 4;
    /** {@code flock(2)}: release the lock. */
    public static final int LOCK_UN = 8;

    // errno values: org.faultline.kernel.Errno (the one table; the host's numbers are Linux's too)

    // ---------------------------------------------------------------- errno access

    /**
     * The {@code errno} left by the last native call on this thread ({@link Native#getLastError()}).
     * Read it immediately after the failing call: any other JNA call may overwrite it.
     *
     * @return the saved error number
     */
    public static int errno() {
        return Native.getLastError();
    }

    // ---------------------------------------------------------------- path encoding

    private static final Charset PATH_CHARSET = pathCharset();

    private static Charset pathCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /**
     * Encodes a path as a NUL-terminated byte string in the JVM's file-name encoding
     * ({@code sun.jnu.encoding}), for the {@code byte[] path} arguments below.
     *
     * @param path a path (relative paths are resolved by the kernel against the working directory)
     * @return the encoded bytes followed by one NUL byte
     */
    public static byte[] pathBytes(Path path) {
        byte[] s = path.toString().getBytes(PATH_CHARSET);
        byte[] z = new byte[s.length + 1];
        System.arraycopy(s, 0, z, 0, s.length);
        return z;
    }

    // ---------------------------------------------------------------- file descriptors

    /**
     * {@code int open(const char *pathname, int flags, mode_t mode)} — open(2): opens the file and
     * returns the lowest free descriptor, or -1 with {@code errno} set. {@code mode} is used only with
     * {@code O_CREAT} (and is masked by the umask).
     *
     * @param path  NUL-terminated path ({@link #pathBytes(Path)})
     * @param flags {@code O_*} flags
     * @param mode  permission bits for a created file
     * @return the descriptor, or -1
     */
    public static native int open(byte[] path, int flags, int mode);

    /**
     * {@code int close(int fd)} — close(2): releases the descriptor; returns 0 or -1. On Linux the
     * descriptor is released even when -1 is returned (including {@code Errno.EINTR}), so never retry.
     *
     * @param fd the descriptor
     * @return 0 or -1
     */
    public static native int close(int fd);

    /**
     * {@code ssize_t pread(int fd, void *buf, size_t count, off_t offset)} — pread(2): reads up to
     * {@code count} bytes at {@code offset} without moving the file position; returns the number
     * read (0 at end of file, fewer than asked is a short read) or -1.
     *
     * @param fd     the descriptor
     * @param buf    address of a writable buffer of at least {@code count} bytes, owned by the caller
     * @param count  bytes to read
     * @param offset file offset
     * @return bytes read, or -1
     */
    public static native long pread(int fd, long buf, long count, long offset);

    /**
     * {@code ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)} — pwrite(2): writes
     * up to {@code count} bytes at {@code offset} without moving the file position; returns the number
     * written (possibly fewer) or -1.
     *
     * @param fd     the descriptor
     * @param buf    address of a readable buffer of at least {@code count} bytes, owned by the caller
     * @param count  bytes to write
     * @param offset file offset
     * @return bytes written, or -1
     */
    public static native long pwrite(int fd, long buf, long count, long offset);

    /**
     * {@code ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t offset)} — preadv(2):
     * scatter-read into {@code iovcnt} buffers (at most {@link #IOV_MAX}) in one call, filling each
     * in order; returns bytes read (possibly short, 0 at end of file) or -1.
     *
     * @param fd     the descriptor
     * @param iov    address of an array of {@code iovcnt} {@code struct iovec} (16 bytes each)
     * @param iovcnt number of iovecs
     * @param offset file offset
     * @return bytes read, or -1
     */
    public static native long preadv(int fd, long iov, int iovcnt, long offset);

    /**
     * {@code ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset)} —
     * pwritev(2): gather-write {@code iovcnt} buffers (at most {@link #IOV_MAX}) in one call;
     * returns bytes written (possibly short) or -1.
     *
     * @param fd     the descriptor
     * @param iov    address of an array of {@code iovcnt} {@code struct iovec} (16 bytes each)
     * @param iovcnt number of iovecs
     * @param offset file offset
     * @return bytes written, or -1
     */
    public static native long pwritev(int fd, long iov, int iovcnt, long offset);

    /**
     * {@code int fdatasync(int fd)} — fdatasync(2): flushes the file's data and the metadata needed
     * to read it back (e.g. size) to stable storage; returns 0 or -1 ({@code Errno.EIO} means written-back
     * data was lost).
     *
     * @param fd the descriptor
     * @return 0 or -1
     */
    public static native int fdatasync(int fd);

    /**
     * {@code int fsync(int fd)} — fsync(2): flushes all data and metadata of the file to stable
     * storage; returns 0 or -1.
     *
     * @param fd the descriptor
     * @return 0 or -1
     */
    public static native int fsync(int fd);

    /**
     * {@code int flock(int fd, int operation)} — flock(2): an advisory whole-file lock, held by the
     * open file description (not the process: two opens of one file in one process conflict), released
     * when the last descriptor for it is closed or the process exits. {@code operation} is
     * {@link #LOCK_SH} or {@link #LOCK_EX}, optionally {@code | LOCK_NB}, or {@link #LOCK_UN}.
     * Returns 0 or -1 ({@code EWOULDBLOCK} = {@code Errno.EAGAIN}: held by another open file description).
     *
     * @param fd        the descriptor
     * @param operation {@code LOCK_*}
     * @return 0 or -1
     */
    public static native int flock(int fd, int operation);

    /**
     * {@code int fallocate(int fd, int mode, off_t offset, off_t len)} — fallocate(2): allocates
     * (mode 0 may grow the file), punches holes ({@code PUNCH_HOLE|KEEP_SIZE}) or zeroes
     * ({@code ZERO_RANGE}) the byte range; returns 0 or -1 ({@code Errno.EOPNOTSUPP} if the filesystem
     * lacks the mode).
     *
     * @param fd     the descriptor
     * @param mode   {@code FALLOC_FL_*} bits
     * @param offset start of the range
     * @param len    length of the range (> 0)
     * @return 0 or -1
     */
    public static native int fallocate(int fd, int mode, long offset, long len);

    /**
     * {@code int ftruncate(int fd, off_t length)} — ftruncate(2): sets the file size, discarding
     * data past it or extending with a hole that reads as zeros; returns 0 or -1.
     *
     * @param fd     the descriptor (open for writing)
     * @param length new size
     * @return 0 or -1
     */
    public static native int ftruncate(int fd, long length);

    /**
     * {@code off_t lseek(int fd, off_t offset, int whence)} — lseek(2): repositions the file offset
     * and returns it, or -1. With {@code SEEK_DATA}/{@code SEEK_HOLE} it finds the next data or hole.
     *
     * @param fd     the descriptor
     * @param offset offset relative to {@code whence}
     * @param whence {@code SEEK_*}
     * @return the resulting offset, or -1
     */
    public static native long lseek(int fd, long offset, int whence);

    /**
     * {@code int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)}
     * — statx(2): file status in an architecture-independent layout (see {@link FileStat}). With
     * {@code path = ""} and {@code AT_EMPTY_PATH} it describes {@code dirfd} itself. Returns 0 or -1.
     *
     * @param dirfd a descriptor or {@code AT_FDCWD}
     * @param path  NUL-terminated path
     * @param flags {@code AT_*} flags
     * @param mask  {@code STATX_*} fields wanted
     * @param buf   output, at least {@link #STATX_SIZE} bytes (copied back by JNA)
     * @return 0 or -1
     */
    public static native int statx(int dirfd, byte[] path, int flags, int mask, byte[] buf);

    /**
     * {@code int fstat(int fd, struct stat *buf)} — fstat(2): file status in the architecture's
     * {@code struct stat} layout (144 bytes on x86_64, 128 on aarch64); returns 0 or -1. Used only
     * as a fallback where {@code statx} is unavailable; see {@link FileStat}.
     *
     * @param fd  the descriptor
     * @param buf output, at least 144 bytes (copied back by JNA)
     * @return 0 or -1
     */
    public static native int fstat(int fd, byte[] buf);

    /**
     * {@code int ioctl(int fd, unsigned long request, ...)} — ioctl(2) with one integer-or-pointer
     * argument: for {@link #BLKGETSIZE64} {@code arg} is the address of a {@code uint64_t}; for
     * {@link #FICLONE} it is the source descriptor. Returns -1 on failure ({@code Errno.ENOTTY}: the request
     * does not apply to this file).
     *
     * @param fd      the descriptor
     * @param request the request code
     * @param arg     the argument (an address the caller owns, or a plain integer)
     * @return request-specific, -1 on failure
     */
    public static native int ioctl(int fd, long request, long arg);

    /**
     * {@code int posix_fadvise(int fd, off_t offset, off_t len, int advice)} — posix_fadvise(2):
     * announces an access pattern. <strong>Returns the error number directly</strong> (0 on success)
     * and does not set {@code errno}.
     *
     * @param fd     the descriptor
     * @param offset start of the range
     * @param len    length (0 means to end of file)
     * @param advice {@code POSIX_FADV_*}
     * @return 0 or an error number
     */
    public static native int posix_fadvise(int fd, long offset, long len, int advice);

    // ---------------------------------------------------------------- memory

    /**
     * {@code int posix_memalign(void **memptr, size_t alignment, size_t size)} — posix_memalign(3):
     * allocates {@code size} bytes aligned to {@code alignment} (a power of two multiple of
     * {@code sizeof(void *)}) and stores the address in {@code memptr[0]}. <strong>Returns the error
     * number directly</strong> ({@code Errno.ENOMEM}, {@code Errno.EINVAL}), 0 on success. Memory is not zeroed.
     *
     * @param memptr    one-element array receiving the address
     * @param alignment alignment in bytes
     * @param size      size in bytes
     * @return 0 or an error number
     */
    public static native int posix_memalign(long[] memptr, long alignment, long size);

    /**
     * {@code void free(void *ptr)} — free(3): releases memory from {@link #posix_memalign}. Freeing
     * twice or freeing a foreign address corrupts the heap.
     *
     * @param ptr address from {@code posix_memalign}, or 0 (no-op)
     */
    public static native void free(long ptr);

    /**
     * {@code void *memmove(void *dest, const void *src, size_t n)} — memmove(3): copies {@code n}
     * bytes; the areas may overlap. Returns {@code dest}.
     *
     * @param dest destination address (caller-owned)
     * @param src  source address (caller-owned)
     * @param n    byte count
     * @return {@code dest}
     */
    public static native long memmove(long dest, long src, long n);

    /** Copies {@code len} bytes of {@code src} from {@code off} to native memory at {@code dest}. */
    public static void copyIn(long dest, byte[] src, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        new com.sun.jna.Pointer(dest).write(0, src, off, len);
    }

    /**
     * {@code void *memset(void *s, int c, size_t n)} — memset(3): fills {@code n} bytes with the
     * byte {@code c}. Returns {@code s}.
     *
     * @param s address (caller-owned)
     * @param c byte value (low 8 bits used)
     * @param n byte count
     * @return {@code s}
     */
    public static native long memset(long s, int c, long n);

    /** {@code mmap(2)} protection: pages may be read. */
    public static final int PROT_READ = 0x1;
    /** {@code mmap(2)} protection: pages may be written. */
    public static final int PROT_WRITE = 0x2;
    /** {@code mmap(2)} flag: private copy-on-write mapping. */
    public static final int MAP_PRIVATE = 0x02;
    /** {@code mmap(2)} flag: not backed by a file; contents are zero. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** {@code mmap(2)}'s failure value, {@code (void *) -1}. */
    public static final long MAP_FAILED = -1L;

    /**
     * {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)} —
     * mmap(2): with {@code MAP_PRIVATE | MAP_ANONYMOUS} and {@code fd = -1}, maps {@code length} bytes
     * of zero-filled, page-aligned memory that the kernel commits lazily on first touch. Returns the
     * address or {@link #MAP_FAILED} with {@code errno} set.
     *
     * @param addr   placement hint, normally 0
     * @param length bytes
     * @param prot   {@code PROT_*}
     * @param flags  {@code MAP_*}
     * @param fd     -1 for anonymous memory
     * @param offset 0 for anonymous memory
     * @return the address, or {@link #MAP_FAILED}
     */
    public static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    /**
     * {@code int munmap(void *addr, size_t length)} — munmap(2): removes the pages of
     * {@code [addr, addr + length)} from the address space; {@code addr} must be page-aligned.
     * Returns 0 or -1.
     *
     * @param addr   page-aligned start (caller-owned mapping)
     * @param length bytes
     * @return 0 or -1
     */
    public static native int munmap(long addr, long length);

    /**
     * {@code int getpagesize(void)} — getpagesize(2): the host page size (4096 on x86_64; 4096,
     * 16384 or 65536 on aarch64).
     *
     * @return the page size in bytes
     */
    public static native int getpagesize();

    // ---------------------------------------------------------------- filesystems

    /**
     * {@code int statfs(const char *path, struct statfs *buf)} — statfs(2): describes the mounted
     * filesystem containing {@code path}; {@code f_type} (the filesystem magic, e.g.
     * {@code TMPFS_MAGIC}) is the first 8-byte word on x86_64 and aarch64. Returns 0 or -1.
     *
     * @param path NUL-terminated path
     * @param buf  output, at least {@link #STATFS_SIZE} bytes (copied back by JNA)
     * @return 0 or -1
     */
    public static native int statfs(byte[] path, byte[] buf);

    /**
     * {@code int fstatfs(int fd, struct statfs *buf)} — fstatfs(2): like {@link #statfs} for an open
     * descriptor. Returns 0 or -1.
     *
     * @param fd  the descriptor
     * @param buf output, at least {@link #STATFS_SIZE} bytes (copied back by JNA)
     * @return 0 or -1
     */
    public static native int fstatfs(int fd, byte[] buf);

    /**
     * {@code char *strerror(int errnum)} — strerror(3): the C library's (locale-dependent) text for an
     * error number. {@link ErrnoException} prefers a fixed English table and uses this only for
     * numbers missing from it.
     *
     * @param errnum the error number
     * @return the message
     */
    public static native String strerror(int errnum);
}
