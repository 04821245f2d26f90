package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.InodeDescriptor.*;

import java.io.IOException;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * The on-disk half of fs/ext4/inode.c and fs/ext4/ialloc.c: reading and writing inodes in the inode
 * table ({@code __ext4_get_inode_loc}, {@code ext4_do_update_inode}), a new inode's fields
 * ({@code __ext4_new_inode}), freeing an unlinked inode with its blocks ({@code ext4_evict_inode},
 * {@code ext4_free_inode}), and the attribute updates the kernel makes through
 * {@code ext4_mark_inode_dirty} (size, times).
 *
 * <p>The inode-number checks the kernel's inode cache makes implicit are explicit here: an inode
 * handed in by the kernel must be allocated in its bitmap ({@link #heldInode}); one reached through a
 * directory entry must have links ({@link #liveInode}).
 *
 * <p>Context: single-threaded, under the caller's filesystem lock (see {@link Ext4Volume}).
 */
@KernelSource("fs/ext4/inode.c")
public final class Ext4Inodes {
    private final Ext4Volume v;

    Ext4Inodes(Ext4Volume v) {
        this.v = v;
    }

    /**
     * Reads inode {@code ino} from the inode table ({@code __ext4_get_inode_loc} and the raw copy
     * {@code __ext4_iget} decodes).
     *
     * @param ino 1..{@code s_inodes_count}
     * @return a copy
     * @throws IOException EUCLEAN for an out-of-range number, EIO on a device error
     */
    public Ext4InodeRaw readInode(long ino) throws IOException {
        Ext4SuperBlock sb = v.sb;
        if (ino < 1 || ino > sb.inodesCount()) {
            throw Ext4Exception.corrupt(v.dev, "inode number " + ino + " out of range 1.." + sb.inodesCount());
        }
        byte[] b = v.cache.get(inodeBlock(ino));
        int off = inodeOffset(ino);
        if (!v.csum.inodeCsumValid(ino, b, off, sb.inodeSize())) {
            throw Ext4Exception.badCrc(v.dev, "__ext4_iget: inode #" + ino + ": iget: checksum invalid");
        }
        return Ext4InodeRaw.read(b, off, sb.inodeSize());
    }

    /** The inode table's bytes for {@code ino} without the checksum check: a free slot being reused. */
    private Ext4InodeRaw readFreeSlot(long ino) throws IOException {
        return Ext4InodeRaw.read(v.cache.get(inodeBlock(ino)), inodeOffset(ino), v.sb.inodeSize());
    }

    /**
     * Writes inode {@code ino} into its (cached) inode table block ({@code ext4_do_update_inode}),
     * setting {@code large_file} when a file passes 2 GiB as that function does.
     */
    public void writeInode(long ino, Ext4InodeRaw in) throws IOException {
        long block = inodeBlock(ino);
        byte[] b = v.cache.get(block);
        int off = inodeOffset(ino);
        in.writeTo(b, off);
        v.csum.setInodeCsum(ino, b, off, v.sb.inodeSize());
        v.cache.markDirty(block);
        if (in.isReg()) {
            v.noteLargeFile(in.size());
        }
    }

    private long inodeBlock(long ino) {
        Ext4SuperBlock sb = v.sb;
        long index = (ino - 1) % sb.inodesPerGroup();
        return v.gds[sb.groupOfInode(ino)].inodeTable() + index / sb.inodesPerBlock();
    }

    private int inodeOffset(long ino) {
        Ext4SuperBlock sb = v.sb;
        long index = (ino - 1) % sb.inodesPerGroup();
        return (int) (index % sb.inodesPerBlock()) * sb.inodeSize();
    }

    /** An inode reached through a directory entry: it must have links (the root excepted). */
    Ext4InodeRaw liveInode(long ino) throws IOException {
        Ext4InodeRaw in = readInode(ino);
        if (in.linksCount() == 0 && ino != EXT4_ROOT_INO) {
            throw Ext4Exception.corrupt(v.dev, "inode " + ino + " is referenced but not in use (i_links_count 0)");
        }
        return in;
    }

    /**
     * @param ino an inode number
     * @return whether it is allocated in its group's inode bitmap
     */
    public boolean inUse(long ino) throws IOException {
        return ino >= 1 && ino <= v.sb.inodesCount() && v.ialloc.inUse(ino);
    }

    /**
     * An inode number handed in by the kernel: in range and allocated in the inode bitmap. Its link
     * count may be 0 (unlinked while the kernel still holds it).
     *
     * @throws Ext4Exception EINVAL if out of range or not in use
     */
    Ext4InodeRaw heldInode(long ino) throws IOException {
        if (ino < 1 || ino > v.sb.inodesCount()) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode number " + ino + " out of range 1.."
                    + v.sb.inodesCount());
        }
        if (!v.ialloc.inUse(ino)) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode " + ino + " is not in use");
        }
        return readInode(ino);
    }

    /**
     * A directory handed in by the kernel.
     *
     * @throws Ext4Exception ENOENT if it is not in use (removed: operations in a dead directory fail so),
     *                       ENOTDIR if not a directory
     */
    Ext4InodeRaw heldDir(long dir) throws IOException {
        if (dir < 1 || dir > v.sb.inodesCount() || !v.ialloc.inUse(dir)) {
            throw new Ext4Exception(Errno.ENOENT, v.dev + ": directory inode " + dir + " does not exist");
        }
        Ext4InodeRaw d = readInode(dir);
        if (!d.isDir()) {
            throw new Ext4Exception(Errno.ENOTDIR, v.dev + ": inode " + dir + ": " + Errno.text(Errno.ENOTDIR));
        }
        if (d.linksCount() == 0) {
            throw new Ext4Exception(Errno.ENOENT, v.dev + ": directory inode " + dir + " has been removed");
        }
        return d;
    }

    /**
     * A regular file handed in by the kernel (link count may be 0).
     *
     * @param write whether blocks or the size will change (refuses immutable, inline-data and verity
     *              inodes with EOPNOTSUPP)
     * @throws Ext4Exception EINVAL (not in use, or not a regular file), EISDIR
     */
    Ext4InodeRaw heldRegular(long ino, boolean write) throws IOException {
        return checkRegular(ino, heldInode(ino), write);
    }

    /**
     * A regular file reached by name (the offline tools): it must have links, and be a file whose
     * blocks may change when {@code write}.
     *
     * @return a copy of the inode
     * @throws IOException EISDIR, EINVAL (not a regular file), EOPNOTSUPP, corruption
     */
    public Ext4InodeRaw regular(long ino, boolean write) throws IOException {
        v.begin(write);
        return checkRegular(ino, liveInode(ino), write);
    }

    /**
     * An inode whose blocks the kernel may read through {@link Ext4Extents#ext4ExtMapBlocks} without
     * {@code create}: a regular file or an extent-mapped (slow) symbolic link.
     */
    Ext4InodeRaw heldMappable(long ino) throws IOException {
        Ext4InodeRaw in = heldInode(ino);
        if (in.isLnk() && !in.isFastSymlink() && in.hasFlag(EXT4_EXTENTS_FL)) {
            return in;
        }
        if (in.isDir()) {
            throw new Ext4Exception(Errno.EISDIR, v.dev + ": inode " + ino + ": " + Errno.text(Errno.EISDIR));
        }
        if (!in.isReg()) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode " + ino
                    + " is not a regular file or a block-mapped symbolic link");
        }
        return in;
    }

    /**
     * Refuses {@code in} unless it is a regular file ({@code EISDIR}, {@code EINVAL}) and, when
     * {@code write}, one whose blocks we may change ({@code EOPNOTSUPP} for immutable, inline-data
     * and verity inodes).
     */
    private Ext4InodeRaw checkRegular(long ino, Ext4InodeRaw in, boolean write) throws Ext4Exception {
        if (in.isDir()) {
            throw new Ext4Exception(Errno.EISDIR, v.dev + ": inode " + ino + ": " + Errno.text(Errno.EISDIR));
        }
        if (!in.isReg()) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode " + ino + " is not a regular file");
        }
        if (write && (in.hasFlag(EXT4_IMMUTABLE_FL) || in.hasFlag(EXT4_INLINE_DATA_FL) || in.hasFlag(EXT4_VERITY_FL))) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, v.dev + ": inode " + ino
                    + " is immutable, inline-data or verity (not writable here)");
        }
        return in;
    }

    /**
     * {@code __ext4_new_inode}'s initialisation of a freshly allocated inode: zeroed, generation
     * bumped, times set, extent root initialized (all but fast symlinks).
     */
    Ext4InodeRaw newInode(long ino, int mode, int links) throws IOException {
        Ext4InodeRaw old = readFreeSlot(ino);
        long gen = old.generation() + 1;
        Ext4InodeRaw in = new Ext4InodeRaw(v.sb.inodeSize()); // the whole inode zeroed, as EXT4_STATE_NEW
        in.setMode(mode);
        in.setLinksCount(links);
        long t = v.now();
        in.setAtime(t);
        in.setCtime(t);
        in.setMtime(t);
        if (v.sb.inodeSize() > EXT4_GOOD_OLD_INODE_SIZE) {
            // ext4_clamp_want_extra_isize's s_want_extra_isize: the extra fields of struct ext4_inode, or
            // more if the superblock asks and the inode has room; the creation time in i_crtime. A
            // 128-byte inode has neither.
            int want = Math.max(EXT4_WANT_EXTRA_ISIZE, v.sb.wantExtraIsize());
            in.setExtraIsize(want > v.sb.inodeSize() - EXT4_GOOD_OLD_INODE_SIZE ? EXT4_WANT_EXTRA_ISIZE : want);
            in.setCrtime(t);
        }
        in.setGeneration(gen & 0xFFFFFFFFL);
        if (!isLnk(mode)) {
            ExtentTree.init(in);
        }
        return in;
    }

    /**
     * The body of {@code ext4_evict_inode} for an inode whose last link went: frees every block
     * ({@code ext4_truncate}), the xattr block ({@code ext4_xattr_delete_inode}) and the inode
     * ({@code ext4_free_inode}); the inode keeps its mode, gets {@code i_dtime}, size 0. A deleted
     * inode's {@code i_dtime} is at least {@code s_inodes_count} whatever the clock says, since e2fsck
     * takes smaller values for orphan-list links.
     */
    void freeInode(long ino, Ext4InodeRaw in) throws IOException {
        boolean dir = in.isDir();
        if (in.hasFlag(EXT4_EXTENTS_FL)) {
            v.extents().tree(ino, in).remove(0, ExtentDescriptor.EXT_MAX_BLOCKS);
        }
        v.xattr().ext4XattrDeleteInode(ino, in);
        in.setSize(0);
        in.setLinksCount(0);
        in.setDtime(Math.max(v.now(), v.sb.inodesCount()));
        writeInode(ino, in);
        v.ialloc.free(ino, dir);
    }

    /**
     * {@code ext4_evict_inode}: frees every block of {@code ino} (data and extent tree) and the inode
     * itself, taking it off the orphan list. Its link count must be 0.
     *
     * @param ino an unlinked inode
     * @throws IOException EINVAL if its link count is not 0, it is not in use or is reserved; EROFS
     */
    public void ext4EvictInode(long ino) throws IOException {
        v.begin(true);
        Ext4InodeRaw in = heldInode(ino);
        if (ino < v.sb.firstIno()) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode " + ino + " is reserved");
        }
        if (in.linksCount() != 0) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode " + ino + " still has "
                    + in.linksCount() + " link(s)");
        }
        v.orphan().ext4OrphanDel(ino, in);
        freeInode(ino, in);
    }

    /**
     * Sets {@code i_size} ({@code ext4_update_disksize} / {@code i_size_write} then
     * {@code ext4_mark_inode_dirty}), setting {@code large_file} if needed. No block changes (a shrink
     * is {@link Ext4Extents#ext4ExtRemoveSpace} plus this).
     *
     * @throws IOException EINVAL (negative, not a regular file), EFBIG past {@link Ext4Volume#MAX_FILE_SIZE},
     *                     EISDIR, EROFS
     */
    public void setSize(long ino, long size) throws IOException {
        v.begin(true);
        if (size < 0) {
            throw new Ext4Exception(Errno.EINVAL, v.dev + ": inode " + ino + ": negative size " + size);
        }
        if (size > Ext4Volume.MAX_FILE_SIZE) {
            throw new Ext4Exception(Errno.EFBIG, v.dev + ": inode " + ino + ": " + Errno.text(Errno.EFBIG));
        }
        Ext4InodeRaw in = heldRegular(ino, false);
        if (in.size() == size) {
            return;
        }
        in.setSize(size);
        writeInode(ino, in);
    }

    /**
     * The permission bits of {@code i_mode} ({@code ext4_setattr} with ATTR_MODE, 07777; the type
     * bits stay) and {@code i_ctime}.
     *
     * @throws IOException EINVAL if not in use, EROFS
     */
    public void setMode(long ino, int mode, long nowNs) throws IOException {
        v.begin(true);
        Ext4InodeRaw in = heldInode(ino);
        in.setMode((in.mode() & 0170000) | (mode & 07777));
        in.setCtime(Math.floorDiv(nowNs, 1_000_000_000L) & 0xFFFFFFFFL);
        writeInode(ino, in);
    }

    /** A time {@link #setATimeMTime} leaves as it is (utimensat's UTIME_OMIT). */
    public static final long KEEP = Long.MIN_VALUE;

    /**
     * The owner and group ({@code ext4_setattr} with ATTR_UID / ATTR_GID; -1 keeps one), {@code i_ctime}
     * now. Deviation: no quota transfer (the emulated ext4 has no quota).
     *
     * @throws IOException EINVAL if not in use, EROFS
     */
    public void setOwner(long ino, int uid, int gid, long nowNs) throws IOException {
        v.begin(true);
        Ext4InodeRaw in = heldInode(ino);
        if (uid != -1) {
            in.setUid(uid);
        }
        if (gid != -1) {
            in.setGid(gid);
        }
        in.setCtime(Math.floorDiv(nowNs, 1_000_000_000L) & 0xFFFFFFFFL);
        writeInode(ino, in);
    }

    /**
     * {@code i_atime} and {@code i_mtime} as given ({@code utimensat(2)}: ATTR_ATIME_SET, ATTR_MTIME_SET),
     * {@code i_ctime} now; each in whole seconds, 32 bits; {@link #KEEP} leaves one as it is.
     *
     * @throws IOException EINVAL if not in use, EROFS
     */
    public void setATimeMTime(long ino, long atimeSec, long mtimeSec, long nowNs) throws IOException {
        v.begin(true);
        Ext4InodeRaw in = heldInode(ino);
        if (atimeSec != KEEP) {
            in.setAtime(atimeSec & 0xFFFFFFFFL);
        }
        if (mtimeSec != KEEP) {
            in.setMtime(mtimeSec & 0xFFFFFFFFL);
        }
        in.setCtime(Math.floorDiv(nowNs, 1_000_000_000L) & 0xFFFFFFFFL);
        writeInode(ino, in);
    }

    /**
     * Sets {@code i_mtime} and {@code i_ctime} of any in-use inode to the in-memory inode's
     * ({@code ext4_do_update_inode} copying them at {@code ext4_mark_inode_dirty}).
     *
     * @param mtimeNs nanoseconds since the epoch (stored as whole seconds, 32 bits); ctimeNs likewise
     * @throws IOException EINVAL if not in use, EROFS
     */
    public void setTimes(long ino, long mtimeNs, long ctimeNs) throws IOException {
        v.begin(true);
        Ext4InodeRaw in = heldInode(ino);
        long m = Math.floorDiv(mtimeNs, 1_000_000_000L) & 0xFFFFFFFFL;
        long c = Math.floorDiv(ctimeNs, 1_000_000_000L) & 0xFFFFFFFFL;
        if (in.mtime() == m && in.ctime() == c) {
            return;
        }
        in.setMtime(m);
        in.setCtime(c);
        writeInode(ino, in);
    }

    /**
     * @return {@code i_blocks} of {@code ino} in 512-byte units: data and extent tree blocks (and an
     *         xattr block), for {@code stat}
     * @throws IOException EINVAL if not in use
     */
    public long iBlocks(long ino) throws IOException {
        v.begin(false);
        return heldInode(ino).blocks512();
    }

    /**
     * The status of any inode ({@code ext4_getattr}; no liveness check: any inode can be inspected).
     *
     * @throws IOException EUCLEAN for an out-of-range number
     */
    public Ext4Stat stat(long ino) throws IOException {
        v.begin(false);
        return Ext4Stat.of(ino, readInode(ino));
    }
}
