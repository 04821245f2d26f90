package org.faultline.fs.ext4;

import java.io.IOException;
import org.faultline.kernel.KernelSource;

/**
 * The on-disk orphan list of fs/ext4/orphan.c: an inode whose last link goes while the kernel still
 * holds it is chained from {@code s_last_orphan} through {@code i_dtime} until it is evicted, so that
 * after a crash {@code e2fsck} (or a mount's {@code ext4_orphan_cleanup}) frees it.
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
