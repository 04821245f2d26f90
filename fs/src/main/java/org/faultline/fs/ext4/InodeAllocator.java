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
    private final Ext4Csum csum;
    private final BlockAllocator balloc;

    /**
     * @param sb          the superblock
     * @param gds         the group descriptors
     * @param cache       the metadata cache holding the bitmaps
     * @param dirtyGroups groups whose descriptor changed
     * @param dev         device name for messages
     * @param csum        the volume's checksums
     * @param balloc      the block allocator (a group's first inode initializes its block bitmap)
     */
    public InodeAllocator(Ext4SuperBlock sb, GroupDesc[] gds, MetadataCache cache, BitSet dirtyGroups, String dev,
                          Ext4Csum csum, BlockAllocator balloc) {
        this.sb = sb;
        this.gds = gds;
        this.cache = cache;
        this.dirtyGroups = dirtyGroups;
        this.dev = dev;
        this.csum = csum;
        this.balloc = balloc;
    }

    private int bitmapBytes() {
        return (int) (sb.inodesPerGroup() / 8);
    }

    /**
     * {@code ext4_read_inode_bitmap}: group {@code g}'s inode bitmap, all free (and the bits past
     * {@code s_inodes_per_group} set) for a group still {@code EXT4_BG_INODE_UNINIT}, else read and
     * checked once (a bad checksum fails with {@code EFSBADCRC}).
     *
     * @throws IOException a bad checksum, a device error
     */
    public byte[] bitmap(int g) throws IOException {
        GroupDesc d = gds[g];
        long ib = d.inodeBitmap();
        if (sb.hasGroupDescCsum() && d.hasFlag(GroupDescDescriptor.EXT4_BG_INODE_UNINIT)) {
            return cache.getMade(ib, b -> {
                java.util.Arrays.fill(b, (byte) 0);
                Bitmap.setRange(b, (int) sb.inodesPerGroup(), b.length * 8);
            });
        }
        return cache.getVerified(ib, b -> {
            if (!csum.inodeBitmapCsumValid(d, b, bitmapBytes())) {
                throw Ext4Exception.badCrc(dev, "ext4_read_inode_bitmap: Corrupt inode bitmap - block_group = " + g
                        + ", inode_bitmap = " + ib);
            }
        });
    }

    private void bitmapChanged(int g, byte[] map) {
        cache.markDirty(gds[g].inodeBitmap());
        csum.setInodeBitmapCsum(gds[g], map, bitmapBytes());
        dirtyGroups.set(g);
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
            byte[] map = bitmap(g);
            long firstIndex = Math.max(0, sb.firstIno() - 1 - g * ipg);
            if (firstIndex >= ipg) {
                continue;
            }
            int i = Bitmap.findNextZero(map, (int) firstIndex, (int) ipg);
            if (i < 0) {
                continue;
            }
            Bitmap.set(map, i);
            claimInUninitGroup(g, i);
            bitmapChanged(g, map);
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

    /**
     * {@code __ext4_new_inode} with a descriptor checksum: the group stops being
     * {@code EXT4_BG_INODE_UNINIT}, gets a block bitmap if it had none, and {@code bg_itable_unused}
     * shrinks to leave inode {@code index} (0-based in the group) inside the used part of the table.
     */
    private void claimInUninitGroup(int g, int index) throws IOException {
        if (!sb.hasGroupDescCsum()) {
            return;
        }
        GroupDesc d = gds[g];
        if (d.hasFlag(GroupDescDescriptor.EXT4_BG_INODE_UNINIT)) {
            d.setFlags(d.flags() & ~GroupDescDescriptor.EXT4_BG_INODE_UNINIT);
        }
        balloc.initializeBitmap(g);
        int ipg = (int) sb.inodesPerGroup();
        if (index + 1 > ipg - d.itableUnused()) {
            d.setItableUnused(ipg - (index + 1));
        }
        dirtyGroups.set(g);
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
        byte[] map = bitmap(g);
        if (!Bitmap.test(map, i)) {
            throw Ext4Exception.corrupt(dev, "freeing already free inode " + ino);
        }
        Bitmap.clear(map, i);
        bitmapChanged(g, map);
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
        return Bitmap.test(bitmap(g), (int) ((ino - 1) % sb.inodesPerGroup()));
    }
}
