package org.faultline.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Mutex;
import org.faultline.kernel.RwSemaphore;
import org.faultline.mm.BackingDev;
import org.faultline.mm.Mm;

/**
 * {@code struct super_block} (fs/super.c): one mounted filesystem — its identity, operations, root,
 * inode cache, and the writeback of its device.
 *
 * <p>Locks: {@code sUmount} (rwsem) against unmount; {@code inodeLock} protects the inode cache.
 */
@KernelSource("fs/super.c")
public final class SuperBlock {
    /** How a filesystem counts an inode's blocks for stat (i_blocks, 512-byte units). */
    public interface BlockCounter {
        long blocksOf(Inode inode);
    }

    private final Kernel k;
    private final Mm mm;
    private final String id;
    private final BackingDev bdi;
    private final FsWriteback wb;
    private SuperOperations sop;
    private Inode root;
    private final TreeMap<Long, Inode> icache = new TreeMap<>();  // inodeLock
    public final Mutex inodeLock;
    public final RwSemaphore sUmount;
    private volatile boolean readOnly;
    private volatile boolean active = true; // SB_ACTIVE: cleared by umount under s_umount (write)
    private BlockCounter blocks = i -> (i.iSize() + 511) / 512;
    private Object fsInfo;
    private volatile int blockSize = 4096;
    private volatile org.faultline.block.BlockDevice bdev;

    /**
     * @param id the device or filesystem name ({@code sda}, {@code ramfs})
     */
    public SuperBlock(Kernel k, String id) {
        this.k = k;
        this.mm = Mm.of(k);
        this.id = id;
        this.bdi = new BackingDev(id);
        this.inodeLock = new Mutex(k, "inode cache of " + id);
        this.sUmount = new RwSemaphore(k, "s_umount of " + id);
        this.wb = new FsWriteback(this);
        mm.registerBdi(bdi);
    }

    public Kernel kernel() {
        return k;
    }

    public Mm mm() {
        return mm;
    }

    public String id() {
        return id;
    }

    public BackingDev bdi() {
        return bdi;
    }

    public FsWriteback writeback() {
        return wb;
    }

    public SuperOperations sop() {
        return sop;
    }

    public void setSop(SuperOperations s) {
        sop = s;
    }

    public Inode root() {
        return root;
    }

    public void setRoot(Inode r) {
        root = r;
    }

    /** s_bdev: the device a disk filesystem lives on, or null (ramfs). */
    public org.faultline.block.BlockDevice bdev() {
        return bdev;
    }

    public void setBdev(org.faultline.block.BlockDevice d) {
        bdev = d;
    }

    /** s_blocksize. */
    public int blockSize() {
        return blockSize;
    }

    public void setBlockSize(int bs) {
        blockSize = bs;
    }

    /** SB_ACTIVE: mounted and not yet torn down. Stable while s_umount is held. */
    public boolean active() {
        return active;
    }

    void deactivate() {
        active = false;
    }

    public boolean readOnly() {
        return readOnly;
    }

    public void setReadOnly(boolean ro) {
        readOnly = ro;
    }

    /** The filesystem's private superblock info ({@code EXT4_SB(sb)}). */
    public Object fsInfo() {
        return fsInfo;
    }

    public void setFsInfo(Object o) {
        fsInfo = o;
    }

    public void setBlockCounter(BlockCounter c) {
        blocks = c;
    }

    long blocksOf(Inode i) {
        return blocks.blocksOf(i);
    }

    /** iget(): the cached inode, or null. */
    public Inode icacheFind(long ino) {
        inodeLock.mutexLock();
        Inode i = icache.get(ino);
        inodeLock.mutexUnlock();
        return i;
    }

    /** insert_inode_hash(). */
    public void icacheAdd(Inode i) {
        inodeLock.mutexLock();
        icache.put(i.ino(), i);
        inodeLock.mutexUnlock();
    }

    /** remove_inode_hash(). */
    public void icacheRemove(Inode i) {
        inodeLock.mutexLock();
        icache.remove(i.ino());
        inodeLock.mutexUnlock();
    }

    /** Every cached inode, ascending ino. */
    public List<Inode> icacheAll() {
        inodeLock.mutexLock();
        List<Inode> l = new ArrayList<>(icache.values());
        inodeLock.mutexUnlock();
        return l;
    }

    @Override
    public String toString() {
        return "sb " + id;
    }
}
