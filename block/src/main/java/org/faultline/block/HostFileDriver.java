package org.faultline.block;

import java.io.IOException;
import java.nio.file.Path;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.LibC;
import org.faultline.nativeio.ErrnoException;
import org.faultline.nativeio.HostFile;

/**
 * A block device backed by a host image file (or host block device), buffered or {@code O_DIRECT}.
 * Each request is exactly one {@code preadv}/{@code pwritev} over the bios' page vectors — the pages'
 * own memory, so {@code O_DIRECT} needs no bounce buffer. {@code REQ_PREFLUSH} and {@code REQ_FUA}
 * (and an empty flush) really reach the host as {@code fdatasync}.
 */
public final class HostFileDriver implements BlockDriver {
    private final HostFile file;
    private final long capacitySectors;
    /** The first error the host returned (ENOSPC, EIO...), for the command line to report as the host's. */
    private final java.util.concurrent.atomic.AtomicReference<ErrnoException> hostError =
            new java.util.concurrent.atomic.AtomicReference<>();

    private HostFileDriver(HostFile file, long bytes) {
        this.file = file;
        this.capacitySectors = bytes >> Bio.SECTOR_SHIFT;
    }

    /**
     * Opens an image.
     *
     * @throws ErrnoException with a one-line message: missing file, O_DIRECT refused, too small...
     */
    public static HostFileDriver open(Path image, boolean direct, boolean readOnly) throws ErrnoException {
        HostFile f = HostFile.openImage(image, direct, readOnly);
        try {
            return new HostFileDriver(f, f.size());
        } catch (ErrnoException e) {
            f.closeQuietly();
            throw e;
        }
    }

    @Override
    public long capacitySectors() {
        return capacitySectors;
    }

    @Override
    public BlkStatus execute(Request rq) {
        try {
            if ((rq.flags & Bio.REQ_PREFLUSH) != 0 || rq.op == Bio.Op.FLUSH) {
                file.fdatasync();
            }
            if (rq.bytes > 0 && (rq.op == Bio.Op.READ || rq.op == Bio.Op.WRITE)) {
                transfer(rq);
            }
            if ((rq.flags & Bio.REQ_FUA) != 0 && rq.op == Bio.Op.WRITE) {
                file.fdatasync();
            }
            return BlkStatus.OK;
        } catch (ErrnoException e) {
            hostError.compareAndSet(null, e);
            return e.errnoName().equals("ENOSPC") ? BlkStatus.NOSPC : BlkStatus.IOERR;
        }
    }

    private void transfer(Request rq) throws ErrnoException {
        // One iovec per run of address-contiguous segments: pages adjacent in the RAM arena go to
        // the host as one range, as a contiguous user buffer would (fewer pins, fewer host segments).
        int n = 0;
        long[] addrs = new long[rq.segments];
        int[] lens = new int[rq.segments];
        for (Bio b : rq.bios) {
            for (BioVec v : b.vecs()) {
                long a = v.address();
                if (n > 0 && addrs[n - 1] + lens[n - 1] == a) {
                    lens[n - 1] += v.len();
                } else {
                    addrs[n] = a;
                    lens[n++] = v.len();
                }
            }
        }
        long off = rq.sector << Bio.SECTOR_SHIFT;
        if (rq.op == Bio.Op.WRITE) {
            file.pwritev(addrs, lens, n, off);
        } else {
            long got = file.preadv(addrs, lens, n, off);
            if (got < rq.bytes) {
                throw new ErrnoException(5, "preadv", file.path().toString(), "short read at sector " + rq.sector);
            }
        }
    }

    @Override
    public HostFileDriver hostFile() {
        return this;
    }

    @Override
    public String describe() {
        return "image " + file.path() + (file.isDirect() ? " (O_DIRECT)" : " (buffered)");
    }

    /**
     * The first error the host itself returned for a request (a full host filesystem: ENOSPC; a
     * failing host disk: EIO), or null. The emulated kernel saw it as a failed request, as it would
     * see a failing disk; the command line reports it as the host's problem, not the emulator's.
     */
    public ErrnoException hostError() {
        return hostError.get();
    }

    /**
     * Creates (or truncates) an image file of {@code bytes} bytes, all zeros (sparse where the host
     * filesystem allows), and opens it read-write, buffered.
     *
     * @throws ErrnoException with a one-line message if it cannot be created or sized
     */
    public static HostFileDriver create(Path image, long bytes) throws ErrnoException {
        HostFile f = HostFile.open(image, LibC.O_RDWR | LibC.O_CREAT, 0644);
        try {
            f.ftruncate(0);
            f.ftruncate(bytes);
            return new HostFileDriver(f, bytes);
        } catch (ErrnoException e) {
            f.closeQuietly();
            throw e;
        }
    }

    @Override
    public void rawTransfer(boolean write, long offset, AlignedMemory buf, int len) throws IOException {
        if (offset < 0 || len < 0 || offset + len > capacitySectors << Bio.SECTOR_SHIFT) {
            throw new IOException(file.path() + ": transfer of " + len + " bytes at " + offset + " outside the device");
        }
        if (write) {
            file.pwrite(buf, 0, len, offset);
        } else {
            int n = file.pread(buf, 0, len, offset);
            if (n < len) {
                buf.fill(n, len - n, (byte) 0);
            }
        }
    }

    @Override
    public void rawFlush() throws IOException {
        if (!file.isReadOnly()) {
            file.fdatasync();
        }
    }

    /** @return the image file */
    public HostFile file() {
        return file;
    }

    @Override
    public void close() {
        file.closeQuietly();
    }
}
