package org.faultline.fs.ext4;

import java.util.List;
import org.faultline.fs.Buffer;
import org.faultline.fs.BufferHead;
import org.faultline.fs.FsError;
import org.faultline.fs.Inode;
import org.faultline.fs.Mpage;
import org.faultline.fs.iomap.BufferedIo;
import org.faultline.fs.iomap.Iomap;
import org.faultline.fs.iomap.IomapOps;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;
import org.faultline.mm.AddressSpace;
import org.faultline.mm.AddressSpaceOperations;
import org.faultline.mm.Filemap;
import org.faultline.mm.Gfp;
import org.faultline.mm.Page;
import org.faultline.mm.PageWriteback;
import org.faultline.mm.VmFault;
import org.faultline.mm.VmOperations;
import org.faultline.mm.WritebackControl;

/**
 * ext4's address-space and fault operations (fs/ext4/inode.c, 4.14–4.20 delalloc path): delalloc
 * {@code write_begin}/{@code write_end} reserving space ({@code ext4_da_get_block_prep}),
 * {@code ext4_writepages} ({@link Ext4Writepages}: {@code mpage_prepare_extent_to_map},
 * {@code mpage_map_and_submit_extent}, {@code mpage_submit_page}); {@code ext4_writepage} for reclaim;
 * {@code ext4_page_mkwrite}; readpage; truncate. With the {@code iomap} mount option the buffered path
 * is iomap's instead.
 *
 * <p>Blocks smaller than a page (1 or 2 KiB, on 4 KiB pages): a page holds several buffer heads, one
 * per block, and every step works block by block as the kernel's does — each block of a write is
 * reserved on its own ({@code ext4_da_get_block_prep} per buffer in {@code __block_write_begin}),
 * writepages adds the page's delayed buffers to the extent one by one ({@code mpage_process_page_bufs}),
 * maps them and submits a page only when all of its buffers are done, continuing from the middle of a
 * page when an extent ends there; the bio takes only a page's dirty mapped buffers
 * ({@link PageIo}); readpage maps each block ({@link org.faultline.fs.Mpage}).
 *
 * <p>Named after fs/ext4/inode.c; "Ext4Inode" rather than "Inode" so it does not shadow the VFS inode.
 *
 * <p>Patches at their upstream sites: {@link Ext4Patch#EXT4_WARN_NOT_BUG_ON_DIRTY_NO_BUFFERS} in
 * {@code ext4_writepage} (bug 1's crash becomes a warning and lost data); the writepages ones in
 * {@link Ext4Writepages}.
 */
@KernelSource("fs/ext4/inode.c")
final class Ext4Inode implements VmOperations, IomapOps {
    final Ext4Super es;
    private final AddressSpaceOperations aops;
    /** The writeback half of inode.c: {@code ext4_writepages}. */
    private final Ext4Writepages writepages;

    Ext4Inode(Ext4Super es) {
        this.es = es;
        this.aops = es.iomap ? new IomapAops() : new DaAops();
        this.writepages = new Ext4Writepages(this);
    }

    AddressSpaceOperations aops() {
        return aops;
    }

    private Kernel k() {
        return es.k;
    }

    // ------------------------------------------------------------ block mapping

    /**
     * ext4_map_blocks(): the extent status tree first; on a miss (or to allocate into a hole) the
     * on-disk tree under the filesystem lock, recording what it found — the whole extent, or the
     * whole gap ({@code ext4_ext_put_gap_in_cache}) — or what it allocated.
     */
    Ext4Extents.BlockMap mapBlocks(Inode inode, long lblk, int maxLen, boolean create, boolean unwritten) {
        return mapBlocks(inode, lblk, maxLen, create, unwritten, false);
    }

    /** ext4_map_blocks() for blocks delayed allocation reserved ({@code EXT4_GET_BLOCKS_DELALLOC_RESERVE}) if {@code reserved}. */
    Ext4Extents.BlockMap mapBlocks(Inode inode, long lblk, int maxLen, boolean create, boolean unwritten, boolean reserved) {
        Ext4InodeInfo ei = Ext4Super.ei(inode);
        org.faultline.fs.jbd2.Transaction.Handle h = create ? es.journalStart(inode, true) : null;
        if (create) {
            ei.iDataSem.downWrite();
        } else {
            ei.iDataSem.downRead();
        }
        try {
            ExtentStatus.Es hit = ei.esTree.lookupExtent(lblk);
            if (hit != null && (hit.kind() != ExtentStatus.Kind.HOLE || !create)) {
                int len = (int) Math.min(maxLen, hit.end() - lblk);
                long pblk = hit.kind() == ExtentStatus.Kind.HOLE ? 0 : hit.pblk() + (lblk - hit.lblk());
                return new Ext4Extents.BlockMap(lblk, pblk, len, hit.kind() == ExtentStatus.Kind.UNWRITTEN, false);
            }
            int ask = create ? maxLen : Integer.MAX_VALUE; // a lookup learns the whole extent or gap
            Ext4Extents.BlockMap m = es.vol(() -> es.vol.extents().ext4ExtMapBlocks(inode.ino(), lblk, ask, create,
                    unwritten, reserved));
            ei.esTree.insertExtent(m.lblk(), m.len(), m.pblk(), m.hole() ? ExtentStatus.Kind.HOLE
                    : m.unwritten() ? ExtentStatus.Kind.UNWRITTEN : ExtentStatus.Kind.WRITTEN);
            return m.len() <= maxLen ? m
                    : new Ext4Extents.BlockMap(m.lblk(), m.pblk(), maxLen, m.unwritten(), m.isNew());
        } finally {
            if (create) {
                ei.iDataSem.upWrite();
            } else {
                ei.iDataSem.upRead();
            }
            es.journalStop(h);
        }
    }

    /**
     * A change to the inode's block map made outside {@link #mapBlocks} (truncate, punch, fallocate,
     * unwritten conversion): done under {@code i_data_sem} for write, with the range dropped from
     * the extent status tree ({@code ext4_es_remove_extent}) — all of it if the change failed.
     */
    static void changeBlockMap(Ext4Super es, Inode inode, long lblk, long len, Ext4Super.VolCall<?> change) {
        changeBlockMap(es, inode, lblk, len, true, change);
    }

    /**
     * {@link #changeBlockMap(Ext4Super, Inode, long, long, Ext4Super.VolCall)} in a handle that sets
     * {@code i_datasync_tid} only if {@code datasync} (fdatasync must wait for the change).
     */
    static void changeBlockMap(Ext4Super es, Inode inode, long lblk, long len, boolean datasync,
                               Ext4Super.VolCall<?> change) {
        Ext4InodeInfo ei = Ext4Super.ei(inode);
        org.faultline.fs.jbd2.Transaction.Handle h = es.journalStart(inode, datasync);
        ei.iDataSem.downWrite();
        try {
            es.vol(change);
            ei.esTree.removeExtent(lblk, len);
        } catch (RuntimeException e) {
            ei.esTree.clear();
            throw e;
        } finally {
            ei.iDataSem.upWrite();
            es.journalStop(h);
        }
    }

    /** ext4_get_block(): maps the buffer; with create, allocates written blocks. @return 0 or -errno */
    int getBlock(Inode inode, long iblock, BufferHead bh, boolean create) {
        try {
            mapBuffer(inode, iblock, bh, create);
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    private void mapBuffer(Inode inode, long iblock, BufferHead bh, boolean create) {
        Ext4Extents.BlockMap m = mapBlocks(inode, iblock, 1, create, false);
        if (m.pblk() == 0) {
            return; // a hole
        }
        bh.mapBh(es.bdev, m.pblk());
        if (m.unwritten()) {
            bh.set(BufferHead.BH_UNWRITTEN);
        }
        if (m.isNew()) {
            bh.set(BufferHead.BH_NEW);
        }
    }

    /**
     * ext4_da_get_block_prep(): an allocated block is mapped (an unwritten one also New, as the
     * kernel marks it); a hole gets a delayed-allocation
     * reservation (ENOSPC if none is left) and a Delay|Mapped|New buffer with no block yet.
     */
    int daGetBlockPrep(Inode inode, long iblock, BufferHead bh, boolean create) {
        try {
            daMapOrReserve(inode, iblock, bh);
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    private void daMapOrReserve(Inode inode, long iblock, BufferHead bh) {
        Ext4Extents.BlockMap m = mapBlocks(inode, iblock, 1, false, false);
        if (m.pblk() != 0) {
            bh.mapBh(es.bdev, m.pblk());
            if (m.unwritten()) {
                // preallocated: nothing on disk to read, so __block_write_begin zeroes what the write leaves
                bh.set(BufferHead.BH_UNWRITTEN);
                bh.set(BufferHead.BH_NEW);
            }
            return;
        }
        if (bh.test(BufferHead.BH_DELAY)) {
            return;
        }
        es.lock.mutexLock();
        try { // ext4_da_reserve_space()
            long free;
            try {
                free = es.vol.freeBlocks();
            } catch (RuntimeException e) {
                free = 0;
            }
            if (free - es.reservedBlocks - es.resvClusters < 1) { // ext4_claim_free_clusters(sbi, 1, 0)
                throw new FsError(Errno.ENOSPC, es.bdev.name() + ": no space for delayed allocation");
            }
            es.reservedBlocks++;
            Ext4Super.ei(inode).reservedBlocks++;
        } finally {
            es.lock.mutexUnlock();
        }
        bh.mapBh(es.bdev, 0); // map_bh(bh, sb, invalid_block)
        bh.set(BufferHead.BH_NEW);
        bh.set(BufferHead.BH_DELAY);
    }

    /**
     * fallocate over [first, first + count) with dirty pages whose buffers are still delayed there:
     * their blocks are allocated now, out of the reservations made when the pages were dirtied (as
     * the extent status tree's delayed extent gives way to the allocated one), not counted against
     * free space a second time. Before the allocation, those reservations go back.
     *
     * @return how many were given back, for {@link #mapDelayedBlocks}
     */
    long releaseDelayedReservations(Inode inode, long first, long count) {
        long[] delayed = {0};
        forEachDelayedBuffer(inode, first, count, (bh, lblk) -> delayed[0]++);
        releaseReservation(inode, delayed[0]);
        return delayed[0];
    }

    /**
     * After the allocation of {@link #releaseDelayedReservations}: the delayed buffers that got a
     * block are mapped to it (unwritten, converted when written back); those still without one —
     * the allocation stopped short — take their reservation again (at most {@code taken}).
     */
    void mapDelayedBlocks(Inode inode, long first, long count, long taken) {
        long[] stillDelayed = {0};
        forEachDelayedBuffer(inode, first, count, (bh, lblk) -> {
            Ext4Extents.BlockMap m = mapBlocks(inode, lblk, 1, false, false);
            if (m.pblk() == 0) {
                stillDelayed[0]++;
                return;
            }
            bh.clear(BufferHead.BH_DELAY);
            bh.mapBh(es.bdev, m.pblk());
            if (m.unwritten()) {
                bh.set(BufferHead.BH_UNWRITTEN);
            }
        });
        long back = Math.min(stillDelayed[0], taken);
        if (back > 0) {
            es.lock.mutexLock();
            es.reservedBlocks += back;
            Ext4Super.ei(inode).reservedBlocks += back;
            es.lock.mutexUnlock();
        }
    }

    /** What {@link #forEachDelayedBuffer} does with a delayed buffer: it and its logical block. */
    @FunctionalInterface
    private interface DelayedBufferAction {
        void accept(BufferHead bh, long lblk);
    }

    /**
     * Each delayed buffer of blocks [first, first + count) in the dirty pages holding them, its page
     * locked. None with -o iomap.
     */
    private void forEachDelayedBuffer(Inode inode, long first, long count, DelayedBufferAction action) {
        if (es.iomap) {
            return; // no buffer heads, no reservations
        }
        AddressSpace mapping = inode.mapping();
        long lastBlock = first + count - 1;
        long end = lastBlock >> es.bppBits;
        for (long index = first >> es.bppBits; index <= end; ) {
            List<Page> pvec = PageWriteback.pagevecLookupRangeTag(mapping, index, end, AddressSpace.PAGECACHE_TAG_DIRTY);
            if (pvec.isEmpty()) {
                break;
            }
            for (Page page : pvec) {
                index = page.index() + 1;
                Filemap.lockPage(page);
                if (page.mapping() == mapping && Buffer.pageHasBuffers(page)) {
                    long lblk = page.index() << es.bppBits;
                    for (BufferHead bh : Buffer.buffers(page)) {
                        if (lblk >= first && lblk <= lastBlock && bh.test(BufferHead.BH_DELAY)) {
                            action.accept(bh, lblk);
                        }
                        lblk++;
                    }
                }
                Filemap.unlockPage(page);
                es.mm.allocator().putPage(page);
            }
        }
    }

    /** Gives back {@code n} delayed-allocation reservations of {@code inode} (their blocks are allocated or gone). */
    void releaseReservation(Inode inode, long n) {
        es.lock.mutexLock();
        es.reservedBlocks = Math.max(0, es.reservedBlocks - n);
        Ext4InodeInfo ei = Ext4Super.ei(inode);
        ei.reservedBlocks = Math.max(0, ei.reservedBlocks - n);
        es.lock.mutexUnlock();
    }

    /**
     * ext4_writepage(): the reclaim (and single-page) path. It cannot allocate: a page with delayed or
     * unwritten buffers is redirtied and left. {@code page_buffers()} BUGs on a page without buffers
     * (bug 1, reclaim variant).
     */
    @KernelFunction("ext4_writepage")
    int ext4Writepage(Page page, WritebackControl wbc) {
        Inode inode = PageIo.inodeOf(page);
        long size = inode.iSize();
        int len = page.index() == size >> Page.PAGE_SHIFT ? (int) (size & (Page.PAGE_SIZE - 1)) : Page.PAGE_SIZE;
        if (k().has(Ext4Patch.EXT4_WARN_NOT_BUG_ON_DIRTY_NO_BUFFERS) && !Buffer.pageHasBuffers(page)) {
            k().printk("EXT4-fs warning (device " + es.bdev.name() + "): ext4_writepage: inode #" + inode.ino()
                    + ": page " + page.index() + " does not have buffers attached");
            page.clearFlag(Page.PG_DIRTY);
            Filemap.unlockPage(page);
            return 0;
        }
        BufferHead head = Buffer.pageBuffers(page);
        for (BufferHead bh : Buffer.buffers(head.page())) {
            if (bh.offset() < len && (bh.test(BufferHead.BH_DELAY) || bh.test(BufferHead.BH_UNWRITTEN))) {
                PageWriteback.setPageDirty(page); // redirty_page_for_writepage
                Task cur = Task.current();
                k().warnOnOnce((cur.flags() & (Task.PF_MEMALLOC | Task.PF_KSWAPD)) == Task.PF_MEMALLOC);
                Filemap.unlockPage(page);
                return 0;
            }
        }
        PageIo.IoSubmit io = new PageIo.IoSubmit(es, wbc);
        int ret = PageIo.ext4BioWritePage(io, page, len, false);
        PageIo.ext4IoSubmit(io);
        return ret;
    }

    // ------------------------------------------------------------ page_mkwrite and fault

    @Override
    @KernelFunction(KernelFunction.HIDDEN) // ext4_filemap_fault is filemap_fault's frame
    public int fault(VmFault vmf) {
        return Filemap.filemapFault(vmf);
    }

    /** ext4_page_mkwrite(): the delalloc path, block_page_mkwrite with ext4_da_get_block_prep. */
    @Override
    @KernelFunction("ext4_page_mkwrite")
    public int pageMkwrite(VmFault vmf) {
        Inode inode = PageIo.inodeOf(vmf.page);
        if (es.iomap) {
            return BufferedIo.iomapPageMkwrite(vmf, this);
        }
        return Buffer.blockPageMkwriteReturn(Buffer.blockPageMkwrite(vmf, inode, this::daGetBlockPrep));
    }

    // ------------------------------------------------------------ iomap ops (the -o iomap mount)

    @Override
    public Iomap iomapBegin(Inode inode, long pos, long length, int flags) {
        long lblk = pos >> Page.PAGE_SHIFT;
        Ext4Extents.BlockMap m;
        try {
            m = mapBlocks(inode, lblk, 1, false, false);
        } catch (FsError e) {
            return Iomap.errPtr(e.err());
        }
        if (m.pblk() == 0) {
            return new Iomap(Iomap.IOMAP_NULL_ADDR, lblk << Page.PAGE_SHIFT, Page.PAGE_SIZE,
                    (flags & Iomap.IOMAP_WRITE) != 0 ? Iomap.IOMAP_DELALLOC : Iomap.IOMAP_HOLE);
        }
        return new Iomap(m.pblk() << Page.PAGE_SHIFT, lblk << Page.PAGE_SHIFT, Page.PAGE_SIZE,
                m.unwritten() ? Iomap.IOMAP_UNWRITTEN : Iomap.IOMAP_MAPPED);
    }

    @Override
    public Iomap mapBlocks(Inode inode, long offset) {
        try {
            return iomapMapBlocks(inode, offset);
        } catch (FsError e) {
            return Iomap.errPtr(e.err());
        }
    }

    private Iomap iomapMapBlocks(Inode inode, long offset) {
        org.faultline.fs.jbd2.Transaction.Handle h = es.journalStartReserved(inode); // under the page lock
        try {
            return iomapMapBlocksLocked(inode, offset);
        } finally {
            es.journalStop(h);
        }
    }

    private Iomap iomapMapBlocksLocked(Inode inode, long offset) {
        long lblk = offset >> Page.PAGE_SHIFT;
        es.failIfInjected(inode.ino(), lblk);
        Ext4Extents.BlockMap m = mapBlocks(inode, lblk, 1, true, false, true);
        if (m.unwritten()) {
            changeBlockMap(es, inode, lblk, 1, () -> {
                es.vol.extents().ext4ConvertUnwrittenExtents(inode.ino(), lblk, 1);
                return null;
            });
        }
        Ext4Truncate.ext4UpdateIDisksize(es, inode, Math.min(inode.iSize(), (lblk + 1) << Page.PAGE_SHIFT));
        return new Iomap(m.pblk() << Page.PAGE_SHIFT, lblk << Page.PAGE_SHIFT, Page.PAGE_SIZE, Iomap.IOMAP_MAPPED);
    }

    @Override
    public void discardPage(Page page) {
        BufferedIo.iomapInvalidatepage(page, 0, Page.PAGE_SIZE);
    }

    // ------------------------------------------------------------ the operations tables

    /** ext4_da_aops. */
    private final class DaAops implements AddressSpaceOperations {
        @Override
        @KernelFunction(KernelFunction.HIDDEN)
        public int writepage(Page page, WritebackControl wbc) {
            return ext4Writepage(page, wbc);
        }

        @Override
        @KernelFunction(KernelFunction.HIDDEN)
        public int writepages(AddressSpace mapping, WritebackControl wbc) {
            return writepages.ext4Writepages(mapping, wbc);
        }

        /** ext4_readpage() → mpage_readpage with ext4_get_block. */
        @Override
        @KernelFunction("ext4_readpage")
        public int readpage(Page page) {
            return Mpage.mpageReadpage(page, PageIo.inodeOf(page), Ext4Inode.this::getBlock);
        }

        /** ext4_readahead() → ext4_mpage_readpages with ext4_get_block. */
        @Override
        @KernelFunction("ext4_readahead")
        public void readahead(java.util.List<Page> pages) {
            Mpage.mpageReadahead(pages, PageIo.inodeOf(pages.get(0)), Ext4Inode.this::getBlock);
        }

        /** ext4_set_page_dirty (4.16: __set_page_dirty_buffers). */
        @Override
        @KernelFunction("ext4_set_page_dirty")
        public boolean setPageDirty(Page page) {
            return Buffer.setPageDirtyBuffers(page);
        }

        /** ext4_da_write_begin(). */
        @Override
        @KernelFunction("ext4_da_write_begin")
        public WriteBegin writeBegin(AddressSpace mapping, long pos, int len) {
            Page p = Filemap.grabCachePage(mapping, pos >> Page.PAGE_SHIFT, Gfp.GFP_NOFS);
            if (p == null) {
                return WriteBegin.error(-Errno.ENOMEM);
            }
            Filemap.waitOnPageWriteback(p); // wait_for_stable_page
            int err = Buffer.blockWriteBeginPage(p, pos, len, (Inode) mapping.host(), Ext4Inode.this::daGetBlockPrep);
            if (err != 0) {
                Filemap.unlockPage(p);
                es.mm.allocator().putPage(p);
                return WriteBegin.error(err);
            }
            return new WriteBegin(p, null, 0);
        }

        /** ext4_da_write_end(): i_disksize follows only over already-allocated blocks. */
        @Override
        @KernelFunction("ext4_da_write_end")
        public int writeEnd(AddressSpace mapping, long pos, int len, int copied, Page page, Object fsdata) {
            Inode inode = (Inode) mapping.host();
            boolean allocated = ext4DaShouldUpdateIDisksize(page, (int) (pos & (Page.PAGE_SIZE - 1)) + Math.max(copied, 1) - 1);
            long oldSize = inode.iSize();
            int n = Buffer.genericWriteEnd(inode, pos, len, copied, page);
            if (pos > oldSize && es.k.has(Ext4Patch.EXT4_ZERO_EOF_BLOCK_ON_SIZE_EXTENSION)) {
                Ext4Truncate.ext4ZeroPartialBlocks(es, inode, oldSize, pos - oldSize, Long.MAX_VALUE);
            }
            Ext4InodeInfo ei = Ext4Super.ei(inode);
            long newSize = pos + n;
            if (allocated && newSize > ei.disksize) {
                ei.disksize = Math.min(newSize, inode.iSize());
                inode.markInodeDirty();
            }
            return n;
        }

        /**
         * ext4_da_should_update_i_disksize(): whether the buffer holding byte {@code offset} of the
         * page (the last one written) has its block already: not delayed, not unwritten.
         */
        private boolean ext4DaShouldUpdateIDisksize(Page page, int offset) {
            int idx = offset >> es.blkbits;
            for (BufferHead bh : Buffer.buffers(page)) {
                if (idx-- == 0) {
                    return !bh.test(BufferHead.BH_DELAY) && !bh.test(BufferHead.BH_UNWRITTEN);
                }
            }
            return true;
        }

        /** ext4_releasepage(): try_to_free_buffers. */
        @Override
        @KernelFunction("ext4_releasepage")
        public boolean releasepage(Page page, int gfp) {
            return Buffer.tryToFreeBuffers(page);
        }

        /** ext4_da_invalidatepage(): drops delayed reservations, then block_invalidatepage. */
        @Override
        @KernelFunction("ext4_da_invalidatepage")
        public void invalidatepage(Page page, int offset, int length) {
            long delayed = 0;
            for (BufferHead bh : Buffer.buffers(page)) {
                if (bh.offset() >= offset && bh.offset() + bh.size() <= offset + length && bh.test(BufferHead.BH_DELAY)) {
                    delayed++;
                }
            }
            if (delayed > 0) {
                releaseReservation(PageIo.inodeOf(page), delayed);
            }
            Buffer.blockInvalidatepage(page, offset, length);
        }
    }

    /** The aops of an {@code -o iomap} mount: iomap's buffered path over ext4's block mapping. */
    private final class IomapAops implements AddressSpaceOperations {
        @Override
        @KernelFunction(KernelFunction.HIDDEN)
        public int writepage(Page page, WritebackControl wbc) {
            return BufferedIo.iomapWritepage(page, wbc, Ext4Inode.this);
        }

        @Override
        @KernelFunction(KernelFunction.HIDDEN)
        public int writepages(AddressSpace mapping, WritebackControl wbc) {
            return BufferedIo.iomapWritepages(mapping, wbc, Ext4Inode.this);
        }

        @Override
        @KernelFunction(KernelFunction.HIDDEN)
        public int readpage(Page page) {
            return BufferedIo.iomapReadpage(page, Ext4Inode.this);
        }

        @Override
        @KernelFunction(KernelFunction.HIDDEN)
        public boolean setPageDirty(Page page) {
            return PageWriteback.setPageDirtyNobuffers(page);
        }

        @Override
        @KernelFunction(KernelFunction.HIDDEN)
        public WriteBegin writeBegin(AddressSpace mapping, long pos, int len) {
            return BufferedIo.iomapWriteBegin(mapping, pos, len, Ext4Inode.this);
        }

        @Override
        @KernelFunction(KernelFunction.HIDDEN)
        public int writeEnd(AddressSpace mapping, long pos, int len, int copied, Page page, Object fsdata) {
            return BufferedIo.iomapWriteEnd(mapping, pos, len, copied, page);
        }

        @Override
        @KernelFunction(KernelFunction.HIDDEN)
        public boolean releasepage(Page page, int gfp) {
            return BufferedIo.iomapReleasepage(page);
        }

        @Override
        @KernelFunction(KernelFunction.HIDDEN)
        public void invalidatepage(Page page, int offset, int length) {
            BufferedIo.iomapInvalidatepage(page, offset, length);
        }
    }

    /**
     * ext4_normal_submit_inode_data_buffers(): the journal's ordered-data writeout of [start, end]
     * (WB_SYNC_ALL, pages with mapped blocks only).
     */
    void ext4NormalSubmitInodeDataBuffers(Inode inode, long start, long end) {
        writepages.ext4DoWritepages(inode.mapping(), WritebackControl.syncAll(start, end), false);
    }

    /**
     * ext4_dio_get_block(): for direct writes, allocates written blocks, under a handle. In data=ordered
     * a newly allocated written block joins that transaction's data, as ext4_map_blocks adds it
     * ({@code ext4_jbd2_inode_add_write}): the commit then writes back what the page cache holds dirty
     * over it — a page a mapping dirtied — and that writeback zeroes the EOF page past i_size.
     *
     * @return 0 or -errno
     */
    int dioGetBlock(Inode inode, long iblock, BufferHead bh, boolean create) {
        org.faultline.fs.jbd2.Transaction.Handle h = create ? es.journalStart(inode, true) : null;
        try {
            int err = getBlock(inode, iblock, bh, create);
            // ext4_iomap_alloc (5.5+) allocates written blocks (EXT4_GET_BLOCKS_CREATE) only from i_size
            // on, unwritten ones inside the file, which are not ordered data
            long start = iblock << es.blkbits;
            if (err == 0 && create && bh.test(BufferHead.BH_NEW) && !bh.test(BufferHead.BH_UNWRITTEN)
                    && start >= inode.iSize()) {
                es.journalInodeAddWrite(inode, start, start + es.blocksize - 1);
            }
            return err;
        } finally {
            es.journalStop(h);
        }
    }


    /**
     * ext4_alloc_da_blocks(): a file with blocks reserved for delayed allocation has its dirty pages
     * written back, not waited for (filemap_flush, WB_SYNC_NONE) — so "write a new file, rename it over
     * the old one" or "truncate to nothing, write, close" does not leave an empty file after a crash
     * (auto_da_alloc: ext4_rename over an existing name, ext4_release_file after ext4_truncate to 0). Writeback also zeroes what a mapping
     * stored past EOF in the page holding EOF, which every mapping of the page then sees.
     */
    @org.faultline.kernel.KernelFunction("ext4_alloc_da_blocks")
    static void ext4AllocDaBlocks(Inode inode) {
        if (Ext4Super.ei(inode).reservedBlocks == 0) { // read without i_data_sem, as the kernel does
            return;
        }
        org.faultline.mm.Filemap.filemapFdatawriteRange(inode.mapping(), 0, Long.MAX_VALUE,
                org.faultline.mm.WritebackControl.SyncMode.WB_SYNC_NONE);
    }
}
