package org.faultline.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.faultline.block.Bio;
import org.faultline.block.BlockDevice;
import org.faultline.block.MemDiskDriver;
import org.faultline.block.QueueLimits;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;
import org.faultline.mm.AddressSpace;
import org.faultline.mm.AddressSpaceOperations;
import org.faultline.mm.Filemap;
import org.faultline.mm.Gfp;
import org.faultline.mm.IovIter;
import org.faultline.mm.Page;
import org.faultline.mm.PageWriteback;
import org.faultline.mm.Truncate;
import org.faultline.mm.VmFault;
import org.faultline.mm.VmOperations;
import org.faultline.mm.WritebackControl;

/**
 * A test filesystem on a RAM disk built only from the generic buffer helpers (like a minimal
 * fs/ext2 without metadata): file n owns blocks [n * FILE_BLOCKS, (n+1) * FILE_BLOCKS); directory
 * entries live in memory. Writeback goes through buffer heads and bios to the disk.
 */
@KernelSource("fs/testfs.c")
class BlockMappedFs implements InodeOperations, FileOperations, SuperOperations, AddressSpaceOperations,
        VmOperations {
    static final int FILE_BLOCKS = 256;

    final SuperBlock sb;
    final BlockDevice bdev;
    final MemDiskDriver disk;
    private long nextIno = 1;
    private final TreeMap<String, Inode> root = new TreeMap<>();
    int getBlockCalls;

    BlockMappedFs(Kernel k, int files) {
        this.disk = new MemDiskDriver((long) files * FILE_BLOCKS * 4096);
        this.bdev = BlockDevice.addDisk(k, "ram0", disk, QueueLimits.defaults(), 2);
        this.sb = new SuperBlock(k, "ram0");
        sb.setBdev(bdev);
        sb.setSop(this);
        Inode r = new Inode(sb, nextIno++, Inode.S_IFDIR | 0755, this, this, this);
        r.setNlink(2);
        sb.setRoot(r);
    }

    /** get_block: fixed mapping, always "allocated". */
    int getBlock(Inode inode, long iblock, BufferHead bh, boolean create) {
        getBlockCalls++;
        if (iblock >= FILE_BLOCKS) {
            return -Errno.EFBIG;
        }
        bh.mapBh(bdev, (inode.ino() - 2) * FILE_BLOCKS + iblock);
        return 0;
    }

    // inode operations
    @Override
    public Inode lookup(Inode dir, String name) {
        return root.get(name);
    }

    @Override
    public Inode create(Inode dir, String name, int mode) {
        Inode i = new Inode(sb, nextIno++, mode, this, this, this);
        i.setNlink(1);
        i.mapping().setVmOps(this);
        sb.icacheAdd(i);
        root.put(name, i);
        return i;
    }

    @Override
    public Inode mkdir(Inode dir, String name, int mode) {
        throw new FsError(Errno.EPERM, "flat");
    }

    @Override
    public void unlink(Inode dir, String name, Inode victim) {
        root.remove(name);
        victim.dropNlink();
    }

    @Override
    public void rmdir(Inode dir, String name, Inode victim) {
        throw new FsError(Errno.ENOTDIR, name);
    }

    @Override
    public void rename(Inode a, String an, Inode b, String bn) {
        root.put(bn, root.remove(an));
    }

    @Override
    public void setSize(Inode inode, long size) {
        inode.iSizeWrite(size);
        Truncate.truncateInodePages(inode.mapping(), size);
    }

    @Override
    public List<DirEntry> readdir(Inode dir) {
        List<DirEntry> l = new ArrayList<>();
        root.forEach((n, i) -> l.add(new DirEntry(n, i.ino(), DirEntry.DT_REG)));
        return l;
    }

    // file operations
    @Override
    public long readIter(File f, long pos, IovIter to) {
        return GenericFile.genericFileReadIter(f, pos, to);
    }

    @Override
    public long writeIter(File f, long pos, IovIter from) {
        return GenericFile.genericFileWriteIter(f, pos, from, new long[1]);
    }

    @Override
    public int fsync(File f, long start, long end, boolean datasync) {
        return GenericFile.genericFileFsync(f, start, end, datasync);
    }

    @Override
    public VmOperations mmap(File f) {
        return this;
    }

    @Override
    public long directIO(File f, long pos, long len, DirectIo.Target t, boolean write) {
        return write ? DirectIo.genericFileDirectWrite(f.inode(), pos, len, t, this::getBlock)
                : DirectIo.genericFileDirectRead(f.inode(), pos, len, t, this::getBlock);
    }

    // super operations: none (the NULL defaults)

    // address space operations: block_write_full_page in miniature
    @Override
    public int writepage(Page page, WritebackControl wbc) {
        Inode inode = (Inode) page.mapping().host();
        if (!Buffer.pageHasBuffers(page)) {
            Buffer.createEmptyBuffers(page, 4096, (1 << BufferHead.BH_DIRTY) | (1 << BufferHead.BH_UPTODATE));
        }
        Iterable<BufferHead> bhs = Buffer.buffers(page);
        long block = page.index();
        for (BufferHead bh : bhs) {
            if (!bh.test(BufferHead.BH_MAPPED)) {
                getBlock(inode, block, bh, true);
            }
            block++;
        }
        List<BufferHead> io = new ArrayList<>();
        for (BufferHead bh : bhs) {
            Buffer.lockBuffer(bh);
            if (bh.testAndClearBit(BufferHead.BH_DIRTY)) {
                bh.set(BufferHead.BH_ASYNC_WRITE);
                io.add(bh);
            } else {
                Buffer.unlockBuffer(bh);
            }
        }
        PageWriteback.setPageWriteback(page);
        Filemap.unlockPage(page);
        if (io.isEmpty()) {
            Filemap.endPageWriteback(page);
        }
        for (BufferHead bh : io) {
            Buffer.submitBh(Bio.Op.WRITE, 0, bh, Buffer::endBufferAsyncWrite);
        }
        return 0;
    }

    @Override
    public int writepages(AddressSpace mapping, WritebackControl wbc) {
        return PageWriteback.genericWritepages(mapping, wbc);
    }

    @Override
    public int readpage(Page page) {
        return Buffer.blockReadFullPage(page, (Inode) page.mapping().host(), this::getBlock);
    }

    @Override
    public boolean setPageDirty(Page page) {
        return Buffer.setPageDirtyBuffers(page);
    }

    @Override
    public WriteBegin writeBegin(AddressSpace mapping, long pos, int len) {
        Page p = Filemap.grabCachePage(mapping, pos >> Page.PAGE_SHIFT, Gfp.GFP_NOFS);
        if (p == null) {
            return WriteBegin.error(-Errno.ENOMEM);
        }
        int err = Buffer.blockWriteBeginPage(p, pos, len, (Inode) mapping.host(), this::getBlock);
        if (err != 0) {
            Filemap.unlockPage(p);
            sb.mm().allocator().putPage(p);
            return WriteBegin.error(err);
        }
        return new WriteBegin(p, null, 0);
    }

    @Override
    public int writeEnd(AddressSpace mapping, long pos, int len, int copied, Page page, Object fsdata) {
        return Buffer.genericWriteEnd((Inode) mapping.host(), pos, len, copied, page);
    }

    @Override
    public boolean releasepage(Page page, int gfp) {
        return Buffer.tryToFreeBuffers(page);
    }

    @Override
    public void invalidatepage(Page page, int offset, int length) {
        Buffer.blockInvalidatepage(page, offset, length);
    }

    // vm operations
    @Override
    public int fault(VmFault vmf) {
        return Filemap.filemapFault(vmf);
    }

    @Override
    public int pageMkwrite(VmFault vmf) {
        Inode inode = (Inode) vmf.page.mapping().host();
        return Buffer.blockPageMkwriteReturn(Buffer.blockPageMkwrite(vmf, inode, this::getBlock));
    }
}
