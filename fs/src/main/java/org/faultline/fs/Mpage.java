package org.faultline.fs;

import org.faultline.block.Bio;
import org.faultline.block.BlkCore;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.mm.Filemap;
import org.faultline.mm.Page;

/**
 * mpage_readpage() (fs/mpage.c's {@code do_mpage_readpage}, which ext4's {@code ext4_mpage_readpages}
 * follows): reads a page without attaching buffer heads — each of its blocks mapped with
 * {@code get_block} (none past the block holding EOF), one bio for the mapped ones when they are
 * contiguous on disk, zeroes for the holes, unwritten blocks and blocks past EOF at the page's end.
 * A page the bio cannot read ({@code confused}: it already has buffers, a hole before a mapped
 * block, blocks not contiguous on disk) goes through {@link Buffer#blockReadFullPage}, buffer by
 * buffer. Context: page locked; the page is unlocked when the read completes.
 *
 * <p>Deviation: a {@code get_block} error fails the read ({@code PG_error}, the page unlocked) rather
 * than falling back to {@code block_read_full_page}; each block is mapped by its own call.
 */
@KernelSource("fs/mpage.c")
public final class Mpage {
    private Mpage() {
    }

    /** Read with {@code get_block}; see the class comment. @return 0 or a negative errno */
    public static int mpageReadpage(Page page, Inode inode, Buffer.GetBlock getBlock) {
        if (Buffer.pageHasBuffers(page)) {
            return Buffer.blockReadFullPage(page, inode, getBlock);
        }
        int bs = inode.sb().blockSize();
        int blkbits = Integer.numberOfTrailingZeros(bs);
        int blocksPerPage = Page.PAGE_SIZE >> blkbits;
        long blockInFile = page.index() << (Page.PAGE_SHIFT - blkbits);
        long lastBlockInFile = (inode.iSize() + bs - 1) >> blkbits;
        long lastBlock = Math.min(blockInFile + blocksPerPage, lastBlockInFile);
        long[] blocks = new long[blocksPerPage];
        int firstHole = blocksPerPage;
        for (int pageBlock = 0; pageBlock < blocksPerPage; pageBlock++, blockInFile++) {
            BufferHead map = new BufferHead(page, 0, bs, 0);
            if (blockInFile < lastBlock) {
                int err = Buffer.callGetBlock(getBlock, inode, blockInFile, map, false);
                if (err != 0) {
                    page.setFlag(Page.PG_ERROR);
                    Filemap.unlockPage(page);
                    return err;
                }
            }
            if (!map.test(BufferHead.BH_MAPPED) || map.test(BufferHead.BH_UNWRITTEN)) {
                firstHole = Math.min(firstHole, pageBlock); // a hole, an unwritten block, or past EOF
                continue;
            }
            if (firstHole != blocksPerPage || pageBlock > 0 && blocks[pageBlock - 1] != map.blocknr() - 1) {
                return Buffer.blockReadFullPage(page, inode, getBlock); // confused: hole -> non-hole, or discontiguous
            }
            blocks[pageBlock] = map.blocknr();
        }
        if (firstHole != blocksPerPage) {
            inode.sb().mm().memMap().zero(page, firstHole << blkbits, Page.PAGE_SIZE - (firstHole << blkbits));
            if (firstHole == 0) {
                page.setUptodate();
                Filemap.unlockPage(page);
                return 0;
            }
        }
        mpageReadBio(page, inode, blocks[0] * (bs >> Bio.SECTOR_SHIFT), firstHole << blkbits);
        return 0;
    }

    /** The bio of {@code do_mpage_readpage}: {@code len} bytes at the page's start from {@code sector}. */
    @KernelFunction(KernelFunction.HIDDEN)
    private static void mpageReadBio(Page page, Inode inode, long sector, int len) {
        Bio bio = Bio.bioAlloc(inode.sb().bdev(), Bio.Op.READ, 0, sector, 1);
        bio.bioAddPage(page, len, 0);
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
    }
}
