/**
 * Memory management: page frames in a real RAM arena, the page allocator, memcg, LRU lists and
 * reclaim, the page cache and its writeback, mappings and faults, reverse mapping, GUP and
 * truncation — each file modelling the kernel file of the same role.
 *
 * <p>Files ({@code docs/mm.md} has the full map with deviations):
 * <pre>
 *   Page, MemMap           include/linux/mm_types.h, page-flags.h; mem_map
 *   PageAllocator, Gfp     mm/page_alloc.c, include/linux/gfp.h
 *   Mm                     pglist_data (node 0): lru_lock, kswapd, node flags, memcgs
 *   MemCgroup              mm/memcontrol.c
 *   Lruvec, Vmscan         mm/swap.c (LRU), mm/vmscan.c (4.20)
 *   AddressSpace           struct address_space (include/linux/fs.h)
 *   Filemap, IovIter       mm/filemap.c, lib/iov_iter.c
 *   Readahead, FileRaState mm/readahead.c, struct file_ra_state
 *   PageWriteback, DirtyLimits, WritebackControl   mm/page-writeback.c
 *   ErrSeq                 lib/errseq.c
 *   Memory, MmStruct, VmArea, VmFault, PteTable    mm/memory.c and the page tables
 *   Mmap                   mm/mmap.c, mm/msync.c
 *   Rmap                   mm/rmap.c
 *   Gup                    mm/gup.c
 *   Truncate               mm/truncate.c
 *   AddressSpaceOperations, VmOperations, MappingHost, BackingDev   how mm calls the filesystem
 * </pre>
 *
 * <p>Lock ordering (mm/filemap.c's header, for the locks modelled):
 * <pre>
 *   mmap_sem (MmStruct.mmapSem)            faults (read), mmap/munmap (write)
 *     page lock (PG_locked)                filemap_fault, write_begin, write_cache_pages
 *       i_mmap_rwsem (AddressSpace)        page_mkclean, try_to_unmap (rmap walk)
 *         page_table_lock (MmStruct.ptl)   every PTE
 *       i_pages (AddressSpace.iPages)      page cache tree, tags; set_page_dirty, test_set_page_writeback
 *         lru_lock (Mm.lruLock)            lru_cache_add, isolate, putback, rotate
 *   zone->lock (PageAllocator)             free list; innermost
 * </pre>
 * What each protects: {@code iPages} the page tree, its DIRTY/WRITEBACK/TOWRITE tags and page
 * insertion/removal; {@code lruLock} every lruvec's lists and each page's LRU links; {@code ptl} the
 * page tables of one mm; {@code mmapSem} its VMA list; {@code i_mmap_rwsem} a file's VMA list; the
 * page lock a page's {@code mapping}, {@code index}, fs-private state and its transition in or out
 * of the cache; {@code zone->lock} the free list. A {@link org.faultline.mm.FileRaState} has no lock,
 * as in the kernel: it belongs to one open file, and readers sharing it can only spoil its window.
 * Readahead inserts its pages locked, before any read is started, and takes no lock while it holds
 * them other than {@code i_pages} for each insertion.
 *
 * <p>mm never imports fs/: it reaches the filesystem only through {@link
 * org.faultline.mm.AddressSpaceOperations}, {@link org.faultline.mm.VmOperations}, {@link
 * org.faultline.mm.MappingHost} and {@link org.faultline.mm.BackingDev}, as Linux does.
 */
package org.faultline.mm;
