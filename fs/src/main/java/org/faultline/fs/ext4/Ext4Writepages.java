package org.faultline.fs.ext4;

import java.util.List;
import org.faultline.block.Plug;
import org.faultline.fs.Buffer;
import org.faultline.fs.BufferHead;
import org.faultline.fs.FsError;
import org.faultline.fs.Inode;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;
import org.faultline.mm.AddressSpace;
import org.faultline.mm.Filemap;
import org.faultline.mm.Page;
import org.faultline.mm.PageWriteback;
import org.faultline.mm.WritebackControl;

/**
 * The writeback half of fs/ext4/inode.c (4.14–4.20 delalloc path): {@code ext4_writepages} →
 * {@code mpage_prepare_extent_to_map} (locks pages, builds the private io_bio, {@code page_buffers()} —
 * bug 1's BUG) → {@code mpage_map_and_submit_extent} (block allocation) → {@code mpage_submit_page}.
 * With blocks smaller than a page the extent is built buffer by buffer
 * ({@code mpage_process_page_bufs}) and a page is submitted once all its buffers are mapped.
 *
 * <p>Patches at their upstream sites: {@link Ext4Patch#EXT4_SUBMIT_BIO_ON_TRYLOCK_FAIL},
 * {@link Ext4Patch#EXT4_BIO_PER_PAGE} (bug 3); {@link Ext4Patch#EXT4_WARN_NOT_BUG_ON_DIRTY_NO_BUFFERS}
 * (bug 1's crash becomes a warning and lost data).
 */
@KernelSource("fs/ext4/inode.c")
final class Ext4Writepages {
    /** MAX_WRITEPAGES_EXTENT_LEN. */
    static final int MAX_WRITEPAGES_EXTENT_LEN = 2048;

    private final Ext4Inode ops;
    private final Ext4Super es;

    Ext4Writepages(Ext4Inode ops) {
        this.ops = ops;
        this.es = ops.es;
    }

    /** {@code struct mpage_da_data}. */
    private static final class Mpd {
        final Inode inode;
        final WritebackControl wbc;
        final PageIo.IoSubmit io;
        long firstPage;
        long nextPage;
        long lastPage;
        boolean doMap;
        long mapLblk;      // map.m_lblk
        int mapLen;        // map.m_len
        boolean mapUnwritten;

        Mpd(Inode inode, WritebackControl wbc, PageIo.IoSubmit io) {
            this.inode = inode;
            this.wbc = wbc;
            this.io = io;
        }
    }

    /**
     * ext4_writepages(): a pass submitting already-mapped pages, then extents of pages needing
     * allocation, each mapped and submitted; all under a block plug.
     */
    @KernelFunction("ext4_writepages")
    int ext4Writepages(AddressSpace mapping, WritebackControl wbc) {
        return ext4DoWritepages(mapping, wbc, true);
    }

    /**
     * ext4_do_writepages(): with {@code canMap} false ({@code mpd->can_map = 0}, the journal's
     * ordered-data writeout) only the pass over pages whose blocks are mapped: the commit thread
     * must not allocate, which would start a handle on the transaction it is committing.
     */
    @KernelFunction(KernelFunction.HIDDEN)
    int ext4DoWritepages(AddressSpace mapping, WritebackControl wbc, boolean canMap) {
        Inode inode = (Inode) mapping.host();
        if (!mapping.tagged(AddressSpace.PAGECACHE_TAG_DIRTY)) {
            return 0;
        }
        // Deviation: range_cyclic writeback starts from index 0 rather than writeback_index
        boolean cyclic = wbc.rangeCyclic;
        long start = cyclic ? 0 : wbc.rangeStart >> Page.PAGE_SHIFT;
        long end = cyclic || wbc.rangeEnd == Long.MAX_VALUE ? Long.MAX_VALUE : wbc.rangeEnd >> Page.PAGE_SHIFT;
        if (wbc.syncAllMode() || wbc.taggedWritepages) {
            PageWriteback.tagPagesForWriteback(mapping, start, end);
        }
        Plug plug = Plug.blkStartPlug(es.k);
        PageIo.IoSubmit io = new PageIo.IoSubmit(es, wbc);
        Mpd mpd = new Mpd(inode, wbc, io);
        mpd.firstPage = start;
        mpd.lastPage = end;
        int ret;
        try {
            // pass 1: submit pages that need no allocation
            mpd.doMap = false;
            ret = mpagePrepareExtentToMap(mpd);
            PageIo.ext4IoSubmit(io);
            mpageReleaseUnusedPages(mpd, false);
            boolean done = !canMap;
            while (ret == 0 && !done && mpd.firstPage <= mpd.lastPage) {
                mpd.doMap = true;
                // one handle for the extent's allocation and the i_disksize it moves: a commit holds
                // both or neither (started before the pages are locked: handle, then page lock)
                org.faultline.fs.jbd2.Transaction.Handle h = es.journalStart(inode, true);
                try {
                    ret = mpagePrepareExtentToMap(mpd);
                    if (ret == 0) {
                        if (mpd.mapLen > 0) {
                            ret = mpageMapAndSubmitExtent(mpd);
                        } else {
                            done = true;
                        }
                    }
                } finally {
                    es.journalStop(h);
                }
                PageIo.ext4IoSubmit(io);
                mpageReleaseUnusedPages(mpd, false);
            }
        } finally {
            plug.blkFinishPlug();
        }
        return ret;
    }

    /**
     * mpage_prepare_extent_to_map(): walks the dirty (or TOWRITE) pages from {@code first_page}, locks
     * each, submits fully mapped ones, and gathers the pages needing allocation into one extent —
     * those stay locked. {@code lock_page} here is where bug 3's flusher blocks, with earlier pages
     * under writeback in the unsubmitted io_bio.
     */
    @KernelFunction("mpage_prepare_extent_to_map")
    private int mpagePrepareExtentToMap(Mpd mpd) {
        AddressSpace mapping = mpd.inode.mapping();
        int tag = mpd.wbc.syncAllMode() || mpd.wbc.taggedWritepages ? AddressSpace.PAGECACHE_TAG_TOWRITE
                : AddressSpace.PAGECACHE_TAG_DIRTY;
        long index = mpd.firstPage;
        long end = mpd.lastPage;
        mpd.mapLen = 0;
        mpd.nextPage = index;
        while (index <= end) {
            List<Page> pvec = lookupTag(mapping, index, end, tag);
            if (pvec.isEmpty()) {
                return 0;
            }
            index = pvec.get(pvec.size() - 1).index() + 1;
            try {
                for (Page page : pvec) {
                    if (!mpd.wbc.syncAllMode() && mpd.wbc.nrToWrite <= 0) {
                        return 0;
                    }
                    if (mpd.mapLen > 0 && mpd.nextPage != page.index()) {
                        return 0; // cannot merge: map what we have
                    }
                    if (es.k.has(Ext4Patch.EXT4_SUBMIT_BIO_ON_TRYLOCK_FAIL)) {
                        if (!Filemap.trylockPage(page)) { // Liu Bo: send pending writes before sleeping
                            PageIo.ext4IoSubmit(mpd.io);
                            Filemap.lockPage(page);
                        }
                    } else {
                        Filemap.lockPage(page);
                    }
                    if (!page.dirty() || page.writeback() && !mpd.wbc.syncAllMode() || page.mapping() != mapping) {
                        Filemap.unlockPage(page);
                        continue;
                    }
                    Filemap.waitOnPageWriteback(page);
                    es.k.bugOn(page.writeback());
                    if (es.k.has(Ext4Patch.EXT4_WARN_NOT_BUG_ON_DIRTY_NO_BUFFERS) && !Buffer.pageHasBuffers(page)) {
                        es.k.printk("EXT4-fs warning (device " + es.bdev.name() + "): mpage_prepare_extent_to_map: inode #"
                                + mpd.inode.ino() + ": comm " + Task.current().comm() + ": page " + page.index()
                                + " does not have buffers attached");
                        page.clearFlag(Page.PG_DIRTY); // cc5095747edf: clean it; its data is lost
                        Filemap.unlockPage(page);
                        continue;
                    }
                    if (mpd.mapLen == 0) {
                        mpd.firstPage = page.index();
                    }
                    mpd.nextPage = page.index() + 1;
                    long lblk = page.index() << es.bppBits;
                    BufferHead head = Buffer.pageBuffers(page);
                    int err = mpageProcessPageBufs(mpd, head, head, lblk);
                    if (err <= 0) {
                        return err;
                    }
                }
            } finally {
                for (Page p : pvec) {
                    es.mm.allocator().putPage(p);
                }
            }
            es.k.sched().condResched();
        }
        return 0;
    }

    private static List<Page> lookupTag(AddressSpace m, long index, long end, int tag) {
        return PageWriteback.pagevecLookupRangeTag(m, index, end, tag);
    }

    /**
     * mpage_process_page_bufs() + mpage_add_bh_to_extent(): walks the page's buffers from {@code bh}
     * (logical block {@code lblk}) to its end: delayed or unwritten dirty buffers extend the extent
     * to map; a page none of whose buffers (from {@code bh}) is left to map is submitted at once if no
     * extent is pending. Buffers past EOF are not added.
     *
     * <p>Deviation: at a buffer past EOF the walk stops and the scan goes on while an extent is
     * pending (the kernel ends the scan there and maps it); the pages past EOF that the scan locks
     * meanwhile are released unused. The extent and what is written are the same.
     *
     * @return 1 to continue, 0 when the extent cannot grow, or a negative errno
     */
    @KernelFunction("mpage_process_page_bufs")
    private int mpageProcessPageBufs(Mpd mpd, BufferHead head, BufferHead bh, long lblk) {
        long blocks = (mpd.inode.iSize() + es.blocksize - 1) >> es.blkbits;
        do {
            if (lblk >= blocks) {
                break; // past EOF: nothing to add
            }
            if (!mpageAddBhToExtent(mpd, lblk, bh)) {
                return 0;
            }
            lblk++;
            bh = bh.next();
        } while (bh != head);
        if (mpd.mapLen == 0) {
            int err = mpageSubmitPage(mpd, head.page());
            if (err < 0) {
                return err;
            }
        }
        return lblk < blocks || mpd.mapLen > 0 ? 1 : 0;
    }

    private boolean mpageAddBhToExtent(Mpd mpd, long lblk, BufferHead bh) {
        boolean needsMap = bh.test(BufferHead.BH_DIRTY) && bh.test(BufferHead.BH_MAPPED)
                && (bh.test(BufferHead.BH_DELAY) || bh.test(BufferHead.BH_UNWRITTEN));
        if (!needsMap) {
            return mpd.mapLen == 0; // write it right away, or end the extent
        }
        if (mpd.mapLen == 0) {
            if (!mpd.doMap) {
                return false;
            }
            mpd.mapLblk = lblk;
            mpd.mapLen = 1;
            mpd.mapUnwritten = bh.test(BufferHead.BH_UNWRITTEN);
            return true;
        }
        if (mpd.mapLen >= MAX_WRITEPAGES_EXTENT_LEN) {
            return false;
        }
        if (lblk == mpd.mapLblk + mpd.mapLen && bh.test(BufferHead.BH_UNWRITTEN) == mpd.mapUnwritten) {
            mpd.mapLen++;
            return true;
        }
        return false;
    }

    /**
     * mpage_submit_page(): clear_page_dirty_for_io, sample i_size, ext4_bio_write_page (which unlocks).
     * With {@code ext4-bio-per-page} the private bio is submitted after every page (Jan's option 1).
     */
    private int mpageSubmitPage(Mpd mpd, Page page) {
        es.k.bugOn(!page.testBit(Page.PG_LOCKED), "BUG_ON(!PageLocked(page)) in mpage_submit_page");
        PageWriteback.clearPageDirtyForIo(page);
        long size = mpd.inode.iSize(); // sampled after the write-protect barrier
        int len = page.index() == size >> Page.PAGE_SHIFT ? (int) (size & (Page.PAGE_SIZE - 1)) : Page.PAGE_SIZE;
        if (len == 0 && page.index() >= size >> Page.PAGE_SHIFT) {
            len = Page.PAGE_SIZE; // not the tail page
        }
        int err = PageIo.ext4BioWritePage(mpd.io, page, len, false);
        if (es.k.has(Ext4Patch.EXT4_BIO_PER_PAGE)) {
            PageIo.ext4IoSubmit(mpd.io);
        }
        if (err == 0) {
            mpd.wbc.nrToWrite--;
        }
        mpd.firstPage++;
        return err;
    }

    /**
     * mpage_map_and_submit_extent(): maps the extent ({@link #mpageMapAndSubmitBuffers}), and the
     * extents the rest of its last page makes, until nothing is left to map; then moves
     * {@code i_disksize} up to the end of what was mapped.
     */
    @KernelFunction("mpage_map_and_submit_extent")
    private int mpageMapAndSubmitExtent(Mpd mpd) {
        Inode inode = mpd.inode;
        long end = 0;
        do {
            long extentEnd = mpd.mapLblk + mpd.mapLen;
            int err = mpageMapAndSubmitBuffers(mpd);
            if (err != 0) {
                return err;
            }
            end = Math.max(end, extentEnd);
        } while (mpd.mapLen > 0);
        // update i_disksize up to the submitted pages
        Ext4Truncate.ext4UpdateIDisksize(es, inode, Math.min(inode.iSize(), end << es.blkbits));
        return 0;
    }

    /**
     * mpage_map_one_extent() + mpage_map_and_submit_buffers(): allocates the extent's blocks
     * (ext4_map_blocks with create, as often as it returns fewer), rewrites each buffer in it
     * (delay → mapped to its block), and submits each page whose buffers are all done. When the extent
     * ends inside a page, the rest of that page's buffers go through {@link #mpageProcessPageBufs}: the
     * page is submitted, or its buffers left to map make the next extent ({@code mpd.mapLen > 0}).
     *
     * <p>Deviation: when ext4_map_blocks maps less than asked, the rest of the extent is mapped next
     * (the kernel rebuilds an extent from the rest of the page the mapping stopped in, and leaves the
     * pages after it to the next pass). No frame of its own in call traces: the kernel inlines it.
     */
    @KernelFunction(KernelFunction.HIDDEN)
    private int mpageMapAndSubmitBuffers(Mpd mpd) {
        Inode inode = mpd.inode;
        long lblk = mpd.mapLblk;
        int left = mpd.mapLen;
        long end = lblk + left;
        Page tail = null; // the page the extent ends inside of, its rest still to go through
        while (left > 0) {
            Ext4Extents.BlockMap m;
            try {
                es.failIfInjected(inode.ino(), lblk);
                m = ops.mapBlocks(inode, lblk, left, true, false, true);
            } catch (FsError e) {
                es.k.printk("EXT4-fs (" + es.bdev.name() + "): Delayed block allocation failed for inode " + inode.ino()
                        + " at logical offset " + lblk + " with max blocks " + left + " with error " + (-e.err())
                        + "\nThis should not happen!! Data will be lost");
                return e.err();
            }
            if (m.isNew() && !m.unwritten()) { // ext4_map_blocks: new written blocks are ordered data
                es.journalInodeAddWrite(inode, m.lblk() << es.blkbits, ((m.lblk() + m.len()) << es.blkbits) - 1);
            }
            if (m.unwritten()) {
                Ext4Inode.changeBlockMap(es, inode, m.lblk(), m.len(), () -> {
                    es.vol.extents().ext4ConvertUnwrittenExtents(inode.ino(), m.lblk(), m.len()); // (at I/O end in the kernel)
                    return null;
                });
            }
            long delayed = 0;
            long mEnd = m.lblk() + m.len();
            for (long b = m.lblk(); b < mEnd; ) {
                long index = b >> es.bppBits;
                long pageEnd = (index + 1) << es.bppBits; // the next page's first block
                Page page = Filemap.findGetPage(inode.mapping(), index);
                if (page == null) {
                    b = Math.min(pageEnd, mEnd);
                    continue;
                }
                delayed += mapPageBuffers(page, b, mEnd, m.pblk() - m.lblk());
                if (pageEnd > mEnd && mEnd == end && tail == null) {
                    tail = page; // keeps its reference until its rest is processed
                } else {
                    es.mm.allocator().putPage(page);
                }
                if (pageEnd <= mEnd && page.testBit(Page.PG_LOCKED) && page.index() == mpd.firstPage) {
                    mpageSubmitPage(mpd, page);
                }
                b = Math.min(pageEnd, mEnd);
            }
            ops.releaseReservation(inode, delayed);
            lblk += m.len();
            left -= m.len();
        }
        mpd.mapLen = 0;
        if (tail != null) {
            int err = processRestOfPage(mpd, tail, end);
            es.mm.allocator().putPage(tail);
            return Math.min(err, 0);
        }
        return 0;
    }

    /**
     * The buffers of {@code page} for blocks [from, to) get their block ({@code lblk + delta}), lose
     * Delay and Unwritten.
     *
     * @return how many were delayed (their reservations are used up)
     */
    @KernelFunction(KernelFunction.HIDDEN)
    private long mapPageBuffers(Page page, long from, long to, long delta) {
        long delayed = 0;
        long lblk = page.index() << es.bppBits;
        for (BufferHead bh : Buffer.buffers(page)) {
            if (lblk >= from && lblk < to) {
                if (bh.test(BufferHead.BH_DELAY)) {
                    delayed++;
                }
                bh.clear(BufferHead.BH_DELAY);
                bh.clear(BufferHead.BH_UNWRITTEN);
                bh.mapBh(es.bdev, lblk + delta);
            }
            lblk++;
        }
        return delayed;
    }

    /**
     * mpage_map_and_submit_buffers' "buffer after end of mapped extent": the buffers of
     * {@code page} from block {@code lblk} on go through mpage_process_page_bufs, which submits the
     * page or starts the next extent with them. Only if the page is still ours (locked, next to submit).
     */
    @KernelFunction(KernelFunction.HIDDEN)
    private int processRestOfPage(Mpd mpd, Page page, long lblk) {
        if (!page.testBit(Page.PG_LOCKED) || page.index() != mpd.firstPage) {
            return 0;
        }
        BufferHead head = Buffer.pageBuffers(page);
        BufferHead bh = head;
        for (long b = page.index() << es.bppBits; b < lblk; b++) {
            bh = bh.next();
        }
        return mpageProcessPageBufs(mpd, head, bh, lblk);
    }

    /** mpage_release_unused_pages(): pages of an extent that was not submitted are unlocked. */
    private void mpageReleaseUnusedPages(Mpd mpd, boolean invalidate) {
        if (mpd.firstPage >= mpd.nextPage) {
            return;
        }
        for (long i = mpd.firstPage; i < mpd.nextPage; i++) {
            Page p = Filemap.findGetPage(mpd.inode.mapping(), i);
            if (p != null) {
                if (p.testBit(Page.PG_LOCKED) && p.bitOwner(Page.PG_LOCKED) == Task.current()) {
                    Filemap.unlockPage(p);
                }
                es.mm.allocator().putPage(p);
            }
        }
        mpd.mapLen = 0;
    }
}
