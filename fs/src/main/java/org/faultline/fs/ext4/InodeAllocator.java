package org.faultline.fs.ext4;

import java.io.IOException;
import java.util.BitSet;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * Inode allocation over the per-group inode bitmaps ({@code fs/ext4/ialloc.c}, simplified: no Orlov).
 * Directories are spread: a new directory goes to the group with the fewest directories among those
 * with at least average free inodes and free blocks. Other inodes go first-fit starting at the
 * parent's group. Inodes below {@code s_first_ino} are never handed out.
 *
 * <p>Updates the bitmap, {@code bg_free_inodes_count}, {@code bg_used_dirs_count} and
 * {@code s_free_inodes_count}. Not thread-safe (this layer is single-threaded).
 */
@KernelSource("fs/ext4/ialloc.c")
public final class InodeAllocator {
    private final Ext4SuperBlock sb;
    private final GroupDesc[] gds;
    private final MetadataCache cache;
    private final BitSet dirtyGroups;
    private final String dev;

    /**
     * @param sb          the superblock
     * @param gds         the group descriptors
     * @param cache       the metadata cache holding the bitmaps
     * @param dirtyGroups groups whose descriptor changed
     * @param dev         device name for messages
     */
    public InodeAllocator(Ext4SuperBlock sb, GroupDesc[] gds, MetadataCache cache, BitSet dirtyGroups, String dev) {
        this.sb = sb;
        this.gds = gds;
        this.cache = cache;
        this.dirtyGroups = dirtyGroups;
        this.dev = dev;
    }

    /**
     * Allocates an inode number ({@code __ext4_new_inode}'s bitmap part).
     *
     * @param parent the parent directory's inode (for locality)
     * @param isDir  whether the new inode is a directory
     * @return the inode number
     * @throws Ext4Exception ENOSPC when no inode is free
     * @throws IOException   on a device error
     */
    public long allocate(long parent, boolean isDir) throws IOException {
        return allocate(parent, isDir, isDir);
    }

    /**
     * {@link #allocate(long, boolean)} choosing whether to spread a directory away from its parent
     * ({@code spread = false} keeps {@code lost+found} next to the root at mkfs time).
     */
    public long allocate(long parent, boolean isDir, boolean spread) throws IOException {
        if (sb.freeInodesCount() == 0) {
            throw noSpace();
        }
        int groups = sb.groupCount();
        int start = sb.groupOfInode(Math.max(1, parent));
        if (spread) {
            int best = pickDirGroup();
            if (best >= 0) {
                start = best;
            }
        }
        long ipg = sb.inodesPerGroup();
        for (int k = 0; k < groups; k++) {
            int g = (start + k) % groups;
            if (gds[g].freeInodesCount() == 0) {
                continue;
            }
            long ib = gds[g].inodeBitmap();
            byte[] map = cache.get(ib);
            long firstIndex = Math.max(0, sb.firstIno() - 1 - g * ipg);
            if (firstIndex >= ipg) {
                continue;
            }
            int i = Bitmap.findNextZero(map, (int) firstIndex, (int) ipg);
            if (i < 0) {
                continue;
            }
            Bitmap.set(map, i);
            cache.markDirty(ib);
            gds[g].setFreeInodesCount(gds[g].freeInodesCount() - 1);
            if (isDir) {
                gds[g].setUsedDirsCount(gds[g].usedDirsCount() + 1);
            }
            sb.setFreeInodesCount(sb.freeInodesCount() - 1);
            dirtyGroups.set(g);
            return g * ipg + i + 1;
        }
        throw noSpace();
    }

    private int pickDirGroup() {
        int groups = sb.groupCount();
        long avgInodes = sb.freeInodesCount() / groups;
        long avgBlocks = sb.freeBlocksCount() / groups;
        int best = -1;
        for (int g = 0; g < groups; g++) {
            GroupDesc d = gds[g];
            if (d.freeInodesCount() == 0 || d.freeInodesCount() < avgInodes || d.freeBlocksCount() < avgBlocks) {
                continue;
            }
            if (best < 0 || d.usedDirsCount() < gds[best].usedDirsCount()) {
                best = g;
            }
        }
        return best;
    }

    private Ext4Exception noSpace() {
        return new Ext4Exception(Errno.ENOSPC, dev + ": no free inodes: "
                + Errno.text(Errno.ENOSPC));
    }

    /**
     * Frees an inode number ({@code ext4_free_inode}'s bitmap part).
     *
     * @param ino   the inode
     * @param isDir whether it was a directory
     * @throws Ext4Exception EUCLEAN if it is reserved or already free (nothing changes then)
     * @throws IOException   on a device error
     */
    public void free(long ino, boolean isDir) throws IOException {
        if (ino < sb.firstIno() || ino > sb.inodesCount()) {
            throw Ext4Exception.corrupt(dev, "freeing reserved or nonexistent inode " + ino);
        }
        int g = sb.groupOfInode(ino);
        int i = (int) ((ino - 1) % sb.inodesPerGroup());
        long ib = gds[g].inodeBitmap();
        byte[] map = cache.get(ib);
        if (!Bitmap.test(map, i)) {
            throw Ext4Exception.corrupt(dev, "freeing already free inode " + ino);
        }
        Bitmap.clear(map, i);
        cache.markDirty(ib);
        gds[g].setFreeInodesCount(gds[g].freeInodesCount() + 1);
        if (isDir && gds[g].usedDirsCount() > 0) {
            gds[g].setUsedDirsCount(gds[g].usedDirsCount() - 1);
        }
        sb.setFreeInodesCount(sb.freeInodesCount() + 1);
        dirtyGroups.set(g);
    }

    /**
     * @return whether {@code ino} is marked in use
     * @throws IOException on a device error
     */
    public boolean inUse(long ino) throws IOException {
        int g = sb.groupOfInode(ino);
        return Bitmap.test(cache.get(gds[g].inodeBitmap()), (int) ((ino - 1) % sb.inodesPerGroup()));
    }
}
