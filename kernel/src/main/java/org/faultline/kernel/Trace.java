package org.faultline.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Trace events ({@code trace_printk}/tracepoints): every event is folded into a running 64-bit FNV-1a
 * digest, and the last {@code capacity} are kept as text. Two controlled runs with the same schedule
 * must produce the same digest: that is the determinism check.
 */
public final class Trace {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private final ArrayDeque<String> ring = new ArrayDeque<>();
    private final int capacity;
    private long digest = FNV_OFFSET;
    private long count;

    Trace(int capacity) {
        this.capacity = capacity;
    }

    /** Records one event line (already formatted with step and task). */
    synchronized void record(String line) {
        for (int i = 0; i < line.length(); i++) {
            digest = (digest ^ line.charAt(i)) * FNV_PRIME;
        }
        digest = (digest ^ '\n') * FNV_PRIME;
        count++;
        if (capacity > 0) {
            if (ring.size() == capacity) {
                ring.removeFirst();
            }
            ring.addLast(line);
        }
    }

    /** FNV-1a digest of every event so far. */
    public synchronized long digest() {
        return digest;
    }

    public synchronized long count() {
        return count;
    }

    /** The last {@code n} events, oldest first. */
    public synchronized List<String> last(int n) {
        List<String> all = new ArrayList<>(ring);
        return all.subList(Math.max(0, all.size() - n), all.size());
    }
}
