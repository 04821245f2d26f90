package org.faultline.nativeio;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Native regions kept for reuse (host-side): an exploration boots a kernel per execution, with its
 * RAM and a copy-on-write disk, and mapping, faulting in and unmapping those each time cost more
 * than the memory an execution uses. An unmap also shoots down the TLBs of every CPU running a
 * thread of the process — on a virtual machine an interrupt per CPU — so with {@code --jobs} the
 * executions stalled each other. A pool keeps a few regions of up to {@code maxBytes} each; the
 * caller decides what a returned region must hold (zeroed RAM, or anything for a disk's own blocks).
 *
 * <p>Thread-safe.
 */
public final class RegionPool {
    private final int keep;
    private final long maxBytes;
    private final ConcurrentLinkedDeque<AlignedMemory> free = new ConcurrentLinkedDeque<>();

    /**
     * @param keep     regions kept at most
     * @param maxBytes largest region kept (larger ones are freed)
     */
    public RegionPool(int keep, long maxBytes) {
        this.keep = keep;
        this.maxBytes = maxBytes;
    }

    /** @return a kept region of exactly {@code bytes}, aligned to {@code alignment}, or null */
    public AlignedMemory take(long bytes, long alignment) {
        for (Iterator<AlignedMemory> it = free.iterator(); it.hasNext(); ) {
            AlignedMemory m = it.next();
            if (m.size() == bytes && m.alignment() >= alignment && free.remove(m)) {
                return m;
            }
        }
        return null;
    }

    /** A kept region of exactly {@code bytes} if there is one, else a new one (zeroed). */
    public AlignedMemory takeOrAllocate(long bytes, long alignment) throws ErrnoException {
        AlignedMemory m = take(bytes, alignment);
        return m != null ? m : AlignedMemory.allocate(bytes, alignment);
    }

    /** Keeps {@code m} for a later {@link #take}, or frees it if enough are kept or it is too large. */
    public void give(AlignedMemory m) {
        if (m.size() <= maxBytes && free.size() < keep) {
            free.addFirst(m);
        } else {
            m.close();
        }
    }
}
