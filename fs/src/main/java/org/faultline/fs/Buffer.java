package org.faultline.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.faultline.block.Bio;
import org.faultline.block.BlkCore;
import org.faultline.block.BlkStatus;
import org.faultline.kernel.BitWait;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Lkdtm;
import org.faultline.kernel.Task;
import org.faultline.mm.AddressSpace;
import org.faultline.mm.Filemap;
import org.faultline.mm.Memory;
import org.faultline.mm.Mm;
import org.faultline.mm.Page;
import org.faultline.mm.PageWriteback;
import org.faultline.mm.Truncate;
import org.faultline.mm.VmFault;

/**
 * Buffer heads (fs/buffer.c, 4.x): attaching buffers to page-cache pages, preparing a page for a
 * write ({@code __block_write_begin} with the filesystem's {@code get_block}), committing it,
 * {@code block_page_mkwrite}, {@code block_read_full_page}, freeing buffers for reclaim
 * ({@code try_to_free_buffers}), invalidation, and buffer I/O completion.
 *
 * <p>{@code mapping->private_lock} protects attaching and detaching a page's buffer ring and the
 * dirtying of all of a page's buffers; each buffer's BH_Lock serialises its I/O.
 */
@KernelSource("fs/buffer.c")
public final class Buffer {
    /**
     * How a filesystem maps file blocks ({@code get_block_t}): maps {@code bh} (or leaves it unmapped
     * for a hole) and returns 0, or a negative errno; it never throws.
     */
    @FunctionalInterface
    public interface GetBlock {
        int getBlock(Inode inode, long iblock, BufferHead bh, boolean create);
    }

    /**
     * Calls {@code getBlock} at a fault-injection site ({@code get_block}, see
     * {@link org.faultline.kernel.FaultInject}): an armed site fails the call without calling it.
     */
    public static int callGetBlock(GetBlock getBlock, Inode inode, long iblock, BufferHead bh, boolean create) {
        int err = inode.sb().kernel().faults().shouldFail("get_block");
        return err != 0 ? err : getBlock.getBlock(inode, iblock, bh, create);
    }

    private final Kernel k;
    private final BitWait bitWait;

    private Buffer(Kernel k) {
        this.k = k;
        this.bitWait = new BitWait(k, BufferHead.BH_WAITERS);
    }

    /**
     * buffer_init(): the buffer layer of a kernel, with its one bit-wait table. An initcall, made at
     * boot before any task runs ({@link Machine#boot}, or {@link Machine#initcalls} for a kernel
     * booted without a disk): made lazily by a task, two free-running tasks could each make a table and miss
     * each other's wake-ups.
     */
    public static void init(Kernel k) {
        if (k.subsys(Buffer.class) == null) {
            k.attach(Buffer.class, new Buffer(k));
        }
    }

    /** The buffer layer of a kernel (see {@link #init}). */
    static Buffer of(Kernel k) {
        Buffer b = k.subsys(Buffer.class);
        if (b == null) {
            throw new IllegalStateException("buffer layer not initialised (buffer_init) on this kernel");
        }
        return b;
    }

    private static Buffer cur() {
        return of(Task.current().kernel());
    }

    // ------------------------------------------------------------ attach / find

    /**
     * create_empty_buffers(): a ring of {@code blocksize} buffers on the page, each with
     * {@code bstate}; the page's dirty/uptodate state is copied to them. Context: page locked.
     */
    public static BufferHead createEmptyBuffers(Page page, int blocksize, int bstate) {
        BufferHead head = null;
        BufferHead tail = null;
        for (int off = 0; off < Page.PAGE_SIZE; off += blocksize) {
            BufferHead bh = new BufferHead(page, off, blocksize, waitKey(page, off));
            bh.resetFlags(bstate); // not yet visible to anyone
            if (head == null) {
                head = bh;
            } else {
                tail.next = bh;
            }
            tail = bh;
        }
        tail.next = head;
        AddressSpace m = page.mapping();
        if (m != null) {
            m.privateLock.spinLock();
        }
        if (page.uptodate() || page.dirty()) {
            BufferHead bh = head;
            do {
                if (page.testBit(Page.PG_DIRTY)) {
                    bh.set(BufferHead.BH_DIRTY);
                }
                if (page.testBit(Page.PG_UPTODATE)) {
                    bh.set(BufferHead.BH_UPTODATE);
                }
                bh = bh.next;
            } while (bh != head);
        }
        page.attachPrivate(head);
        if (m != null) {
            m.privateLock.spinUnlock();
        }
        return head;
    }

    /**
     * The key a buffer's bit waits hash by (the kernel hashes the buffer's address): deterministic, and
     * distinct for every buffer alive at once — from the page frame and the buffer's slot in it.
     */
    private static long waitKey(Page page, int offset) {
        return (1L << 40) | page.pfn() << 3 | offset >> 9;
    }

    /**
     * page_buffers(): the page's buffer ring, {@code BUG_ON(!PagePrivate(page))}. A macro in the kernel,
     * so the BUG is reported at the caller's file and function — as in bug 1's
     * {@code kernel BUG at fs/ext4/inode.c}.
     */
    @KernelFunction(KernelFunction.HIDDEN)
    public static BufferHead pageBuffers(Page page) {
        Task.current().kernel().bugOn(!page.hasPrivate(),
                () -> "page_buffers(): " + page.describe() + " has no buffers, flags " + page.flagsString());
        return (BufferHead) page.getPrivate();
    }

    /** page_has_buffers(). */
    public static boolean pageHasBuffers(Page page) {
        return page.hasPrivate() && page.getPrivate() instanceof BufferHead;
    }

    /**
     * The buffers of a page, in ring order ({@code bh = head; do ... while ((bh = bh->b_this_page) !=
     * head)}), without copying: the ring is fixed once attached, so a walk stays valid even if the
     * page's buffers are detached meanwhile. Empty for a page without buffers.
     */
    public static Iterable<BufferHead> buffers(Page page) {
        BufferHead head = page.getPrivate() instanceof BufferHead h ? h : null;
        return () -> new java.util.Iterator<>() {
            private BufferHead next = head;

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public BufferHead next() {
                BufferHead bh = next;
                if (bh == null) {
                    throw new java.util.NoSuchElementException();
                }
                next = bh.next == head ? null : bh.next;
                return bh;
            }
        };
    }

    // ------------------------------------------------------------ dirtying

    /** mark_buffer_dirty(): dirties the buffer, and its page and inode if they were clean. */
    public static void markBufferDirty(BufferHead bh) {
        if (!bh.testAndSetBit(BufferHead.BH_DIRTY)) {
            PageWriteback.setPageDirtyNobuffers(bh.page);
        }
    }

    /**
     * __set_page_dirty_buffers(): the {@code ->set_page_dirty} of buffer-backed mappings: dirties every
     * buffer (if there are any) and the page.
     */
    @KernelFunction("__set_page_dirty_buffers")
    public static boolean setPageDirtyBuffers(Page page) {
        AddressSpace m = page.mapping();
        if (m != null) {
            m.privateLock.spinLock();
        }
        for (BufferHead bh : buffers(page)) {
            bh.set(BufferHead.BH_DIRTY);
        }
        if (m != null) {
            m.privateLock.spinUnlock();
        }
        return PageWriteback.setPageDirtyNobuffers(page);
    }

    // ------------------------------------------------------------ write_begin / commit

    /**
     * __block_write_begin(): makes sure every buffer overlapping [from, from+len) of the page is mapped
     * (calling {@code get_block} with create) and uptodate outside the written part. Context: page locked.
     *
     * @return 0 or a negative errno
     */
    @KernelFunction("__block_write_begin")
    public static int blockWriteBeginPage(Page page, long pos, int len, Inode inode, GetBlock getBlock) {
        int from = (int) (pos & (Page.PAGE_SIZE - 1));
        int to = from + len;
        int blocksize = inode.sb().blockSize();
        if (!page.hasPrivate()) {
            createEmptyBuffers(page, blocksize, 0);
        }
        BufferHead head = pageBuffers(page);
        long block = (page.index() << Page.PAGE_SHIFT) / blocksize;
        List<BufferHead> toRead = new ArrayList<>();
        BufferHead bh = head;
        Mm mm = inode.sb().mm();
        do {
            int start = bh.offset;
            int end = start + bh.size;
            if (end <= from || start >= to) {
                if (page.uptodate()) {
                    bh.set(BufferHead.BH_UPTODATE);
                }
            } else {
                bh.clear(BufferHead.BH_NEW);
                if (!bh.test(BufferHead.BH_MAPPED)) {
                    int err = callGetBlock(getBlock, inode, block, bh, true);
                    if (err != 0) {
                        return err;
                    }
                    if (bh.test(BufferHead.BH_NEW)) {
                        if (page.uptodate()) {
                            bh.clear(BufferHead.BH_NEW);
                            bh.set(BufferHead.BH_UPTODATE);
                        } else {
                            if (end > to) {
                                mm.memMap().zero(page, to, end - to);
                            }
                            if (start < from) {
                                mm.memMap().zero(page, start, from - start);
                            }
                        }
                    }
                }
                if (page.uptodate()) {
                    bh.set(BufferHead.BH_UPTODATE);
                } else if (!bh.test(BufferHead.BH_UPTODATE) && !bh.test(BufferHead.BH_DELAY)
                        && !bh.test(BufferHead.BH_UNWRITTEN) && !bh.test(BufferHead.BH_NEW)
                        && (start < from || end > to)) {
                    toRead.add(bh); // partially written, existing data: read it first
                }
            }
            block++;
            bh = bh.next;
        } while (bh != head);
        for (BufferHead r : toRead) {
            if (bhRead(r) != 0) {
                return -Errno.EIO;
            }
        }
        return 0;
    }

    /** __block_commit_write(): written buffers become uptodate and dirty; the page uptodate if all are. */
    @KernelFunction("__block_commit_write")
    public static void blockCommitWrite(Page page, int from, int to) {
        boolean partial = false;
        for (BufferHead bh : buffers(page)) {
            int start = bh.offset;
            int end = start + bh.size;
            if (end <= from || start >= to) {
                if (!bh.test(BufferHead.BH_UPTODATE)) {
                    partial = true;
                }
            } else {
                bh.set(BufferHead.BH_UPTODATE);
                markBufferDirty(bh);
            }
            bh.clear(BufferHead.BH_NEW);
        }
        if (!partial) {
            page.setUptodate();
        }
    }

    /**
     * generic_write_end(): commits the copy, extends i_size, unlocks and releases the page.
     *
     * @return bytes committed
     */
    public static int genericWriteEnd(Inode inode, long pos, int len, int copied, Page page) {
        int from = (int) (pos & (Page.PAGE_SIZE - 1));
        if (copied < len && !page.uptodate()) {
            copied = 0; // a short copy into a !uptodate page: the caller retries
        }
        blockCommitWrite(page, from, from + copied);
        long oldSize = inode.iSize();
        boolean sizeChanged = false;
        if (pos + copied > oldSize) {
            inode.iSizeWrite(pos + copied);
            sizeChanged = true;
        }
        Filemap.unlockPage(page);
        inode.sb().mm().allocator().putPage(page);
        if (oldSize < pos) {
            Truncate.pagecacheIsizeExtended(inode.mapping(), oldSize, pos, inode.sb().blockSize());
        }
        if (sizeChanged) {
            inode.markInodeDirty();
        }
        return copied;
    }

    /**
     * block_page_mkwrite(): locks the page, checks it is still in the file, maps and reserves its
     * blocks ({@code __block_write_begin} + commit), dirties it and returns with the page locked.
     *
     * @return 0 (page locked), or a negative errno (page unlocked): -EFAULT if truncated
     */
    public static int blockPageMkwrite(VmFault vmf, Inode inode, GetBlock getBlock) {
        Page page = vmf.page;
        Filemap.lockPage(page);
        long size = inode.iSize();
        if (page.mapping() != inode.mapping() || (page.index() << Page.PAGE_SHIFT) > size) {
            Filemap.unlockPage(page);
            return -Errno.EFAULT;
        }
        int end = ((page.index() + 1) << Page.PAGE_SHIFT) > size ? (int) (size & (Page.PAGE_SIZE - 1)) : Page.PAGE_SIZE;
        int ret = blockWriteBeginPage(page, page.index() << Page.PAGE_SHIFT, end, inode, getBlock);
        if (ret == 0) {
            blockCommitWrite(page, 0, end);
        }
        if (ret != 0) {
            Filemap.unlockPage(page);
            return ret;
        }
        PageWriteback.setPageDirty(page);
        return 0;
    }

    /** block_page_mkwrite_return(): errno to VM_FAULT. */
    public static int blockPageMkwriteReturn(int err) {
        if (err == 0) {
            return Memory.VM_FAULT_LOCKED;
        }
        if (err == -Errno.EFAULT || err == -Errno.EAGAIN) {
            return Memory.VM_FAULT_NOPAGE;
        }
        if (err == -Errno.ENOMEM) {
            return Memory.VM_FAULT_OOM;
        }
        return Memory.VM_FAULT_SIGBUS;
    }

    // ------------------------------------------------------------ reading

    /**
     * block_read_full_page(): maps each buffer (without create); holes are zeroed, mapped blocks
     * read. The page is unlocked when every read has completed.
     */
    public static int blockReadFullPage(Page page, Inode inode, GetBlock getBlock) {
        int blocksize = inode.sb().blockSize();
        if (!page.hasPrivate()) {
            createEmptyBuffers(page, blocksize, 0);
        }
        long block = (page.index() << Page.PAGE_SHIFT) / blocksize;
        long lastBlock = (inode.iSize() + blocksize - 1) / blocksize;
        List<BufferHead> reads = new ArrayList<>();
        Mm mm = inode.sb().mm();
        for (BufferHead bh : buffers(page)) {
            if (!bh.test(BufferHead.BH_UPTODATE)) {
                if (!bh.test(BufferHead.BH_MAPPED) && block < lastBlock
                        && callGetBlock(getBlock, inode, block, bh, false) != 0) {
                    page.setFlag(Page.PG_ERROR);
                }
                if (!bh.test(BufferHead.BH_MAPPED) || bh.test(BufferHead.BH_UNWRITTEN)) {
                    mm.memMap().zero(page, bh.offset, bh.size);
                    bh.set(BufferHead.BH_UPTODATE);
                } else {
                    reads.add(bh);
                }
            }
            block++;
        }
        if (reads.isEmpty()) {
            if (!page.testBit(Page.PG_ERROR)) {
                page.setUptodate();
            }
            Filemap.unlockPage(page);
            return 0;
        }
        AtomicInteger left = new AtomicInteger(reads.size()); // the last buffer's completion ends the page's read
        boolean[] err = {false};
        for (BufferHead bh : reads) {
            lockBuffer(bh);
            bh.set(BufferHead.BH_ASYNC_READ);
        }
        for (BufferHead bh : reads) {
            submitBh(Bio.Op.READ, 0, bh, (b, ok) -> {
                // end_buffer_async_read
                if (ok) {
                    b.set(BufferHead.BH_UPTODATE);
                } else {
                    b.clear(BufferHead.BH_UPTODATE);
                    err[0] = true;
                }
                b.clear(BufferHead.BH_ASYNC_READ);
                unlockBuffer(b);
                if (left.decrementAndGet() == 0) {
                    if (!err[0]) {
                        page.setUptodate();
                    } else {
                        page.setFlag(Page.PG_ERROR);
                    }
                    Filemap.unlockPage(page);
                }
            });
        }
        return 0;
    }

    /**
     * bh_read() (ll_rw_block + wait_on_buffer in 4.x): reads the buffer's block unless it is uptodate,
     * and waits. Context: task; the buffer is mapped.
     *
     * @return 0, or -EIO if the read failed
     */
    @KernelFunction("bh_read")
    public static int bhRead(BufferHead bh) {
        lockBuffer(bh);
        if (bh.test(BufferHead.BH_UPTODATE)) {
            unlockBuffer(bh);
            return 0;
        }
        org.faultline.kernel.Completion done = new org.faultline.kernel.Completion(Task.current().kernel(), "bh read");
        boolean[] ok = {false};
        submitBh(Bio.Op.READ, 0, bh, (b, good) -> {
            ok[0] = good;
            if (good) {
                b.set(BufferHead.BH_UPTODATE);
            }
            unlockBuffer(b);
            done.complete();
        });
        done.waitForCompletion();
        return ok[0] ? 0 : -Errno.EIO;
    }

    // ------------------------------------------------------------ buffer lock and I/O

    /** lock_buffer(). */
    public static void lockBuffer(BufferHead bh) {
        cur().bitWait.lockBit(bh, BufferHead.BH_LOCK);
    }

    /** unlock_buffer(). */
    public static void unlockBuffer(BufferHead bh) {
        cur().bitWait.unlockBit(bh, BufferHead.BH_LOCK);
    }

    /** Buffer I/O completion, in softirq context: the buffer and whether the I/O succeeded. */
    @FunctionalInterface
    public interface EndIo {
        void end(BufferHead bh, boolean uptodate);
    }

    /** submit_bh(): a bio for the buffer's block. Context: the buffer is locked and mapped. */
    public static void submitBh(Bio.Op op, int flags, BufferHead bh, EndIo endIo) {
        Task.current().kernel().bugOn(!bh.test(BufferHead.BH_LOCK) || !bh.test(BufferHead.BH_MAPPED) || bh.bdev == null,
                "submit_bh of an unlocked or unmapped " + bh);
        Task.current().kernel().lkdtm().hit(Lkdtm.Point.FS_SUBMIT_BH);
        bh.set(BufferHead.BH_REQ);
        Bio bio = Bio.bioAlloc(bh.bdev, op, flags, bh.blocknr * (bh.size >> Bio.SECTOR_SHIFT), 1);
        bio.bioAddPage(bh.page, bh.size, bh.offset);
        bio.setEndIo(b -> endIo.end(bh, b.status().ok()));
        BlkCore.submitBio(bio);
    }

    /**
     * end_buffer_async_write(): a write of a page's buffer completed; when the page's last buffer
     * is done, its writeback ends. A failure records the error on the buffer, page and mapping.
     */
    public static void endBufferAsyncWrite(BufferHead bh, boolean uptodate) {
        Page page = bh.page;
        if (!uptodate) {
            bh.set(BufferHead.BH_WRITE_EIO);
            bh.clear(BufferHead.BH_UPTODATE);
            page.setFlag(Page.PG_ERROR);
            if (page.mapping() != null) {
                page.mapping().mappingSetError(-Errno.EIO);
            }
        }
        bh.clear(BufferHead.BH_ASYNC_WRITE);
        unlockBuffer(bh);
        for (BufferHead b : buffers(page)) {
            if (b.test(BufferHead.BH_ASYNC_WRITE)) {
                return; // others still in flight
            }
        }
        Filemap.endPageWriteback(page);
    }

    // ------------------------------------------------------------ release and invalidate

    /**
     * try_to_free_buffers(): detaches the buffers if none is dirty or locked; a page whose buffers
     * were all clean but which is itself dirty is cleaned ({@code cancel_dirty_page}).
     * Context: page locked, not under writeback.
     */
    public static boolean tryToFreeBuffers(Page page) {
        if (page.writeback()) {
            return false;
        }
        AddressSpace m = page.mapping();
        if (m != null) {
            m.privateLock.spinLock();
        }
        boolean busy = false;
        for (BufferHead bh : buffers(page)) {
            if (bh.test(BufferHead.BH_DIRTY) || bh.test(BufferHead.BH_LOCK)) {
                busy = true;
                break;
            }
        }
        if (!busy) {
            page.detachPrivate();
        }
        if (m != null) {
            m.privateLock.spinUnlock();
        }
        if (!busy && page.testBit(Page.PG_DIRTY) && m != null) {
            org.faultline.mm.Truncate.cancelDirtyPageLocked(page);
        }
        return !busy;
    }

    /**
     * block_invalidatepage(): buffers wholly inside [offset, offset+length) are discarded; a whole-page
     * invalidation then releases them. Context: page locked.
     */
    public static void blockInvalidatepage(Page page, int offset, int length) {
        if (!page.hasPrivate()) {
            return;
        }
        int stop = offset + length;
        for (BufferHead bh : buffers(page)) {
            if (bh.offset >= offset && bh.offset + bh.size <= stop) {
                // discard_buffer()
                bh.clear(BufferHead.BH_DIRTY);
                bh.clear(BufferHead.BH_MAPPED);
                bh.clear(BufferHead.BH_REQ);
                bh.clear(BufferHead.BH_NEW);
                bh.clear(BufferHead.BH_DELAY);
                bh.clear(BufferHead.BH_UNWRITTEN);
                bh.blocknr = -1;
            }
        }
        if (offset == 0 && length == Page.PAGE_SIZE) {
            tryToFreeBuffers(page);
        }
    }
}
