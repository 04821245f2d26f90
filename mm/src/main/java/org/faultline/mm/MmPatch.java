package org.faultline.mm;

import org.faultline.kernel.Patch;
import org.faultline.kernel.Patch.Def;
import org.faultline.kernel.Patch.Ref;
import org.faultline.kernel.PatchProvider;

/** The patches that act in mm: page writeback waits, memcg reclaim and faults, GUP, buffer release. */
public final class MmPatch implements PatchProvider {
    public static final Patch WAIT_ON_PAGE_WRITEBACK_LOOPS = Patch.of(Def.merged("wait-on-page-writeback-loops",
            "wait_on_page_writeback() waits while, not if, the page is under writeback",
            Ref.commit("c2407cf7d22d", "mm: make wait_on_page_writeback() wait for multiple pending writebacks"),
            "mm/page-writeback.c", "5.11"));

    public static final Patch END_PAGE_WRITEBACK_GET_PAGE = Patch.of(Def.merged("end-page-writeback-get-page",
            "end_page_writeback() holds a page reference across the clear and the wake",
            Ref.commit("073861ed77b6", "mm: fix VM_BUG_ON(PageTail) and BUG_ON(PageWriteback)"), "mm/filemap.c",
            "5.10"));

    public static final Patch CLEAR_AND_WAKE_ATOMIC = Patch.of(Def.proposed("clear-and-wake-atomic",
            "end_page_writeback() clears PG_writeback and wakes its waiters under the mapping's i_pages lock",
            Ref.thread("2021-01-04 Hugh Dickins", "kernel BUG at mm/page-writeback.c:LINE!"), "mm/filemap.c")
            .overrides("end-page-writeback-get-page"));

    public static final Patch MEMCG_PREALLOC_PTE = Patch.of(Def.merged("memcg-prealloc-pte",
            "the fault path preallocates the page table before it locks the page (no memcg reclaim under it)",
            Ref.commit("63f3655f9501", "mm, memcg: fix reclaim deadlock with writeback"), "mm/memory.c", "5.0"));

    public static final Patch FINISH_FAULT_PTE_ALLOC = Patch.of(Def.merged("finish-fault-pte-alloc",
            "finish_fault() allocates the page table itself (pte_alloc) when the PMD is empty, leaving what "
                    + "__do_fault preallocated unused: memcg reclaim under the page lock again",
            Ref.commit("f9ce0be71d1f", "mm: Cleanup faultaround and finish_fault() codepaths"), "mm/memory.c", "5.12"));

    public static final Patch FINISH_FAULT_USES_PREALLOC = Patch.of(Def.merged("finish-fault-uses-prealloc",
            "finish_fault() installs the page table __do_fault preallocated before it would allocate one",
            Ref.commit("e4dc3489143f", "mm: fix the deadlock in finish_fault()"), "mm/memory.c", "5.14")
            .requires("finish-fault-pte-alloc"));

    public static final Patch VMSCAN_NO_WRITEBACK_WAIT_LEGACY_MEMCG = Patch.of(Def.proposed("vmscan-no-writeback-wait-legacy-memcg",
            "reclaim in a legacy (v1) memcg does not wait on PG_writeback",
            Ref.thread("2018-12 Dave Chinner", "[RFC] Ext4: fix deadlock on dirty pages between fault and writeback"),
            "mm/vmscan.c"));

    public static final Patch GUP_PIN_TRACKING = Patch.of(Def.merged("gup-pin-tracking",
            "GUP tracks FOLL_PIN references (GUP_PIN_COUNTING_BIAS); no behaviour of its own",
            Ref.commit("eddb1c228f79", "mm/gup: introduce pin_user_pages*() and FOLL_PIN"), "mm/gup.c", "5.7"));

    public static final Patch VMSCAN_SKIP_PINNED_PRIVATE = Patch.of(Def.merged("vmscan-skip-pinned-private",
            "reclaim keeps the buffers of maybe-DMA-pinned pages",
            Ref.commit("d824ec2a1546", "mm: do not reclaim private data from pinned page"), "mm/vmscan.c", "6.4")
            .requires("gup-pin-tracking"));

    /**
     * The mm half of the 6.13 fix for post-EOF bytes a mapping stored being exposed when i_size grows
     * (ext4's half: {@code Ext4Patch.EXT4_ZERO_EOF_BLOCK_ON_SIZE_EXTENSION}). It acts only after
     * pagecache_isize_extended()'s early returns, i.e. with blocks smaller than a page.
     */
    public static final Patch ZERO_EOF_FOLIO_ON_SIZE_EXTENSION = Patch.of(Def.merged("zero-eof-folio-on-size-extension",
            "pagecache_isize_extended() zeroes the EOF folio past the old size if the folio is dirty (blocks smaller than a page)",
            Ref.commit("52aecaee1c26", "mm: zero range of eof folio exposed by inode size extension"), "mm/truncate.c", "6.13"));

    public static final Patch SET_PAGE_DIRTY_LOCK_SIMULATES_FAULT = Patch.of(Def.proposed("set-page-dirty-lock-simulates-fault",
            "set_page_dirty_lock() prepares the page as a write fault would (page_mkwrite) before dirtying it",
            Ref.thread("2018-01-03 Jan Kara", "Filesystem crashes due to pages without buffers"),
            "mm/page-writeback.c"));

    public static final Patch DEFER_BUFFER_RELEASE_TO_LAST_PUT = Patch.of(Def.proposed("defer-buffer-release-to-last-put",
            "reclaim leaves a page's buffers until its last reference is dropped",
            Ref.thread("2018-01-03 Dan Williams", "Filesystem crashes due to pages without buffers"),
            "mm/vmscan.c"));

    /** A provider instance, for {@link java.util.ServiceLoader}; the constants are what count. */
    public MmPatch() {
    }

    /** mm's configuration: the cgroup hierarchy and CONFIG_DEBUG_VM. */
    @Override
    public java.util.Map<String, String> configuration() {
        return java.util.Map.of("memcg-v2", "'memcg NAME LIMIT v2' in the workload (the cgroup on the unified hierarchy)", "debug-vm", "'set debug-vm on' in the workload, or --debug-vm");
    }
}
