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
 * A driver decorator that logs every completed write and flush, with the written data, in completion
 * order: the block write log of a capture (dm-log-writes, as xfstests' crash tests use it). The data
 * is copied from the request's pages before the driver runs it and kept only if the request
 * completes without error, so the log plus the disk at boot rebuilds the disk after any write.
 *
 * <p>Context: the driver's (any host thread); the log is a lock-free queue, read once the run is
 * over ({@link #entries}).
 */
public final class WriteLogDriver extends DriverDecorator {
    /**
     * One completed request.
     *
     * @param seq    1-based completion order
     * @param op     WRITE or FLUSH
     * @param sector first sector (0 for a flush)
     * @param flags  the request's flags ({@link Bio#REQ_PREFLUSH}, {@link Bio#REQ_FUA}, ...)
     * @param data   the bytes written (empty for a flush)
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
        byte[] data = rq.op == Bio.Op.WRITE && rq.bytes > 0 ? copyData(rq) : new byte[0];
        BlkStatus st = inner.execute(rq);
        boolean logged = rq.op == Bio.Op.WRITE || rq.op == Bio.Op.FLUSH || (rq.flags & Bio.REQ_PREFLUSH) != 0;
        if (st.ok() && logged) {
            log.add(new Entry(seq.incrementAndGet(), rq.op == Bio.Op.WRITE ? Bio.Op.WRITE : Bio.Op.FLUSH,
                    rq.op == Bio.Op.WRITE ? rq.sector : 0, rq.flags, data));
        }
        return st;
    }

    private static byte[] copyData(Request rq) {
        byte[] out = new byte[rq.bytes];
        try (AlignedMemory bounce = AlignedMemory.allocate(rq.bytes)) {
            int off = 0;
            for (Bio b : rq.bios) {
                for (BioVec v : b.vecs()) {
                    LibC.memmove(bounce.address(off, v.len()), v.address(), v.len());
                    off += v.len();
                }
            }
            bounce.get(0, out, 0, rq.bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** @return how many writes and flushes have completed so far (the log's length) */
    public long completed() {
        return seq.get();
    }

    /** @return the completed writes and flushes so far, in completion order */
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
