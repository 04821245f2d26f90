package org.faultline.mm;

import java.io.IOException;
import java.io.UncheckedIOException;
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

    /**
     * @param nrPages frames of physical memory
     * @throws UncheckedIOException if the host cannot provide the memory
     */
    public MemMap(int nrPages) {
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
            pages[i] = new Page(i, ram.address((long) i * Page.PAGE_SIZE, Page.PAGE_SIZE));
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

    @Override
    public void close() {
        ram.close();
    }
}
