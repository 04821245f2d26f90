package org.faultline.fs.iomap;

import org.faultline.fs.Inode;
import org.faultline.mm.Page;

/**
 * {@code struct iomap_ops} and {@code struct iomap_writeback_ops}: what the filesystem gives iomap.
 * Failures come back as an error iomap ({@link Iomap#errPtr}, the kernel's {@code ERR_PTR}); they are
 * never thrown.
 */
public interface IomapOps {
    /** ->iomap_begin(): the mapping at {@code pos} (reserving delalloc for writes). */
    Iomap iomapBegin(Inode inode, long pos, long length, int flags);

    /** ->map_blocks(): the mapping for writeback of {@code offset}, allocating delalloc blocks. */
    Iomap mapBlocks(Inode inode, long offset);

    /** ->discard_page(): writeback of the page failed at submission (XFS punches its delalloc). */
    void discardPage(Page page);
}
