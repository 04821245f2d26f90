package org.faultline.fs.ext4;

import java.util.List;
import org.faultline.block.Bio;
import org.faultline.block.BioVec;
import org.faultline.block.BlkCore;
import org.faultline.block.Plug;
import org.faultline.block.PlugCallback;
import org.faultline.fs.Buffer;
import org.faultline.fs.BufferHead;
import org.faultline.fs.Inode;
import org.faultline.fs.SuperBlock;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;
import org.faultline.mm.Filemap;
import org.faultline.mm.Mm;
import org.faultline.mm.Page;
import org.faultline.mm.PageWriteback;
import org.faultline.mm.WritebackControl;

/**
 * ext4's writeback I/O (fs/ext4/page-io.c, 4.x): pages are set under writeback and their buffers added
 * to a private bio ({@code io->io_bio}) that is only submitted by {@link #ext4IoSubmit} — when the
 * next buffer is not contiguous, the bio is full, or the caller is done. Until then the pages'
 * PG_writeback is owed by a bio nobody has submitted: bug 3's first half.
 *
 * <p>{@link Ext4Patch#EXT4_WRITEPAGES_PLUG_CALLBACK} (Jan Kara's idea) hangs the io_bio on the task's
 * plug with {@code blk_check_plugged}, so it is submitted when the flusher sleeps.
 */
@KernelSource("fs/ext4/page-io.c")
final class PageIo {
    private PageIo() {
    }

    /** {@code struct ext4_io_submit}: the private bio being built. */
    static final class IoSubmit {
        final Ext4Super es;
        final WritebackControl wbc;
        Bio ioBio;
        long nextSector = -1;

        IoSubmit(Ext4Super es, WritebackControl wbc) {
            this.es = es;
            this.wbc = wbc;
        }
    }

    /** ext4_io_submit(): submits the private bio, if any. */
    static void ext4IoSubmit(IoSubmit io) {
        Bio b = io.ioBio;
        if (b != null) {
            io.ioBio = null;
            io.nextSector = -1;
            BlkCore.submitBio(b);
        }
    }

    /**
     * ext4_bio_write_page(): sets the page under writeback, adds its dirty mapped buffers to the
     * private bio, and unlocks the page; with nothing to write, ends the writeback at once.
     * Context: page locked, clean for I/O, with buffers.
     */
    static int ext4BioWritePage(IoSubmit io, Page page, int len, boolean keepTowrite) {
        Kernel k = Task.current().kernel();
        k.bugOn(!page.locked(), "BUG_ON(!PageLocked(page)) in ext4_bio_write_page");
        k.bugOn(page.writeback(), "BUG_ON(PageWriteback(page)) in ext4_bio_write_page");
        if (keepTowrite) {
            PageWriteback.setPageWritebackKeepwrite(page);
        } else {
            PageWriteback.setPageWriteback(page);
        }
        page.clearFlag(Page.PG_ERROR);
        if (len < Page.PAGE_SIZE) {
            // the page straddles i_size: what lies past EOF (a mapping may have stored there) is
            // zeroed on every writepage, never written out as file data
            Mm.of(k).memMap().zero(page, len, Page.PAGE_SIZE - len);
        }
        Iterable<BufferHead> bhs = Buffer.buffers(page);
        for (BufferHead bh : bhs) {
            if (bh.offset() >= len) {
                bh.clear(BufferHead.BH_DIRTY);
                bh.set(BufferHead.BH_UPTODATE);
                continue;
            }
            if (!bh.test(BufferHead.BH_DIRTY) || bh.test(BufferHead.BH_DELAY) || !bh.test(BufferHead.BH_MAPPED)
                    || bh.test(BufferHead.BH_UNWRITTEN)) {
                if (!bh.test(BufferHead.BH_MAPPED)) {
                    bh.clear(BufferHead.BH_DIRTY);
                }
                if (io.ioBio != null) {
                    ext4IoSubmit(io);
                }
                continue;
            }
            bh.clear(BufferHead.BH_NEW);
            bh.set(BufferHead.BH_ASYNC_WRITE);
        }
        int submitted = 0;
        for (BufferHead bh : bhs) {
            if (!bh.test(BufferHead.BH_ASYNC_WRITE)) {
                continue;
            }
            ioSubmitAddBh(io, page, bh);
            submitted++;
            bh.clear(BufferHead.BH_DIRTY);
        }
        Filemap.unlockPage(page);
        if (submitted == 0) {
            Filemap.endPageWriteback(page);
        }
        return 0;
    }

    /** io_submit_add_bh(): appends the buffer to the private bio, starting a new one if it cannot. */
    private static void ioSubmitAddBh(IoSubmit io, Page page, BufferHead bh) {
        long sector = bh.blocknr() * (bh.size() >> Bio.SECTOR_SHIFT);
        if (io.ioBio != null && sector != io.nextSector) {
            ext4IoSubmit(io);
        }
        for (;;) {
            if (io.ioBio == null) {
                ioSubmitInitBio(io, sector);
            }
            if (io.ioBio.bioAddPage(page, bh.size(), bh.offset()) != 0) {
                io.nextSector = sector + (bh.size() >> Bio.SECTOR_SHIFT);
                return;
            }
            ext4IoSubmit(io); // full: submit and start another
        }
    }

    private static void ioSubmitInitBio(IoSubmit io, long sector) {
        int flags = io.wbc.syncAllMode() ? Bio.REQ_SYNC : 0;
        io.ioBio = Bio.bioAlloc(io.es.bdev, Bio.Op.WRITE, flags, sector, Bio.BIO_MAX_PAGES);
        io.ioBio.setEndIo(PageIo::ext4EndBio);
        Kernel k = io.es.k;
        if (k.has(Ext4Patch.EXT4_WRITEPAGES_PLUG_CALLBACK)) {
            Plug.blkCheckPlugged(k, io, () -> new PlugCallback() {
                @Override
                public Object owner() {
                    return io;
                }

                @Override
                public void unplug(boolean fromSchedule) {
                    ext4IoSubmit(io);
                }
            });
        }
    }

    /**
     * ext4_end_bio() → ext4_finish_bio(): for each segment of the bio, the page's buffers inside it
     * leave async write; errors mark the buffer, page and mapping; the page's writeback ends when no
     * buffer of it is left under I/O (with blocks smaller than a page, its buffers may be in several
     * segments and bios). A failed bio is logged as ext4_end_bio logs it, except that the kernel prints
     * the raw {@code bi_status} (10 for BLK_STS_IOERR) where we print the errno it maps to.
     * Context: softirq.
     */
    private static void ext4EndBio(Bio bio) {
        boolean ok = bio.status().ok();
        if (!ok && !bio.vecs().isEmpty() && bio.vecs().get(0).page().mapping() != null) {
            Inode inode = inodeOf(bio.vecs().get(0).page());
            SuperBlock sb = inode.sb();
            sb.kernel().printk("EXT4-fs warning (device " + sb.id() + "): ext4_end_bio: I/O error "
                    + bio.status().toErrno() + " writing to inode " + inode.ino() + " starting block "
                    + (bio.sector() << Bio.SECTOR_SHIFT) / sb.blockSize() + ")");
        }
        for (BioVec v : bio.vecs()) {
            ext4FinishSegment(v, ok);
        }
    }

    /** ext4_finish_bio()'s body for one segment of the bio (a loop body in the kernel: no frame). */
    @KernelFunction(KernelFunction.HIDDEN)
    private static void ext4FinishSegment(BioVec v, boolean ok) {
        Page page = v.page();
        boolean underIo = false;
        for (BufferHead bh : Buffer.buffers(page)) {
            if (bh.offset() < v.offset() + v.len() && bh.offset() + bh.size() > v.offset()) {
                if (bh.test(BufferHead.BH_ASYNC_WRITE)) {
                    bh.clear(BufferHead.BH_ASYNC_WRITE);
                    if (!ok) {
                        bh.set(BufferHead.BH_WRITE_EIO);
                    }
                }
            } else if (bh.test(BufferHead.BH_ASYNC_WRITE)) {
                underIo = true;
            }
        }
        if (!ok) {
            page.setFlag(Page.PG_ERROR);
            if (page.mapping() != null) {
                page.mapping().mappingSetError(-5);
            }
        }
        if (!underIo) {
            Filemap.endPageWriteback(page);
        }
    }

    /** The inode a page belongs to. */
    static Inode inodeOf(Page p) {
        return (Inode) p.mapping().host();
    }
}
