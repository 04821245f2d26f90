package org.faultline.mm;

import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;

/**
 * get_user_pages and pin_user_pages (mm/gup.c): takes references on the pages behind a user range,
 * faulting them in — for write when asked, which for a shared file mapping means
 * {@code ->page_mkwrite} — as direct I/O does with its user buffer.
 *
 * <p>With {@link MmPatch#GUP_PIN_TRACKING} (v5.7) a FOLL_PIN reference adds
 * {@link Page#GUP_PIN_COUNTING_BIAS} so {@code page_maybe_dma_pinned()} can see it; before, a pin is
 * a plain reference.
 */
@KernelSource("mm/gup.c")
public final class Gup {
    public static final int FOLL_WRITE = 0x01;
    public static final int FOLL_PIN = 0x40000;

    private Gup() {
    }

    private static Kernel k() {
        return Task.current().kernel();
    }

    /**
     * __get_user_pages(): for each page of [start, start + nr pages), follow the page table and fault
     * until the page is present (and writable, for FOLL_WRITE), then take a reference (or a pin).
     *
     * Context: takes mmap_sem for read; may sleep.
     * @return pages taken (≤ nr), or a negative errno if none: -EFAULT for a bad address
     */
    public static int getUserPages(MmStruct mm, long start, int nr, int gupFlags, Page[] pages) {
        boolean write = (gupFlags & FOLL_WRITE) != 0;
        int done = 0;
        while (done < nr) {
            long addr = start + ((long) done << Page.PAGE_SHIFT);
            mm.mmapSem.downRead();
            Page p = followPage(mm, addr, write);
            if (p == null) {
                VmArea vma = mm.findVma(addr);
                if (vma == null || write && (vma.flags() & VmArea.VM_WRITE) == 0) {
                    mm.mmapSem.upRead();
                    return done > 0 ? done : -Errno.EFAULT;
                }
                int r = Memory.handleMmFault(vma, addr, write ? VmFault.FAULT_FLAG_WRITE : 0);
                mm.mmapSem.upRead();
                if ((r & Memory.VM_FAULT_ERROR) != 0) {
                    return done > 0 ? done : (r & Memory.VM_FAULT_OOM) != 0 ? -Errno.ENOMEM : -Errno.EFAULT;
                }
                continue; // follow again
            }
            mm.mmapSem.upRead();
            if ((gupFlags & FOLL_PIN) != 0 && k().has(MmPatch.GUP_PIN_TRACKING)) {
                p.refAdd(Page.GUP_PIN_COUNTING_BIAS - 1); // followPage took one reference already
            }
            pages[done++] = p;
        }
        return done;
    }

    /** get_user_pages_fast(): the same, without the lockless fast path. */
    public static int getUserPagesFast(MmStruct mm, long start, int nr, boolean write, Page[] pages) {
        return getUserPages(mm, start, nr, write ? FOLL_WRITE : 0, pages);
    }

    /** pin_user_pages(): FOLL_PIN. */
    public static int pinUserPages(MmStruct mm, long start, int nr, boolean write, Page[] pages) {
        return getUserPages(mm, start, nr, FOLL_PIN | (write ? FOLL_WRITE : 0), pages);
    }

    /** follow_page_mask(): the present page (writable if asked), referenced; or null. */
    private static Page followPage(MmStruct mm, long addr, boolean write) {
        mm.ptl.spinLock();
        PteTable.Pte pte = mm.pteLocked(addr);
        Page p = null;
        if (pte != null && (!write || pte.write)) {
            p = pte.page;
            p.get();
            pte.young = true;
            if (write) {
                pte.dirty = true; // FOLL_WRITE marks the PTE dirty, as follow_page_pte(FOLL_TOUCH) does
            }
        }
        mm.ptl.spinUnlock();
        return p;
    }

    /** put_page() of a get_user_pages reference. */
    public static void putPage(Page p) {
        Mm.of(k()).allocator().putPage(p);
    }

    /** unpin_user_page(). */
    public static void unpinUserPage(Page p) {
        if (k().has(MmPatch.GUP_PIN_TRACKING)) {
            p.refAdd(-(Page.GUP_PIN_COUNTING_BIAS - 1));
        }
        putPage(p);
    }

    /** unpin_user_pages_dirty_lock(): set_page_dirty_lock on each (if asked), then unpin. */
    public static void unpinUserPagesDirtyLock(Page[] pages, int n, boolean makeDirty) {
        for (int i = 0; i < n; i++) {
            if (makeDirty) {
                PageWriteback.setPageDirtyLock(pages[i]);
            }
            unpinUserPage(pages[i]);
        }
    }
}
