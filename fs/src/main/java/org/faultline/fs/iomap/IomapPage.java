package org.faultline.fs.iomap;

import java.util.BitSet;

/**
 * {@code struct iomap_page}: per-page iomap state hung on page->private — which blocks are uptodate,
 * and sub-page read/write counts. Guarded by the page lock (uptodate bits) and completion ordering.
 */
final class IomapPage {
    final BitSet uptodate = new BitSet();
    int readCount;
    int writeCount;
}
