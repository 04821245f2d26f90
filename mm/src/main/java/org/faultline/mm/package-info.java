/**
 * Memory management: pages and their flags, the page allocator, memcg, LRU and reclaim
 * ({@code mm/vmscan.c}), the page cache ({@code mm/filemap.c}), dirty tracking and writeback
 * ({@code mm/page-writeback.c}), mappings and faults ({@code mm/memory.c}), rmap and GUP.
 *
 * <p>Not yet built: see issue "mm" in the tracker. mm never imports fs; it reaches the filesystem
 * only through the operations tables it defines ({@code AddressSpaceOperations},
 * {@code VmOperations}), exactly as Linux does.
 */
package org.faultline.mm;
