package org.faultline.mm;

import java.util.Comparator;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * Mapping and unmapping (mm/mmap.c, mm/msync.c): {@code do_mmap} creates a VMA and links a file VMA
 * into the file's {@code i_mmap}; {@code do_munmap} zaps the PTEs (dirtying pages whose PTEs were
 * dirty) and frees the page tables; {@code msync(MS_SYNC)} writes the file back.
 */
@KernelSource("mm/mmap.c")
public final class Mmap {
    private Mmap() {
    }

    /**
     * do_mmap(): maps {@code len} bytes (rounded up to pages) at an address of the kernel's choosing.
     *
     * @param file  the file's mapping, or null for anonymous memory
     * @param ops   the file's vm_operations (null for anonymous)
     * @param fsync the file's fsync, for msync(MS_SYNC) (may be null)
     * @return the start address
     */
    public static long doMmap(MmStruct mm, long len, int vmFlags, AddressSpace file, long pgoff, VmOperations ops,
                              VmArea.FsyncRange fsync) {
        return doMmap(mm, len, vmFlags, file, pgoff, ops, fsync, null);
    }

    /**
     * As {@link #doMmap(MmStruct, long, int, AddressSpace, long, VmOperations, Runnable)}, the mapping
     * holding a reference on its file ({@code get_file(vma->vm_file)}, taken by the caller):
     * {@code fput} drops it when the mapping goes, after {@code mmap_sem} is released — an unlinked
     * file stays until its last mapping, not its last descriptor, is gone.
     */
    public static long doMmap(MmStruct mm, long len, int vmFlags, AddressSpace file, long pgoff, VmOperations ops,
                              VmArea.FsyncRange fsync, Runnable fput) {
        long size = (len + Page.PAGE_SIZE - 1) & ~(long) (Page.PAGE_SIZE - 1);
        mm.mmapSem.downWrite();
        long start = mm.unmappedArea(size);
        VmArea v = new VmArea(mm, start, start + size, vmFlags, file, pgoff, ops, fsync, fput);
        mm.vmas.add(v);
        mm.vmas.sort(Comparator.comparingLong(VmArea::start));
        if (file != null) {
            file.iMmapRwsem.downWrite();
            file.iMmap.add(v);
            file.iMmapRwsem.upWrite();
        }
        mm.mmapSem.upWrite();
        return start;
    }

    /** do_munmap() of a whole VMA starting at {@code start}: returns -EINVAL if none starts there. */
    public static int doMunmap(MmStruct mm, long start) {
        mm.mmapSem.downWrite();
        VmArea v = mm.findVma(start);
        if (v == null || v.start != start) {
            mm.mmapSem.upWrite();
            return -Errno.EINVAL;
        }
        zapVma(v);
        mm.vmas.remove(v);
        if (v.file != null) {
            v.file.iMmapRwsem.downWrite();
            v.file.iMmap.remove(v);
            v.file.iMmapRwsem.upWrite();
        }
        freePgtables(mm, v);
        mm.mmapSem.upWrite();
        if (v.fput != null) {
            v.fput.run(); // remove_vma → fput(vm_file)
        }
        return 0;
    }

    /**
     * zap_pte_range() over a VMA: dirty PTEs dirty their pages; each PTE's reference is dropped. As in
     * the kernel, the PTE is cleared, its dirtiness moved to the page and the rmap dropped under the
     * page-table lock, so that {@code page_mkclean} — which takes it too — either sees the dirty PTE
     * or comes after the page was dirtied.
     */
    static void zapVma(VmArea v) {
        zapPageRange(v, v.start, v.end, true);
    }

    /**
     * zap_page_range_single() over [from, to) of {@code v}: as {@link #zapVma}; with
     * {@code evenCows} false, a private mapping's anonymous (copied-on-write) pages are kept
     * ({@code zap_details.even_cows}).
     */
    static void zapPageRange(VmArea v, long from, long to, boolean evenCows) {
        MmStruct mm = v.mm;
        for (long a = from; a < to; a += Page.PAGE_SIZE) {
            mm.ptl.spinLock();
            PteTable.Pte pte = mm.pteLocked(a);
            if (pte != null && !evenCows && pte.page.isAnon()) {
                pte = null;
            } else if (pte != null) {
                mm.setPteLocked(a, null);
                if (pte.dirty && !pte.page.isAnon()) {
                    PageWriteback.setPageDirty(pte.page);
                }
                Rmap.pageRemoveRmap(pte.page);
            }
            mm.ptl.spinUnlock();
            if (pte != null) {
                Memory.putPage(pte.page); // tlb_finish_mmu: the reference goes after the lock
            }
        }
    }

    /** free_pgtables(): frees page tables left empty. */
    private static void freePgtables(MmStruct mm, VmArea v) {
        for (long pmd = MmStruct.pmdIndex(v.start); pmd <= MmStruct.pmdIndex(v.end - 1); pmd++) {
            mm.ptl.spinLock();
            PteTable t = mm.tableLocked(pmd << 21);
            boolean empty = t != null;
            if (t != null) {
                for (PteTable.Pte p : t.ptes) {
                    if (p != null) {
                        empty = false;
                        break;
                    }
                }
            }
            if (empty) {
                mm.removeTableLocked(pmd);
            }
            mm.ptl.spinUnlock();
            if (empty) {
                Memory.putPage(t.backing);
            }
        }
    }

    /** Unmaps everything (exit_mmap). */
    public static void exitMmap(MmStruct mm) {
        while (true) {
            mm.mmapSem.downRead();
            VmArea v = mm.vmas.isEmpty() ? null : mm.vmas.get(0);
            mm.mmapSem.upRead();
            if (v == null) {
                return;
            }
            doMunmap(mm, v.start);
        }
    }

    /**
     * msync(): for MS_SYNC on a shared file mapping, {@code vfs_fsync_range(file, fstart, fend, 1)} of
     * the file range the mapping covers from {@code start} to its end — which writes back the pages
     * the mapping dirtied there (PTE dirtiness reaches the page at writeback via page_mkclean), not
     * the rest of the file.
     *
     * @return 0 or -ENOMEM if the range is not mapped
     */
    public static int msync(MmStruct mm, long start, boolean sync) {
        mm.mmapSem.downRead();
        VmArea v = mm.findVma(start);
        mm.mmapSem.upRead();
        if (v == null) {
            return -Errno.ENOMEM;
        }
        if (sync && v.isShared() && v.fsync != null) {
            long fstart = (start - v.start) + (v.pgoff << Page.PAGE_SHIFT);
            long fend = fstart + (v.end - start) - 1;
            v.fsync.fsyncRange(fstart, fend, true);
        }
        return 0;
    }
}
