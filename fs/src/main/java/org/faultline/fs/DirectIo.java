package org.faultline.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.faultline.block.Bio;
import org.faultline.block.BlkCore;
import org.faultline.block.BlockDevice;
import org.faultline.kernel.Completion;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;
import org.faultline.mm.Filemap;
import org.faultline.mm.Gup;
import org.faultline.mm.Mm;
import org.faultline.mm.MmStruct;
import org.faultline.mm.Page;
import org.faultline.mm.PageWriteback;
import org.faultline.mm.Truncate;
import org.faultline.mm.WritebackControl;

/**
 * Direct I/O (fs/direct-io.c, the legacy {@code do_blockdev_direct_IO} of 4.x): the user buffer's
 * pages are taken with {@code get_user_pages_fast} — for write when the I/O reads from disk into
 * them, which faults a buffer inside a shared file mapping through {@code ->page_mkwrite} — bios are
 * built straight from those pages, and on completion {@code dio_bio_complete} dirties each page
 * with {@code set_page_dirty_lock} and drops its reference. That dirtying, on a page whose buffers
 * reclaim stripped meanwhile, is bug 1.
 *
 * <p>{@link FsPatch#DIO_USES_PINS} (6.3–6.5) takes FOLL_PIN references and releases them with
 * {@code unpin_user_pages_dirty_lock}, so {@code page_maybe_dma_pinned()} holds while I/O runs.
 *
 * <p>A read past EOF fills the whole buffer — the EOF block from the disk, holes and unwritten
 * blocks beyond it with zeroes, as iomap's direct I/O (ext4 since 5.5) does — and returns only the
 * bytes below i_size.
 *
 * <p>Deviations: synchronous I/O only (no AIO); offset, length and user address must be aligned to
 * 512 bytes; a kernel buffer (not user memory) is bounced through temporary pages; before 5.5 the
 * legacy code left the user buffer past the EOF block untouched, where this zeroes it.
 */
@KernelSource("fs/direct-io.c")
public final class DirectIo {
    /** DIO_PAGES: user pages taken per refill. */
    public static final int DIO_PAGES = 64;

    private DirectIo() {
    }

    /** Where the data comes from or goes to: a user address range, or a kernel buffer. */
    public record Target(MmStruct mm, long userAddr, byte[] kbuf, int kbufOff) {
        public static Target user(MmStruct mm, long addr) {
            return new Target(mm, addr, null, 0);
        }

        public static Target kernel(byte[] buf, int off) {
            return new Target(null, 0, buf, off);
        }

        boolean isUser() {
            return kbuf == null;
        }
    }

    /**
     * do_blockdev_direct_IO() for a synchronous read or write of [offset, offset+len).
     *
     * @return bytes transferred, or a negative errno
     */
    @KernelFunction("do_blockdev_direct_IO")
    public static long blockdevDirectIO(Inode inode, long offset, long len, Target t, boolean write, Buffer.GetBlock getBlock) {
        Kernel k = Task.current().kernel();
        BlockDevice bdev = inode.sb().bdev();
        if ((offset | len) % 512 != 0 || t.isUser() && t.userAddr() % 512 != 0) {
            return -Errno.EINVAL;
        }
        long size = inode.iSize(); // dio->i_size
        if (!write && offset >= size) {
            return 0;
        }
        int bs = inode.sb().blockSize();
        long done = 0;
        long[] freshBlock = {-1}; // map_bh's buffer_new across refills: a new block a chunk ended inside
        while (done < len) {
            // the user buffer need only be sector-aligned: its first page may start part-way in
            int first = t.isUser() ? (int) ((t.userAddr() + done) & (Page.PAGE_SIZE - 1)) : 0;
            int nPages = (int) Math.min(DIO_PAGES, (first + len - done + Page.PAGE_SIZE - 1) / Page.PAGE_SIZE);
            Page[] pages = new Page[nPages];
            int got = getPages(t, done, nPages, write, pages, k);
            if (got <= 0) {
                return done > 0 ? done : got == 0 ? -Errno.EFAULT : got;
            }
            long chunk = Math.min(len - done, (long) got * Page.PAGE_SIZE - first);
            long r = doChunk(inode, bdev, offset + done, chunk, new DioPages(pages, got, first), write, getBlock, bs, t, done,
                    offset, offset + len, freshBlock);
            if (r < 0) {
                return done > 0 ? done : r;
            }
            done += r;
            if (r < chunk) {
                break;
            }
        }
        // dio_complete(): a read counts only the bytes below i_size, though it filled the whole buffer
        return write ? done : Math.min(done, size - offset);
    }

    /** The user pages of one chunk: {@code first} is where the chunk's data starts in {@code pages[0]}. */
    private record DioPages(Page[] pages, int n, int first) {
        /** The page holding byte {@code off} of the chunk. */
        Page page(long off) {
            return pages[(int) ((first + off) >> Page.PAGE_SHIFT)];
        }

        /** Where byte {@code off} of the chunk lies in its page. */
        int offsetInPage(long off) {
            return (int) ((first + off) & (Page.PAGE_SIZE - 1));
        }
    }

    /** dio_refill_pages() → iov_iter_get_pages() → get_user_pages_fast / pin_user_pages_fast. */
    private static int getPages(Target t, long done, int n, boolean write, Page[] pages, Kernel k) {
        if (t.isUser()) {
            boolean pin = k.has(FsPatch.DIO_USES_PINS);
            // a read from disk writes into the user pages: FOLL_WRITE
            return pin ? Gup.pinUserPages(t.mm(), t.userAddr() + done, n, !write, pages)
                    : Gup.getUserPagesFast(t.mm(), t.userAddr() + done, n, !write, pages);
        }
        Mm mm = Mm.of(k); // ITER_KVEC: bounce pages (deviation)
        for (int i = 0; i < n; i++) {
            pages[i] = mm.allocator().allocPages(org.faultline.mm.Gfp.GFP_KERNEL);
            if (pages[i] == null) {
                for (int j = 0; j < i; j++) {
                    mm.allocator().putPage(pages[j]);
                }
                return -Errno.ENOMEM;
            }
            if (write) {
                int off = (int) (t.kbufOff() + done + (long) i * Page.PAGE_SIZE);
                int l = (int) Math.min(Page.PAGE_SIZE, t.kbuf().length - off);
                if (l > 0) {
                    mm.memMap().write(pages[i], 0, t.kbuf(), off, l);
                }
            }
        }
        return n;
    }

    /**
     * do_direct_IO() for one chunk of user pages: maps each file block with {@code get_block}, adds
     * the pieces of the user pages that cover it to bios (a piece never crosses a page or a block:
     * {@code submit_page_section}), submits them ({@code dio_bio_submit}) and waits
     * ({@code dio_await_completion}).
     *
     * <p>A read of a hole or of an unwritten block zero-fills the user memory. A write that covers
     * only part of a newly allocated or unwritten block writes zeroes over the rest of it — the head
     * as {@code do_direct_IO} zeroes the start of a new block, the tail as {@code dio_zero_block} —
     * so the block never shows what it held before it was allocated. Only the I/O's own first and
     * last blocks ([ioStart, ioEnd)) can be partial: a block split between two chunks of user pages
     * is written whole.
     *
     * @return bytes done, or a negative errno ({@code get_block}'s, or -EIO for a failed bio)
     */
    private static long doChunk(Inode inode, BlockDevice bdev, long offset, long len, DioPages up,
                                boolean write, Buffer.GetBlock getBlock, int bs, Target t, long done,
                                long ioStart, long ioEnd, long[] freshBlock) {
        Mm mm = inode.sb().mm();
        DioSubmit sdio = new DioSubmit(bdev, mm, write);
        int err = 0;
        long pos = offset;
        long end = offset + len;
        while (pos < end && err == 0) {
            long iblock = pos / bs;
            long blockStart = iblock * bs;
            long blockEnd = Math.min(end, blockStart + bs);
            BufferHead map = new BufferHead(up.pages()[0], 0, bs, 0); // a mapping-only bh, as dio's map_bh
            err = Buffer.callGetBlock(getBlock, inode, iblock, map, write);
            if (err != 0) {
                break;
            }
            if (!map.test(BufferHead.BH_MAPPED) || !write && map.test(BufferHead.BH_UNWRITTEN)) {
                if (write) {
                    err = -Errno.EIO; // get_block with create gave no block
                    break;
                }
                zeroUserPieces(mm, up, pos - offset, blockEnd - offset); // dio_zero_block: a hole reads as zeroes
                pos = blockEnd;
                continue;
            }
            long blockSector = map.blocknr() * bs >> Bio.SECTOR_SHIFT;
            boolean fresh = write && (map.test(BufferHead.BH_NEW) || map.test(BufferHead.BH_UNWRITTEN)
                    || iblock == freshBlock[0]); // allocated by the previous chunk, still new to this I/O
            if (fresh) {
                freshBlock[0] = iblock;
            }
            if (fresh && pos > blockStart && pos == ioStart) { // the I/O starts inside the block
                err = sdio.zero(blockSector, (int) (pos - blockStart));
            }
            for (long p = pos; p < blockEnd && err == 0; ) {
                int off = up.offsetInPage(p - offset);
                int n = (int) Math.min(blockEnd - p, Page.PAGE_SIZE - off);
                sdio.add(up.page(p - offset), off, n, blockSector + ((p - blockStart) >> Bio.SECTOR_SHIFT));
                p += n;
            }
            if (fresh && blockEnd < blockStart + bs && blockEnd == ioEnd && err == 0) { // and ends inside it
                err = sdio.zero(blockSector + ((blockEnd - blockStart) >> Bio.SECTOR_SHIFT), (int) (blockStart + bs - blockEnd));
            }
            pos = blockEnd;
        }
        boolean ioError = sdio.submitAndWait();
        dioBioComplete(up.pages(), up.n(), write, t, done, len);
        if (err == 0 && ioError) {
            err = -Errno.EIO;
        }
        return err != 0 ? err : pos - offset;
    }

    /** Zeroes the user memory behind chunk bytes [from, to), page by page. */
    private static void zeroUserPieces(Mm mm, DioPages up, long from, long to) {
        for (long p = from; p < to; ) {
            int off = up.offsetInPage(p);
            int n = (int) Math.min(to - p, Page.PAGE_SIZE - off);
            mm.memMap().zero(up.page(p), off, n);
            p += n;
        }
    }

    /**
     * {@code struct dio_submit}: the bio being built, the bios built, and the zero page partial-block
     * zeroing writes from ({@code ZERO_PAGE(0)}; allocated on first use here).
     */
    private static final class DioSubmit {
        private final BlockDevice bdev;
        private final Mm mm;
        private final boolean write;
        private final List<Bio> bios = new ArrayList<>();
        private Bio cur;
        private long curNextSector = -1;
        private Page zeroPage;

        DioSubmit(BlockDevice bdev, Mm mm, boolean write) {
            this.bdev = bdev;
            this.mm = mm;
            this.write = write;
        }

        /** dio_send_cur_page(): appends a piece at {@code sector}, starting a new bio if it does not follow on. */
        void add(Page page, int off, int n, long sector) {
            if (cur == null || sector != curNextSector || cur.bioAddPage(page, n, off) == 0) {
                if (cur != null) {
                    bios.add(cur);
                }
                cur = Bio.bioAlloc(bdev, write ? Bio.Op.WRITE : Bio.Op.READ,
                        write ? Bio.REQ_SYNC | Bio.REQ_IDLE : 0, sector, Bio.BIO_MAX_PAGES);
                cur.bioAddPage(page, n, off);
            }
            curNextSector = sector + (n >> Bio.SECTOR_SHIFT);
        }

        /** dio_zero_block(): writes {@code n} zero bytes at {@code sector}; -ENOMEM if no zero page. */
        int zero(long sector, int n) {
            if (zeroPage == null) {
                zeroPage = mm.allocator().allocPages(org.faultline.mm.Gfp.GFP_KERNEL);
                if (zeroPage == null) {
                    return -Errno.ENOMEM;
                }
                mm.memMap().zero(zeroPage, 0, Page.PAGE_SIZE);
            }
            add(zeroPage, 0, n, sector);
            return 0;
        }

        /** dio_bio_submit() of every bio, then dio_await_completion(); whether any bio failed. */
        boolean submitAndWait() {
            if (cur != null) {
                bios.add(cur);
            }
            boolean[] failed = {false};
            if (!bios.isEmpty()) {
                Completion all = new Completion(bdev.kernel(), "dio");
                AtomicInteger pending = new AtomicInteger(bios.size()); // bios may end on several IRQ tasks at once
                for (Bio b : bios) {
                    b.setEndIo(x -> { // dio_bio_end_io: hand it to the waiter
                        if (!x.status().ok()) {
                            failed[0] = true;
                        }
                        if (pending.decrementAndGet() == 0) {
                            all.complete();
                        }
                    });
                }
                for (Bio b : bios) {
                    BlkCore.submitBio(b);
                }
                all.waitForCompletion();
            }
            if (zeroPage != null) {
                mm.allocator().putPage(zeroPage);
            }
            return failed[0];
        }
    }

    /**
     * dio_bio_complete(): for a read into user memory, set_page_dirty_lock() each page (should_dirty),
     * then put_page() — or unpin_user_pages_dirty_lock() with {@code dio-uses-pins}.
     */
    @KernelFunction("dio_bio_complete")
    private static void dioBioComplete(Page[] pages, int n, boolean write, Target t, long done, long len) {
        Kernel k = Task.current().kernel();
        Mm mm = Mm.of(k);
        if (!t.isUser()) {
            for (int i = 0; i < n; i++) {
                if (!write) {
                    int off = (int) (t.kbufOff() + done + (long) i * Page.PAGE_SIZE);
                    int l = (int) Math.min(Page.PAGE_SIZE, Math.min(t.kbuf().length - off, len - (long) i * Page.PAGE_SIZE));
                    if (l > 0) {
                        mm.memMap().read(pages[i], 0, t.kbuf(), off, l);
                    }
                }
                mm.allocator().putPage(pages[i]);
            }
            return;
        }
        boolean shouldDirty = !write;
        if (k.has(FsPatch.DIO_USES_PINS)) {
            Gup.unpinUserPagesDirtyLock(pages, n, shouldDirty);
            return;
        }
        for (int i = 0; i < n; i++) {
            if (shouldDirty) {
                PageWriteback.setPageDirtyLock(pages[i]);
            }
            Gup.putPage(pages[i]);
        }
    }

    /**
     * generic_file_direct_write(): writes back and invalidates the page cache over the range, does the
     * direct write, invalidates again, and extends i_size.
     */
    public static long genericFileDirectWrite(Inode inode, long pos, long len, Target t, Buffer.GetBlock getBlock) {
        long end = pos + len - 1;
        int err = Filemap.filemapFdatawriteRange(inode.mapping(), pos, end, WritebackControl.SyncMode.WB_SYNC_ALL);
        Filemap.filemapFdatawaitRangeKeepErrors(inode.mapping(), pos, end);
        if (err != 0) {
            return err;
        }
        // kiocb_invalidate_pages(); a page that cannot go (-EBUSY) would make the kernel fall back
        // to a buffered write; the direct write goes ahead here, and the page is dropped after it
        Truncate.invalidateInodePages2Range(inode.mapping(), pos >> Page.PAGE_SHIFT, end >> Page.PAGE_SHIFT);
        long n = blockdevDirectIO(inode, pos, len, t, true, getBlock);
        // kiocb_invalidate_post_direct_write(): cached copies of what was written are stale now
        Truncate.invalidateInodePages2Range(inode.mapping(), pos >> Page.PAGE_SHIFT, end >> Page.PAGE_SHIFT);
        if (n > 0 && pos + n > inode.iSize()) {
            inode.iSizeWrite(pos + n);
            inode.markInodeDirty();
        }
        return n;
    }

    /** generic_file_read_iter() with IOCB_DIRECT: write back the range first, then read directly. */
    public static long genericFileDirectRead(Inode inode, long pos, long len, Target t, Buffer.GetBlock getBlock) {
        long end = pos + len - 1;
        int err = Filemap.filemapFdatawriteRange(inode.mapping(), pos, end, WritebackControl.SyncMode.WB_SYNC_ALL);
        Filemap.filemapFdatawaitRangeKeepErrors(inode.mapping(), pos, end);
        if (err != 0) {
            return err;
        }
        return blockdevDirectIO(inode, pos, len, t, false, getBlock);
    }
}
