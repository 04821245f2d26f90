package org.faultline.nativeio;

import com.sun.jna.Pointer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.faultline.kernel.Errno;

/**
 * An off-heap memory region, zero-filled on allocation, aligned to a power of two (default 4096).
 * Sizes are {@code long}: a region may exceed 2 GiB.
 *
 * <p>Regions smaller than {@link #MMAP_THRESHOLD} come from {@code posix_memalign(3)} and are
 * zeroed with {@code memset(3)}; larger ones are private anonymous {@code mmap(2)} mappings, which
 * the kernel hands out already zeroed and commits lazily page by page (zeroing gigabytes with
 * memset would fault in every page up front: seconds per GiB on a VM). {@link #close()} releases
 * with {@code free(3)} or {@code munmap(2)} accordingly.
 *
 * <p>This is where I/O buffers live: {@link #address(long, long)} hands out bounds-checked absolute
 * addresses for {@link HostFile}'s iovecs, and the default 4096-byte alignment satisfies
 * {@code O_DIRECT} on common devices.
 *
 * <p>Every accessor checks its range against the region and throws {@link IndexOutOfBoundsException}
 * when it falls outside, and {@link IllegalStateException} after close, so no call here passes an
 * unchecked address to native code.
 *
 * <p><strong>Thread safety.</strong> Accessors may be called from several threads at once (no locks
 * of its own; concurrent writes to overlapping bytes race as plain memory does). {@link #close()}
 * frees exactly once even if called concurrently, but must not race with accesses on other threads,
 * and {@link ByteBuffer} views from {@link #slice} and addresses from {@link #address} must not be
 * used after close: the memory is gone and touching it can crash the JVM.
 */
public final class AlignedMemory implements AutoCloseable {

    /** The default alignment: 4096 bytes, a page and the usual O_DIRECT requirement. */
    public static final long DEFAULT_ALIGNMENT = 4096;

    /** Regions of at least this many bytes (1 MiB) are anonymous mmap mappings. */
    public static final long MMAP_THRESHOLD = 1L << 20;

    private static final VarHandle ADDRESS;

    static {
        try {
            ADDRESS = MethodHandles.lookup().findVarHandle(AlignedMemory.class, "address", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long size;
    private final long alignment;
    private final long mappedLength; // 0: from posix_memalign; else the munmap length
    @SuppressWarnings("unused") // accessed through ADDRESS
    private volatile long address;
    /**
     * The whole region as a direct buffer (null past 2 GiB): byte copies through it are the JDK's own
     * intrinsic copies, where a JNA call per copy costs a JNI transition — most copies here are a few
     * bytes to a page. Used only after {@link #base()} has checked the region is open.
     */
    private final ByteBuffer view;

    private static final byte[] ZEROS = new byte[4096];

    private AlignedMemory(long address, long size, long alignment, long mappedLength) {
        this.address = address;
        this.size = size;
        this.alignment = alignment;
        this.mappedLength = mappedLength;
        this.view = size <= Integer.MAX_VALUE ? new Pointer(address).getByteBuffer(0, size) : null;
    }

    /**
     * Allocates {@code size} zeroed bytes aligned to {@link #DEFAULT_ALIGNMENT}.
     *
     * @param size bytes (> 0)
     * @return the region
     * @throws ErrnoException           {@code ENOMEM} from {@code posix_memalign} or {@code mmap}
     * @throws IllegalArgumentException if {@code size <= 0}
     */
    public static AlignedMemory allocate(long size) throws ErrnoException {
        return allocate(size, DEFAULT_ALIGNMENT);
    }

    /**
     * Allocates {@code size} zeroed bytes aligned to {@code alignment}: {@code posix_memalign(3)} plus
     * {@code memset(3)} below {@link #MMAP_THRESHOLD}, an anonymous {@code mmap(2)} (trimmed to the
     * alignment with {@code munmap}) at or above it.
     *
     * @param size      bytes (> 0)
     * @param alignment a power of two ≥ 8
     * @return the region
     * @throws ErrnoException           {@code ENOMEM} (call {@code posix_memalign} or {@code mmap})
     * @throws IllegalArgumentException for a non-positive size or a bad alignment
     */
    public static AlignedMemory allocate(long size, long alignment) throws ErrnoException {
        LibC.requireSupported();
        if (size <= 0) {
            throw new IllegalArgumentException("AlignedMemory size must be positive, got " + size);
        }
        if (alignment < 8 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException(
                    "AlignedMemory alignment must be a power of two >= 8, got " + alignment);
        }
        String detail = size + " bytes aligned to " + alignment;
        if (size >= MMAP_THRESHOLD) {
            return map(size, alignment, detail);
        }
        long[] out = new long[1];
        int err = LibC.posix_memalign(out, alignment, size);
        if (err != 0) {
            throw new ErrnoException(err, "posix_memalign", null, detail);
        }
        if (out[0] == 0) {
            throw new ErrnoException(Errno.ENOMEM, "posix_memalign", null, detail);
        }
        LibC.memset(out[0], 0, size);
        return new AlignedMemory(out[0], size, alignment, 0);
    }

    private static final long PAGE_SIZE = LibC.isSupported() ? LibC.getpagesize() : 4096;

    private static AlignedMemory map(long size, long alignment, String detail) throws ErrnoException {
        long page = PAGE_SIZE;
        long slack = alignment > page ? alignment - page : 0;
        if (size > Long.MAX_VALUE / 4 - slack) {
            throw new ErrnoException(Errno.ENOMEM, "mmap", null, detail);
        }
        long length = (size + page - 1) & -page;
        long total = length + slack;
        long base = LibC.mmap(0, total, LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        if (base == LibC.MAP_FAILED) {
            throw new ErrnoException(LibC.errno(), "mmap", null, detail);
        }
        long start = (base + alignment - 1) & -Math.max(alignment, page);
        if (start > base) {
            LibC.munmap(base, start - base);
        }
        long tail = base + total - (start + length);
        if (tail > 0) {
            LibC.munmap(start + length, tail);
        }
        return new AlignedMemory(start, size, alignment, length);
    }

    private long base() {
        long a = address;
        if (a == 0) {
            throw new IllegalStateException("AlignedMemory of " + size + " bytes used after close");
        }
        return a;
    }

    private long checked(long offset, long length) {
        long a = base();
        Objects.checkFromIndexSize(offset, length, size);
        return a + offset;
    }

    /**
     * The base address, for building iovecs. Prefer {@link #address(long, long)}, which checks the
     * range.
     *
     * @return the base address
     * @throws IllegalStateException after close
     */
    public long address() {
        return base();
    }

    /**
     * The absolute address of {@code [offset, offset + length)}, after checking it lies within the
     * region: the safe way to hand a buffer to {@link HostFile}.
     *
     * @param offset start within the region
     * @param length bytes the caller will touch
     * @return {@code address() + offset}
     * @throws IndexOutOfBoundsException if the range is outside the region
     * @throws IllegalStateException     after close
     */
    public long address(long offset, long length) {
        return checked(offset, length);
    }

    /** @return the size in bytes */
    public long size() {
        return size;
    }

    /** @return the alignment in bytes */
    public long alignment() {
        return alignment;
    }

    /** @return true once {@link #close()} has run */
    public boolean isClosed() {
        return address == 0;
    }

    /**
     * A direct {@link ByteBuffer} view of {@code [offset, offset + length)}: no copy, writes go to the
     * region. Its byte order is {@link ByteOrder#nativeOrder()} (little-endian on x86_64 and
     * aarch64), not Java's big-endian default; call {@code order(...)} on it to change that. The view
     * must not be used after close.
     *
     * @param offset start within the region
     * @param length bytes in the view
     * @return the view, position 0, limit and capacity {@code length}
     * @throws IndexOutOfBoundsException if the range is outside the region or {@code length < 0}
     * @throws IllegalStateException     after close
     */
    public ByteBuffer slice(long offset, int length) {
        long a = checked(offset, length);
        return new Pointer(a).getByteBuffer(0, length).order(ByteOrder.nativeOrder());
    }

    /**
     * Copies {@code len} bytes from the region at {@code off} into {@code dst[dstOff..]}.
     *
     * @param off    start within the region
     * @param dst    destination array
     * @param dstOff start in {@code dst}
     * @param len    bytes to copy
     * @throws IndexOutOfBoundsException if either range is out of bounds
     * @throws IllegalStateException     after close
     */
    public void get(long off, byte[] dst, int dstOff, int len) {
        Objects.checkFromIndexSize(dstOff, len, dst.length);
        long a = checked(off, len);
        if (view != null) {
            view.get((int) off, dst, dstOff, len);
        } else {
            new Pointer(a).read(0, dst, dstOff, len);
        }
    }

    /**
     * Copies {@code len} bytes from {@code src[srcOff..]} into the region at {@code off}.
     *
     * @param off    start within the region
     * @param src    source array
     * @param srcOff start in {@code src}
     * @param len    bytes to copy
     * @throws IndexOutOfBoundsException if either range is out of bounds
     * @throws IllegalStateException     after close
     */
    public void put(long off, byte[] src, int srcOff, int len) {
        Objects.checkFromIndexSize(srcOff, len, src.length);
        long a = checked(off, len);
        if (view != null) {
            view.put((int) off, src, srcOff, len);
        } else {
            new Pointer(a).write(0, src, srcOff, len);
        }
    }

    /**
     * Reads one byte.
     *
     * @param off position within the region
     * @return the byte
     * @throws IndexOutOfBoundsException if out of range
     * @throws IllegalStateException     after close
     */
    public byte getByte(long off) {
        long a = checked(off, 1);
        return view != null ? view.get((int) off) : new Pointer(a).getByte(0);
    }

    /**
     * Writes one byte.
     *
     * @param off   position within the region
     * @param value the byte
     * @throws IndexOutOfBoundsException if out of range
     * @throws IllegalStateException     after close
     */
    public void putByte(long off, byte value) {
        long a = checked(off, 1);
        if (view != null) {
            view.put((int) off, value);
        } else {
            new Pointer(a).setByte(0, value);
        }
    }

    /**
     * {@code memset(3)}: sets {@code len} bytes at {@code off} to {@code value}.
     *
     * @param off   start within the region
     * @param len   bytes to set
     * @param value the byte
     * @throws IndexOutOfBoundsException if the range is out of bounds
     * @throws IllegalStateException     after close
     */
    public void fill(long off, long len, byte value) {
        long a = checked(off, len);
        if (value == 0 && len <= ZEROS.length && view != null) {
            view.put((int) off, ZEROS, 0, (int) len); // a page or less: a copy, not a native call
        } else if (len > 0) {
            LibC.memset(a, value & 0xFF, len);
        }
    }

    /**
     * {@code memmove(3)}: copies {@code len} bytes from {@code srcOff} to {@code dstOff} within the
     * region; the ranges may overlap.
     *
     * @param srcOff source start within the region
     * @param dstOff destination start within the region
     * @param len    bytes to copy
     * @throws IndexOutOfBoundsException if either range is out of bounds
     * @throws IllegalStateException     after close
     */
    public void copy(long srcOff, long dstOff, long len) {
        long s = checked(srcOff, len);
        long d = checked(dstOff, len);
        if (len > 0) {
            LibC.memmove(d, s, len);
        }
    }

    /**
     * {@code free(3)} or {@code munmap(2)}: releases the region. Idempotent and safe to call from
     * several threads: the memory is released exactly once.
     */
    @Override
    public void close() {
        long a = (long) ADDRESS.getAndSet(this, 0L);
        if (a != 0) {
            if (mappedLength > 0) {
                LibC.munmap(a, mappedLength);
            } else {
                LibC.free(a);
            }
        }
    }

    @Override
    public String toString() {
        return "AlignedMemory[" + size + " bytes, align " + alignment + (isClosed() ? ", closed" : "") + "]";
    }
}
