package org.faultline.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.faultline.kernel.RwSemaphore;
import org.faultline.kernel.SpinLock;

/**
 * {@code struct mm_struct}: a task's address space — its VMAs, its page tables (one
 * {@link PteTable} per 2 MiB, created on first fault) and the locks that guard them.
 *
 * <p>Locks: {@code mmapSem} protects the VMA list (faults take it for read, mmap/munmap for write);
 * {@code ptl} (the page-table lock; the kernel splits it per table) protects every PTE and the table
 * map.
 */
public final class MmStruct {
    final Mm mm;
    public final RwSemaphore mmapSem;
    final SpinLock ptl;
    final List<VmArea> vmas = new ArrayList<>();               // sorted by start; mmapSem
    private final TreeMap<Long, PteTable> tables = new TreeMap<>(); // pmd index -> table; ptl
    private long lastPmd = -1;       // the last table looked up, as a TLB would keep it; ptl
    private PteTable lastTable;
    private long nextMmapBase = 0x7f00_0000_0000L;

    public MmStruct(Mm mm, String owner) {
        this.mm = mm;
        this.mmapSem = new RwSemaphore(mm.kernel(), "mmap_sem of " + owner);
        this.ptl = new SpinLock(mm.kernel(), "page_table_lock of " + owner);
    }

    public Mm mm() {
        return mm;
    }

    /** find_vma(): the VMA containing {@code addr}, or null. Context: mmapSem held. */
    public VmArea findVma(long addr) {
        for (VmArea v : vmas) {
            if (addr >= v.start && addr < v.end) {
                return v;
            }
        }
        return null;
    }

    long unmappedArea(long len) {
        long a = nextMmapBase;
        nextMmapBase += len + (1L << 21); // keep each mapping in its own page tables, with a guard gap
        nextMmapBase = (nextMmapBase + (1L << 21) - 1) & ~((1L << 21) - 1);
        return a;
    }

    static long pmdIndex(long addr) {
        return addr >>> 21;
    }

    static int pteIndex(long addr) {
        return (int) ((addr >>> Page.PAGE_SHIFT) & (PteTable.PTRS_PER_PTE - 1));
    }

    /** The table covering {@code addr}, or null (pmd_none). Context: ptl held. */
    PteTable tableLocked(long addr) {
        ptl.assertHeld();
        return table(pmdIndex(addr));
    }

    /** The table of one pmd index: most lookups repeat the last one (a fault, then the access). */
    private PteTable table(long pmd) {
        if (pmd != lastPmd) {
            lastTable = tables.get(pmd);
            lastPmd = pmd;
        }
        return lastTable;
    }

    void installTableLocked(long addr, PteTable t) {
        ptl.assertHeld();
        tables.put(pmdIndex(addr), t);
        lastPmd = -1;
    }

    PteTable removeTableLocked(long pmd) {
        ptl.assertHeld();
        lastPmd = -1;
        return tables.remove(pmd);
    }

    /** The PTE mapping {@code addr}, or null. Context: ptl held. */
    PteTable.Pte pteLocked(long addr) {
        ptl.assertHeld();
        PteTable t = table(pmdIndex(addr));
        return t == null ? null : t.ptes[pteIndex(addr)];
    }

    void setPteLocked(long addr, PteTable.Pte pte) {
        ptl.assertHeld();
        table(pmdIndex(addr)).ptes[pteIndex(addr)] = pte;
    }

    /** A consistent view of one PTE, for tests and reports. */
    public String describePte(long addr) {
        ptl.spinLock();
        PteTable.Pte p = pteLocked(addr);
        ptl.spinUnlock();
        return p == null ? "pte_none" : p.toString();
    }

    /** Whether {@code addr} is mapped writable now. */
    public boolean pteWritable(long addr) {
        ptl.spinLock();
        PteTable.Pte p = pteLocked(addr);
        boolean w = p != null && p.write;
        ptl.spinUnlock();
        return w;
    }

    /** Whether {@code addr}'s PTE is dirty now. */
    public boolean pteDirty(long addr) {
        ptl.spinLock();
        PteTable.Pte p = pteLocked(addr);
        boolean d = p != null && p.dirty;
        ptl.spinUnlock();
        return d;
    }
}
