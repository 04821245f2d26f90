package org.faultline.fs.iomap;

import java.util.ArrayList;
import java.util.List;
import org.faultline.block.Bio;
import org.faultline.block.BlkCore;
import org.faultline.block.BlockDevice;
import org.faultline.fs.Inode;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;
import org.faultline.mm.AddressSpace;
import org.faultline.mm.AddressSpaceOperations;
import org.faultline.mm.Filemap;
import org.faultline.mm.Gfp;
import org.faultline.mm.IovIter;
import org.faultline.mm.Memory;
import org.faultline.mm.Mm;
import org.faultline.mm.Page;
import org.faultline.mm.PageWriteback;
import org.faultline.mm.Truncate;
import org.faultline.mm.VmFault;
import org.faultline.mm.WritebackControl;

/**
 * The iomap buffered I/O path (fs/iomap/buffered-io.c, 5.8): per-page state instead of buffer heads,
 * {@code iomap_readpage}, buffered writes, {@code iomap_page_mkwrite} and writeback through
 * {@code iomap_writepages} → {@code iomap_do_writepage} → {@code iomap_writepage_map}.
 *
 * <p>Bug 2 lives in {@link #iomapWritepageMap}: when {@code ->map_blocks} fails before any block of
 * the page is in an ioend, the page is discarded, loses PG_uptodate and is unlocked — still mapped
 * into user space. A later store faults into {@link #iomapPageMkwrite}, whose actor warns
 * {@code WARN_ON_ONCE(!PageUptodate(page))} and dirties it anyway. Switchable fixes:
 * {@link IomapPatch#IOMAP_KEEP_UPTODATE_ON_ERROR} (e9c3a8e820ed, v5.19: do not clear Uptodate),
 * {@link IomapPatch#IOMAP_MKWRITE_EIO_ON_NOT_UPTODATE} (Willy: -EIO → SIGBUS instead of the WARN),
 * {@link IomapPatch#UNMAP_ON_WRITEBACK_ERROR} (unmap_mapping_range from the submission path).
 *
 * <p>Deviations: a block size equal to the page size; one bio per contiguous run of pages (the
 * ioend); no readahead.
 */
@KernelSource("fs/iomap/buffered-io.c")
public final class BufferedIo {
    private BufferedIo() {
    }

    private static Kernel k() {
        return Task.current().kernel();
    }

    private static IomapPage iomapPageCreate(Page page) {
        Object o = page.getPrivate();
        if (o instanceof IomapPage) {
            return (IomapPage) o;
        }
        IomapPage iop = new IomapPage();
        if (page.testBit(Page.PG_UPTODATE)) {
            iop.uptodate.set(0);
        }
        page.attachPrivate(iop);
        return iop;
    }

    /** iomap_set_range_uptodate() for a whole (single-block) page. */
    private static void setRangeUptodate(Page page) {
        iomapPageCreate(page).uptodate.set(0);
        page.setUptodate();
    }

    // ------------------------------------------------------------ read

    /**
     * iomap_readpage(): holes and unwritten extents read as zeroes; mapped blocks are read by a bio
     * whose completion marks the page uptodate and unlocks it. Context: page locked.
     */
    public static int iomapReadpage(Page page, IomapOps ops) {
        Inode inode = (Inode) page.mapping().host();
        Mm mm = inode.sb().mm();
        long pos = page.index() << Page.PAGE_SHIFT;
        Iomap map = iomapBegin(ops, inode, pos, Page.PAGE_SIZE, 0);
        if (map.isErr()) {
            page.setFlag(Page.PG_ERROR);
            Filemap.unlockPage(page);
            return map.ptrErr();
        }
        if (map.type() != Iomap.IOMAP_MAPPED || pos >= inode.iSize()) {
            mm.memMap().zero(page, 0, Page.PAGE_SIZE);
            setRangeUptodate(page);
            Filemap.unlockPage(page);
            return 0;
        }
        iomapPageCreate(page).readCount++;
        Bio bio = Bio.bioAlloc(inode.sb().bdev(), Bio.Op.READ, 0, (map.addr() + (pos - map.offset())) >> Bio.SECTOR_SHIFT, 1);
        bio.bioAddPage(page, Page.PAGE_SIZE, 0);
        bio.setEndIo(b -> { // iomap_read_end_io
            if (b.status().ok()) {
                setRangeUptodate(page);
            } else {
                page.clearFlag(Page.PG_UPTODATE);
                page.setFlag(Page.PG_ERROR);
            }
            Filemap.unlockPage(page);
        });
        BlkCore.submitBio(bio);
        return 0;
    }

    // ------------------------------------------------------------ write

    /** iomap_write_begin(): the locked page, read in first if the write covers it only partly. */
    public static AddressSpaceOperations.WriteBegin iomapWriteBegin(AddressSpace m, long pos, int len, IomapOps ops) {
        Inode inode = (Inode) m.host();
        Iomap reserved = iomapBegin(ops, inode, pos, len, Iomap.IOMAP_WRITE); // reserve (delalloc)
        if (reserved.isErr()) {
            return AddressSpaceOperations.WriteBegin.error(reserved.ptrErr());
        }
        Page p = Filemap.grabCachePage(m, pos >> Page.PAGE_SHIFT, Gfp.GFP_NOFS);
        if (p == null) {
            return AddressSpaceOperations.WriteBegin.error(-Errno.ENOMEM);
        }
        if (!p.uptodate() && len != Page.PAGE_SIZE) {
            int r = readPageSync(p, ops);
            if (r != 0) {
                Filemap.unlockPage(p);
                inode.sb().mm().allocator().putPage(p);
                return AddressSpaceOperations.WriteBegin.error(r);
            }
        }
        return new AddressSpaceOperations.WriteBegin(p, null, 0);
    }

    /**
     * Calls {@code ->iomap_begin} at a fault-injection site ({@code iomap_begin}, see
     * {@link org.faultline.kernel.FaultInject}): an armed site fails without calling it.
     */
    static Iomap iomapBegin(IomapOps ops, Inode inode, long pos, long length, int flags) {
        int err = inode.sb().kernel().faults().shouldFail("iomap_begin");
        return err != 0 ? Iomap.errPtr(err) : ops.iomapBegin(inode, pos, length, flags);
    }

    /** iomap_read_page_sync() (block size = page size: the whole page). Context: page locked. */
    private static int readPageSync(Page p, IomapOps ops) {
        Inode inode = (Inode) p.mapping().host();
        long pos = p.index() << Page.PAGE_SHIFT;
        Iomap map = iomapBegin(ops, inode, pos, Page.PAGE_SIZE, 0);
        if (map.isErr()) {
            return map.ptrErr(); // the caller unlocks and puts the page
        }
        if (map.type() != Iomap.IOMAP_MAPPED) {
            inode.sb().mm().memMap().zero(p, 0, Page.PAGE_SIZE);
            return 0;
        }
        Bio bio = Bio.bioAlloc(inode.sb().bdev(), Bio.Op.READ, 0, (map.addr() + (pos - map.offset())) >> Bio.SECTOR_SHIFT, 1);
        bio.bioAddPage(p, Page.PAGE_SIZE, 0);
        return BlkCore.submitBioWait(bio).ok() ? 0 : -Errno.EIO;
    }

    /** iomap_write_end(): uptodate, dirty, i_size, unlock, put. */
    public static int iomapWriteEnd(AddressSpace m, long pos, int len, int copied, Page page) {
        Inode inode = (Inode) m.host();
        if (copied < len && !page.uptodate()) {
            copied = 0;
        } else {
            setRangeUptodate(page);
            PageWriteback.setPageDirty(page); // iomap_set_page_dirty
        }
        long oldSize = inode.iSize();
        if (pos + copied > oldSize) {
            inode.iSizeWrite(pos + copied);
            inode.markInodeDirty();
        }
        Filemap.unlockPage(page);
        inode.sb().mm().allocator().putPage(page);
        if (oldSize < pos) {
            Truncate.pagecacheIsizeExtended(m, oldSize, pos, inode.sb().blockSize());
        }
        return copied;
    }

    // ------------------------------------------------------------ page_mkwrite

    /**
     * iomap_page_mkwrite(): locks the page, checks truncation, and runs the actor over the page:
     * {@code WARN_ON_ONCE(!PageUptodate(page))}, attach state, set_page_dirty.
     *
     * @return VM_FAULT_LOCKED, or a VM_FAULT error with the page unlocked
     */
    public static int iomapPageMkwrite(VmFault vmf, IomapOps ops) {
        Page page = vmf.page;
        Inode inode = (Inode) page.mapping().host();
        Filemap.lockPage(page);
        long size = inode.iSize();
        long offset = page.index() << Page.PAGE_SHIFT;
        if (page.mapping() != inode.mapping() || offset > size) {
            Filemap.unlockPage(page);
            return Memory.VM_FAULT_NOPAGE; // -EFAULT
        }
        long length = offset > size - Page.PAGE_SIZE ? size & (Page.PAGE_SIZE - 1) : Page.PAGE_SIZE;
        Iomap reserved = iomapBegin(ops, inode, offset, length, Iomap.IOMAP_WRITE | Iomap.IOMAP_FAULT);
        if (reserved.isErr()) {
            Filemap.unlockPage(page);
            return org.faultline.fs.Buffer.blockPageMkwriteReturn(reserved.ptrErr());
        }
        int r = iomapPageMkwriteActor(page);
        if (r < 0) {
            Filemap.unlockPage(page);
            return org.faultline.fs.Buffer.blockPageMkwriteReturn(r);
        }
        return Memory.VM_FAULT_LOCKED;
    }

    /** iomap_page_mkwrite_actor() (non-buffer-head path). */
    private static int iomapPageMkwriteActor(Page page) {
        if (k().has(IomapPatch.IOMAP_MKWRITE_EIO_ON_NOT_UPTODATE)) {
            if (!page.uptodate()) {
                return -Errno.EIO; // Willy's patch: the storing task gets SIGBUS
            }
        } else {
            k().warnOnOnce(!page.uptodate());
        }
        iomapPageCreate(page);
        PageWriteback.setPageDirty(page);
        return 0;
    }

    // ------------------------------------------------------------ writeback

    /** The writeback context ({@code struct iomap_writepage_ctx}): the ioend being built. */
    private static final class WritepageCtx {
        final IomapOps ops;
        final List<Page> ioendPages = new ArrayList<>();
        long ioendSector = -1;
        long nextSector = -1;
        BlockDevice bdev;

        WritepageCtx(IomapOps ops) {
            this.ops = ops;
        }
    }

    /** iomap_writepages(): write_cache_pages with iomap_do_writepage, then submit the last ioend. */
    public static int iomapWritepages(AddressSpace m, WritebackControl wbc, IomapOps ops) {
        WritepageCtx wpc = new WritepageCtx(ops);
        int ret = PageWriteback.writeCachePages(m, wbc, (p, w) -> iomapDoWritepage(p, w, wpc));
        submitIoend(wpc);
        return ret;
    }

    /** ->writepage for reclaim: one page, its own ioend. */
    public static int iomapWritepage(Page page, WritebackControl wbc, IomapOps ops) {
        WritepageCtx wpc = new WritepageCtx(ops);
        int r = iomapDoWritepage(page, wbc, wpc);
        submitIoend(wpc);
        return r;
    }

    /** iomap_do_writepage(): pages wholly beyond i_size are dropped; the tail is zeroed. */
    private static int iomapDoWritepage(Page page, WritebackControl wbc, WritepageCtx wpc) {
        Inode inode = (Inode) page.mapping().host();
        long isize = inode.iSize();
        long endIndex = isize >> Page.PAGE_SHIFT;
        if (page.index() > endIndex || page.index() == endIndex && (isize & (Page.PAGE_SIZE - 1)) == 0) {
            Filemap.unlockPage(page); // beyond EOF: truncate will take it
            return 0;
        }
        if (page.index() == endIndex) {
            int off = (int) (isize & (Page.PAGE_SIZE - 1));
            inode.sb().mm().memMap().zero(page, off, Page.PAGE_SIZE - off);
        }
        return iomapWritepageMap(page, wbc, wpc, inode);
    }

    /**
     * iomap_writepage_map(): maps the page's block for writeback and adds it to the ioend. On a
     * {@code ->map_blocks} error with nothing added: {@code ->discard_page}, then (before v5.19)
     * {@code ClearPageUptodate}, unlock, and {@code mapping_set_error} — the page stays mapped.
     * Context: page locked, clean for I/O.
     */
    @KernelFunction("iomap_writepage_map")
    static int iomapWritepageMap(Page page, WritebackControl wbc, WritepageCtx wpc, Inode inode) {
        long fileOffset = page.index() << Page.PAGE_SHIFT;
        int error = 0;
        int count = 0;
        IomapPage iop = iomapPageCreate(page);
        Iomap map = null;
        if (iop.uptodate.get(0) || page.testBit(Page.PG_UPTODATE)) {
            map = wpc.ops.mapBlocks(inode, fileOffset);
            if (map.isErr()) {
                error = map.ptrErr();
            }
            if (error == 0 && map.type() != Iomap.IOMAP_HOLE) {
                addToIoend(page, map, fileOffset, wpc, inode);
                iop.writeCount++;
                count++;
            }
        }
        if (error != 0) {
            k().printk(inode.sb().id() + ": page discard on page pfn " + page.pfn() + ", inode " + inode.ino()
                    + ", offset " + fileOffset + ".");
            wpc.ops.discardPage(page);
            if (k().has(IomapPatch.UNMAP_ON_WRITEBACK_ERROR)) {
                Memory.unmapMappingRange(page.mapping(), page.index(), 1); // Willy/Dave's proposal
            }
            if (count == 0) {
                if (!k().has(IomapPatch.IOMAP_KEEP_UPTODATE_ON_ERROR)) {
                    page.clearFlag(Page.PG_UPTODATE);
                }
                Filemap.unlockPage(page);
                page.mapping().mappingSetError(error);
                return error;
            }
            PageWriteback.setPageWritebackKeepwrite(page);
        } else {
            PageWriteback.setPageWriteback(page);
        }
        Filemap.unlockPage(page);
        if (count == 0) {
            Filemap.endPageWriteback(page);
        }
        if (error != 0) {
            page.mapping().mappingSetError(error);
        }
        return error;
    }

    /** iomap_add_to_ioend(): contiguous pages share a bio. */
    private static void addToIoend(Page page, Iomap map, long fileOffset, WritepageCtx wpc, Inode inode) {
        long sector = (map.addr() + (fileOffset - map.offset())) >> Bio.SECTOR_SHIFT;
        if (!wpc.ioendPages.isEmpty() && (sector != wpc.nextSector || wpc.ioendPages.size() >= Bio.BIO_MAX_PAGES)) {
            submitIoend(wpc);
        }
        if (wpc.ioendPages.isEmpty()) {
            wpc.ioendSector = sector;
            wpc.bdev = inode.sb().bdev();
        }
        wpc.ioendPages.add(page);
        wpc.nextSector = sector + (Page.PAGE_SIZE >> Bio.SECTOR_SHIFT);
    }

    /** iomap_submit_ioend(); completion ends each page's writeback, recording errors. */
    private static void submitIoend(WritepageCtx wpc) {
        if (wpc.ioendPages.isEmpty()) {
            return;
        }
        List<Page> pages = new ArrayList<>(wpc.ioendPages);
        wpc.ioendPages.clear();
        Bio bio = Bio.bioAlloc(wpc.bdev, Bio.Op.WRITE, 0, wpc.ioendSector, pages.size());
        for (Page p : pages) {
            bio.bioAddPage(p, Page.PAGE_SIZE, 0);
        }
        bio.setEndIo(b -> { // iomap_finish_ioend → iomap_finish_page_writeback
            for (Page p : pages) {
                if (!b.status().ok()) {
                    p.setFlag(Page.PG_ERROR);
                    p.mapping().mappingSetError(-Errno.EIO);
                }
                Object o = p.getPrivate();
                if (o instanceof IomapPage) {
                    ((IomapPage) o).writeCount--;
                }
                Filemap.endPageWriteback(p);
            }
        });
        BlkCore.submitBio(bio);
    }

    // ------------------------------------------------------------ release

    /** iomap_releasepage(): drops the state of a clean page not under writeback. */
    public static boolean iomapReleasepage(Page page) {
        if (page.testBit(Page.PG_DIRTY) || page.testBit(Page.PG_WRITEBACK)) {
            return false;
        }
        page.detachPrivate();
        return true;
    }

    /** iomap_invalidatepage(): a whole-page invalidation cancels dirty and drops the state. */
    public static void iomapInvalidatepage(Page page, int offset, int length) {
        if (offset == 0 && length == Page.PAGE_SIZE) {
            k().warnOnOnce(page.testBit(Page.PG_WRITEBACK));
            Truncate.cancelDirtyPageLocked(page);
            page.detachPrivate();
        }
    }

}
