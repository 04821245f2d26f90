package org.faultline.fs.iomap;

import org.faultline.fs.BlockMappedFsAccess;
import org.faultline.fs.Inode;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.mm.AddressSpace;
import org.faultline.mm.Page;
import org.faultline.mm.VmFault;
import org.faultline.mm.WritebackControl;

/** The block-mapped test filesystem with iomap's buffered path (XFS-like), and map_blocks failures on demand. */
final class IomapTestFs extends BlockMappedFsAccess implements IomapOps {
    int failMapBlocks;
    int discards;

    IomapTestFs(Kernel k) {
        super(k, 8);
    }

    long diskAddr(Inode inode, long pos) {
        return ((inode.ino() - 2) * FILE_BLOCKS) * 4096L + pos;
    }

    @Override
    public Iomap iomapBegin(Inode inode, long pos, long length, int flags) {
        long block = pos & ~4095L;
        return new Iomap(diskAddr(inode, block), block, 4096, Iomap.IOMAP_MAPPED);
    }

    @Override
    public Iomap mapBlocks(Inode inode, long offset) {
        if (failMapBlocks > 0) {
            failMapBlocks--;
            return Iomap.errPtr(-Errno.EIO); // an injected ->map_blocks failure
        }
        return iomapBegin(inode, offset, 4096, Iomap.IOMAP_WRITE);
    }

    @Override
    public void discardPage(Page page) {
        discards++;
        BufferedIo.iomapInvalidatepage(page, 0, Page.PAGE_SIZE); // xfs_discard_page
    }

    @Override
    public int writepage(Page page, WritebackControl wbc) {
        return BufferedIo.iomapWritepage(page, wbc, this);
    }

    @Override
    public int writepages(AddressSpace mapping, WritebackControl wbc) {
        return BufferedIo.iomapWritepages(mapping, wbc, this);
    }

    @Override
    public int readpage(Page page) {
        return BufferedIo.iomapReadpage(page, this);
    }

    @Override
    public boolean setPageDirty(Page page) {
        return org.faultline.mm.PageWriteback.setPageDirtyNobuffers(page);
    }

    @Override
    public WriteBegin writeBegin(AddressSpace mapping, long pos, int len) {
        return BufferedIo.iomapWriteBegin(mapping, pos, len, this);
    }

    @Override
    public int writeEnd(AddressSpace mapping, long pos, int len, int copied, Page page, Object fsdata) {
        return BufferedIo.iomapWriteEnd(mapping, pos, len, copied, page);
    }

    @Override
    public boolean releasepage(Page page, int gfp) {
        return BufferedIo.iomapReleasepage(page);
    }

    @Override
    public void invalidatepage(Page page, int offset, int length) {
        BufferedIo.iomapInvalidatepage(page, offset, length);
    }

    @Override
    public int pageMkwrite(VmFault vmf) {
        return BufferedIo.iomapPageMkwrite(vmf, this);
    }
}
