package org.faultline.fs;

import java.util.List;
import org.faultline.block.Bio;
import org.faultline.block.BioVec;
import org.faultline.block.BlkCore;
import org.faultline.block.Plug;
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
 * {@link #mpageReadahead} reads a readahead batch the same way, page after page joining one bio while
 * their blocks follow on.
 *
 * <p>Deviation: a {@code get_block} error fails the read ({@code PG_error}, the page unlocked) rather
 * than falling back to {@code block_read_full_page}; each block is mapped by its own call.
 */
@KernelSource("fs/mpage.c")
public final class Mpage {
    private Mpage() {
    }

    /**
     * How {@code do_mpage_readpage} found one page's blocks: the first one's number, where the first
     * hole is (blocks per page if none), or confused (a hole before a mapped block, blocks not
     * contiguous on disk), or a {@code get_block} error.
     */
    private record Mapped(long firstBlock, int firstHole, boolean confused, int err) {
    }

    private static Mapped map(Page page, Inode inode, Buffer.GetBlock getBlock) {
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
                    return new Mapped(0, 0, false, err);
                }
            }
            if (!map.test(BufferHead.BH_MAPPED) || map.test(BufferHead.BH_UNWRITTEN)) {
                firstHole = Math.min(firstHole, pageBlock); // a hole, an unwritten block, or past EOF
                continue;
            }
            if (firstHole != blocksPerPage || pageBlock > 0 && blocks[pageBlock - 1] != map.blocknr() - 1) {
                return new Mapped(0, 0, true, 0); // hole -> non-hole, or discontiguous
            }
            blocks[pageBlock] = map.blocknr();
        }
        return new Mapped(blocks[0], firstHole, false, 0);
    }

    /**
     * A page whose blocks are all holes is zeroed and done; one with a hole after mapped blocks has
     * its tail zeroed. True if the page is done (nothing to read).
     */
    private static boolean zeroHoles(Page page, Inode inode, Mapped mp) {
        int blkbits = Integer.numberOfTrailingZeros(inode.sb().blockSize());
        if (mp.firstHole() == Page.PAGE_SIZE >> blkbits) {
            return false;
        }
        inode.sb().mm().memMap().zero(page, mp.firstHole() << blkbits, Page.PAGE_SIZE - (mp.firstHole() << blkbits));
        if (mp.firstHole() == 0) {
            page.setUptodate();
            Filemap.unlockPage(page);
            return true;
        }
        return false;
    }

    /** Read with {@code get_block}; see the class comment. @return 0 or a negative errno */
    public static int mpageReadpage(Page page, Inode inode, Buffer.GetBlock getBlock) {
        if (Buffer.pageHasBuffers(page)) {
            return Buffer.blockReadFullPage(page, inode, getBlock);
        }
        Mapped mp = map(page, inode, getBlock);
        if (mp.err() != 0) {
            page.setFlag(Page.PG_ERROR);
            Filemap.unlockPage(page);
            return mp.err();
        }
        if (mp.confused()) {
            return Buffer.blockReadFullPage(page, inode, getBlock);
        }
        if (zeroHoles(page, inode, mp)) {
            return 0;
        }
        int bs = inode.sb().blockSize();
        int len = Math.min(Page.PAGE_SIZE, mp.firstHole() * bs);
        Bio bio = readBio(inode, mp.firstBlock() * (bs >> Bio.SECTOR_SHIFT), 1);
        bio.bioAddPage(page, len, 0);
        BlkCore.submitBio(bio);
        return 0;
    }

    /**
     * mpage_readahead() ({@code ext4_mpage_readpages} for ext4): reads a batch of locked pages with as
     * few bios as their blocks allow — a page whose first block follows the last block in the bio
     * joins it (up to {@link Bio#BIO_MAX_PAGES}); any other starts a new one; a page ending in a hole
     * ends its bio; a confused page is read buffer by buffer. Under a block plug, so the bios are
     * merged and dispatched together.
     */
    @KernelFunction("mpage_readahead")
    public static void mpageReadahead(List<Page> pages, Inode inode, Buffer.GetBlock getBlock) {
        int bs = inode.sb().blockSize();
        Plug plug = Plug.blkStartPlug(inode.sb().kernel());
        Bio bio = null;
        long lastBlockInBio = -1;
        for (int i = 0; i < pages.size(); i++) {
            Page page = pages.get(i);
            Mapped mp = Buffer.pageHasBuffers(page) ? new Mapped(0, 0, true, 0) : map(page, inode, getBlock);
            if (mp.err() != 0 || mp.confused()) {
                bio = submit(bio);
                if (mp.err() != 0) {
                    page.setFlag(Page.PG_ERROR);
                    Filemap.unlockPage(page);
                } else {
                    Buffer.blockReadFullPage(page, inode, getBlock);
                }
                continue;
            }
            if (zeroHoles(page, inode, mp)) {
                continue;
            }
            if (bio != null && lastBlockInBio != mp.firstBlock() - 1) {
                bio = submit(bio);
            }
            int len = Math.min(Page.PAGE_SIZE, mp.firstHole() * bs);
            long sector = mp.firstBlock() * (bs >> Bio.SECTOR_SHIFT);
            if (bio == null) {
                bio = readBio(inode, sector, pages.size() - i);
            }
            if (bio.bioAddPage(page, len, 0) < len) {
                bio = submit(bio);
                bio = readBio(inode, sector, pages.size() - i);
                bio.bioAddPage(page, len, 0);
            }
            lastBlockInBio = mp.firstBlock() + (len / bs) - 1;
            if (len < Page.PAGE_SIZE) {
                bio = submit(bio); // a hole at the page's end: nothing follows it in this bio
            }
        }
        submit(bio);
        plug.blkFinishPlug();
    }

    private static Bio submit(Bio bio) {
        if (bio != null) {
            BlkCore.submitBio(bio);
        }
        return null;
    }

    /**
     * A read bio of {@code do_mpage_readpage}: up to {@code nrPages} pages from {@code sector}; its
     * completion ({@code mpage_end_io}) marks each page uptodate, or not and PG_error, and unlocks it.
     */
    @KernelFunction(KernelFunction.HIDDEN)
    private static Bio readBio(Inode inode, long sector, int nrPages) {
        Bio bio = Bio.bioAlloc(inode.sb().bdev(), Bio.Op.READ, 0, sector, Math.min(nrPages, Bio.BIO_MAX_PAGES));
        bio.setEndIo(b -> { // mpage_end_io
            for (BioVec v : b.vecs()) {
                Page page = v.page();
                if (b.status().ok()) {
                    page.setUptodate();
                } else {
                    page.clearFlag(Page.PG_UPTODATE);
                    page.setFlag(Page.PG_ERROR);
                }
                Filemap.unlockPage(page);
            }
        });
        return bio;
    }
}
