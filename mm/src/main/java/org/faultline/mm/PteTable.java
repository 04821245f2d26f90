package org.faultline.mm;

/**
 * One page-table page: 512 PTEs covering 2 MiB, backed by a real page that was allocated with
 * {@code GFP_KERNEL_ACCOUNT} ({@code pte_alloc_one}) and so charged to the faulting task's memcg.
 * PTEs are guarded by the mm's page-table lock.
 */
final class PteTable {
    static final int PTRS_PER_PTE = 512;

    final Page backing;
    final Pte[] ptes = new Pte[PTRS_PER_PTE];

    PteTable(Page backing) {
        this.backing = backing;
    }

    /** A present PTE: the page it maps and its hardware bits. */
    static final class Pte {
        final Page page;
        boolean write;
        boolean dirty;
        boolean young;

        Pte(Page page, boolean write, boolean dirty) {
            this.page = page;
            this.write = write;
            this.dirty = dirty;
            this.young = true;
        }

        @Override
        public String toString() {
            return "pte{pfn " + page.pfn() + (write ? " w" : " ro") + (dirty ? " dirty" : "") + (young ? " young" : "") + "}";
        }
    }
}
