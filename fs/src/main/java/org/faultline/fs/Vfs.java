package org.faultline.fs;

import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;

/**
 * The mount table and path walk (fs/namespace.c, fs/namei.c): one root filesystem. Lookup walks
 * components from the root, taking each directory's {@code i_rwsem} shared around
 * {@code ->lookup}, as {@code lookup_slow} does. No dentry cache: every walk asks the filesystem.
 */
@KernelSource("fs/namei.c")
public final class Vfs {
    public static final int NAME_MAX = 255;

    private final Kernel k;
    private volatile SuperBlock root;

    private Vfs(Kernel k) {
        this.k = k;
    }

    /** vfs_caches_init(): the VFS of a kernel. An initcall, made at boot before any task runs. */
    public static void init(Kernel k) {
        if (k.subsys(Vfs.class) == null) {
            k.attach(Vfs.class, new Vfs(k));
        }
    }

    /** The VFS of a kernel (see {@link #init}). */
    public static Vfs of(Kernel k) {
        Vfs v = k.subsys(Vfs.class);
        if (v == null) {
            throw new IllegalStateException("VFS not initialised (vfs_caches_init) on this kernel");
        }
        return v;
    }

    /** Mounts {@code sb} as the root filesystem and starts its flusher. */
    public void mountRoot(SuperBlock sb) {
        root = sb;
        sb.writeback().start();
        k.printk("VFS: Mounted root (" + sb.id() + ")");
    }

    public SuperBlock root() {
        return root;
    }

    /**
     * umount of the root (generic_shutdown_super): sync_filesystem, evict every unlinked inode
     * nobody holds, stop the flusher, and ->put_super. Context: a task, after every file is closed.
     *
     * @return 0 or the first writeback error
     */
    public int umountRoot() {
        SuperBlock sb = root;
        if (sb == null) {
            return -Errno.EINVAL;
        }
        sb.sUmount.downWrite(); // no sync() can be walking this superblock while it is torn down
        int ret;
        try {
            ret = Namei.syncFilesystem(sb);
            for (Inode i : sb.icacheAll()) {
                Namei.maybeEvict(i);
            }
            sb.writeback().stop();
            if (sb.sop() != null) {
                sb.sop().putSuper(sb);
            }
            sb.deactivate();
            root = null;
        } finally {
            sb.sUmount.upWrite();
        }
        k.printk("VFS: unmounted " + sb.id());
        return ret;
    }

    /** A resolved parent directory and final name. */
    public record Parent(Inode dir, String name) {
    }

    /**
     * path_lookupat() with LOOKUP_FOLLOW: the inode at {@code path}, symbolic links followed
     * ({@link Namei#linkPathWalk}).
     *
     * @throws FsError ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG
     */
    public Inode lookup(String path) {
        return Namei.linkPathWalk(this, rootInode(), path, components(path), true, path.endsWith("/"));
    }

    /** path_lookupat() without LOOKUP_FOLLOW (lstat(2)): a symbolic link at the end is not followed. */
    public Inode lookupNoFollow(String path) {
        return Namei.linkPathWalk(this, rootInode(), path, components(path), false, path.endsWith("/"));
    }

    /**
     * The parent directory of {@code path} and the last component.
     *
     * @throws FsError ENOENT if a parent is missing, EINVAL for "/" itself
     */
    public Parent parent(String path) {
        String[] cs = components(path);
        if (cs.length == 0) {
            throw new FsError(Errno.EINVAL, "no name in " + path);
        }
        Inode cur = Namei.linkPathWalk(this, rootInode(), path, java.util.Arrays.copyOf(cs, cs.length - 1), true,
                false);
        if (!cur.isDir()) {
            throw new FsError(Errno.ENOTDIR, path);
        }
        return new Parent(cur, cs[cs.length - 1]);
    }

    /** lookup_one: dir's i_rwsem shared around ->lookup. */
    public Inode lookupOne(Inode dir, String name) {
        if (!dir.isDir()) {
            throw new FsError(Errno.ENOTDIR, name);
        }
        if (name.equals(".")) {
            return dir;
        }
        dir.iRwsem.downRead();
        try {
            return dir.iop().lookup(dir, name);
        } finally {
            dir.iRwsem.upRead();
        }
    }

    private Inode rootInode() {
        SuperBlock sb = root;
        if (sb == null) {
            throw new FsError(Errno.ENOENT, "no root filesystem mounted");
        }
        return sb.root();
    }

    static String[] components(String path) {
        if (!path.startsWith("/")) {
            throw new FsError(Errno.ENOENT, "paths are absolute: " + path);
        }
        String[] parts = path.split("/+");
        int n = 0;
        for (String p : parts) {
            if (!p.isEmpty()) {
                if (p.length() > NAME_MAX) {
                    throw new FsError(Errno.ENAMETOOLONG, p);
                }
                n++;
            }
        }
        String[] out = new String[n];
        int i = 0;
        for (String p : parts) {
            if (!p.isEmpty()) {
                out[i++] = p;
            }
        }
        return out;
    }
}
