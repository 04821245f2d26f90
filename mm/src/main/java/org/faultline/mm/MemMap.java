package org.faultline.mm;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.faultline.kernel.Kernel;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.RegionPool;

/**
 * Physical memory and its {@code mem_map}: one aligned off-heap arena holding every page frame's
 * bytes, and the {@link Page} array describing it (mm/page_alloc.c, mm/memory_model.h). Page data
 * really lives here, so a bio's vectors point into this arena and an {@code O_DIRECT} write goes from
 * page memory to the device without a copy. RAM starts zeroed (a new region, or a reused one whose
 * used frames were zeroed when its kernel closed), so the allocator need not clear a frame's first
 * {@code __GFP_ZERO} allocation.
 */
public final class MemMap implements AutoCloseable {
    /**
     * RAM of closed kernels, zeroed, for the next boot of the same size: an exploration boots a
     * kernel per execution, and its RAM is a few MiB (a boot's larger RAM is unmapped).
     */
    private static final RegionPool RAM_POOL = new RegionPool(4, 32L << 20);
    private final AlignedMemory ram;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final Page[] pages;           // made on first use: an execution touches few of its frames
    private final Kernel k;
    private Mm mm;
    private int touchedEnd;               // frames [0, this) may have been written: zeroed before reuse

    /** Memory for a booted kernel: page flag operations are preemption points of {@code k}. */
    public MemMap(Kernel k, int nrPages) {
        if (nrPages <= 0) {
            throw new IllegalArgumentException("RAM must hold at least one page");
        }
        try {
            this.ram = RAM_POOL.takeOrAllocate((long) nrPages * Page.PAGE_SIZE, Page.PAGE_SIZE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot allocate " + nrPages + " pages of RAM: " + e.getMessage(), e);
        }
        this.pages = new Page[nrPages];
        this.k = k;
    }

    /** Memory whose page flag operations are not preemption points (block-layer tools and tests). */
    public MemMap(int nrPages) {
        this(null, nrPages);
    }

    /** Ties every frame to its {@link Mm}, so hot paths need not look it up. Context: boot. */
    void attach(Mm mm) {
        this.mm = mm;
        for (Page p : pages) {
            if (p != null) {
                p.mm = mm;
            }
        }
    }

    /**
     * pfn_to_page(). Deviation: the {@link Page} is made the first time its frame is asked for (the
     * allocator hands frames out in pfn order), not all at boot: an exploration boots thousands of
     * times and most frames of its RAM are never used. Context: the frame's first user is its
     * allocator, under the zone lock, or a host thread before or after the run.
     */
    public Page pfnToPage(long pfn) {
        Page p = pages[(int) pfn];
        if (p == null) {
            p = new Page(k, pfn, ram.address(pfn * Page.PAGE_SIZE, Page.PAGE_SIZE));
            p.mm = mm;
            pages[(int) pfn] = p;
            touchedEnd = Math.max(touchedEnd, (int) pfn + 1);
        }
        return p;
    }

    public int nrPages() {
        return pages.length;
    }

    /** The arena, for byte access to page contents. */
    public AlignedMemory ram() {
        return ram;
    }

    /** Offset of a page's bytes within {@link #ram()}. */
    public long offsetOf(Page p) {
        return p.pfn() * Page.PAGE_SIZE;
    }

    /** Copies {@code len} bytes of a page, from {@code off}, into {@code dst}. */
    public void read(Page p, int off, byte[] dst, int dstOff, int len) {
        ram.get(offsetOf(p) + off, dst, dstOff, len);
    }

    /** Copies {@code len} bytes from {@code src} into a page at {@code off}. */
    public void write(Page p, int off, byte[] src, int srcOff, int len) {
        ram.put(offsetOf(p) + off, src, srcOff, len);
    }

    /** Zeroes part of a page (zero_user_segment). */
    public void zero(Page p, int off, int len) {
        ram.fill(offsetOf(p) + off, len, (byte) 0);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // given back once: a second close must not hand it out twice
        }
        if (touchedEnd > 0) { // the frames ever handed out (a prefix, the allocator goes in pfn order): zeroed
            ram.fill(0, (long) touchedEnd * Page.PAGE_SIZE, (byte) 0);
        }
        RAM_POOL.give(ram);
    }
}
