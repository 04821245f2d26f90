package org.faultline.mm;

import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;

/**
 * Page faults and user memory access (mm/memory.c, 4.16–5.11 structure): {@code handle_mm_fault} →
 * {@code handle_pte_fault} → {@code do_read_fault} / {@code do_cow_fault} / {@code do_shared_fault}
 * / {@code do_wp_page} → {@code wp_page_shared} → {@code do_page_mkwrite}, {@code do_anonymous_page};
 * {@code __do_fault}, {@code alloc_set_pte} and {@code pte_alloc_one}. And loads and stores to user
 * addresses that fault exactly where a CPU would.
 *
 * <p>Bug 3 lives here: {@code alloc_set_pte} allocates the page table ({@code pte_alloc_one},
 * {@code GFP_KERNEL_ACCOUNT}, so a memcg charge that may reclaim and wait on writeback) while the
 * faulted page is locked — unless {@link MmPatch#MEMCG_PREALLOC_PTE} (63f3655f9501) preallocated it in
 * {@code __do_fault} before any page lock. And comes back in 5.12: {@link MmPatch#FINISH_FAULT_PTE_ALLOC}
 * (f9ce0be71d1f) makes {@code finish_fault} allocate the table itself, ignoring the preallocated one,
 * until {@link MmPatch#FINISH_FAULT_USES_PREALLOC} (e4dc3489143f, 5.14) installs it again.
 *
 * <p>Deviation: the code keeps the 4.16–5.11 shape ({@code alloc_set_pte}); the 5.12 patches act at
 * the point where {@code finish_fault} takes the page table.
 *
 * <p>Deviations: one page-table lock per mm; no THP, no fault-around, no swap (anonymous pages are
 * never reclaimed), no zero page (read faults on anonymous memory allocate).
 */
@KernelSource("mm/memory.c")
public final class Memory {
    public static final int VM_FAULT_OOM = Filemap.VM_FAULT_OOM;
    public static final int VM_FAULT_SIGBUS = Filemap.VM_FAULT_SIGBUS;
    public static final int VM_FAULT_SIGSEGV = 0x0040;
    public static final int VM_FAULT_NOPAGE = Filemap.VM_FAULT_NOPAGE;
    public static final int VM_FAULT_LOCKED = Filemap.VM_FAULT_LOCKED;
    public static final int VM_FAULT_RETRY = Filemap.VM_FAULT_RETRY;
    public static final int VM_FAULT_WRITE = 0x0008;
    public static final int VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV;

    private Memory() {
    }

    private static Kernel k() {
        return Task.current().kernel();
    }

    // ------------------------------------------------------------ entry

    /**
     * handle_mm_fault(). Context: {@code mmapSem} held for read; may sleep.
     *
     * @return VM_FAULT_* bits (0 or VM_FAULT_WRITE on success)
     */
    public static int handleMmFault(VmArea vma, long address, int flags) {
        k().sched().point("handle_mm_fault");
        if (k().tracing()) {
            k().trace("page_fault " + (((flags & VmFault.FAULT_FLAG_WRITE) != 0) ? "write " : "read ")
                    + Long.toHexString(address));
        }
        VmFault vmf = new VmFault(vma, address, flags);
        return handlePteFault(vmf);
    }

    private static int handlePteFault(VmFault vmf) {
        MmStruct mm = vmf.vma.mm;
        mm.ptl.spinLock();
        PteTable.Pte pte = mm.pteLocked(vmf.address);
        if (pte == null) {
            mm.ptl.spinUnlock();
            return vmf.vma.isAnonymous() ? doAnonymousPage(vmf) : doFault(vmf);
        }
        if (vmf.isWrite() && !pte.write) {
            mm.ptl.spinUnlock();
            return doWpPage(vmf);
        }
        pte.young = true;
        if (vmf.isWrite()) {
            pte.dirty = true;
        }
        mm.ptl.spinUnlock();
        return 0;
    }

    private static int doFault(VmFault vmf) {
        int ret;
        if (!vmf.isWrite()) {
            ret = doReadFault(vmf);
        } else if (!vmf.vma.isShared()) {
            ret = doCowFault(vmf);
        } else {
            ret = doSharedFault(vmf);
        }
        if (vmf.preallocPte != null) { // preallocated but not consumed: free it
            freePteTable(vmf.vma.mm, vmf.preallocPte);
            vmf.preallocPte = null;
        }
        return ret;
    }

    /**
     * __do_fault(): with {@code memcg-prealloc-pte}, first preallocate the page table while no page
     * is locked; then {@code ->fault}; the page comes back locked.
     */
    @KernelFunction("__do_fault")
    static int doFaultCommon(VmFault vmf) {
        if (k().has(MmPatch.MEMCG_PREALLOC_PTE) && pmdNone(vmf) && vmf.preallocPte == null) {
            vmf.preallocPte = pteAllocOne(vmf.vma.mm);
            if (vmf.preallocPte == null) {
                return VM_FAULT_OOM;
            }
        }
        int ret = vmf.vma.ops.fault(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0) {
            return ret;
        }
        if ((ret & VM_FAULT_LOCKED) == 0) {
            Filemap.lockPage(vmf.page);
        } else {
            k().bugOn(!vmf.page.testBit(Page.PG_LOCKED), "VM_BUG_ON_PAGE(!PageLocked(vmf->page))");
        }
        return ret;
    }

    private static boolean pmdNone(VmFault vmf) {
        MmStruct mm = vmf.vma.mm;
        mm.ptl.spinLock();
        boolean none = mm.tableLocked(vmf.address) == null;
        mm.ptl.spinUnlock();
        return none;
    }

    private static int doReadFault(VmFault vmf) {
        int ret = doFaultCommon(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0) {
            return ret;
        }
        ret |= finishFault(vmf);
        Filemap.unlockPage(vmf.page);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0) {
            putPage(vmf.page);
        }
        return ret;
    }

    private static int doCowFault(VmFault vmf) {
        Mm mm = vmf.vma.mm.mm;
        Page cow = mm.allocator().allocPages(Gfp.GFP_HIGHUSER_MOVABLE);
        if (cow == null) {
            return VM_FAULT_OOM;
        }
        if (!MemCgroup.ofCurrent(mm).chargePage(cow, Gfp.GFP_KERNEL)) {
            putPage(cow);
            return VM_FAULT_OOM;
        }
        vmf.cowPage = cow;
        int ret = doFaultCommon(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0) {
            putPage(cow);
            return ret;
        }
        mm.memMap().ram().copy(mm.memMap().offsetOf(vmf.page), mm.memMap().offsetOf(cow), Page.PAGE_SIZE);
        cow.setUptodate();
        ret |= finishFault(vmf);
        Filemap.unlockPage(vmf.page);
        putPage(vmf.page);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0) {
            putPage(cow);
        }
        return ret;
    }

    private static int doSharedFault(VmFault vmf) {
        int ret = doFaultCommon(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0) {
            return ret;
        }
        if (vmf.vma.ops.hasPageMkwrite()) {
            Filemap.unlockPage(vmf.page);
            int tmp = doPageMkwrite(vmf);
            if (tmp == 0 || (tmp & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) != 0) {
                putPage(vmf.page);
                return tmp;
            }
        }
        ret |= finishFault(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0) {
            Filemap.unlockPage(vmf.page);
            putPage(vmf.page);
            return ret;
        }
        faultDirtySharedPage(vmf.vma, vmf.page);
        return ret;
    }

    /**
     * do_page_mkwrite(): {@code ->page_mkwrite}, then make sure the page is locked and still mapped.
     *
     * @return VM_FAULT bits with VM_FAULT_LOCKED on success; 0 means "retry the fault"
     */
    static int doPageMkwrite(VmFault vmf) {
        vmf.flags = VmFault.FAULT_FLAG_WRITE | VmFault.FAULT_FLAG_MKWRITE;
        vmf.page.cleanedSinceMkwrite = false; // the filesystem is told of the write (and may dirty the page)
        int ret = vmf.vma.ops.pageMkwrite(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) != 0) {
            return ret;
        }
        Page p = vmf.page;
        if ((ret & VM_FAULT_LOCKED) == 0) {
            Filemap.lockPage(p);
            if (p.mapping() == null) {
                Filemap.unlockPage(p);
                return 0; // truncated: retry the fault
            }
            ret |= VM_FAULT_LOCKED;
        } else {
            k().bugOn(!p.testBit(Page.PG_LOCKED), "VM_BUG_ON_PAGE(!PageLocked(page)) after page_mkwrite");
        }
        return ret;
    }

    /** fault_dirty_shared_page(): set_page_dirty, unlock, throttle. Context: page locked. */
    private static void faultDirtySharedPage(VmArea vma, Page p) {
        boolean dirtied = PageWriteback.setPageDirty(p);
        AddressSpace m = p.mapping();
        Filemap.unlockPage(p);
        if ((dirtied || vma.ops.hasPageMkwrite()) && m != null) {
            PageWriteback.balanceDirtyPagesRatelimited(m);
        }
    }

    /** finish_fault() → alloc_set_pte() with the faulted (or COW) page. */
    static int finishFault(VmFault vmf) {
        Page p = vmf.isWrite() && !vmf.vma.isShared() ? vmf.cowPage : vmf.page;
        return allocSetPte(vmf, p);
    }

    /**
     * alloc_set_pte(): installs the PTE for {@code page}, allocating the page table if the PMD is
     * empty — {@code pte_alloc_one} with {@code GFP_KERNEL_ACCOUNT} while the page is locked (bug 3) —
     * unless a table was preallocated.
     *
     * Context: page locked; may sleep (the table allocation may reclaim).
     */
    static int allocSetPte(VmFault vmf, Page page) {
        MmStruct mm = vmf.vma.mm;
        if (pmdNone(vmf)) {
            PteTable t = vmf.preallocPte;
            if (k().has(MmPatch.FINISH_FAULT_PTE_ALLOC) && !k().has(MmPatch.FINISH_FAULT_USES_PREALLOC)) {
                t = null; // 5.12-5.13 finish_fault(): pte_alloc(), the preallocated table left for the caller to free
            } else {
                vmf.preallocPte = null;
            }
            if (pteAllocInstall(vmf, t) != 0) { // without a preallocated table: GFP_KERNEL_ACCOUNT under the page lock
                return VM_FAULT_OOM;
            }
        }
        boolean write = vmf.isWrite();
        mm.ptl.spinLock();
        if (mm.pteLocked(vmf.address) != null) {
            mm.ptl.spinUnlock();
            return VM_FAULT_NOPAGE;
        }
        boolean writable = write && (vmf.vma.flags & VmArea.VM_WRITE) != 0;
        mm.setPteLocked(vmf.address, new PteTable.Pte(page, writable, write));
        if (write && !vmf.vma.isShared()) {
            Rmap.pageAddNewAnonRmap(page, vmf.vma, vmf.address);
        } else {
            Rmap.pageAddFileRmap(page);
        }
        mm.ptl.spinUnlock();
        if (write && !vmf.vma.isShared()) {
            mm.mm.vmscan().lruCacheAdd(page);
        }
        return 0;
    }

    /**
     * __pte_alloc() / pte_alloc_one_map(): installs {@code t} (or, if null, a table allocated now) for
     * the fault's PMD unless another task installed one first, in which case {@code t} is freed.
     *
     * @return 0, or VM_FAULT_OOM if no table could be allocated
     */
    private static int pteAllocInstall(VmFault vmf, PteTable t) {
        MmStruct mm = vmf.vma.mm;
        if (t == null) {
            t = pteAllocOne(mm);
            if (t == null) {
                return VM_FAULT_OOM;
            }
        }
        mm.ptl.spinLock();
        if (mm.tableLocked(vmf.address) == null) {
            mm.installTableLocked(vmf.address, t);
            t = null;
        }
        mm.ptl.spinUnlock();
        if (t != null) {
            freePteTable(mm, t);
        }
        return 0;
    }

    /**
     * pte_alloc_one(): a zeroed page-table page, allocated {@code GFP_KERNEL_ACCOUNT | __GFP_ZERO}
     * (x86's {@code __userpte_alloc_gfp}) and so charged to the current memcg.
     */
    static PteTable pteAllocOne(MmStruct mm) {
        Page p = mm.mm.allocator().allocPages(Gfp.GFP_PGTABLE_USER);
        return p == null ? null : new PteTable(p);
    }

    private static void freePteTable(MmStruct mm, PteTable t) {
        mm.mm.allocator().putPage(t.backing);
    }

    /** do_wp_page(): a write to a present read-only PTE. */
    private static int doWpPage(VmFault vmf) {
        MmStruct mm = vmf.vma.mm;
        mm.ptl.spinLock();
        PteTable.Pte pte = mm.pteLocked(vmf.address);
        if (pte == null) {
            mm.ptl.spinUnlock();
            return 0; // raced with unmap: retry
        }
        vmf.page = pte.page;
        if (vmf.vma.isShared() && (vmf.vma.flags & VmArea.VM_WRITE) != 0) {
            mm.ptl.spinUnlock();
            return wpPageShared(vmf);
        }
        if ((vmf.vma.flags & VmArea.VM_WRITE) == 0) {
            mm.ptl.spinUnlock();
            return VM_FAULT_SIGSEGV;
        }
        if (pte.page.isAnon() && pte.page.mapcount() == 1) { // wp_page_reuse of an exclusive anon page
            pte.write = true;
            pte.dirty = true;
            pte.young = true;
            mm.ptl.spinUnlock();
            return VM_FAULT_WRITE;
        }
        mm.ptl.spinUnlock();
        return wpPageCopy(vmf);
    }

    /** wp_page_copy(): private write to a file page: copy it into a new anonymous page. */
    private static int wpPageCopy(VmFault vmf) {
        MmStruct mm = vmf.vma.mm;
        Mm m = mm.mm;
        Page old = vmf.page;
        Page cow = m.allocator().allocPages(Gfp.GFP_HIGHUSER_MOVABLE);
        if (cow == null || !MemCgroup.ofCurrent(m).chargePage(cow, Gfp.GFP_KERNEL)) {
            if (cow != null) {
                putPage(cow);
            }
            return VM_FAULT_OOM;
        }
        m.memMap().ram().copy(m.memMap().offsetOf(old), m.memMap().offsetOf(cow), Page.PAGE_SIZE);
        cow.setUptodate();
        mm.ptl.spinLock();
        PteTable.Pte pte = mm.pteLocked(vmf.address);
        if (pte == null || pte.page != old) {
            mm.ptl.spinUnlock();
            putPage(cow);
            return 0;
        }
        mm.setPteLocked(vmf.address, new PteTable.Pte(cow, true, true));
        Rmap.pageAddNewAnonRmap(cow, vmf.vma, vmf.address);
        Rmap.pageRemoveRmap(old);
        mm.ptl.spinUnlock();
        m.vmscan().lruCacheAdd(cow);
        putPage(old); // the old PTE's reference
        return VM_FAULT_WRITE;
    }

    /**
     * wp_page_shared(): a store to a write-protected page of a shared file mapping —
     * {@code do_page_mkwrite} ({@code ->page_mkwrite}, the filesystem's chance to allocate and attach
     * buffers), make the PTE writable and dirty, then dirty the page.
     */
    private static int wpPageShared(VmFault vmf) {
        Page p = vmf.page;
        p.get();
        MmStruct mm = vmf.vma.mm;
        if (vmf.vma.ops.hasPageMkwrite()) {
            int tmp = doPageMkwrite(vmf);
            if (tmp == 0 || (tmp & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) != 0) {
                putPage(p);
                return tmp;
            }
            // finish_mkwrite_fault(): the PTE must still map this page
            mm.ptl.spinLock();
            PteTable.Pte pte = mm.pteLocked(vmf.address);
            if (pte == null || pte.page != p) {
                mm.ptl.spinUnlock();
                Filemap.unlockPage(p);
                putPage(p);
                return VM_FAULT_NOPAGE;
            }
            wpPageReuse(pte);
            mm.ptl.spinUnlock();
        } else {
            mm.ptl.spinLock();
            PteTable.Pte pte = mm.pteLocked(vmf.address);
            if (pte != null) {
                wpPageReuse(pte);
            }
            mm.ptl.spinUnlock();
            Filemap.lockPage(p);
        }
        faultDirtySharedPage(vmf.vma, p);
        putPage(p);
        return VM_FAULT_WRITE;
    }

    private static void wpPageReuse(PteTable.Pte pte) {
        pte.write = true;
        pte.dirty = true;
        pte.young = true;
    }

    /** do_anonymous_page(): a zeroed, charged anonymous page. */
    private static int doAnonymousPage(VmFault vmf) {
        if (!vmf.isWrite() && (vmf.vma.flags & VmArea.VM_READ) == 0) {
            return VM_FAULT_SIGSEGV;
        }
        MmStruct mm = vmf.vma.mm;
        Mm m = mm.mm;
        if (pmdNone(vmf) && pteAllocInstall(vmf, null) != 0) {
            return VM_FAULT_OOM;
        }
        Page p = m.allocator().allocPages(Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_ZERO);
        if (p == null) {
            return VM_FAULT_OOM;
        }
        if (!MemCgroup.ofCurrent(m).chargePage(p, Gfp.GFP_KERNEL)) {
            putPage(p);
            return VM_FAULT_OOM;
        }
        p.setUptodate();
        boolean writable = (vmf.vma.flags & VmArea.VM_WRITE) != 0;
        mm.ptl.spinLock();
        if (mm.pteLocked(vmf.address) != null) {
            mm.ptl.spinUnlock();
            putPage(p);
            return 0;
        }
        mm.setPteLocked(vmf.address, new PteTable.Pte(p, writable, vmf.isWrite()));
        Rmap.pageAddNewAnonRmap(p, vmf.vma, vmf.address);
        mm.ptl.spinUnlock();
        m.vmscan().lruCacheAdd(p);
        return 0;
    }

    /**
     * unmap_mapping_range(): removes every user mapping of the file pages [start, start + nr) of
     * {@code m}; PTE dirtiness moves to the pages. The next access faults.
     */
    public static void unmapMappingRange(AddressSpace m, long start, long nr) {
        for (long i = start; i < start + nr; i++) {
            Page p = Filemap.findGetPage(m, i);
            if (p == null) {
                continue;
            }
            if (p.mapped()) {
                Rmap.unmapMappingPage(p);
            }
            putPage(p);
        }
    }

    /**
     * unmap_mapping_range(): zaps every mapping of the file's pages [start, start + nr) (file page
     * indexes; nr 0 means to the end) in each VMA of the file; with {@code evenCows} also the
     * private mappings' copied-on-write pages of that range, as truncate does so that a later
     * access faults (SIGBUS beyond EOF) rather than seeing the old copy.
     *
     * Context: takes i_mmap_rwsem for read, then each mm's page-table lock.
     */
    @KernelFunction("unmap_mapping_range")
    public static void unmapMappingRange(AddressSpace m, long start, long nr, boolean evenCows) {
        if (m.iMmap.isEmpty()) { // mapping_mapped(): nothing to zap
            return;
        }
        long end = nr == 0 ? Long.MAX_VALUE : start + nr;
        m.iMmapRwsem.downRead();
        try {
            for (VmArea v : m.iMmapLocked()) {
                long vFirst = v.pgoff;
                long vEnd = v.pgoff + ((v.end - v.start) >> Page.PAGE_SHIFT);
                long first = Math.max(start, vFirst);
                long last = Math.min(end, vEnd);
                if (first < last) {
                    Mmap.zapPageRange(v, v.start + ((first - vFirst) << Page.PAGE_SHIFT),
                            v.start + ((last - vFirst) << Page.PAGE_SHIFT), evenCows);
                }
            }
        } finally {
            m.iMmapRwsem.upRead();
        }
    }

    static void putPage(Page p) {
        Mm.of(k()).allocator().putPage(p);
    }

    // ------------------------------------------------------------ user access

    /** The result of a user access: bytes done, or the signal the task would get. */
    public record Access(int bytes, String signal) {
        public boolean ok() {
            return signal == null;
        }
    }

    /**
     * A user load or store ({@code copy_from_user}/{@code copy_to_user}, or a plain CPU access):
     * each page is translated through the page tables, faulting on a missing or write-protected PTE
     * as the MMU would; a store sets the PTE dirty.
     *
     * <p>A store's bytes land in the page while the page-table lock is held, as they are set dirty:
     * on a CPU the dirty bit and the write go together through the TLB entry, and page_mkclean's
     * flush ({@code ptep_clear_flush}, under the same lock) returns only once no CPU can still write
     * through the old entry. Copied after the lock was dropped, a store could land after writeback
     * had cleaned the PTE and taken the page's old bytes: new bytes in a clean page, never written.
     *
     * @param buf   source (store) or destination (load)
     * @return bytes moved, and SIGSEGV/SIGBUS if a fault could not be resolved
     */
    @KernelFunction(KernelFunction.HIDDEN) // the user instruction that traps
    public static Access access(MmStruct mm, long addr, byte[] buf, int off, int len, boolean store) {
        int done = 0;
        MemMap mem = mm.mm.memMap();
        while (done < len) {
            long a = addr + done;
            int pageOff = (int) (a & (Page.PAGE_SIZE - 1));
            int n = Math.min(len - done, Page.PAGE_SIZE - pageOff);
            Page p = store ? translateAndStore(mm, a, mem, pageOff, buf, off + done, n) : translate(mm, a, false);
            if (p == null) {
                int r = fault(mm, a, store);
                if (r != 0) {
                    return new Access(done, r == VM_FAULT_SIGSEGV ? "SIGSEGV" : "SIGBUS");
                }
                continue;
            }
            if (!store) {
                mem.read(p, pageOff, buf, off + done, n);
            }
            putPage(p);
            done += n;
        }
        return new Access(done, null);
    }

    /**
     * A store through the PTE of {@code addr}: if it is present and writable, marks it young and dirty
     * and writes the bytes, all under the page-table lock (see {@link #access}).
     *
     * @return the page (referenced), or null if the store must fault first
     */
    private static Page translateAndStore(MmStruct mm, long addr, MemMap mem, int pageOff, byte[] buf, int off, int n) {
        mm.ptl.spinLock();
        PteTable.Pte pte = mm.pteLocked(addr);
        if (pte == null || !pte.write) {
            mm.ptl.spinUnlock();
            return null;
        }
        pte.young = true;
        pte.dirty = true;
        Page p = pte.page;
        p.get();
        mem.write(p, pageOff, buf, off, n);
        mm.ptl.spinUnlock();
        return p;
    }

    /** Walks the PTE: the page (referenced) if present and, for a store, writable; marks young/dirty. */
    static Page translate(MmStruct mm, long addr, boolean write) {
        mm.ptl.spinLock();
        PteTable.Pte pte = mm.pteLocked(addr);
        if (pte == null || write && !pte.write) {
            mm.ptl.spinUnlock();
            return null;
        }
        pte.young = true;
        if (write) {
            pte.dirty = true;
        }
        Page p = pte.page;
        p.get();
        mm.ptl.spinUnlock();
        return p;
    }

    /**
     * The arch fault handler (do_user_addr_fault): find the VMA under mmap_sem, check access, and
     * handle_mm_fault.
     *
     * @return 0 when resolved, VM_FAULT_SIGSEGV or VM_FAULT_SIGBUS otherwise
     */
    @KernelFunction("do_user_addr_fault")
    static int fault(MmStruct mm, long addr, boolean write) {
        for (;;) {
            mm.mmapSem.downRead();
            VmArea vma = mm.findVma(addr);
            if (vma == null || write && (vma.flags & VmArea.VM_WRITE) == 0
                    || !write && (vma.flags & VmArea.VM_READ) == 0) {
                mm.mmapSem.upRead();
                return VM_FAULT_SIGSEGV;
            }
            int r = handleMmFault(vma, addr, write ? VmFault.FAULT_FLAG_WRITE : 0);
            mm.mmapSem.upRead();
            if ((r & VM_FAULT_OOM) != 0) {
                return VM_FAULT_SIGBUS; // pagefault_out_of_memory: Faultline kills nothing; the access fails
            }
            if ((r & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) != 0) {
                return r & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV);
            }
            return 0; // resolved, NOPAGE or retry: the access is re-tried
        }
    }
}
