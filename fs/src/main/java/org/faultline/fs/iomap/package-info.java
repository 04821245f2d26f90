/**
 * iomap's buffered I/O (fs/iomap/buffered-io.c, the 5.8 era the bug-2 scenario needs): per-page
 * state instead of buffer heads ({@link org.faultline.fs.iomap.IomapPage}, {@code struct iomap_page}),
 * the extent a filesystem maps ({@link org.faultline.fs.iomap.Iomap}, {@code struct iomap}, with
 * ERR_PTR-style errors), the filesystem's operations ({@link org.faultline.fs.iomap.IomapOps}:
 * {@code ->iomap_begin} and writeback's {@code ->map_blocks}), and {@link org.faultline.fs.iomap.BufferedIo}:
 * {@code iomap_readpage}, write_begin/write_end, {@code iomap_page_mkwrite} and
 * {@code iomap_writepages}. The patches that act here are {@link org.faultline.fs.iomap.IomapPatch}.
 *
 * <p>Locking: the page lock covers a page, its contents and its {@code iomap_page}'s uptodate bits;
 * its read/write counts follow the I/O's submission and completion order. The caller's
 * {@code i_rwsem} is taken outside the page lock for writes. The filesystem's own locks are taken
 * inside {@code ->iomap_begin} and {@code ->map_blocks}, under the page lock.
 */
package org.faultline.fs.iomap;
