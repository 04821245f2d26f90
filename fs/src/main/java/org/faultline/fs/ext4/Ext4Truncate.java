package org.faultline.fs.ext4;

import org.faultline.fs.Buffer;
import org.faultline.fs.BufferHead;
import org.faultline.fs.Inode;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.mm.AddressSpace;
import org.faultline.mm.Filemap;
import org.faultline.mm.Gfp;
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
     * ext4_setattr(ATTR_SIZE): extending sets the size (a hole; since
     * {@link Ext4Patch#EXT4_ZERO_EOF_BLOCK_ON_SIZE_EXTENSION} the old EOF block's tail is zeroed
     * first); shrinking truncates the page cache, zeroes the tail of the new last block through the
     * cache, and frees the blocks beyond.
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
            if ((old & (es.blocksize - 1)) != 0 && es.k.has(Ext4Patch.EXT4_ZERO_EOF_BLOCK_ON_SIZE_EXTENSION)) {
                ext4BlockTruncatePage(es, inode, old); // what a mapping stored past the old EOF is not file data
            }
            inode.iSizeWrite(size);
            Truncate.pagecacheIsizeExtended(inode.mapping(), old, size, es.blocksize); // truncate_setsize
            ei.disksize = Math.max(ei.disksize, size);
            es.volChange(inode, true, () -> {
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
        es.volChange(inode, true, () -> {
            es.vol.inodes().setSize(inode.ino(), newSize);
            return null;
        });
    }

    /**
     * ext4_truncate(): zeroes the tail of the block holding EOF through the page cache
     * ({@link #ext4BlockTruncatePage} — the zeroes reach the disk, over whatever a direct write or a
     * mapping left there), frees every block past EOF and writes the size to the inode.
     */
    @KernelFunction("ext4_truncate")
    static void ext4Truncate(Ext4Super es, Inode inode) {
        long size = inode.iSize();
        Ext4InodeInfo ei = Ext4Super.ei(inode);
        if (size == 0) {
            ei.daAllocClose = true; // auto_da_alloc: "truncate, rewrite, close" flushes at the close
        }
        ext4BlockTruncatePage(es, inode, size);
        long firstFree = (size + es.blocksize - 1) >> es.blkbits;
        Ext4Inode.changeBlockMap(es, inode, firstFree, Long.MAX_VALUE - firstFree, () -> {
            es.vol.extents().ext4ExtRemoveSpace(inode.ino(), firstFree, Long.MAX_VALUE / es.blocksize);
            es.vol.inodes().setSize(inode.ino(), size);
            ei.disksize = size;
            return null;
        });
    }

    /**
     * ext4_block_truncate_page(): zeroes from {@code from} to the end of the block holding it, when
     * {@code from} is inside a block.
     */
    @KernelFunction(KernelFunction.HIDDEN) // inlined into ext4_truncate
    static void ext4BlockTruncatePage(Ext4Super es, Inode inode, long from) {
        int offset = (int) (from & (es.blocksize - 1));
        if (offset != 0) {
            ext4BlockZeroPageRange(es, inode, from, es.blocksize - offset);
        }
    }

    /**
     * ext4_zero_partial_blocks(): zeroes, through the page cache, the parts of [from, from + len)
     * that cover blocks only partly — the first and the last block of the range, the blocks
     * punch-hole and zero-range keep — so those bytes reach the disk. Blocks from {@code limit} on
     * (a block multiple) are left alone: punch-hole stops at the end of the page holding EOF.
     */
    static void ext4ZeroPartialBlocks(Ext4Super es, Inode inode, long from, long len, long limit) {
        int bs = es.blocksize;
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
     * within one block, in the page cache and dirties that block's buffer so writeback writes the
     * zeroes: the page is found or made (find_or_create_page), and of its blocks only the one being
     * zeroed is read from disk if the page is not uptodate — with blocks smaller than a page, reading
     * the whole page would bring back the blocks a punch is about to free. A hole or an unwritten
     * block has nothing on disk to zero: only a cached page of it (delayed allocation's data, or data
     * written over a preallocated block) is zeroed.
     *
     * <p>Deviation: an unwritten block's buffer is not read and dirtied as the kernel does (the kernel
     * reads what the unwritten extent holds on disk); its cached page, if any, is zeroed.
     */
    @KernelFunction("ext4_block_zero_page_range")
    static void ext4BlockZeroPageRange(Ext4Super es, Inode inode, long from, long length) {
        Ext4Extents.BlockMap m = es.vol(() -> es.vol.extents().ext4ExtMapBlocks(inode.ino(), from >> es.blkbits, 1,
                false, false));
        boolean onDisk = m.pblk() != 0 && !m.unwritten();
        AddressSpace mapping = inode.mapping();
        long index = from >> Page.PAGE_SHIFT;
        boolean buffers = onDisk && !es.iomap;
        Page p;
        if (buffers) {
            p = Filemap.grabCachePage(mapping, index, Gfp.GFP_NOFS); // find_or_create_page: locked
        } else { // nothing on disk: only a cached page matters; with iomap, read it whole
            p = onDisk ? Filemap.readCachePage(mapping, index, new int[1]) : Filemap.findGetPage(mapping, index);
            if (p != null) {
                Filemap.lockPage(p);
            }
        }
        if (p == null) {
            return;
        }
        if (p.mapping() == mapping) {
            int off = (int) (from & (Page.PAGE_SIZE - 1));
            int len = (int) Math.min(length, ((off | (es.blocksize - 1)) + 1) - off);
            if (!onDisk) {
                // a hole or an unwritten block reads as zeroes; a cached page of it is dirty already
                es.mm.memMap().zero(p, off, len);
            } else if (es.iomap) {
                es.mm.memMap().zero(p, off, len);
                PageWriteback.setPageDirtyNobuffers(p); // iomap_zero_range's write_end
            } else {
                zeroBlockBuffer(es, p, off, len, m.pblk());
            }
        }
        Filemap.unlockPage(p);
        es.mm.allocator().putPage(p);
    }

    /**
     * __ext4_block_zero_page_range() on a page with buffers: the buffer holding byte {@code off} of the
     * page (buffers made if the page has none) is mapped to {@code pblk} if it was not, read from disk
     * unless it or the page is uptodate, zeroed over [off, off + len) and dirtied. A failed read leaves
     * it alone. Context: page locked.
     */
    @KernelFunction(KernelFunction.HIDDEN)
    private static void zeroBlockBuffer(Ext4Super es, Page p, int off, int len, long pblk) {
        if (!Buffer.pageHasBuffers(p)) {
            Buffer.createEmptyBuffers(p, es.blocksize, 0);
        }
        for (BufferHead bh : Buffer.buffers(p)) {
            if (off < bh.offset() || off >= bh.offset() + bh.size()) {
                continue;
            }
            if (!bh.test(BufferHead.BH_MAPPED)) {
                bh.mapBh(es.bdev, pblk); // ext4_get_block
            }
            if (p.uptodate()) {
                bh.set(BufferHead.BH_UPTODATE);
            }
            if (!bh.test(BufferHead.BH_UPTODATE) && Buffer.bhRead(bh) != 0) {
                return; // "Uhhuh. Read error. Complain and punt."
            }
            es.mm.memMap().zero(p, off, len);
            Buffer.markBufferDirty(bh);
        }
    }
}
