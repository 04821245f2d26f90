package org.faultline.block;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.LibC;

/**
 * A driver decorator that logs every completed write bio and flush, with the written data, in
 * completion order: the block write log of a capture, and of {@code faultline crash}
 * (drivers/md/dm-log-writes.c, as xfstests' crash tests use it). Like dm-log-writes, which sits above
 * the device's request queue, the log is per <em>bio</em>: a request that merged several bios is
 * logged, once it completes, as one entry per bio in the request's bio order, each with its own sector,
 * flags and data; a flush ({@code REQ_OP_FLUSH}) is one entry. A crash checker therefore sees the same
 * units whether or not the block layer merged them (a device completes a merged request as a whole, but
 * a power cut before the flush after it may keep any of its sectors).
 *
 * <p>What is logged, as {@code log_writes_map} and {@code normal_end_io} decide it: writes with data,
 * and anything with {@code REQ_PREFLUSH} (an empty flush, logged as a FLUSH entry); reads and discards
 * are not. A bio's data is copied before the driver runs its request (dm-log-writes copies it when the
 * bio is mapped, so an O_DIRECT page changed later cannot change the log) and kept only if the request
 * completes without error, so the log plus the disk at boot rebuilds the disk after any entry.
 *
 * <p>Deviation: dm-log-writes holds the writes that completed without FUA until the next flush and
 * writes them to its log then (its log reads in the order data reached the media); here every entry is
 * kept in completion order and {@link CrashStates} works out what a flush made durable.
 *
 * <p>Context: the driver's (any host thread); the log is a lock-free queue, read once the run is
 * over ({@link #entries}). The entries of one request take consecutive sequence numbers.
 */
public final class WriteLogDriver extends DriverDecorator {
    /**
     * One completed write bio, or flush.
     *
     * @param seq    1-based completion order
     * @param op     WRITE or FLUSH
     * @param sector the bio's first sector (0 for a flush)
     * @param flags  the bio's flags ({@link Bio#REQ_PREFLUSH}, {@link Bio#REQ_FUA}, ...)
     * @param data   the bytes the bio wrote (empty for a flush)
     */
    public record Entry(long seq, Bio.Op op, long sector, int flags, byte[] data) {
    }

    private final ConcurrentLinkedQueue<Entry> log = new ConcurrentLinkedQueue<>();
    private final AtomicLong seq = new AtomicLong();

    public WriteLogDriver(BlockDriver inner) {
        super(inner);
    }

    @Override
    public BlkStatus execute(Request rq) {
        boolean write = rq.op == Bio.Op.WRITE;
        boolean logged = write || rq.op == Bio.Op.FLUSH || (rq.flags & Bio.REQ_PREFLUSH) != 0;
        byte[][] data = write ? copyData(rq) : null;
        BlkStatus st = inner.execute(rq);
        if (!st.ok() || !logged) {
            return st;
        }
        if (!write) {
            log.add(new Entry(seq.incrementAndGet(), Bio.Op.FLUSH, 0, rq.flags, new byte[0]));
            return st;
        }
        long first = seq.getAndAdd(rq.bios.size()) + 1;
        for (int i = 0; i < rq.bios.size(); i++) { // normal_end_io: each bio of the request, in its order
            Bio b = rq.bios.get(i);
            log.add(new Entry(first + i, Bio.Op.WRITE, b.sector, b.opFlags, data[i]));
        }
        return st;
    }

    /** log_writes_map's copy: each bio's data, in the request's bio order (empty for a bio without data). */
    private static byte[][] copyData(Request rq) {
        byte[][] out = new byte[rq.bios.size()][];
        if (rq.bytes == 0) {
            java.util.Arrays.fill(out, new byte[0]);
            return out;
        }
        try (AlignedMemory bounce = AlignedMemory.allocate(rq.bytes)) {
            int off = 0;
            for (int i = 0; i < out.length; i++) {
                Bio b = rq.bios.get(i);
                int start = off;
                for (BioVec v : b.vecs()) {
                    LibC.memmove(bounce.address(off, v.len()), v.address(), v.len());
                    off += v.len();
                }
                out[i] = new byte[off - start];
                if (off > start) {
                    bounce.get(start, out[i], 0, off - start);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** @return how many write bios and flushes have completed so far (the log's length) */
    public long completed() {
        return seq.get();
    }

    /** @return the completed write bios and flushes so far, in completion order */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>(log);
        out.sort(java.util.Comparator.comparingLong(Entry::seq));
        return out;
    }

    @Override
    public String describe() {
        return inner.describe() + " + write log";
    }
}
