package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.DirEntryDescriptor.*;
import static org.faultline.fs.ext4.InodeDescriptor.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * The on-disk half of fs/ext4/namei.c and fs/ext4/dir.c: directories — finding, adding and deleting
 * entries ({@code ext4_find_entry}, {@code ext4_add_entry}, {@code ext4_generic_delete_entry}),
 * listing them ({@code ext4_readdir}) — and the namespace operations by inode number, each the
 * counterpart of one kernel function: {@link #ext4Lookup}, {@link #ext4Create}, {@link #ext4Mkdir},
 * {@link #ext4Link}, {@link #ext4Symlink}, {@link #ext4Unlink}, {@link #ext4Rmdir}, {@link #ext4Rename},
 * and {@link #ext4GetLink} (symlink.c).
 *
 * <p>A directory is linear (entries packed in its blocks, searched block by block) until, on a
 * filesystem with {@code dir_index}, its single block is full: {@code make_indexed_dir} then makes it a
 * hash tree ({@code EXT4_INDEX_FL}), which {@link Ext4Htree} searches and grows. Deleting an entry edits
 * its block only, in both kinds. Directory link counts follow {@code dir_nlink}: an indexed directory
 * with more than {@code EXT4_LINK_MAX} links counts 1 ({@code ext4_inc_count}, {@code ext4_dec_count}).
 *
 * <p>An inode whose last link goes stays allocated, on the orphan list ({@link Ext4Orphan}), until
 * the caller {@link Ext4Inodes#ext4EvictInode evicts} it, as the VFS does on its last reference; a
 * removed directory is freed at once (directories are never held open in this model).
 *
 * <p>Every entry read is checked as {@code __ext4_check_dir_entry} checks it. Context:
 * single-threaded, under the caller's filesystem lock (the VFS holds the directories' {@code i_rwsem}).
 */
@KernelSource("fs/ext4/namei.c")
public final class Ext4Dirs {
    private final Ext4Volume v;
    private final Ext4SuperBlock sb;
    private final MetadataCache cache;
    private final BlockAllocator balloc;
    private final InodeAllocator ialloc;
    private final String dev;
    private final int bs;
    private final Ext4DirBlocks blocks;
    private final Ext4Htree htree;

    Ext4Dirs(Ext4Volume v) {
        this.v = v;
        this.sb = v.sb;
        this.cache = v.cache;
        this.balloc = v.balloc;
        this.ialloc = v.ialloc;
        this.dev = v.dev;
        this.bs = v.bs;
        this.blocks = new Ext4DirBlocks(v);
        this.htree = new Ext4Htree(v, blocks);
    }

    private Ext4InodeRaw readInode(long ino) throws IOException {
        return v.inodes().readInode(ino);
    }

    private void writeInode(long ino, Ext4InodeRaw in) throws IOException {
        v.inodes().writeInode(ino, in);
    }

    private Ext4InodeRaw liveInode(long ino) throws IOException {
        return v.inodes().liveInode(ino);
    }

    private Ext4InodeRaw newInode(long ino, int mode, int links) throws IOException {
        return v.inodes().newInode(ino, mode, links);
    }

    private void evict(long ino, Ext4InodeRaw in) throws IOException {
        v.inodes().freeInode(ino, in);
    }

    private ExtentTree tree(long ino, Ext4InodeRaw in) {
        return v.extents().tree(ino, in);
    }

    private long goalFor(long ino) {
        return v.extents().ext4InodeToGoalBlock(ino);
    }

    private long goalFor(long ino, ExtentTree t, long lblk) throws IOException {
        return v.extents().ext4ExtFindGoal(ino, t, lblk);
    }

    private long now() {
        return v.now();
    }

    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};

    private static byte[] nameBytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isDotName(byte[] n) {
        return Arrays.equals(n, DOT) || Arrays.equals(n, DOTDOT);
    }

    /**
     * {@code __ext4_find_entry}: the live entry named {@code name}, or null. "." and ".." are looked for
     * in block 0 only; an indexed directory is searched through its index
     * ({@link Ext4Htree#ext4DxFindEntry}), or block by block if the index is malformed, as the kernel
     * falls back; a linear directory block by block ({@code ext4_search_dir} on each).
     */
    private Ext4DirBlocks.Slot ext4SearchDir(long ino, Ext4InodeRaw dir, byte[] name) throws IOException {
        blocks.checkExtentMapped(ino, dir);
        if (isDotName(name)) {
            return blocks.linearSearch(ino, dir, name, 1);
        }
        if (blocks.isDx(dir)) {
            try {
                return htree.ext4DxFindEntry(ino, dir, name);
            } catch (Ext4Htree.BadDxDir e) {
                // ERR_BAD_DX_DIR: search the directory the old-fashioned way
            }
        }
        return blocks.linearSearch(ino, dir, name, -1);
    }

    /**
     * {@code ext4_add_entry}: adds an entry (the name must not exist). An indexed directory adds it
     * through its index ({@link Ext4Htree#ext4DxAddEntry}); if that index is malformed the directory
     * loses {@code EXT4_INDEX_FL} and is treated as linear, or, with metadata_csum, the add fails. A
     * linear directory takes the first block with room ({@code add_dirent_to_buf}); when its only
     * block is full on a {@code dir_index} filesystem it becomes indexed ({@code make_indexed_dir}),
     * else a block is appended ({@code ext4_append}).
     *
     * @throws Ext4Exception EUCLEAN "Directory has corrupted htree index.", ENOSPC, EEXIST, corruption
     */
    private void ext4AddEntry(long dirIno, byte[] name, long ino, int fileType) throws IOException {
        Ext4InodeRaw dir = readInode(dirIno);
        blocks.checkExtentMapped(dirIno, dir);
        boolean dxFallback = false;
        if (blocks.isDx(dir)) {
            try {
                htree.ext4DxAddEntry(dirIno, dir, name, ino, fileType);
                finishAdd(dirIno, dir);
                return;
            } catch (Ext4Htree.BadDxDir e) {
                if (v.csum.on()) {
                    throw Ext4Exception.corrupt(dev, "ext4_add_entry: inode #" + dirIno
                            + ": Directory has corrupted htree index. (" + e.getMessage() + ")");
                }
                dir.setFlags(dir.flags() & ~EXT4_INDEX_FL);
                dxFallback = true;
                writeInode(dirIno, dir);
            }
        }
        long nblocks = blocks.dirBlocks(dirIno, dir);
        for (long lblk = 0; lblk < nblocks; lblk++) {
            Ext4DirBlocks.DirBlock db = blocks.ext4ReadDirblock(dirIno, dir, lblk, Ext4DirBlocks.DirblockType.DIRENT);
            int de = blocks.ext4FindDestDe(dirIno, db, name);
            if (de >= 0) {
                blocks.addDirentToBuf(dirIno, dir, db.pblk(), db.b(), de, name, ino, fileType);
                finishAdd(dirIno, dir);
                return;
            }
            if (nblocks == 1 && !dxFallback && sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_DIR_INDEX)) {
                htree.makeIndexedDir(dirIno, dir, db, name, ino, fileType);
                finishAdd(dirIno, dir);
                return;
            }
        }
        Ext4DirBlocks.Appended a = blocks.ext4Append(dirIno, dir);
        blocks.initEmptyLeaf(a.b());
        blocks.addDirentToBuf(dirIno, dir, a.pblk(), a.b(), 0, name, ino, fileType);
        finishAdd(dirIno, dir);
    }

    /**
     * The end of {@code add_dirent_to_buf} for the directory inode: {@code ext4_update_dx_flag} (an
     * indexed directory on a filesystem without {@code dir_index} loses its flag), the times, and
     * {@code ext4_mark_inode_dirty}.
     */
    private void finishAdd(long dirIno, Ext4InodeRaw dir) throws IOException {
        ext4UpdateDxFlag(dir);
        long t = now();
        dir.setMtime(t);
        dir.setCtime(t);
        writeInode(dirIno, dir);
    }

    /** {@code ext4_update_dx_flag}: clears {@code EXT4_INDEX_FL} when the filesystem has no {@code dir_index}. */
    private void ext4UpdateDxFlag(Ext4InodeRaw dir) {
        if (!sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_DIR_INDEX) && dir.hasFlag(EXT4_INDEX_FL)) {
            dir.setFlags(dir.flags() & ~EXT4_INDEX_FL);
        }
    }

    /**
     * Sets a directory's mtime and ctime, and with {@code linkDelta} +1 or -1 counts a subdirectory
     * gained or lost ({@link #ext4IncCount}, {@link #ext4DecCount}); {@code ext4_update_dx_flag} as the
     * kernel's unlink, rmdir and rename do.
     */
    private void touchDir(long dirIno, int linkDelta) throws IOException {
        Ext4InodeRaw d = readInode(dirIno);
        if (linkDelta > 0) {
            ext4IncCount(d);
        } else if (linkDelta < 0) {
            ext4DecCount(d);
        }
        ext4UpdateDxFlag(d);
        long t = now();
        d.setMtime(t);
        d.setCtime(t);
        writeInode(dirIno, d);
    }

    /**
     * {@code ext4_inc_count} of a directory gaining a subdirectory: an indexed directory whose count
     * passes {@code EXT4_LINK_MAX}, or was 1, counts 1 ("many": {@code dir_nlink}).
     */
    private void ext4IncCount(Ext4InodeRaw d) {
        int n = d.linksCount() + 1;
        if (blocks.isDx(d) && (n > Ext4Volume.EXT4_LINK_MAX || n == 2)) {
            n = 1;
        }
        d.setLinksCount(n);
    }

    /** {@code ext4_dec_count}: a directory at 2 links, or at 1 ("many"), keeps its count. */
    private void ext4DecCount(Ext4InodeRaw d) {
        if (!d.isDir() || d.linksCount() > 2) {
            d.setLinksCount(d.linksCount() - 1);
        }
    }

    /**
     * {@code EXT4_DIR_LINK_MAX}: whether directory {@code d} can take no more subdirectories — it has
     * {@code EXT4_LINK_MAX} links and is not an indexed directory on a {@code dir_nlink} filesystem.
     */
    private boolean ext4DirLinkMax(Ext4InodeRaw d) {
        return d.linksCount() >= Ext4Volume.EXT4_LINK_MAX
                && !(sb.hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_DIR_NLINK) && blocks.isDx(d));
    }

    /** {@code ext4_init_new_dir}: a new directory's first block, "." and "..", and its tail. */
    private void ext4InitNewDir(long pblk, byte[] b, long self, Ext4InodeRaw selfInode, long parent) {
        blocks.initEmptyLeaf(b);
        DirEntry.put(b, 0, self, recLen(1), DOT, EXT4_FT_DIR);
        DirEntry.put(b, recLen(1), parent, blocks.leafEnd() - recLen(1), DOTDOT, EXT4_FT_DIR);
        blocks.dirtyLeaf(pblk, blocks.iseed(self, selfInode));
    }

    /** {@code ext4_empty_dir}: only "." and ".." in the first block, nothing live elsewhere. */
    private boolean ext4EmptyDir(long ino, Ext4InodeRaw dir) throws IOException {
        boolean[] other = new boolean[1];
        blocks.forEachEntry(ino, dir, -1, (lblk, pblk, b, off, prev) -> {
            if (DirEntry.inodeAt(b, off) != 0) {
                byte[] n = DirEntry.nameAt(b, off);
                if (!(lblk == 0 && isDotName(n))) {
                    other[0] = true;
                    return true;
                }
            }
            return false;
        });
        return !other[0];
    }

    /** {@code ext4_mkdir} in directory {@code dir}; {@code what} names the entry in messages. */
    private long mkdirEntry(long dir, byte[] name, int perm, String what) throws IOException {
        checkNew(dir, name, what);
        Ext4InodeRaw parent = readInode(dir);
        if (ext4DirLinkMax(parent)) {
            throw Ext4Exception.of(Errno.EMLINK, dev, what);
        }
        return makeDir(dir, name, perm, true);
    }

    private long makeDir(long parentIno, byte[] name, int perm, boolean spread) throws IOException {
        long ino = ialloc.allocate(parentIno, true, spread);
        long pblk;
        try {
            pblk = balloc.allocateOne(goalFor(ino));
        } catch (IOException e) {
            ialloc.free(ino, true);
            throw e;
        }
        Ext4InodeRaw in = newInode(ino, S_IFDIR | (perm & 07777), 2);
        tree(ino, in).insert(0, pblk, 1, false);
        in.setBlocks512(bs / 512);
        in.setSize(bs);
        ext4InitNewDir(pblk, cache.getNew(pblk), ino, in, parentIno);
        writeInode(ino, in);
        try {
            ext4AddEntry(parentIno, name, ino, EXT4_FT_DIR);
        } catch (IOException e) {
            evict(ino, in);
            throw e;
        }
        touchDir(parentIno, +1);
        return ino;
    }

    private void checkNew(long dir, byte[] name, String what) throws IOException {
        if (isDotName(name) || ext4SearchDir(dir, readInode(dir), name) != null) {
            throw Ext4Exception.of(Errno.EEXIST, dev, what);
        }
    }

    /** {@code ext4_create} of a regular file with {@code mode} in directory {@code dir}. */
    private long createEntry(long dir, byte[] name, int mode, String what) throws IOException {
        checkNew(dir, name, what);
        long ino = ialloc.allocate(dir, false);
        Ext4InodeRaw in = newInode(ino, mode, 1);
        writeInode(ino, in);
        try {
            ext4AddEntry(dir, name, ino, EXT4_FT_REG_FILE);
        } catch (IOException e) {
            evict(ino, in);
            throw e;
        }
        return ino;
    }

    private String linkTarget(long ino, Ext4InodeRaw in) throws IOException {
        int len = (int) Math.min(in.size(), bs);
        if (in.isFastSymlink()) {
            return new String(in.raw(), I_BLOCK, len, StandardCharsets.UTF_8);
        }
        Ext4Extents.BlockMap m = v.extents().lookup(ino, in, 0, 1);
        byte[] b = new byte[bs];
        if (!m.hole() && !m.unwritten()) {
            v.io.read(m.pblk(), b); // page_get_link(): page 0 of the link's mapping
        }
        return new String(b, 0, len, StandardCharsets.UTF_8);
    }

    /**
     * Removes the entry {@code name} (a non-directory) from {@code dir}, leaving the victim's link
     * count alone.
     *
     * @return the victim's inode number
     */
    private long unlinkEntry(long dir, byte[] name, String what) throws IOException {
        if (isDotName(name)) {
            throw Ext4Exception.of(Errno.EISDIR, dev, what);
        }
        Ext4DirBlocks.Slot s = ext4SearchDir(dir, readInode(dir), name);
        if (s == null) {
            throw Ext4Exception.of(Errno.ENOENT, dev, what);
        }
        Ext4InodeRaw in = liveInode(s.ino());
        if (in.isDir()) {
            throw Ext4Exception.of(Errno.EISDIR, dev, what);
        }
        blocks.ext4GenericDeleteEntry(s);
        touchDir(dir, 0);
        return s.ino();
    }

    /**
     * Drops one link of a non-directory without freeing it ({@code drop_nlink} in {@code ext4_unlink}
     * / {@code ext4_rename}); at 0 the inode goes on the orphan list ({@code ext4_orphan_add}) until
     * {@link Ext4Inodes#ext4EvictInode} frees it.
     */
    private void dropNlink(long ino) throws IOException {
        Ext4InodeRaw in = readInode(ino);
        in.setLinksCount(in.linksCount() - 1);
        in.setCtime(now());
        if (in.linksCount() == 0) {
            v.orphan().ext4OrphanAdd(ino, in);
        }
        writeInode(ino, in);
    }

    /** {@code ext4_rmdir} of {@code name} in {@code dir}: removes and frees the empty directory. */
    private void rmdirEntry(long dir, byte[] name, String what) throws IOException {
        if (isDotName(name)) {
            throw Ext4Exception.of(Errno.EINVAL, dev, what);
        }
        Ext4DirBlocks.Slot s = ext4SearchDir(dir, readInode(dir), name);
        if (s == null) {
            throw Ext4Exception.of(Errno.ENOENT, dev, what);
        }
        Ext4InodeRaw in = liveInode(s.ino());
        if (!in.isDir()) {
            throw Ext4Exception.of(Errno.ENOTDIR, dev, what);
        }
        if (!ext4EmptyDir(s.ino(), in)) {
            throw Ext4Exception.of(Errno.ENOTEMPTY, dev, what);
        }
        blocks.ext4GenericDeleteEntry(s);
        touchDir(dir, -1);
        evict(s.ino(), readInode(s.ino()));
    }

    /**
     * {@code ext4_rename} of {@code fp} to {@code tp}.
     *
     * A replaced non-directory loses a link (at 0 it goes on the orphan list for the caller to
     * evict); a replaced directory is freed.
     *
     * @return the replaced inode, or 0
     */
    private long renameEntry(Parent fp, Parent tp, String from, String to) throws IOException {
        if (isDotName(fp.name) || isDotName(tp.name)) {
            throw Ext4Exception.of(Errno.EINVAL, dev, from);
        }
        Ext4DirBlocks.Slot src = ext4SearchDir(fp.dir, readInode(fp.dir), fp.name);
        if (src == null) {
            throw Ext4Exception.of(Errno.ENOENT, dev, from);
        }
        if (fp.dir == tp.dir && Arrays.equals(fp.name, tp.name)) {
            return 0;
        }
        Ext4InodeRaw srcIn = liveInode(src.ino());
        boolean isDir = srcIn.isDir();
        if (isDir) {
            for (long d = tp.dir; ; ) {
                if (d == src.ino()) {
                    throw Ext4Exception.of(Errno.EINVAL, dev, to);
                }
                if (d == EXT4_ROOT_INO) {
                    break;
                }
                Ext4DirBlocks.Slot up = ext4SearchDir(d, readInode(d), DOTDOT);
                if (up == null) {
                    throw Ext4Exception.corrupt(dev, "directory inode " + d + " has no '..' entry");
                }
                d = up.ino();
            }
        }
        Ext4DirBlocks.Slot dst = ext4SearchDir(tp.dir, readInode(tp.dir), tp.name);
        boolean replacedDir = false;
        int ftype = DirEntryDescriptor.fileType(srcIn.mode());
        long replaced = 0;
        if (dst != null) {
            if (dst.ino() == src.ino()) {
                return 0;
            }
            Ext4InodeRaw dstIn = liveInode(dst.ino());
            if (isDir && !dstIn.isDir()) {
                throw Ext4Exception.of(Errno.ENOTDIR, dev, to);
            }
            if (!isDir && dstIn.isDir()) {
                throw Ext4Exception.of(Errno.EISDIR, dev, to);
            }
            if (dstIn.isDir() && !ext4EmptyDir(dst.ino(), dstIn)) {
                throw Ext4Exception.of(Errno.ENOTEMPTY, dev, to);
            }
            byte[] b = cache.get(dst.pblk());
            DirEntry.setInode(b, dst.off(), src.ino(), ftype);
            blocks.dirtyLeaf(dst.pblk(), dst.iseed());
            touchDir(tp.dir, 0);
            replacedDir = dstIn.isDir();
            replaced = dst.ino();
            if (replacedDir) {
                evict(dst.ino(), readInode(dst.ino()));
            } else {
                dropNlink(dst.ino());
            }
        } else {
            if (isDir && tp.dir != fp.dir && ext4DirLinkMax(readInode(tp.dir))) {
                throw Ext4Exception.of(Errno.EMLINK, dev, to);
            }
            ext4AddEntry(tp.dir, tp.name, src.ino(), ftype);
        }
        // the source slot may have moved if the entry was added to the same directory: look it up again
        Ext4DirBlocks.Slot again = ext4SearchDir(fp.dir, readInode(fp.dir), fp.name);
        if (again == null || again.ino() != src.ino()) {
            throw Ext4Exception.corrupt(dev, "rename: source entry vanished from directory inode " + fp.dir);
        }
        blocks.ext4GenericDeleteEntry(again);
        touchDir(fp.dir, 0);
        if (isDir) {
            if (fp.dir != tp.dir) {
                Ext4InodeRaw moved = readInode(src.ino());
                Ext4DirBlocks.Slot dd = ext4SearchDir(src.ino(), moved, DOTDOT);
                if (dd == null) {
                    throw Ext4Exception.corrupt(dev, "directory inode " + src.ino() + " has no '..' entry");
                }
                byte[] b = cache.get(dd.pblk());
                DirEntry.setInode(b, dd.off(), tp.dir, EXT4_FT_DIR);
                if (blocks.isDx(moved)) {
                    blocks.dirtyDx(dd.pblk(), dd.iseed());     // ext4_rename_dir_finish: ".." is in the htree root
                } else {
                    blocks.dirtyLeaf(dd.pblk(), dd.iseed());
                }
            }
            // ext4_rename: the old parent loses the moved directory's "..", the new one gains it unless
            // it replaced a directory (whose ".." it loses)
            touchDir(fp.dir, -1);
            if (!replacedDir) {
                touchDir(tp.dir, +1);
            }
        }
        Ext4InodeRaw moved = readInode(src.ino());
        moved.setCtime(now());
        writeInode(src.ino(), moved);
        return replaced;
    }

    static String entryWhat(long dir, String name) {
        return "inode " + dir + " entry '" + name + "'";
    }

    /**
     * A name handed to the inode-number API, as stored on disk (UTF-8).
     *
     * @throws Ext4Exception ENOENT for an empty name, EINVAL for one containing '/' or NUL,
     *                       ENAMETOOLONG past {@link DirEntryDescriptor#EXT4_NAME_LEN} bytes
     */
    private byte[] entryName(long dir, String name) throws Ext4Exception {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new Ext4Exception(Errno.ENOENT, dev + ": inode " + dir + ": empty name: "
                    + Errno.text(Errno.ENOENT));
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw Ext4Exception.of(Errno.EINVAL, dev, entryWhat(dir, name));
        }
        byte[] n = nameBytes(name);
        if (n.length > EXT4_NAME_LEN) {
            throw Ext4Exception.of(Errno.ENAMETOOLONG, dev, entryWhat(dir, name));
        }
        return n;
    }

    /** A name split off a path: its directory and last component. */
    private record Parent(long dir, byte[] name) {
    }

    /**
     * {@code ext4_find_entry} in a directory the caller has read (the offline tools walk paths with it):
     * the inode number of {@code name}, or 0.
     *
     * @throws IOException corruption, EOPNOTSUPP for a directory that is not extent-mapped
     */
    public long ext4FindEntry(long dir, Ext4InodeRaw dirInode, String name) throws IOException {
        v.begin(false);
        Ext4DirBlocks.Slot s = ext4SearchDir(dir, dirInode, nameBytes(name));
        return s == null ? 0 : s.ino();
    }

    /**
     * {@code ext4_lookup}: the inode number of {@code name} in directory {@code dir}. {@code "."} and
     * {@code ".."} are found as the entries they are.
     *
     * @param dir  a directory's inode number
     * @param name one component
     * @return its inode number, or 0 if there is no such entry
     * @throws IOException ENOTDIR, ENOENT (dir removed, or empty name), EINVAL, ENAMETOOLONG, corruption
     */
    public long ext4Lookup(long dir, String name) throws IOException {
        v.begin(false);
        Ext4InodeRaw d = v.inodes().heldDir(dir);
        Ext4DirBlocks.Slot s = ext4SearchDir(dir, d, entryName(dir, name));
        return s == null ? 0 : s.ino();
    }

    /**
     * {@code ext4_create}: a new empty regular file linked as {@code name} in {@code dir}.
     *
     * @param dir  the directory
     * @param name the new name
     * @param mode {@code S_IFREG | perm} (a mode without file type bits is taken as regular)
     * @return the new inode number
     * @throws IOException EEXIST, ENOTDIR, ENOENT, EINVAL (another file type), ENAMETOOLONG, ENOSPC
     *                     (no inode, or no block to grow the directory), EROFS
     */
    public long ext4Create(long dir, String name, int mode) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        v.inodes().heldDir(dir);
        int type = mode & S_IFMT;
        if (type != 0 && type != S_IFREG) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": " + entryWhat(dir, name) + ": mode 0"
                    + Integer.toOctalString(mode) + " is not a regular file");
        }
        return createEntry(dir, n, S_IFREG | (mode & 07777), entryWhat(dir, name));
    }

    /**
     * {@code ext4_mkdir}: a new directory ({@code .} and {@code ..}, link count 2; the parent gains a
     * link).
     *
     * @param dir  the parent
     * @param name the new name
     * @param perm permission bits
     * @return the new inode number
     * @throws IOException EEXIST, ENOTDIR, ENOENT, EMLINK, ENAMETOOLONG, ENOSPC, EROFS
     */
    public long ext4Mkdir(long dir, String name, int perm) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        v.inodes().heldDir(dir);
        return mkdirEntry(dir, n, perm, entryWhat(dir, name));
    }

    /**
     * {@code ext4_link}: a new name {@code name} in {@code dir} for the non-directory {@code ino}.
     *
     * @throws IOException EEXIST, ENOENT, EISDIR for a directory (the VFS says EPERM), EMLINK,
     *                     ENAMETOOLONG, ENOSPC, EROFS
     */
    public void ext4Link(long dir, String name, long ino) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        v.inodes().heldDir(dir);
        Ext4InodeRaw in = liveInode(ino);
        if (in.isDir()) {
            throw Ext4Exception.of(Errno.EISDIR, dev, "inode " + ino);
        }
        if (in.linksCount() >= Ext4Volume.EXT4_LINK_MAX) {
            throw Ext4Exception.of(Errno.EMLINK, dev, "inode " + ino);
        }
        checkNew(dir, n, entryWhat(dir, name));
        ext4AddEntry(dir, n, ino, DirEntryDescriptor.fileType(in.mode()));
        in = readInode(ino);
        in.setLinksCount(in.linksCount() + 1);
        in.setCtime(now());
        writeInode(ino, in);
    }

    /**
     * {@code ext4_symlink}: a fast symlink (target in {@code i_block}) below 60 bytes, else one
     * extent-mapped block written with the target.
     *
     * @param target the link text (1..4095 bytes)
     * @return the new inode number
     * @throws IOException EEXIST, ENOENT, ENAMETOOLONG, ENOSPC, EROFS
     */
    public long ext4Symlink(long dir, String name, String target) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        String what = entryWhat(dir, name);
        byte[] t = nameBytes(target);
        if (t.length == 0 || t.length >= bs) {
            throw Ext4Exception.of(t.length == 0 ? Errno.ENOENT : Errno.ENAMETOOLONG, dev, what);
        }
        v.inodes().heldDir(dir);
        checkNew(dir, n, what);
        long ino = ialloc.allocate(dir, false);
        Ext4InodeRaw in = newInode(ino, S_IFLNK | 0777, 1);
        if (t.length < I_BLOCK_SIZE) {
            System.arraycopy(t, 0, in.raw(), I_BLOCK, t.length);
        } else {
            ExtentTree.init(in);
            long pblk;
            try {
                pblk = balloc.allocateOne(goalFor(ino));
            } catch (IOException e) {
                ialloc.free(ino, false);
                throw e;
            }
            tree(ino, in).insert(0, pblk, 1, false);
            in.setBlocks512(bs / 512);
            byte[] b = new byte[bs];
            System.arraycopy(t, 0, b, 0, t.length);
            v.io.write(pblk, b); // deviation: page_symlink() writes through the page cache
        }
        in.setSize(t.length);
        writeInode(ino, in);
        try {
            ext4AddEntry(dir, n, ino, EXT4_FT_SYMLINK);
        } catch (IOException e) {
            evict(ino, in);
            throw e;
        }
        return ino;
    }

    /**
     * {@code ext4_unlink}: removes the entry and decrements the victim's {@code i_links_count}. The
     * inode and its blocks are NOT freed: when the count reaches 0 the inode goes on the on-disk orphan
     * list ({@code ext4_orphan_add}) and the caller calls {@link Ext4Inodes#ext4EvictInode} when its
     * last reference goes, as the VFS does.
     *
     * @return the victim's inode number
     * @throws IOException ENOENT, EISDIR, ENOTDIR, ENAMETOOLONG, EROFS
     */
    public long ext4Unlink(long dir, String name) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        v.inodes().heldDir(dir);
        long victim = unlinkEntry(dir, n, entryWhat(dir, name));
        dropNlink(victim);
        return victim;
    }

    /**
     * {@code ext4_rmdir}: removes the empty directory {@code name} from {@code dir} and frees it at
     * once.
     *
     * @throws IOException ENOENT, ENOTDIR, ENOTEMPTY, EINVAL ({@code .} or {@code ..}), EROFS
     */
    public void ext4Rmdir(long dir, String name) throws IOException {
        v.begin(true);
        byte[] n = entryName(dir, name);
        v.inodes().heldDir(dir);
        rmdirEntry(dir, n, entryWhat(dir, name));
    }

    /**
     * {@code ext4_rename}: moves {@code oldName} in {@code oldDir} to {@code newName} in {@code newDir},
     * replacing an existing target of compatible type (a non-directory by a non-directory, an empty
     * directory by a directory). A moved directory's {@code ..} is repointed and the parents' link
     * counts adjusted. Renaming a name onto itself, or onto another link of the same inode, does
     * nothing.
     *
     * @return the replaced inode, or 0: a replaced non-directory has lost one link and is NOT freed
     *         (at 0 links it is on the orphan list; the caller evicts it); a replaced empty directory
     *         has been freed
     * @throws IOException ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL (a directory into itself, or
     *                     {@code .}/{@code ..}), EMLINK, ENAMETOOLONG, ENOSPC, EROFS
     */
    public long ext4Rename(long oldDir, String oldName, long newDir, String newName) throws IOException {
        v.begin(true);
        byte[] on = entryName(oldDir, oldName);
        byte[] nn = entryName(newDir, newName);
        v.inodes().heldDir(oldDir);
        v.inodes().heldDir(newDir);
        return renameEntry(new Parent(oldDir, on), new Parent(newDir, nn), entryWhat(oldDir, oldName),
                entryWhat(newDir, newName));
    }

    /**
     * {@code ext4_readdir}: every live entry of directory {@code ino} once, in on-disk order, {@code .}
     * and {@code ..} included. Deviation: an indexed directory is listed block by block (its index
     * blocks read as "." and ".." and as unused entries), not in hash order as {@code ext4_dx_readdir}
     * returns it.
     *
     * @throws IOException ENOTDIR, corruption
     */
    public List<DirEntry> ext4Readdir(long ino) throws IOException {
        v.begin(false);
        Ext4InodeRaw dir = liveInode(ino);
        if (!dir.isDir()) {
            throw new Ext4Exception(Errno.ENOTDIR, dev + ": inode " + ino + ": " + Errno.text(Errno.ENOTDIR));
        }
        List<DirEntry> out = new ArrayList<>();
        blocks.forEachEntry(ino, dir, -1, (lblk, pblk, b, off, prev) -> {
            long e = DirEntry.inodeAt(b, off);
            if (e != 0) {
                out.add(new DirEntry(e, DirEntry.nameAt(b, off), DirEntry.fileTypeAt(b, off)));
            }
            return false;
        });
        return out;
    }

    /**
     * {@code ext4_get_link} (fs/ext4/symlink.c): the target of symbolic link {@code ino}; a fast
     * symlink (no extents flag, shorter than {@code i_block}) holds it in {@code i_block}, a slow one
     * in its first data block, read as {@code page_get_link} reads page 0.
     *
     * @throws IOException EINVAL if not a symlink (or not in use), corruption
     */
    public String ext4GetLink(long ino) throws IOException {
        v.begin(false);
        Ext4InodeRaw in = liveInode(ino);
        if (!in.isLnk()) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode " + ino + " is not a symbolic link");
        }
        return linkTarget(ino, in);
    }

    /**
     * mke2fs's root directory (inode 2, its own parent) and {@code lost+found} with {@code lpfBlocks}
     * blocks (not a kernel path: for the image tools' mkfs on a freshly laid out volume).
     */
    /**
     * mke2fs's journal ({@code ext2fs_add_journal_inode}): inode 8 gets {@code blocks} blocks from the
     * middle group on ({@code get_midpoint_journal_block}), its first a journal superblock
     * ({@code ext2fs_create_journal_superblock}: v2, the filesystem's UUID, no features: the kernel's
     * first mount sets those it wants), the rest zeroed unless {@code zeroed} says the device reads
     * zeros already (a new image file, left sparse); the superblock says {@code has_journal},
     * {@code s_journal_inum} 8, and keeps a copy of the inode's block map ({@code s_jnl_blocks},
     * {@code EXT3_JNL_BACKUP_BLOCKS}).
     */
    public void mkfsJournal(int blocks, boolean zeroed) throws IOException {
        v.begin(true);
        long ino = InodeDescriptor.EXT4_JOURNAL_INO;
        Ext4InodeRaw in = newInode(ino, S_IFREG | 0600, 1);
        ExtentTree t = tree(ino, in);
        int groups = v.sb.groupCount();
        long goal = v.sb.groupFirstBlock(groups > 1 ? groups / 2 : 0);
        long first = -1;
        byte[] zero = new byte[bs];
        for (long lblk = 0; lblk < blocks; ) {
            BlockAllocator.Run r = balloc.allocate(goal, (int) Math.min(blocks - lblk, 32768));
            t.insert(lblk, r.start(), r.len(), false);
            for (long b = r.start(); !zeroed && b < r.start() + r.len(); b++) {
                v.io.write(b, zero);
            }
            first = first < 0 ? r.start() : first;
            lblk += r.len();
            goal = r.start() + r.len();
            in.setBlocks512(in.blocks512() + (long) r.len() * (bs / 512));
        }
        in.setSize((long) blocks * bs);
        writeInode(ino, in);
        Ext4InodeRaw written = readInode(ino);
        byte[] jsb = new byte[bs];
        org.faultline.fs.jbd2.BigEndian.putU32(jsb, org.faultline.fs.jbd2.JournalDescriptor.H_MAGIC,
                org.faultline.fs.jbd2.JournalDescriptor.JBD2_MAGIC_NUMBER);
        org.faultline.fs.jbd2.BigEndian.putU32(jsb, org.faultline.fs.jbd2.JournalDescriptor.H_BLOCKTYPE,
                org.faultline.fs.jbd2.JournalDescriptor.JBD2_SUPERBLOCK_V2);
        org.faultline.fs.jbd2.BigEndian.putU32(jsb, org.faultline.fs.jbd2.JournalDescriptor.S_BLOCKSIZE, bs);
        org.faultline.fs.jbd2.BigEndian.putU32(jsb, org.faultline.fs.jbd2.JournalDescriptor.S_MAXLEN, blocks);
        org.faultline.fs.jbd2.BigEndian.putU32(jsb, org.faultline.fs.jbd2.JournalDescriptor.S_FIRST, 1);
        org.faultline.fs.jbd2.BigEndian.putU32(jsb, org.faultline.fs.jbd2.JournalDescriptor.S_SEQUENCE, 1);
        org.faultline.fs.jbd2.BigEndian.putU32(jsb, org.faultline.fs.jbd2.JournalDescriptor.S_NR_USERS, 1);
        byte[] uuid = v.sb.uuid();
        System.arraycopy(uuid, 0, jsb, org.faultline.fs.jbd2.JournalDescriptor.S_UUID, uuid.length);
        v.io.write(first, jsb);
        v.sb.setU32(SuperBlockDescriptor.S_FEATURE_COMPAT, v.sb.featureCompat() | Ext4Features.EXT4_FEATURE_COMPAT_HAS_JOURNAL);
        v.sb.setU32(SuperBlockDescriptor.S_JOURNAL_INUM, ino);
        for (int i = 0; i < 15; i++) {
            v.sb.setU32(SuperBlockDescriptor.S_JNL_BLOCKS + 4 * i,
                    LittleEndian.u32(written.raw(), InodeDescriptor.I_BLOCK + 4 * i));
        }
        v.sb.setU32(SuperBlockDescriptor.S_JNL_BLOCKS + 4 * 15, LittleEndian.u32(written.raw(), InodeDescriptor.I_SIZE_HIGH));
        v.sb.setU32(SuperBlockDescriptor.S_JNL_BLOCKS + 4 * 16, LittleEndian.u32(written.raw(), InodeDescriptor.I_SIZE_LO));
        v.sb.setU8(SuperBlockDescriptor.S_JNL_BACKUP_TYPE, 1); // EXT3_JNL_BACKUP_BLOCKS
        v.sbDirty = true;
    }

    public void mkfsRootAndLostFound(int lpfBlocks) throws IOException {
        v.begin(true);
        long root = EXT4_ROOT_INO;
        long pblk = balloc.allocateOne(goalFor(root));
        Ext4InodeRaw in = newInode(root, S_IFDIR | 0755, 2);
        tree(root, in).insert(0, pblk, 1, false);
        in.setBlocks512(bs / 512);
        in.setSize(bs);
        ext4InitNewDir(pblk, cache.getNew(pblk), root, in, root);
        writeInode(root, in);
        GroupDesc g0 = v.gds[0];
        g0.setUsedDirsCount(g0.usedDirsCount() + 1);
        v.dirtyGroups.set(0);
        long lpf = makeDir(root, "lost+found".getBytes(StandardCharsets.US_ASCII), 0700, false);
        Ext4InodeRaw l = readInode(lpf);
        ExtentTree t = tree(lpf, l);
        for (int i = 1; i < lpfBlocks; i++) {
            long b = balloc.allocateOne(goalFor(lpf, t, i));
            t.insert(i, b, 1, false);
            blocks.initEmptyLeaf(cache.getNew(b));
            blocks.dirtyLeaf(b, blocks.iseed(lpf, l));
            l.setBlocks512(l.blocks512() + bs / 512);
            l.setSize(l.size() + bs);
        }
        writeInode(lpf, l);
    }
}
