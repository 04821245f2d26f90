package org.faultline.mm;

import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.KernelSource;

/**
 * Reverse mapping (mm/rmap.c): from a page to the PTEs that map it — through its file's
 * {@code i_mmap}, or for an anonymous page through the one VMA it was faulted into (Faultline has no
 * fork, so an anonymous page has exactly one mapping). {@code page_mkclean} write-protects and
 * cleans every PTE of a file page; {@code try_to_unmap} removes them; {@code page_referenced}
 * harvests their young bits.
 */
@KernelSource("mm/rmap.c")
public final class Rmap {
    private Rmap() {
    }

    /** page_add_file_rmap(). Context: ptl held. */
    static void pageAddFileRmap(Page p) {
        p.incMapcount();
    }

    /** page_add_new_anon_rmap(). Context: ptl held. */
    static void pageAddNewAnonRmap(Page p, VmArea vma, long address) {
        p.anon = true;
        p.anonVma = vma;
        p.index = address >> Page.PAGE_SHIFT;
        p.setBit(Page.PG_SWAPBACKED);
        p.incMapcount();
    }

    /** page_remove_rmap(). */
    static void pageRemoveRmap(Page p) {
        p.decMapcount();
    }

    /** One place a page is mapped: a VMA and the address in it. */
    private record Mapping(VmArea vma, long address) {
    }

    /** rmap_walk(): every (VMA, address) that may map the page. */
    private static List<Mapping> rmapWalk(Page p) {
        List<Mapping> out = new ArrayList<>();
        if (p.isAnon()) {
            VmArea v = p.anonVma;
            if (v != null) {
                out.add(new Mapping(v, p.index() << Page.PAGE_SHIFT));
            }
            return out;
        }
        AddressSpace m = p.mapping();
        if (m == null) {
            return out;
        }
        m.iMmapRwsem.downRead();
        for (VmArea v : m.iMmap) {
            long a = v.addressOf(p.index());
            if (a >= 0) {
                out.add(new Mapping(v, a));
            }
        }
        m.iMmapRwsem.upRead();
        return out;
    }

    /**
     * page_mkclean(): write-protects and cleans every PTE mapping a file page, so the next store
     * faults into {@code ->page_mkwrite}.
     *
     * @return how many PTEs were writable or dirty (the caller redirties the page if any were)
     */
    public static int pageMkclean(Page p) {
        if (!p.mapped() || p.mapping() == null) {
            return 0;
        }
        int cleaned = 0;
        for (Mapping mp : rmapWalk(p)) {
            MmStruct mm = mp.vma.mm;
            mm.ptl.spinLock();
            PteTable.Pte pte = mm.pteLocked(mp.address);
            if (pte != null && pte.page == p && (pte.write || pte.dirty)) {
                pte.write = false;
                pte.dirty = false;
                cleaned++;
            }
            mm.ptl.spinUnlock();
        }
        return cleaned;
    }

    /**
     * page_referenced(): counts the PTEs mapping the page that were accessed since the last look,
     * clearing their young bits.
     *
     * @param vmFlags out: the union of the flags of VMAs that referenced it
     */
    static int pageReferenced(Page p, int[] vmFlags) {
        if (!p.mapped()) {
            return 0;
        }
        int refs = 0;
        for (Mapping mp : rmapWalk(p)) {
            MmStruct mm = mp.vma.mm;
            mm.ptl.spinLock();
            PteTable.Pte pte = mm.pteLocked(mp.address);
            if (pte != null && pte.page == p && pte.young) {
                pte.young = false;
                refs++;
                vmFlags[0] |= mp.vma.flags;
            }
            mm.ptl.spinUnlock();
        }
        return refs;
    }

    /**
     * try_to_unmap(): removes every PTE mapping a file page, moving PTE dirtiness to the page and
     * dropping each PTE's reference. Anonymous pages cannot be unmapped (no swap).
     *
     * @return true if the page is no longer mapped
     */
    static boolean tryToUnmap(Page p) {
        if (p.isAnon()) {
            return !p.mapped();
        }
        for (Mapping mp : rmapWalk(p)) {
            MmStruct mm = mp.vma.mm;
            mm.ptl.spinLock();
            PteTable.Pte pte = mm.pteLocked(mp.address);
            if (pte == null || pte.page != p) {
                mm.ptl.spinUnlock();
                continue;
            }
            mm.setPteLocked(mp.address, null);
            if (pte.dirty) {
                PageWriteback.setPageDirty(p); // under the page-table lock, as try_to_unmap_one
            }
            pageRemoveRmap(p);
            mm.ptl.spinUnlock();
            Memory.putPage(p);
        }
        return !p.mapped();
    }

    /**
     * unmap_mapping_range() for one file page (truncate and invalidation): as try_to_unmap, for
     * every mapping of the page.
     */
    static void unmapMappingPage(Page p) {
        tryToUnmap(p);
    }
}
