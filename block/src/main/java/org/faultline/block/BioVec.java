package org.faultline.block;

import org.faultline.mm.Page;

/**
 * One segment of a bio ({@code struct bio_vec}): a page, an offset into it and a length. The bytes are
 * the page's own memory in the RAM arena, so I/O moves them without a copy.
 *
 * @param page   the page
 * @param offset byte offset within the page
 * @param len    bytes
 */
public record BioVec(Page page, int offset, int len) {
    /** Host address of the segment's first byte. */
    public long address() {
        return page.address() + offset;
    }
}
