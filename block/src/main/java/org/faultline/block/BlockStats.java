package org.faultline.block;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * I/O statistics of one queue ({@code /sys/block/X/stat} and blktrace counters): bios, requests after
 * merging, merges, bytes and errors per direction, and per-op latency histograms in nanoseconds of
 * the kernel clock (virtual under control).
 */
public final class BlockStats {
    final LongAdder bios = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder merges = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder flushes = new LongAdder();
    final LongAdder errors = new LongAdder();
    private final Histogram readLat = new ConcurrentHistogram(3);
    private final Histogram writeLat = new ConcurrentHistogram(3);

    public long bios() {
        return bios.sum();
    }

    public long requests() {
        return requests.sum();
    }

    public long merges() {
        return merges.sum();
    }

    public long bytesRead() {
        return bytesRead.sum();
    }

    public long bytesWritten() {
        return bytesWritten.sum();
    }

    public long flushes() {
        return flushes.sum();
    }

    public long errors() {
        return errors.sum();
    }

    /** Request latency histogram for reads (ns). */
    public Histogram readLatency() {
        return readLat;
    }

    /** Request latency histogram for writes and flushes (ns). */
    public Histogram writeLatency() {
        return writeLat;
    }

    void recordLatency(Bio.Op op, long ns) {
        (op == Bio.Op.READ ? readLat : writeLat).recordValue(Math.max(0, ns));
    }

    @Override
    public String toString() {
        return "bios=" + bios() + " requests=" + requests() + " merges=" + merges() + " read=" + bytesRead()
                + "B written=" + bytesWritten() + "B flushes=" + flushes() + " errors=" + errors();
    }
}
