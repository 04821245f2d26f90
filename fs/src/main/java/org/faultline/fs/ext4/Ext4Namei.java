package org.faultline.fs.ext4;

import java.util.ArrayList;
import java.util.List;
import org.faultline.fs.DirEntry;
import org.faultline.fs.Iattr;
import org.faultline.fs.Inode;
import org.faultline.fs.InodeOperations;
import org.faultline.kernel.KernelSource;

/**
 * ext4 directory and inode operations (fs/ext4/namei.c, the size part of fs/ext4/inode.c's
 * {@code ext4_setattr}): each call is one metadata change in the volume; the VFS inode cache is
 * kept in step (link counts, eviction is the VFS's on last reference).
 * Context: the VFS holds the directories' {@code i_rwsem}.
 */
@KernelSource("fs/ext4/namei.c")
final class Ext4Namei implements InodeOperations {
    private final Ext4Super es;

    Ext4Namei(Ext4Super es) {
        this.es = es;
    }

    /** ext4_lookup(). */
    @Override
    public Inode lookup(Inode dir, String name) {
        long ino = es.vol(() -> es.vol.dirs().ext4Lookup(dir.ino(), name));
        return ino == 0 ? null : es.iget(ino);
    }

    /** ext4_create(). */
    @Override
    public Inode create(Inode dir, String name, int mode) {
        return newEntry(dir, () -> es.vol.dirs().ext4Create(dir.ino(), name, mode));
    }

    /** A new inode and its name in {@code dir}, in one handle: the directory touched, the inode read in. */
    private Inode newEntry(Inode dir, Ext4Super.VolCall<Long> make) {
        org.faultline.fs.jbd2.Transaction.Handle h = es.journalStart(dir, true);
        try {
            long ino = es.vol(() -> inodeInitOwner(dir, make.call(), false));
            dir.touch();
            Inode inode = es.iget(ino);
            es.journalNote(inode, true);
            return inode;
        } finally {
            es.journalStop(h);
        }
    }

    /**
     * inode_init_owner(), as __ext4_new_inode calls it: the new inode is the creating task's
     * ({@code current_fsuid}); its group is the directory's if the directory is set-group-ID (a new
     * directory inheriting the bit), else the task's. Deviation: written after the inode is made, in
     * the same handle, where the kernel fills it in before the first write.
     *
     * @return {@code ino}
     */
    private long inodeInitOwner(Inode dir, long ino, boolean isDir) throws java.io.IOException {
        org.faultline.kernel.Cred c = org.faultline.kernel.Cred.current();
        boolean sgid = (dir.mode() & Inode.S_ISGID) != 0;
        int gid = sgid ? dir.iGid() : c.fsgid();
        if (c.fsuid() != 0 || gid != 0) {
            es.vol.inodes().setOwner(ino, c.fsuid(), gid, Ext4Super.realtimeNs(es.k));
        }
        if (sgid && isDir) {
            int m = es.vol.inodes().readInode(ino).mode();
            es.vol.inodes().setMode(ino, (m | Inode.S_ISGID) & 07777, Ext4Super.realtimeNs(es.k));
        }
        return ino;
    }

    /** ext4_link(): the new name and the raised link count in one handle. */
    @Override
    public void link(Inode inode, Inode dir, String name) {
        org.faultline.fs.jbd2.Transaction.Handle h = es.journalStart(dir, true);
        try {
            es.journalNote(inode, false);
            es.vol(() -> {
                es.vol.dirs().ext4Link(dir.ino(), name, inode.ino());
                return null;
            });
            inode.incNlink();
            dir.touch();
        } finally {
            es.journalStop(h);
        }
    }

    /** ext4_symlink(): a fast symlink below 60 bytes, else one block holding the target. */
    @Override
    public Inode symlink(Inode dir, String name, String target) {
        return newEntry(dir, () -> es.vol.dirs().ext4Symlink(dir.ino(), name, target));
    }

    /** ext4_mkdir(). */
    @Override
    public Inode mkdir(Inode dir, String name, int mode) {
        org.faultline.fs.jbd2.Transaction.Handle h = es.journalStart(dir, true);
        try {
            long ino = es.vol(() -> inodeInitOwner(dir, es.vol.dirs().ext4Mkdir(dir.ino(), name, mode & 07777), true));
            syncDirNlink(dir);
            Inode inode = es.iget(ino);
            es.journalNote(inode, true);
            return inode;
        } finally {
            es.journalStop(h);
        }
    }

    /**
     * The in-memory link count of a directory after it gained or lost a subdirectory, as
     * {@code ext4_inc_count} / {@code ext4_dec_count} left it on disk (with {@code dir_nlink} an indexed
     * directory past {@code EXT4_LINK_MAX} counts 1).
     */
    private void syncDirNlink(Inode dir) {
        dir.setNlink(es.vol(() -> es.vol.inodes().readInode(dir.ino()).linksCount()));
    }

    /** ext4_unlink(): the inode lives on (orphan-like) until the VFS evicts it. */
    @Override
    public void unlink(Inode dir, String name, Inode victim) {
        es.volChange(dir, true, () -> {
            es.journalNote(victim, false);
            return es.vol.dirs().ext4Unlink(dir.ino(), name);
        });
        victim.dropNlink();
        dir.touch();
    }

    /** ext4_rmdir(). */
    @Override
    public void rmdir(Inode dir, String name, Inode victim) {
        es.volChange(dir, true, () -> {
            es.vol.dirs().ext4Rmdir(dir.ino(), name);
            return null;
        });
        victim.setNlink(0);
        syncDirNlink(dir);
        es.sb.icacheRemove(victim);
    }

    /**
     * ext4_rename(). A rename over an existing name first pushes the source's delayed-allocation data
     * to writeback ({@link Ext4Inode#ext4AllocDaBlocks}, the auto_da_alloc heuristic, on by default).
     */
    @Override
    public void rename(Inode oldDir, String oldName, Inode newDir, String newName) {
        Inode src = lookup(oldDir, oldName);
        if (src != null && src.isReg() && lookup(newDir, newName) != null) {
            Ext4Inode.ext4AllocDaBlocks(src);
        }
        org.faultline.fs.jbd2.Transaction.Handle h = es.journalStart(oldDir, true);
        long replaced;
        try {
            es.journalNote(newDir, true);
            if (src != null) {
                es.journalNote(src, false);
            }
            replaced = es.vol(() -> es.vol.dirs().ext4Rename(oldDir.ino(), oldName, newDir.ino(), newName));
        } finally {
            es.journalStop(h);
        }
        if (replaced != 0) {
            Inode r = es.sb.icacheFind(replaced);
            if (r != null) {
                r.dropNlink();
                if (r.isDir()) {
                    r.setNlink(0);
                    es.sb.icacheRemove(r);
                }
            }
        }
        if (src != null && src.isDir()) {
            syncDirNlink(oldDir);
            if (newDir != oldDir) {
                syncDirNlink(newDir);
            }
        }
    }

    /**
     * ext4_setattr() for ATTR_MODE, ATTR_UID/ATTR_GID and ATTR_[AM]TIME[_SET]: the on-disk inode changed
     * in a handle (as ext4_mark_inode_dirty does), then the in-memory one; i_ctime is now.
     */
    @Override
    public void setattr(Inode inode, Iattr a) {
        org.faultline.fs.jbd2.Transaction.Handle h = es.journalStart(inode, false);
        try {
            long now = Ext4Super.realtimeNs(es.k);
            es.journalNote(inode, false);
            if (a.setsMode()) {
                es.vol(() -> {
                    es.vol.inodes().setMode(inode.ino(), a.mode(), now);
                    return null;
                });
                inode.setMode((inode.mode() & Inode.S_IFMT) | a.mode());
                inode.setTimes(inode.mtimeNs(), now);
            }
            if (a.setsOwner()) {
                es.vol(() -> {
                    es.vol.inodes().setOwner(inode.ino(), a.uid(), a.gid(), now);
                    return null;
                });
                inode.setOwner(a.uid(), a.gid());
                inode.setTimes(inode.mtimeNs(), now);
            }
            if (a.setsTimes()) {
                long at = seconds(a.atimeNs(), now);
                long mt = seconds(a.mtimeNs(), now);
                es.vol(() -> {
                    es.vol.inodes().setATimeMTime(inode.ino(), at, mt, now);
                    return null;
                });
                inode.setTimes(mt == Ext4Inodes.KEEP ? inode.mtimeNs() : mt * 1_000_000_000L, now);
            }
        } finally {
            es.journalStop(h);
        }
    }

    /** An Iattr time as the disk keeps it: whole seconds, now, or {@link Ext4Inodes#KEEP}. */
    private static long seconds(long t, long now) {
        return t == Iattr.TIME_UNSET ? Ext4Inodes.KEEP : Math.floorDiv(t == Iattr.TIME_NOW ? now : t, 1_000_000_000L);
    }

    /** ext4_setattr(ATTR_SIZE): see {@link Ext4Truncate#setSize}. */
    @Override
    public void setSize(Inode inode, long size) {
        Ext4Truncate.setSize(es, inode, size);
    }

    /**
     * ext4_get_link() (fs/ext4/symlink.c): a fast symlink's target is in {@code i_block}
     * ({@code simple_get_link} on {@code i_link}); a slow one's is the first data block
     * ({@code page_get_link}). See {@link Ext4Dirs#ext4GetLink(long)}.
     */
    @Override
    public String getLink(Inode inode) {
        return es.vol(() -> es.vol.dirs().ext4GetLink(inode.ino()));
    }

    /** ext4_readdir(). */
    @Override
    public List<DirEntry> readdir(Inode dir) {
        List<org.faultline.fs.ext4.DirEntry> raw = es.vol(() -> es.vol.dirs().ext4Readdir(dir.ino()));
        List<DirEntry> out = new ArrayList<>();
        for (org.faultline.fs.ext4.DirEntry d : raw) {
            String n = d.nameString();
            if (n.equals(".") || n.equals("..")) {
                continue;
            }
            out.add(new DirEntry(n, d.ino(), d.fileType() == 2 ? DirEntry.DT_DIR : DirEntry.DT_REG));
        }
        return out;
    }

    /** ext4_xattr_get() through its handler (xattr_user.c, xattr_trusted.c, xattr_security.c). */
    @Override
    public int getxattr(Inode inode, String name, byte[] buffer) {
        Ext4XattrHandlers.Resolved r = Ext4XattrHandlers.resolve(name);
        return es.vol(() -> es.vol.xattr().ext4XattrGet(inode.ino(), r.index(), r.name(), buffer));
    }

    /**
     * ext4_xattr_set(): {@link Ext4Xattr#ext4XattrSetHandle} in a handle of its own; the in-memory ctime
     * follows the disk's (inode_set_ctime_current).
     */
    @Override
    public void setxattr(Inode inode, String name, byte[] value, int flags) {
        Ext4XattrHandlers.Resolved r = Ext4XattrHandlers.resolve(name);
        org.faultline.fs.jbd2.Transaction.Handle h = es.journalStart(inode, false);
        try {
            long now = Ext4Super.realtimeNs(es.k);
            es.journalNote(inode, false);
            if (es.vol(() -> es.vol.xattr().ext4XattrSetHandle(inode.ino(), r.index(), r.name(), value, flags, now))) {
                inode.setTimes(inode.mtimeNs(), now);
            }
        } finally {
            es.journalStop(h);
        }
    }

    /** ext4_listxattr(): trusted.* only for a task with CAP_SYS_ADMIN (ext4_xattr_trusted_list). */
    @Override
    public int listxattr(Inode inode, byte[] buffer) {
        boolean admin = org.faultline.kernel.Cred.current().capable();
        return es.vol(() -> es.vol.xattr().ext4Listxattr(inode.ino(), buffer,
                idx -> Ext4XattrHandlers.listPrefix(idx, admin)));
    }
}
