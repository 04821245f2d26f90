package org.faultline.fs.ext4;

import org.faultline.fs.Buffer;
import org.faultline.fs.BufferHead;
import org.faultline.fs.Inode;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.mm.AddressSpace;
import org.faultline.mm.Filemap;
import org.faultline.mm.Page;
import org.faultline.mm.PageWriteback;
import org.faultline.mm.Truncate;

/**
 * The size half of fs/ext4/inode.c: {@code ext4_setattr}'s size change, {@code ext4_truncate},
 * {@code ext4_update_i_disksize} and the zeroing of partial blocks through the page cache that
 * truncate, punch-hole and zero-range share ({@code ext4_zero_partial_blocks},
 * {@code ext4_block_zero_page_range}). The on-disk changes are calls into the volume under the
 * filesystem lock ({@link Ext4Super#vol}); page cache work is done outside it.
 * Context: the caller holds {@code i_rwsem}.
 */
@KernelSource("fs/ext4/inode.c")
final class Ext4Truncate {
    private Ext4Truncate() {
    }

    /**
     * ext4_setattr(ATTR_SIZE): extending sets the size (a hole); shrinking truncates the page cache,
     * zeroes the tail of the new last block through the cache, and frees the blocks beyond.
     */
    static void setSize(Ext4Super es, Inode inode, long size) {
        long old = inode.iSize();
        Ext4InodeInfo ei = Ext4Super.ei(inode);
        if (size == old) { // ext4_setattr truncates even so: preallocated blocks past EOF go
            Truncate.truncatePagecache(inode.mapping(), size);
            ext4Truncate(es, inode);
            return;
        }
        if (size > old) {
            inode.iSizeWrite(size);
            Truncate.pagecacheIsizeExtended(inode.mapping(), old, size); // truncate_setsize
            ei.disksize = Math.max(ei.disksize, size);
            es.vol(() -> {
                es.vol.inodes().setSize(inode.ino(), size);
                return null;
            });
            return;
        }
        inode.iSizeWrite(size);
        Truncate.truncatePagecache(inode.mapping(), size);
        ext4Truncate(es, inode);
    }

    /**
     * ext4_update_i_disksize(): grows {@code i_disksize} to {@code newSize} (never shrinks it) and
     * writes it to the on-disk inode.
     */
    @KernelFunction("ext4_update_i_disksize")
    static void ext4UpdateIDisksize(Ext4Super es, Inode inode, long newSize) {
        Ext4InodeInfo ei = Ext4Super.ei(inode);
        if (newSize <= ei.disksize) {
            return;
        }
        ei.disksize = newSize;
        es.vol(() -> {
            es.vol.inodes().setSize(inode.ino(), newSize);
            return null;
        });
    }

    /**
     * ext4_truncate(): zeroes the tail of the block holding EOF through the page cache
     * (ext4_block_truncate_page — the zeroes reach the disk, over whatever a direct write or a
     * mapping left there), frees every block past EOF and writes the size to the inode.
     */
    @KernelFunction("ext4_truncate")
    static void ext4Truncate(Ext4Super es, Inode inode) {
        long size = inode.iSize();
        int tail = (int) (size & (Page.PAGE_SIZE - 1));
        if (tail != 0) {
            ext4BlockZeroPageRange(es, inode, size, Page.PAGE_SIZE - tail); // ext4_block_truncate_page
        }
        Ext4InodeInfo ei = Ext4Super.ei(inode);
        long firstFree = (size + Page.PAGE_SIZE - 1) >> Page.PAGE_SHIFT;
        Ext4Inode.changeBlockMap(es, inode, firstFree, Long.MAX_VALUE - firstFree, () -> {
            es.vol.extents().ext4ExtRemoveSpace(inode.ino(), firstFree, Long.MAX_VALUE / Page.PAGE_SIZE);
            es.vol.inodes().setSize(inode.ino(), size);
            ei.disksize = size;
            return null;
        });
    }

    /**
     * ext4_zero_partial_blocks(): zeroes, through the page cache, the parts of [from, from + len)
     * that cover blocks only partly — the first and the last block of the range, the blocks
     * punch-hole and zero-range keep — so those bytes reach the disk. Blocks from {@code limit} on
     * (a block multiple) are left alone: punch-hole stops at the end of the page holding EOF.
     */
    static void ext4ZeroPartialBlocks(Ext4Super es, Inode inode, long from, long len, long limit) {
        int bs = Page.PAGE_SIZE;
        long end = from + len;
        long firstFull = (from + bs - 1) / bs * bs;
        long lastFull = end / bs * bs;
        if (firstFull > lastFull) { // the range is inside one block
            if (lastFull < limit) {
                ext4BlockZeroPageRange(es, inode, from, len);
            }
            return;
        }
        if (from < firstFull && from < limit) {
            ext4BlockZeroPageRange(es, inode, from, firstFull - from);
        }
        if (lastFull < end && lastFull < limit) {
            ext4BlockZeroPageRange(es, inode, lastFull, end - lastFull);
        }
    }

    /**
     * ext4_block_zero_page_range() / __ext4_block_zero_page_range(): zeroes [from, from + length),
     * within one block, in the page cache and dirties the block so writeback writes the zeroes. A
     * hole or an unwritten block has nothing on disk to zero.
     */
    @KernelFunction("ext4_block_zero_page_range")
    static void ext4BlockZeroPageRange(Ext4Super es, Inode inode, long from, long length) {
        Ext4Extents.BlockMap m = es.vol(() -> es.vol.extents().ext4ExtMapBlocks(inode.ino(), from >> Page.PAGE_SHIFT, 1,
                false, false));
        boolean onDisk = m.pblk() != 0 && !m.unwritten();
        AddressSpace mapping = inode.mapping();
        int[] err = {0};
        // a block with nothing on disk matters only as a cached page (delayed allocation's data)
        Page p = onDisk ? Filemap.readCachePage(mapping, from >> Page.PAGE_SHIFT, err)
                : Filemap.findGetPage(mapping, from >> Page.PAGE_SHIFT);
        if (p == null) {
            return;
        }
        Filemap.lockPage(p);
        if (p.mapping() == mapping) {
            int off = (int) (from & (Page.PAGE_SIZE - 1));
            es.mm.memMap().zero(p, off, (int) Math.min(length, Page.PAGE_SIZE - off));
            if (!onDisk) {
                // a hole or an unwritten block reads as zeroes; a delayed page is dirty already
            } else if (es.iomap) {
                PageWriteback.setPageDirtyNobuffers(p); // iomap_zero_range's write_end
            } else {
                if (!Buffer.pageHasBuffers(p)) {
                    Buffer.createEmptyBuffers(p, Page.PAGE_SIZE, 1 << BufferHead.BH_UPTODATE);
                }
                for (BufferHead bh : Buffer.buffers(p)) {
                    if (!bh.test(BufferHead.BH_MAPPED)) {
                        bh.mapBh(es.bdev, m.pblk());
                    }
                    Buffer.markBufferDirty(bh);
                }
            }
        }
        Filemap.unlockPage(p);
        es.mm.allocator().putPage(p);
    }
}
