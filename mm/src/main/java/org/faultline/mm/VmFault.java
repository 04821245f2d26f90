package org.faultline.mm;

/** {@code struct vm_fault}: one fault in progress. */
public final class VmFault {
    public static final int FAULT_FLAG_WRITE = 0x01;
    public static final int FAULT_FLAG_MKWRITE = 0x02;

    public final VmArea vma;
    public final long address;   // page aligned
    public int flags;
    public final long pgoff;     // file page
    public Page page;            // the page ->fault returned
    public Page cowPage;         // private write: the new anonymous page
    PteTable preallocPte;        // vmf->prealloc_pte

    /**
     * A write fault simulated on a page with no VMA (set_page_dirty_lock under
     * {@code set-page-dirty-lock-simulates-fault}): {@code vma} is null, {@code page} is set.
     */
    VmFault(Page page) {
        this.vma = null;
        this.address = 0;
        this.flags = FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE;
        this.pgoff = page.index();
        this.page = page;
    }

    VmFault(VmArea vma, long address, int flags) {
        this.vma = vma;
        this.address = address & ~(long) (Page.PAGE_SIZE - 1);
        this.flags = flags;
        this.pgoff = vma.linearPageIndex(this.address);
    }

    public boolean isWrite() {
        return (flags & FAULT_FLAG_WRITE) != 0;
    }
}
