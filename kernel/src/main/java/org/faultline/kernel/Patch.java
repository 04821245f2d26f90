package org.faultline.kernel;

import java.util.Locale;

/**
 * A behaviour that changed upstream, or that a proposed fix would change. Kernel code asks
 * {@code k.has(Patch.X)} at the very place the upstream change touched, so a {@link KernelProfile}
 * (an era) plus {@code +id}/{@code -id} overrides selects the behaviour of a run.
 *
 * <p>Ids are the user-facing names ({@code --patch +memcg-prealloc-pte}); {@link #ref} is the upstream
 * commit, or the mailing-list thread of a proposal.
 */
public enum Patch {
    // --- page wait semantics (bug 4) ---
    PAGE_WAIT_RECHECK("page-wait-recheck",
            "Pre-5.9 page waiters re-check the bit after waking and loop; the waker stops at a re-set bit",
            "v4.x wait_on_page_bit_common (replaced by 2a9127fcf229)", "4.x", Status.MERGED),
    WAIT_ON_PAGE_WRITEBACK_LOOPS("wait-on-page-writeback-loops",
            "mm: make wait_on_page_writeback() wait for multiple pending writebacks (if -> while)",
            "c2407cf7d22d", "5.11", Status.MERGED),
    END_PAGE_WRITEBACK_GET_PAGE("end-page-writeback-get-page",
            "mm: fix VM_BUG_ON(PageTail) and BUG_ON(PageWriteback): get_page around the clear and wake",
            "073861ed77b6", "5.10", Status.MERGED),
    CLEAR_AND_WAKE_ATOMIC("clear-and-wake-atomic",
            "end_page_writeback clears PG_writeback and wakes waiters under one lock (Hugh's patch)",
            "alpine.LSU.2.11.2101041839440.3466@eggly.anvils", "5.11-rc", Status.PROPOSED),
    // --- memcg / reclaim (bug 3) ---
    MEMCG_PREALLOC_PTE("memcg-prealloc-pte",
            "mm: memcg: preallocate the page table before taking the page lock in the fault path",
            "63f3655f9501", "5.0", Status.MERGED),
    VMSCAN_NO_WRITEBACK_WAIT_LEGACY_MEMCG("vmscan-no-writeback-wait-legacy-memcg",
            "Reclaim in a legacy memcg does not wait on PG_writeback (Dave Chinner's view)",
            "thread 20181213 Dave Chinner, ext4 fault vs writepages deadlock", "-", Status.PROPOSED),
    MEMCG_V2("memcg-v2",
            "Use cgroup v2 memory controller semantics (sane reclaim: never waits on writeback)",
            "cgroup v2", "4.5", Status.MERGED),
    EXT4_SUBMIT_BIO_ON_TRYLOCK_FAIL("ext4-submit-bio-on-trylock-fail",
            "ext4: submit the private io_bio before sleeping on a page lock in mpage_prepare_extent_to_map",
            "thread 20181024 Liu Bo", "-", Status.PROPOSED),
    EXT4_BIO_PER_PAGE("ext4-bio-per-page",
            "ext4: submit one bio per page in writepages (Jan Kara's option 1)",
            "thread 20181101 Jan Kara", "-", Status.PROPOSED),
    EXT4_WRITEPAGES_PLUG_CALLBACK("ext4-writepages-plug-callback",
            "ext4: hang the private io_bio on the plug (blk_check_plugged) so it is submitted when the flusher sleeps",
            "thread 20181101 Jan Kara", "-", Status.PROPOSED),
    // --- GUP / direct I/O (bug 1) ---
    GUP_PIN_TRACKING("gup-pin-tracking",
            "mm/gup: track FOLL_PIN pages (GUP_PIN_COUNTING_BIAS); no behaviour of its own",
            "eddb1c228f79", "5.7", Status.MERGED),
    VMSCAN_SKIP_PINNED_PRIVATE("vmscan-skip-pinned-private",
            "mm/vmscan: reclaim keeps the buffers of maybe-DMA-pinned pages",
            "d824ec2a1546", "6.4", Status.MERGED),
    DIO_USES_PINS("dio-uses-pins",
            "block, iomap, direct I/O: take user pages with pin_user_pages (FOLL_PIN)",
            "v6.3-v6.5 series", "6.5", Status.MERGED),
    SET_PAGE_DIRTY_LOCK_SIMULATES_FAULT("set-page-dirty-lock-simulates-fault",
            "set_page_dirty_lock calls ->page_mkwrite-like preparation before dirtying (Jan Kara's proposal)",
            "thread 20180103 Jan Kara", "-", Status.PROPOSED),
    DEFER_BUFFER_RELEASE_TO_LAST_PUT("defer-buffer-release-to-last-put",
            "Release page buffers only when the last reference is dropped (Dan Williams)",
            "thread 20180103 Dan Williams", "-", Status.PROPOSED),
    EXT4_WARN_NOT_BUG_ON_DIRTY_NO_BUFFERS("ext4-warn-not-bug-on-dirty-no-buffers",
            "ext4: WARN and clean a dirty page without buffers instead of BUG",
            "cc5095747edf", "6.4", Status.MERGED),
    // --- iomap writeback errors (bug 2) ---
    IOMAP_MKWRITE_EIO_ON_NOT_UPTODATE("iomap-mkwrite-eio-on-not-uptodate",
            "iomap: page_mkwrite on a !Uptodate page fails with SIGBUS (Willy's proposal)",
            "thread 20200617 Matthew Wilcox", "-", Status.PROPOSED),
    UNMAP_ON_WRITEBACK_ERROR("unmap-on-writeback-error",
            "iomap: unmap_mapping_range the page when writeback submission fails",
            "thread 20200617 Dave Chinner", "-", Status.PROPOSED),
    IOMAP_KEEP_UPTODATE_ON_ERROR("iomap-keep-uptodate-on-error",
            "iomap: do not clear PageUptodate on a writeback error",
            "e9c3a8e820ed", "5.19", Status.MERGED);

    /** Whether and how a patch went upstream. */
    public enum Status { MERGED, PROPOSED, REJECTED }

    public final String id;
    public final String title;
    public final String ref;
    public final String version;
    public final Status status;

    Patch(String id, String title, String ref, String version, Status status) {
        this.id = id;
        this.title = title;
        this.ref = ref;
        this.version = version;
        this.status = status;
    }

    /**
     * Looks a patch up by its user-facing id.
     *
     * @throws IllegalArgumentException with a one-line message listing the known ids
     */
    public static Patch byId(String id) {
        for (Patch p : values()) {
            if (p.id.equals(id.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Patch p : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(p.id);
        }
        throw new IllegalArgumentException("unknown patch '" + id + "' (known: " + known + ")");
    }
}
