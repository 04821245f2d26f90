package org.faultline.fs;

import org.faultline.kernel.KernelSource;
import org.faultline.kernel.RwSemaphore;
import org.faultline.mm.AddressSpace;
import org.faultline.mm.AddressSpaceOperations;
import org.faultline.mm.MappingHost;

/**
 * {@code struct inode} (include/linux/fs.h, fs/inode.c): identity, mode, size and link count, its
 * page cache ({@code i_data}), its lock ({@code i_rwsem}), its operations, and its writeback state.
 * As mm's {@link MappingHost} it is how the page cache reaches the VFS.
 *
 * <p>Fields: {@code size} is written under {@code iRwsem} (i_size_write) and read without it
 * (i_size_read); {@code state} and {@code dirtiedWhen} under the writeback's list lock;
 * {@code nlink} under {@code iRwsem} of the directory operation that changes it.
 */
@KernelSource("fs/inode.c")
public class Inode implements MappingHost {
    public static final int S_IFMT = 0170000;
    public static final int S_ISUID = 04000;
    public static final int S_ISGID = 02000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;

    /** i_state bits. */
    public static final int I_DIRTY_SYNC = 1 << 0;
    public static final int I_DIRTY_DATASYNC = 1 << 1;
    public static final int I_DIRTY_PAGES = 1 << 2;
    public static final int I_NEW = 1 << 3;
    public static final int I_FREEING = 1 << 5;
    public static final int I_SYNC = 1 << 7;
    public static final int I_DIRTY_INODE = I_DIRTY_SYNC | I_DIRTY_DATASYNC;
    public static final int I_DIRTY = I_DIRTY_INODE | I_DIRTY_PAGES;

    private final SuperBlock sb;
    private final long ino;
    private volatile int mode;
    private volatile int uid;     // i_uid, i_gid: current_fsuid/fsgid at creation (inode_init_owner), else the disk's
    private volatile int gid;
    private volatile long size;
    private volatile int nlink;
    private final AddressSpace mapping;
    public final RwSemaphore iRwsem;
    private final InodeOperations iop;
    private final FileOperations fop;
    volatile int state;           // I_* bits; FsWriteback's list lock
    volatile long dirtiedWhen;    // kernel clock ns when it became dirty
    volatile long mtimeNs;
    volatile long ctimeNs;
    private volatile Object fsPrivate;
    final java.util.concurrent.atomic.AtomicInteger openCount = new java.util.concurrent.atomic.AtomicInteger(); // open struct files, for evict-on-last-fput

    /**
     * @param aops its page cache operations
     * @param iop  its inode operations
     * @param fop  its file operations
     */
    public Inode(SuperBlock sb, long ino, int mode, AddressSpaceOperations aops, InodeOperations iop, FileOperations fop) {
        this.sb = sb;
        this.ino = ino;
        this.mode = mode;
        this.iop = iop;
        this.fop = fop;
        this.mapping = new AddressSpace(sb.mm(), this, aops, sb.bdi());
        this.iRwsem = new RwSemaphore(sb.kernel(), "i_rwsem of ino " + ino);
        org.faultline.kernel.Cred c = org.faultline.kernel.Cred.current(); // a new inode's owner; iget sets the disk's
        this.uid = c.fsuid();
        this.gid = c.fsgid();
        this.mtimeNs = sb.kernel().realtimeNs(); // a new inode's times: current_time(); iget sets the disk's
        this.ctimeNs = mtimeNs;
    }

    public SuperBlock sb() {
        return sb;
    }

    public long ino() {
        return ino;
    }

    public int mode() {
        return mode;
    }

    /** i_uid. */
    public int iUid() {
        return uid;
    }

    /** i_gid. */
    public int iGid() {
        return gid;
    }

    /** Sets i_uid and i_gid ({@link Iattr#UNSET} leaves one as it is). */
    public void setOwner(int u, int g) {
        if (u != Iattr.UNSET) {
            uid = u;
        }
        if (g != Iattr.UNSET) {
            gid = g;
        }
    }

    public void setMode(int m) {
        mode = m;
    }

    public boolean isDir() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean isReg() {
        return (mode & S_IFMT) == S_IFREG;
    }

    /** i_data / i_mapping. */
    public AddressSpace mapping() {
        return mapping;
    }

    public InodeOperations iop() {
        return iop;
    }

    public FileOperations fop() {
        return fop;
    }

    public int nlink() {
        return nlink;
    }

    /** set_nlink(). */
    public void setNlink(int n) {
        nlink = n;
    }

    /** inc_nlink(). */
    public void incNlink() {
        nlink++;
    }

    /** drop_nlink(). */
    public void dropNlink() {
        nlink--;
    }

    /** i_size_read(). */
    @Override
    public long iSize() {
        return size;
    }

    /** i_size_write(). Context: i_rwsem held (or the inode is new). */
    public void iSizeWrite(long s) {
        size = s;
    }

    /** The filesystem's in-memory inode ({@code EXT4_I(inode)}). */
    public Object fsPrivate() {
        return fsPrivate;
    }

    public void setFsPrivate(Object o) {
        fsPrivate = o;
    }

    public int state() {
        return state;
    }

    /** Updates mtime and ctime (file_update_time): the machine's wall clock ({@code current_time}). */
    public void touch() {
        long now = sb.kernel().realtimeNs();
        mtimeNs = now;
        ctimeNs = now;
    }

    /** i_mtime and i_ctime as given (iget from the disk, utimensat, chmod), nanoseconds since the epoch. */
    public void setTimes(long mtimeNs, long ctimeNs) {
        this.mtimeNs = mtimeNs;
        this.ctimeNs = ctimeNs;
    }

    /** i_mtime, nanoseconds since the epoch. */
    public long mtimeNs() {
        return mtimeNs;
    }

    /** i_ctime, nanoseconds since the epoch. */
    public long ctimeNs() {
        return ctimeNs;
    }

    /** __mark_inode_dirty(inode, I_DIRTY_PAGES) — called by mm when a page is dirtied. */
    @Override
    public void markInodeDirtyPages() {
        sb.writeback().markInodeDirty(this, I_DIRTY_PAGES);
    }

    /** mark_inode_dirty(): metadata changed (size, times, link count). */
    public void markInodeDirty() {
        sb.writeback().markInodeDirty(this, I_DIRTY_SYNC);
    }

    /** stat(). */
    public Kstat getattr() {
        return new Kstat(ino, mode, nlink, uid, gid, size, sb.blocksOf(this), mtimeNs, ctimeNs);
    }

    @Override
    public String describe() {
        return "ino " + ino + " (" + sb.id() + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
