package org.faultline.fs.ext4;

import java.io.IOException;
import org.faultline.kernel.KernelSource;

/**
 * The on-disk orphan list of fs/ext4/orphan.c: an inode whose last link goes while the kernel still
 * holds it is chained from {@code s_last_orphan} through {@code i_dtime} until it is evicted, so that
 * after a crash {@code e2fsck} (or a mount's {@link #ext4OrphanCleanup}) frees it; so is an inode
 * whose blocks past {@code i_size} must go if the system crashes before its size catches up (an
 * extending direct write), which the cleanup truncates.
 *
 * <p>Deviation: the kernel also keeps a doubly linked in-memory list ({@code s_orphan}); here the
 * short on-disk list is walked to unlink an inode. No {@code orphan_file} feature.
 */
@KernelSource("fs/ext4/orphan.c")
public final class Ext4Orphan {
    private final Ext4Volume v;

    Ext4Orphan(Ext4Volume v) {
        this.v = v;
    }

    /**
     * {@code ext4_orphan_add}'s on-disk part: {@code ino} becomes the head of the list, its
     * {@code i_dtime} pointing at the previous head (the caller writes {@code in}).
     */
    void ext4OrphanAdd(long ino, Ext4InodeRaw in) {
        in.setDtime(v.sb.lastOrphan());
        v.sb.setU32(SuperBlockDescriptor.S_LAST_ORPHAN, ino);
        v.sbDirty = true;
    }

    /**
     * {@code ext4_orphan_add} of an inode still linked (an extending direct write): on the list until
     * {@link #ext4OrphanDelInode}.
     */
    public void ext4OrphanAddInode(long ino) throws IOException {
        v.begin(true);
        Ext4InodeRaw in = v.inodes().heldInode(ino);
        if (in.dtime() != 0 || v.sb.lastOrphan() == ino) {
            return; // already on it
        }
        ext4OrphanAdd(ino, in);
        v.inodes().writeInode(ino, in);
    }

    /** {@code ext4_orphan_del} of an inode, reading and writing it. */
    public void ext4OrphanDelInode(long ino) throws IOException {
        v.begin(true);
        Ext4InodeRaw in = v.inodes().heldInode(ino);
        if (in.linksCount() == 0) {
            return; // an unlinked inode stays on the list until it is evicted
        }
        ext4OrphanDel(ino, in);
        v.inodes().writeInode(ino, in);
    }

    /**
     * {@code ext4_orphan_cleanup()} at a read-write mount (after journal recovery): each inode on the
     * list is taken off it and, if it has no link left, freed ({@code ext4_evict_inode}), else its blocks
     * past {@code i_size} freed ({@code ext4_truncate}). Reports as the kernel does:
     * {@code EXT4-fs (sda): 1 truncate cleaned up}, {@code EXT4-fs (sda): 2 orphan inodes deleted}.
     */
    void ext4OrphanCleanup(java.util.function.Consumer<String> printk) throws IOException {
        Ext4SuperBlock sb = v.sb;
        int deleted = 0;
        int truncated = 0;
        for (long steps = 0; sb.lastOrphan() != 0; steps++) {
            long ino = sb.lastOrphan();
            if (ino < sb.firstIno() || ino > sb.inodesCount() || steps >= sb.inodesCount()) {
                throw Ext4Exception.corrupt(v.dev, "orphan list link " + ino + " out of range");
            }
            Ext4InodeRaw in = v.inodes().readInode(ino);
            sb.setU32(SuperBlockDescriptor.S_LAST_ORPHAN, in.dtime());
            v.sbDirty = true;
            in.setDtime(0);
            v.inodes().writeInode(ino, in);
            if (in.linksCount() == 0) {
                v.inodes().freeInode(ino, in);
                deleted++;
            } else {
                long keep = (in.size() + v.bs - 1) / v.bs;
                v.extents().ext4ExtRemoveSpace(ino, keep, ExtentDescriptor.EXT_MAX_BLOCKS);
                truncated++;
            }
        }
        if (deleted > 0) {
            printk.accept("EXT4-fs (" + v.dev + "): " + deleted + " orphan inode" + (deleted == 1 ? "" : "s") + " deleted");
        }
        if (truncated > 0) {
            printk.accept("EXT4-fs (" + v.dev + "): " + truncated + " truncate" + (truncated == 1 ? "" : "s") + " cleaned up");
        }
    }

    /**
     * {@code ext4_orphan_del}: unlinks {@code ino} from the on-disk list if it is on it (the caller
     * writes {@code in}).
     */
    void ext4OrphanDel(long ino, Ext4InodeRaw in) throws IOException {
        Ext4SuperBlock sb = v.sb;
        long head = sb.lastOrphan();
        if (head == 0) {
            return;
        }
        if (head == ino) {
            sb.setU32(SuperBlockDescriptor.S_LAST_ORPHAN, in.dtime());
            v.sbDirty = true;
            in.setDtime(0);
            return;
        }
        long cur = head;
        for (long steps = 0; cur != 0 && steps < sb.inodesCount(); steps++) {
            if (cur < 1 || cur > sb.inodesCount()) {
                throw Ext4Exception.corrupt(v.dev, "orphan list link " + cur + " out of range");
            }
            Ext4InodeRaw c = v.inodes().readInode(cur);
            long next = c.dtime();
            if (next == ino) {
                c.setDtime(in.dtime());
                v.inodes().writeInode(cur, c);
                in.setDtime(0);
                return;
            }
            cur = next;
        }
    }
}
