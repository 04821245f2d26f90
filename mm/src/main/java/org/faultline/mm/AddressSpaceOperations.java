package org.faultline.mm;

/**
 * {@code struct address_space_operations}: how mm calls a filesystem for its page cache. A
 * filesystem provides constant tables of these (ext4's {@code ext4_da_aops}); generic helpers
 * ({@link PageWriteback#genericWritepages}, {@link PageWriteback#setPageDirtyNobuffers}) are meant to
 * be referenced from the tables explicitly.
 *
 * <p>Contract (Documentation/filesystems/locking.rst, 4.x–5.x):
 * <pre>
 * op             page locked on entry   may sleep   must
 * writepage      yes, unlocks           yes         start I/O (or redirty) and unlock the page;
 *                                                   set PG_writeback before unlocking if it writes;
 *                                                   return 0, -errno, or AOP_WRITEPAGE_ACTIVATE (page still locked)
 * writepages     no                     yes         write dirty pages per the wbc
 * readpage       yes, unlocks           yes         unlock when the read completes; SetPageUptodate on success
 * readahead      yes (each), unlocks    yes         the same for each page of a batch
 * set_page_dirty maybe                  no          mark the page (and its buffers) dirty; tag it in the mapping
 * write_begin    returns it locked      yes         prepare [pos, pos+len) for a copy
 * write_end      yes, unlocks           yes         commit the copy, dirty, unlock and put the page
 * releasepage    yes                    no          drop fs-private state if possible; true if released
 * invalidatepage yes                    yes         drop private state for a truncated range
 * </pre>
 */
public interface AddressSpaceOperations {
    /** A writepage result: the page stays locked and goes back to the active list. */
    int AOP_WRITEPAGE_ACTIVATE = 0x80000;

    /** ->writepage(). */
    int writepage(Page page, WritebackControl wbc);

    /** ->writepages(). Tables without a real one reference {@link PageWriteback#genericWritepages}. */
    int writepages(AddressSpace mapping, WritebackControl wbc);

    /** ->readpage(). */
    int readpage(Page page);

    /**
     * ->readahead() (5.8+; ->readpages before): starts reads of {@code pages} — each locked and in
     * the cache, in index order — unlocking each when its read completes (or at once on failure, not
     * uptodate: the reader retries with ->readpage). The default reads them one by one, as read_pages
     * does for a filesystem without the operation.
     */
    default void readahead(java.util.List<Page> pages) {
        for (Page p : pages) {
            readpage(p);
        }
    }

    /** ->set_page_dirty(): returns true if this call dirtied the page. */
    boolean setPageDirty(Page page);

    /**
     * ->write_begin(): finds or creates the page for {@code pos}, locked, ready for {@code len} bytes.
     *
     * @return the page and fs data, or an errno
     */
    WriteBegin writeBegin(AddressSpace mapping, long pos, int len);

    /** ->write_end(): returns bytes committed (≤ copied) or a negative errno; unlocks and puts the page. */
    int writeEnd(AddressSpace mapping, long pos, int len, int copied, Page page, Object fsdata);

    /** ->releasepage() (try_to_release_page). */
    boolean releasepage(Page page, int gfp);

    /** ->invalidatepage(). */
    void invalidatepage(Page page, int offset, int length);

    /**
     * Result of write_begin.
     *
     * @param page   the locked page, or null on error
     * @param fsdata opaque data passed to write_end
     * @param err    0 or a negative errno
     */
    record WriteBegin(Page page, Object fsdata, int err) {
        public static WriteBegin error(int err) {
            return new WriteBegin(null, null, err);
        }
    }
}
