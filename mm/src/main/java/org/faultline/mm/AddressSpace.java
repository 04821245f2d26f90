package org.faultline.mm;

import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.RwSemaphore;
import org.faultline.kernel.SpinLock;

/**
 * {@code struct address_space} (include/linux/fs.h): a file's page cache — index → page, with the
 * DIRTY, WRITEBACK and TOWRITE tags of the radix tree/xarray — the VMAs mapping it ({@code i_mmap}),
 * its operations, and its writeback error state ({@code wb_err}, {@code AS_EIO}/{@code AS_ENOSPC}).
 *
 * <p>Locks:
 * <ul>
 *   <li>{@code iPages} (4.16: {@code tree_lock}; later the xarray lock) protects {@code pages},
 *       the tags and {@code nrpages};</li>
 *   <li>{@code iMmapRwsem} protects {@code iMmap};</li>
 *   <li>{@code privateLock} protects fs-private lists (buffers).</li>
 * </ul>
 * Methods named {@code ...Locked} must be called with {@code iPages} held.
 */
public final class AddressSpace {
    public static final int PAGECACHE_TAG_DIRTY = 0;
    public static final int PAGECACHE_TAG_WRITEBACK = 1;
    public static final int PAGECACHE_TAG_TOWRITE = 2;
    /** mapping->flags. */
    public static final int AS_EIO = 0;
    public static final int AS_ENOSPC = 1;

    private final Mm mm;
    private final MappingHost host;
    private final AddressSpaceOperations aops;
    private final BackingDev bdi;
    public final SpinLock iPages;
    public final RwSemaphore iMmapRwsem;
    public final SpinLock privateLock;
    private final XArray<Page> pages = new XArray<>();                   // protected by iPages; marks are the tags
    final List<VmArea> iMmap = new ArrayList<>();                        // protected by iMmapRwsem
    private final ErrSeq wbErr = new ErrSeq();
    private final java.util.concurrent.atomic.AtomicInteger flags = new java.util.concurrent.atomic.AtomicInteger();
    volatile long writebackIndex;
    private final int gfpMask = Gfp.GFP_HIGHUSER_MOVABLE;
    private volatile VmOperations vmOps;                                 // the file's vm_ops, if it sets them

    public AddressSpace(Mm mm, MappingHost host, AddressSpaceOperations aops, BackingDev bdi) {
        this.mm = mm;
        this.host = host;
        this.aops = aops;
        this.bdi = bdi;
        Kernel k = mm.kernel();
        this.iPages = new SpinLock(k, "i_pages of " + host.describe());
        this.iMmapRwsem = new RwSemaphore(k, "i_mmap_rwsem of " + host.describe());
        this.privateLock = new SpinLock(k, "private_lock of " + host.describe());
    }

    public Mm mm() {
        return mm;
    }

    public MappingHost host() {
        return host;
    }

    public AddressSpaceOperations aops() {
        return aops;
    }

    public BackingDev bdi() {
        return bdi;
    }

    /**
     * The vm_operations the filesystem uses for this file's mappings. Only the
     * {@code set-page-dirty-lock-simulates-fault} patch needs to reach them without a VMA.
     */
    public VmOperations vmOps() {
        return vmOps;
    }

    public void setVmOps(VmOperations ops) {
        this.vmOps = ops;
    }

    public int gfpMask() {
        return gfpMask;
    }

    String describeHost() {
        return host.describe();
    }

    // ------------------------------------------------------------ the tree (iPages held)

    /** Looks a slot up. Context: iPages held. */
    public Page lookupLocked(long index) {
        iPages.assertHeld();
        return pages.load(index);
    }

    void insertLocked(long index, Page p) {
        iPages.assertHeld();
        pages.store(index, p);
    }

    void removeLocked(long index) {
        iPages.assertHeld();
        pages.erase(index); // and its tags
    }

    /** radix_tree_tag_set(). Context: iPages held. */
    public void tagSetLocked(long index, int tag) {
        iPages.assertHeld();
        pages.setMark(index, tag);
    }

    /** radix_tree_tag_clear(). Context: iPages held. */
    public void tagClearLocked(long index, int tag) {
        iPages.assertHeld();
        pages.clearMark(index, tag);
    }

    /** mapping_tagged(): any page carries the tag. */
    public boolean tagged(int tag) {
        iPages.spinLock();
        boolean r = pages.marked(tag);
        iPages.spinUnlock();
        return r;
    }

    /** Indices carrying {@code tag} in [start, end], at most {@code max}. Context: iPages held. */
    List<Long> taggedIndicesLocked(long start, long end, int tag, int max) {
        List<Long> out = new ArrayList<>();
        for (long i = pages.findMarked(start, end, tag); i >= 0 && out.size() < max; ) {
            out.add(i);
            i = i == end ? -1 : pages.findMarked(i + 1, end, tag);
        }
        return out;
    }

    /** Pages in [start, end], at most {@code max}, ascending. Context: iPages held. */
    List<Page> rangeLocked(long start, long end, int max) {
        List<Page> out = new ArrayList<>();
        for (long i = pages.find(start, end); i >= 0 && out.size() < max; ) {
            out.add(pages.load(i));
            i = i == end ? -1 : pages.find(i + 1, end);
        }
        return out;
    }

    /** mapping->nrpages. */
    public long nrpages() {
        iPages.spinLock();
        long n = pages.size();
        iPages.spinUnlock();
        return n;
    }

    // ------------------------------------------------------------ errors

    public ErrSeq wbErr() {
        return wbErr;
    }

    /** mapping_set_error(): records a writeback error for fsync (errseq) and the legacy AS_ flags. */
    public void mappingSetError(int error) {
        if (error >= 0) {
            return;
        }
        wbErr.set(error);
        int bit = error == -Errno.ENOSPC ? AS_ENOSPC : AS_EIO;
        flags.getAndUpdate(f -> f | (1 << bit));
    }

    /** filemap_check_errors(): test-and-clear AS_ENOSPC then AS_EIO; returns -ENOSPC, -EIO or 0. */
    public int filemapCheckErrors() {
        int f = flags.getAndUpdate(x -> x & ~((1 << AS_ENOSPC) | (1 << AS_EIO)));
        int ret = 0;
        if ((f & (1 << AS_ENOSPC)) != 0) {
            ret = -Errno.ENOSPC;
        }
        if ((f & (1 << AS_EIO)) != 0) {
            ret = -5;
        }
        return ret;
    }

    // ------------------------------------------------------------ i_mmap

    /** The VMAs mapping this file, in mmap order. Context: iMmapRwsem held (either mode). */
    List<VmArea> iMmapLocked() {
        return iMmap;
    }

    /** mapping_mapped(). */
    public boolean mapped() {
        iMmapRwsem.downRead();
        boolean r = !iMmap.isEmpty();
        iMmapRwsem.upRead();
        return r;
    }

    @Override
    public String toString() {
        return "mapping of " + host.describe();
    }
}
