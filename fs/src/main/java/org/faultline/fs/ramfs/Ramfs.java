package org.faultline.fs.ramfs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.faultline.fs.DirEntry;
import org.faultline.fs.File;
import org.faultline.fs.FileOperations;
import org.faultline.fs.FsError;
import org.faultline.fs.GenericFile;
import org.faultline.fs.Inode;
import org.faultline.fs.InodeOperations;
import org.faultline.fs.SuperBlock;
import org.faultline.fs.SuperOperations;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;
import org.faultline.mm.AddressSpace;
import org.faultline.mm.AddressSpaceOperations;
import org.faultline.mm.Filemap;
import org.faultline.mm.Gfp;
import org.faultline.mm.IovIter;
import org.faultline.mm.Page;
import org.faultline.mm.Truncate;
import org.faultline.mm.VmFault;
import org.faultline.mm.VmOperations;
import org.faultline.mm.WritebackControl;

/**
 * ramfs (fs/ramfs/inode.c, fs/ramfs/file-mmu.c, fs/libfs.c's simple_* helpers): a filesystem whose
 * files live only in the page cache. Pages are dirty from the moment they are written and never
 * written back: {@code ->writepage} redirties and asks reclaim to keep them
 * (Deviation: Linux has no ->writepage for ramfs and marks the mapping unevictable; the effect on
 * reclaim is the same).
 */
@KernelSource("fs/ramfs/inode.c")
public final class Ramfs implements InodeOperations, FileOperations, SuperOperations, AddressSpaceOperations, VmOperations {
    private final SuperBlock sb;
    private long nextIno = 1;
    private final Map<Long, TreeMap<String, Inode>> dirs = new TreeMap<>(); // ino -> entries; dir's i_rwsem

    private Ramfs(SuperBlock sb) {
        this.sb = sb;
    }

    /** ramfs_fill_super(): a new ramfs with an empty root directory. */
    public static SuperBlock mount(Kernel k) {
        SuperBlock sb = new SuperBlock(k, "ramfs");
        Ramfs fs = new Ramfs(sb);
        sb.setSop(fs);
        sb.setFsInfo(fs);
        Inode root = fs.newInode(Inode.S_IFDIR | 0755);
        root.setNlink(2);
        sb.setRoot(root);
        return sb;
    }

    private Inode newInode(int mode) {
        Inode i = new Inode(sb, nextIno++, mode, this, this, this);
        i.setNlink(1);
        if (i.isDir()) {
            dirs.put(i.ino(), new TreeMap<>());
        }
        i.mapping().setVmOps(this);
        sb.icacheAdd(i);
        return i;
    }

    private TreeMap<String, Inode> entries(Inode dir) {
        TreeMap<String, Inode> m = dirs.get(dir.ino());
        if (m == null) {
            throw new FsError(Errno.ENOTDIR, dir.describe());
        }
        return m;
    }

    // ---------------------------------------------------------------- inode operations

    @Override
    public Inode lookup(Inode dir, String name) {
        return entries(dir).get(name);
    }

    @Override
    public Inode create(Inode dir, String name, int mode) {
        Inode i = newInode(mode);
        entries(dir).put(name, i);
        dir.touch();
        return i;
    }

    @Override
    public Inode mkdir(Inode dir, String name, int mode) {
        Inode i = newInode(mode);
        i.setNlink(2);
        entries(dir).put(name, i);
        dir.incNlink();
        return i;
    }

    @Override
    public void unlink(Inode dir, String name, Inode victim) {
        entries(dir).remove(name);
        victim.dropNlink();
    }

    @Override
    public void rmdir(Inode dir, String name, Inode victim) {
        entries(dir).remove(name);
        victim.setNlink(0);
        dir.dropNlink();
        dirs.remove(victim.ino());
    }

    @Override
    public void rename(Inode oldDir, String oldName, Inode newDir, String newName) {
        Inode src = entries(oldDir).remove(oldName);
        Inode old = entries(newDir).put(newName, src);
        if (old != null) {
            old.dropNlink();
            if (old.isDir()) {
                old.setNlink(0);
                newDir.dropNlink();
            }
        }
        if (src.isDir() && oldDir != newDir) {
            oldDir.dropNlink();
            newDir.incNlink();
        }
    }

    @Override
    public void setSize(Inode inode, long size) {
        long old = inode.iSize();
        inode.iSizeWrite(size);
        if (size < old) {
            Truncate.truncatePagecache(inode.mapping(), size);
        }
    }

    @Override
    public List<DirEntry> readdir(Inode dir) {
        List<DirEntry> out = new ArrayList<>();
        for (Map.Entry<String, Inode> e : entries(dir).entrySet()) {
            out.add(new DirEntry(e.getKey(), e.getValue().ino(), e.getValue().isDir() ? DirEntry.DT_DIR : DirEntry.DT_REG));
        }
        return out;
    }

    // ---------------------------------------------------------------- file operations

    @Override
    public long readIter(File f, long pos, IovIter to) {
        return GenericFile.genericFileReadIter(f, pos, to);
    }

    @Override
    public long writeIter(File f, long pos, IovIter from) {
        return GenericFile.genericFileWriteIter(f, pos, from, new long[1]);
    }

    /** noop_fsync(). */
    @Override
    public int fsync(File f, long start, long end, boolean datasync) {
        return 0;
    }

    @Override
    public VmOperations mmap(File f) {
        return this;
    }

    // super operations: none needed (the NULL defaults: no metadata to write back)

    // ---------------------------------------------------------------- address space operations

    /** No backing store: keep the page dirty and active. */
    @Override
    public int writepage(Page page, WritebackControl wbc) {
        return AOP_WRITEPAGE_ACTIVATE; // redirty_page_for_writepage: it never became clean
    }

    @Override
    public int writepages(AddressSpace mapping, WritebackControl wbc) {
        return 0;
    }

    /** simple_readpage(): a page never written is zeroes. */
    @Override
    public int readpage(Page page) {
        sb.mm().memMap().zero(page, 0, Page.PAGE_SIZE);
        page.setUptodate();
        Filemap.unlockPage(page);
        return 0;
    }

    /** __set_page_dirty_no_writeback(). */
    @Override
    public boolean setPageDirty(Page page) {
        return !page.testSetFlag(Page.PG_DIRTY);
    }

    /** simple_write_begin(). */
    @Override
    public WriteBegin writeBegin(AddressSpace mapping, long pos, int len) {
        Page p = Filemap.grabCachePage(mapping, pos >> Page.PAGE_SHIFT, Gfp.GFP_KERNEL);
        if (p == null) {
            return WriteBegin.error(-Errno.ENOMEM);
        }
        if (!p.uptodate() && len != Page.PAGE_SIZE) {
            int from = (int) (pos & (Page.PAGE_SIZE - 1));
            sb.mm().memMap().zero(p, 0, from);
            sb.mm().memMap().zero(p, from + len, Page.PAGE_SIZE - from - len);
        }
        return new WriteBegin(p, null, 0);
    }

    /** simple_write_end(). */
    @Override
    public int writeEnd(AddressSpace mapping, long pos, int len, int copied, Page page, Object fsdata) {
        Inode inode = (Inode) mapping.host();
        if (!page.uptodate()) {
            if (copied < len) {
                int from = (int) (pos & (Page.PAGE_SIZE - 1)) + copied;
                sb.mm().memMap().zero(page, from, len - copied);
            }
            page.setUptodate();
        }
        if (pos + copied > inode.iSize()) {
            inode.iSizeWrite(pos + copied);
        }
        setPageDirty(page);
        Filemap.unlockPage(page);
        sb.mm().allocator().putPage(page);
        return copied;
    }

    @Override
    public boolean releasepage(Page page, int gfp) {
        return true;
    }

    @Override
    public void invalidatepage(Page page, int offset, int length) {
    }

    // ---------------------------------------------------------------- vm operations

    @Override
    public int fault(VmFault vmf) {
        return Filemap.filemapFault(vmf);
    }

    @Override
    public boolean hasPageMkwrite() {
        return false;
    }

    @Override
    public int pageMkwrite(VmFault vmf) {
        return 0;
    }
}
