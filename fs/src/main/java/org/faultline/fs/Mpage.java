package org.faultline.fs;

import org.faultline.block.Bio;
import org.faultline.block.BlkCore;
import org.faultline.kernel.KernelSource;
import org.faultline.mm.Filemap;
import org.faultline.mm.Page;

/**
 * mpage_readpage() (fs/mpage.c): reads a page without attaching buffer heads — one bio for the
 * mapped blocks, zeroes for holes and unwritten blocks. A page that already has buffers goes
 * through {@link Buffer#blockReadFullPage}, as mpage falls back to. Context: page locked; the page
 * is unlocked when the read completes.
 */
@KernelSource("fs/mpage.c")
public final class Mpage {
    private Mpage() {
    }

    public static int mpageReadpage(Page page, Inode inode, Buffer.GetBlock getBlock) {
        if (Buffer.pageHasBuffers(page)) {
            return Buffer.blockReadFullPage(page, inode, getBlock);
        }
        int bs = inode.sb().blockSize();
        long pos = page.index() << Page.PAGE_SHIFT;
        BufferHead map = new BufferHead(page, 0, bs, 0);
        boolean mapped = false;
        if (pos < inode.iSize()) {
            int err = Buffer.callGetBlock(getBlock, inode, pos / bs, map, false);
            if (err != 0) {
                page.setFlag(Page.PG_ERROR);
                Filemap.unlockPage(page);
                return err;
            }
            mapped = map.test(BufferHead.BH_MAPPED) && !map.test(BufferHead.BH_UNWRITTEN);
        }
        if (!mapped) {
            inode.sb().mm().memMap().zero(page, 0, Page.PAGE_SIZE);
            page.setUptodate();
            Filemap.unlockPage(page);
            return 0;
        }
        Bio bio = Bio.bioAlloc(inode.sb().bdev(), Bio.Op.READ, 0, map.blocknr() * (bs >> Bio.SECTOR_SHIFT), 1);
        bio.bioAddPage(page, Page.PAGE_SIZE, 0);
        bio.setEndIo(b -> { // mpage_end_io
            if (b.status().ok()) {
                page.setUptodate();
            } else {
                page.clearFlag(Page.PG_UPTODATE);
                page.setFlag(Page.PG_ERROR);
            }
            Filemap.unlockPage(page);
        });
        BlkCore.submitBio(bio);
        return 0;
    }
}
