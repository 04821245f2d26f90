package org.faultline.mm;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskKind;
import org.faultline.kernel.WaitQueue;

/**
 * A small filesystem for mm tests: one file per {@link TestFile}, its blocks in a byte array, and
 * writeback completed asynchronously by an "irq" kthread, as a device would. Its operations follow
 * the contracts of {@link AddressSpaceOperations} and {@link VmOperations}: write_begin and
 * page_mkwrite attach private "buffers"; releasepage drops them.
 */
final class TestFs {
    final Kernel k;
    final Mm mm;
    final BackingDev bdi = new BackingDev("testfs");
    private final ArrayDeque<Page> ioQueue = new ArrayDeque<>(); // protected by ioLock
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    int ioDelayMs;               // device service time per page (kernel clock)
    private final WaitQueue ioWait;
    private final org.faultline.kernel.SpinLock ioLock;
    int failNextWrites;          // inject: the next N page writes fail with -EIO at completion
    int failNextSubmits;         // inject: the next N writepage calls fail at submission (iomap style)

    TestFs(Kernel k, Mm mm) {
        this.k = k;
        this.mm = mm;
        this.ioWait = new WaitQueue(k);
        this.ioLock = new org.faultline.kernel.SpinLock(k, "testfs io");
        k.spawn("irq/testfs", TaskKind.SOFTIRQ, this::irqMain);
        this.flushWait = new WaitQueue(k);
        bdi.setFlusher(() -> {
            flushWanted = true;
            flushWait.wakeUp();
        });
        mm.registerBdi(bdi);
        k.spawn("flush-testfs", TaskKind.KTHREAD, this::flusherMain);
    }

    private final WaitQueue flushWait;
    private volatile boolean flushWanted;
    private final java.util.List<TestFile> files = new java.util.ArrayList<>();

    /** The flusher: background writeback (WB_SYNC_NONE) of every file when kicked. */
    private void flusherMain() {
        Task self = Task.current();
        for (;;) {
            flushWait.waitEvent(() -> flushWanted || self.kthreadShouldStop(), () -> "background writeback work");
            if (self.kthreadShouldStop()) {
                return;
            }
            flushWanted = false;
            for (TestFile f : java.util.List.copyOf(files)) {
                Filemap.filemapFdatawriteRange(f.mapping, 0, Long.MAX_VALUE, WritebackControl.SyncMode.WB_SYNC_NONE);
            }
        }
    }

    /** Marker for fs-private page state ("buffer heads"). */
    static final class Buffers {
        @Override
        public String toString() {
            return "buffers";
        }
    }

    final class TestFile implements MappingHost, AddressSpaceOperations, VmOperations {
        final String name;
        final AddressSpace mapping;
        byte[] store = new byte[0];
        volatile long size;
        int mkwrites;
        int dirtyInodeCalls;

        TestFile(String name) {
            this.name = name;
            this.mapping = new AddressSpace(mm, this, this, bdi);
            mapping.setVmOps(this);
        }

        // ---- MappingHost
        @Override
        public long iSize() {
            return size;
        }

        @Override
        public void markInodeDirtyPages() {
            dirtyInodeCalls++;
        }

        @Override
        public String describe() {
            return "testfs file " + name;
        }

        byte[] storeCopy() {
            return Arrays.copyOf(store, (int) size);
        }

        // ---- address_space_operations
        @Override
        public int writepage(Page p, WritebackControl wbc) {
            if (failNextSubmits > 0) {
                failNextSubmits--;
                mapping.mappingSetError(-5);
                p.setFlag(Page.PG_ERROR);
                Filemap.unlockPage(p);
                return -5;
            }
            PageWriteback.setPageWriteback(p);
            Filemap.unlockPage(p);
            ioLock.spinLock();
            ioQueue.addLast(p);
            pending.incrementAndGet();
            ioLock.spinUnlock();
            ioWait.wakeUp();
            return 0;
        }

        @Override
        public int writepages(AddressSpace m, WritebackControl wbc) {
            return PageWriteback.genericWritepages(m, wbc);
        }

        @Override
        public int readpage(Page p) {
            int off = (int) (p.index() << Page.PAGE_SHIFT);
            byte[] b = new byte[Page.PAGE_SIZE];
            if (off < store.length) {
                System.arraycopy(store, off, b, 0, Math.min(Page.PAGE_SIZE, store.length - off));
            }
            mm.memMap().write(p, 0, b, 0, b.length);
            p.setUptodate();
            Filemap.unlockPage(p);
            return 0;
        }

        @Override
        public boolean setPageDirty(Page p) {
            return PageWriteback.setPageDirtyNobuffers(p);
        }

        @Override
        public WriteBegin writeBegin(AddressSpace m, long pos, int len) {
            Page p = Filemap.grabCachePage(m, pos >> Page.PAGE_SHIFT, Gfp.GFP_NOFS);
            if (p == null) {
                return WriteBegin.error(-12);
            }
            if (!p.uptodate() && len != Page.PAGE_SIZE) {
                readpageLocked(p);
            }
            if (!p.hasPrivate()) {
                p.attachPrivate(new Buffers());
            }
            return new WriteBegin(p, null, 0);
        }

        private void readpageLocked(Page p) {
            int off = (int) (p.index() << Page.PAGE_SHIFT);
            byte[] b = new byte[Page.PAGE_SIZE];
            if (off < store.length) {
                System.arraycopy(store, off, b, 0, Math.min(Page.PAGE_SIZE, store.length - off));
            }
            mm.memMap().write(p, 0, b, 0, b.length);
            p.setUptodate();
        }

        @Override
        public int writeEnd(AddressSpace m, long pos, int len, int copied, Page p, Object fsdata) {
            p.setUptodate();
            PageWriteback.setPageDirty(p);
            if (pos + copied > size) {
                size = pos + copied;
            }
            Filemap.unlockPage(p);
            mm.allocator().putPage(p);
            return copied;
        }

        @Override
        public boolean releasepage(Page p, int gfp) {
            if (p.testBit(Page.PG_DIRTY) || p.testBit(Page.PG_WRITEBACK)) {
                return false;
            }
            p.detachPrivate();
            return true;
        }

        @Override
        public void invalidatepage(Page p, int offset, int length) {
            if (offset == 0 && length == Page.PAGE_SIZE) {
                p.detachPrivate();
            }
        }

        // ---- vm_operations
        @Override
        public int fault(VmFault vmf) {
            return Filemap.filemapFault(vmf);
        }

        @Override
        public int pageMkwrite(VmFault vmf) {
            mkwrites++;
            Page p = vmf.page;
            Filemap.lockPage(p);
            if (p.mapping() != mapping || (p.index() << Page.PAGE_SHIFT) >= size) {
                Filemap.unlockPage(p);
                return Filemap.VM_FAULT_NOPAGE;
            }
            if (!p.hasPrivate()) {
                p.attachPrivate(new Buffers());
            }
            PageWriteback.setPageDirty(p);
            return Filemap.VM_FAULT_LOCKED;
        }

        /** Writes bytes through the page cache (write(2) without the VFS). */
        long write(long pos, byte[] data) {
            return Filemap.genericPerformWrite(mapping, pos, IovIter.ofBytes(data, 0, data.length));
        }

        /** Reads through the page cache. */
        byte[] read(long pos, int len) {
            byte[] b = new byte[len];
            long n = Filemap.genericFileBufferedRead(mapping, pos, IovIter.ofBytes(b, 0, len));
            return Arrays.copyOf(b, (int) Math.max(0, n));
        }

        /** mmap(MAP_SHARED, PROT_READ|PROT_WRITE) of the whole file. */
        long mmapShared(MmStruct as, long len) {
            return Mmap.doMmap(as, len, VmArea.VM_READ | VmArea.VM_WRITE | VmArea.VM_SHARED | VmArea.VM_MAYWRITE,
                    mapping, 0, this, (start, end, datasync) -> fsync());
        }

        void fsync() {
            Filemap.fileWriteAndWaitRange(mapping, new int[] {mapping.wbErr().sample()}, 0, Long.MAX_VALUE);
        }
    }

    TestFile create(String name) {
        TestFile f = new TestFile(name);
        files.add(f);
        return f;
    }

    /** The device: completes page writes, copying page contents to the file's store. */
    private void irqMain() {
        Task self = Task.current();
        for (;;) {
            ioWait.waitEvent(() -> pending.get() > 0 || self.kthreadShouldStop(), () -> "testfs I/O to complete");
            ioLock.spinLock();
            Page p = ioQueue.pollFirst();
            if (p != null) {
                pending.decrementAndGet();
            }
            ioLock.spinUnlock();
            if (p == null) {
                if (self.kthreadShouldStop()) {
                    return;
                }
                continue;
            }
            if (ioDelayMs > 0) {
                k.sched().msleep(ioDelayMs);
            }
            boolean old = self.setSoftirqActive(true);
            TestFile f = (TestFile) p.mapping().host();
            if (failNextWrites > 0) {
                failNextWrites--;
                p.mapping().mappingSetError(-5);
                p.setFlag(Page.PG_ERROR);
            } else {
                int off = (int) (p.index() << Page.PAGE_SHIFT);
                if (f.store.length < off + Page.PAGE_SIZE) {
                    f.store = Arrays.copyOf(f.store, off + Page.PAGE_SIZE);
                }
                mm.memMap().read(p, 0, f.store, off, Page.PAGE_SIZE);
            }
            Filemap.endPageWriteback(p);
            self.setSoftirqActive(old);
        }
    }
}
