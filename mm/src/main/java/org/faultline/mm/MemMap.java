package org.faultline.mm;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.faultline.kernel.Kernel;
import org.faultline.nativeio.AlignedMemory;

/**
 * Physical memory and its {@code mem_map}: one aligned off-heap arena holding every page frame's
 * bytes, and the {@link Page} array describing it (mm/page_alloc.c, mm/memory_model.h). Page data
 * really lives here, so a bio's vectors point into this arena and an {@code O_DIRECT} write goes from
 * page memory to the device without a copy.
 */
public final class MemMap implements AutoCloseable {
    private final AlignedMemory ram;
    private final Page[] pages;

    /** Memory for a booted kernel: page flag operations are preemption points of {@code k}. */
    public MemMap(Kernel k, int nrPages) {
        if (nrPages <= 0) {
            throw new IllegalArgumentException("RAM must hold at least one page");
        }
        try {
            this.ram = AlignedMemory.allocate((long) nrPages * Page.PAGE_SIZE, Page.PAGE_SIZE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot allocate " + nrPages + " pages of RAM: " + e.getMessage(), e);
        }
        this.pages = new Page[nrPages];
        for (int i = 0; i < nrPages; i++) {
            pages[i] = new Page(k, i, ram.address((long) i * Page.PAGE_SIZE, Page.PAGE_SIZE));
        }
    }

    /** Memory whose page flag operations are not preemption points (block-layer tools and tests). */
    public MemMap(int nrPages) {
        this(null, nrPages);
    }

    /** Ties every frame to its {@link Mm}, so hot paths need not look it up. Context: boot. */
    void attach(Mm mm) {
        for (Page p : pages) {
            p.mm = mm;
        }
    }

    /** pfn_to_page(). */
    public Page pfnToPage(long pfn) {
        return pages[(int) pfn];
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
        ram.close();
    }
}
