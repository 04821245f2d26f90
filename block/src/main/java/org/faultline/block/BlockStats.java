package org.faultline.block;

import java.util.concurrent.atomic.AtomicReference;
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
    // made on the first request: an exploration boots a queue per execution and reads neither
    private final AtomicReference<Histogram> readLat = new AtomicReference<>();
    private final AtomicReference<Histogram> writeLat = new AtomicReference<>();
    private static final Histogram NONE = new Histogram(3);

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

    /** Request latency histogram for reads (ns); empty before the first read. */
    public Histogram readLatency() {
        Histogram h = readLat.get();
        return h == null ? NONE.copy() : h;
    }

    /** Request latency histogram for writes and flushes (ns); empty before the first write. */
    public Histogram writeLatency() {
        Histogram h = writeLat.get();
        return h == null ? NONE.copy() : h;
    }

    void recordLatency(Bio.Op op, long ns) {
        AtomicReference<Histogram> r = op == Bio.Op.READ ? readLat : writeLat;
        Histogram h = r.get();
        if (h == null) {
            r.compareAndSet(null, new ConcurrentHistogram(3));
            h = r.get();
        }
        h.recordValue(Math.max(0, ns));
    }

    @Override
    public String toString() {
        return "bios=" + bios() + " requests=" + requests() + " merges=" + merges() + " read=" + bytesRead()
                + "B written=" + bytesWritten() + "B flushes=" + flushes() + " errors=" + errors();
    }
}
