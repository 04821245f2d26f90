package org.faultline.fs;

import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;
import org.faultline.mm.Truncate;

/**
 * Directory operations behind the system calls (fs/namei.c: {@code vfs_mkdir}, {@code vfs_unlink},
 * {@code vfs_rmdir}, {@code vfs_rename}), inode eviction ({@code iput_final} → {@code evict}), and
 * {@code sync_filesystem} (fs/sync.c). Locks: the parent's {@code i_rwsem}, then the victim's, as
 * {@code lock_rename} orders two directories by inode number.
 */
@KernelSource("fs/namei.c")
public final class Namei {
    private Namei() {
    }

    /** MAXSYMLINKS (include/linux/namei.h): symbolic links one walk follows before ELOOP. */
    public static final int MAXSYMLINKS = 40;

    /**
     * link_path_walk() with walk_component() and, for the last component, lookup_last(): resolves
     * {@code path} (absolute) component by component from the root. A symbolic link met on the way
     * is followed as step_into() → pick_link() does: its body comes from {@code ->get_link}, an
     * absolute body restarts the walk at the root, a relative one continues in the directory that
     * holds the link, and the rest of the path is walked after it. The last component is followed
     * only if {@code followLast} (LOOKUP_FOLLOW: stat(2), open(2); not lstat(2), readlink(2)) or the
     * path ends in a slash (trailing_symlink()). More than {@link #MAXSYMLINKS} links in one walk
     * is ELOOP.
     *
     * <p>Deviation: no dentry cache, no RCU walk, no mount crossing (one root filesystem); ".." of
     * the root is the root, as the filesystem's own ".." entry says.
     *
     * @param components the path's components, as {@link Vfs} splits them
     * @param trailingSlash the path ended in '/': the result must be a directory, and a link is followed
     * @throws FsError ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, or the filesystem's error
     */
    static Inode linkPathWalk(Vfs vfs, Inode root, String path, String[] components, boolean followLast,
                              boolean trailingSlash) {
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(java.util.Arrays.asList(components));
        Inode cur = root;
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.pollFirst();
            Inode next = vfs.lookupOne(cur, name);
            if (next == null) {
                throw new FsError(Errno.ENOENT, path);
            }
            boolean last = todo.isEmpty();
            if (isSymlink(next) && (!last || followLast || trailingSlash)) {
                if (++links > MAXSYMLINKS) {
                    throw new FsError(Errno.ELOOP, path);
                }
                String body = pickLink(next);
                String[] more = Vfs.components("/" + body);
                for (int i = more.length - 1; i >= 0; i--) {
                    todo.addFirst(more[i]);
                }
                if (body.startsWith("/")) {
                    cur = root; // nd_jump_root()
                }
                continue; // a relative body walks on from cur, the link's directory
            }
            cur = next;
        }
        if (trailingSlash && !cur.isDir()) {
            throw new FsError(Errno.ENOTDIR, path);
        }
        return cur;
    }

    /**
     * pick_link(): the body of symbolic link {@code link} through its {@code ->get_link}
     * (ext4_get_link, page_get_link). An empty body is ENOENT, as in the kernel.
     */
    static String pickLink(Inode link) {
        String body = link.iop().getLink(link);
        if (body == null || body.isEmpty()) {
            throw new FsError(Errno.ENOENT, "empty symbolic link " + link);
        }
        return body;
    }

    static boolean isSymlink(Inode inode) {
        return (inode.mode() & Inode.S_IFMT) == Inode.S_IFLNK;
    }

    /** readlink(2) (fs/stat.c: do_readlinkat → vfs_readlink): the body of the link at {@code path}, not followed. */
    static String readlink(Vfs vfs, String path) {
        Inode inode = vfs.lookupNoFollow(path);
        if (!isSymlink(inode)) {
            throw new FsError(Errno.EINVAL, path);
        }
        return inode.iop().getLink(inode);
    }

    static int mkdir(Vfs vfs, String path, int mode) {
        return createEntry(vfs, path, (dir, name) -> dir.iop().mkdir(dir, name, Inode.S_IFDIR | (mode & 07777)));
    }

    /**
     * The common part of mkdirat, symlinkat (filename_create): the parent looked up, refused on a
     * read-only filesystem, its i_rwsem taken, EEXIST if the name is taken, then {@code make}.
     */
    private static int createEntry(Vfs vfs, String path, java.util.function.BiConsumer<Inode, String> make) {
        try {
            Vfs.Parent p = vfs.parent(path);
            Inode dir = p.dir();
            if (dir.sb().readOnly()) {
                return -Errno.EROFS;
            }
            dir.iRwsem.downWrite();
            try {
                if (dir.iop().lookup(dir, p.name()) != null) {
                    return -Errno.EEXIST;
                }
                make.accept(dir, p.name());
                return 0;
            } finally {
                dir.iRwsem.upWrite();
            }
        } catch (FsError e) {
            return e.err();
        }
    }

    /** do_linkat(): {@code newPath} a new name for the non-directory at {@code oldPath} (not followed). */
    static int link(Vfs vfs, String oldPath, String newPath) {
        try {
            Inode inode = vfs.lookupNoFollow(oldPath);
            if (inode.isDir()) {
                return -Errno.EPERM;
            }
            Vfs.Parent p = vfs.parent(newPath);
            Inode dir = p.dir();
            if (dir.sb().readOnly()) {
                return -Errno.EROFS;
            }
            if (dir.sb() != inode.sb()) {
                return -Errno.EXDEV;
            }
            dir.iRwsem.downWrite();
            try {
                if (dir.iop().lookup(dir, p.name()) != null) {
                    return -Errno.EEXIST;
                }
                inode.iRwsem.downWrite();
                try {
                    if (inode.nlink() == 0) {
                        return -Errno.ENOENT; // unlinked meanwhile
                    }
                    dir.iop().link(inode, dir, p.name());
                } finally {
                    inode.iRwsem.upWrite();
                }
                return 0;
            } finally {
                dir.iRwsem.upWrite();
            }
        } catch (FsError e) {
            return e.err();
        }
    }

    /** do_symlinkat(): a symbolic link at {@code path} holding {@code target}. */
    static int symlink(Vfs vfs, String target, String path) {
        if (target.isEmpty()) {
            return -Errno.ENOENT;
        }
        return createEntry(vfs, path, (dir, name) -> dir.iop().symlink(dir, name, target));
    }

    static int unlink(Vfs vfs, String path) {
        try {
            Vfs.Parent p = vfs.parent(path);
            Inode dir = p.dir();
            if (dir.sb().readOnly()) {
                return -Errno.EROFS;
            }
            Inode victim;
            dir.iRwsem.downWrite();
            try {
                victim = dir.iop().lookup(dir, p.name());
                if (victim == null) {
                    return -Errno.ENOENT;
                }
                if (victim.isDir()) {
                    return -Errno.EISDIR;
                }
                victim.iRwsem.downWrite();
                try {
                    dir.iop().unlink(dir, p.name(), victim);
                } finally {
                    victim.iRwsem.upWrite();
                }
            } finally {
                dir.iRwsem.upWrite();
            }
            maybeEvict(victim);
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    static int rmdir(Vfs vfs, String path) {
        try {
            Vfs.Parent p = vfs.parent(path);
            Inode dir = p.dir();
            Inode victim;
            dir.iRwsem.downWrite();
            try {
                victim = dir.iop().lookup(dir, p.name());
                if (victim == null) {
                    return -Errno.ENOENT;
                }
                if (!victim.isDir()) {
                    return -Errno.ENOTDIR;
                }
                victim.iRwsem.downWrite();
                try {
                    if (!victim.iop().readdir(victim).isEmpty()) {
                        return -Errno.ENOTEMPTY;
                    }
                    dir.iop().rmdir(dir, p.name(), victim);
                } finally {
                    victim.iRwsem.upWrite();
                }
            } finally {
                dir.iRwsem.upWrite();
            }
            maybeEvict(victim);
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    static int rename(Vfs vfs, String from, String to) {
        try {
            Vfs.Parent a = vfs.parent(from);
            Vfs.Parent b = vfs.parent(to);
            Inode first = a.dir().ino() <= b.dir().ino() ? a.dir() : b.dir();
            Inode second = first == a.dir() ? b.dir() : a.dir();
            first.iRwsem.downWrite();
            if (second != first) {
                second.iRwsem.downWrite();
            }
            Inode replaced;
            try {
                Inode src = a.dir().iop().lookup(a.dir(), a.name());
                if (src == null) {
                    return -Errno.ENOENT;
                }
                replaced = b.dir().iop().lookup(b.dir(), b.name());
                if (replaced == src) {
                    return 0;
                }
                if (replaced != null && replaced.isDir() != src.isDir()) {
                    return src.isDir() ? -Errno.ENOTDIR : -Errno.EISDIR;
                }
                if (replaced != null && replaced.isDir() && !replaced.iop().readdir(replaced).isEmpty()) {
                    return -Errno.ENOTEMPTY;
                }
                a.dir().iop().rename(a.dir(), a.name(), b.dir(), b.name());
            } finally {
                if (second != first) {
                    second.iRwsem.upWrite();
                }
                first.iRwsem.upWrite();
            }
            if (replaced != null) {
                maybeEvict(replaced);
            }
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    /**
     * iput_final() → evict(): an inode with no links and no open files loses its page cache and, via
     * {@code ->evict_inode}, its blocks.
     */
    static void maybeEvict(Inode inode) {
        if (inode.nlink() > 0 || inode.openCount.get() > 0 || (inode.state & Inode.I_FREEING) != 0) {
            return;
        }
        inode.sb().writeback().removeInode(inode);
        Truncate.truncateInodePages(inode.mapping(), 0);
        if (inode.sb().sop() != null) {
            inode.sb().sop().evictInode(inode);
        }
        inode.sb().icacheRemove(inode);
    }

    /**
     * sync_filesystem(): a non-waiting writeback pass, then the filesystem's sync_fs(nowait), then a
     * waited pass (sync_inodes_sb), then sync_fs(wait).
     */
    public static int syncFilesystem(SuperBlock sb) {
        if (sb.readOnly()) {
            return 0;
        }
        sb.writeback().writebackInodesSb();
        int ret = sb.sop() == null ? 0 : sb.sop().syncFs(sb, false);
        sb.writeback().syncInodesSb();
        int r2 = sb.sop() == null ? 0 : sb.sop().syncFs(sb, true);
        return ret != 0 ? ret : r2;
    }
}
