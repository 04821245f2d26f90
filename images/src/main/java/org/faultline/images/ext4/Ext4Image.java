package org.faultline.images.ext4;

import static org.faultline.fs.ext4.DirEntryDescriptor.EXT4_NAME_LEN;
import static org.faultline.fs.ext4.InodeDescriptor.EXT4_ROOT_INO;
import static org.faultline.fs.ext4.InodeDescriptor.S_IFREG;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.faultline.fs.ext4.BlockIo;
import org.faultline.fs.ext4.DirEntry;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Extents;
import org.faultline.fs.ext4.Ext4InodeRaw;
import org.faultline.fs.ext4.Ext4Stat;
import org.faultline.fs.ext4.Ext4SuperBlock;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.fs.ext4.Extent;
import org.faultline.fs.ext4.GroupDesc;
import org.faultline.fs.ext4.MetadataCache;
import org.faultline.kernel.Errno;

/**
 * An ext4 image opened offline, with a file API by path and by inode number — what libext2fs is to
 * {@code debugfs}: for {@link Mkfs}, the command line tools, the oracles and tests. It moves file data
 * itself (the kernel's page cache does that for the in-kernel ext4) and frees an inode with its last
 * link. Every metadata change is one call of the volume's parts ({@link Ext4Volume#dirs()},
 * {@link Ext4Volume#inodes()}, {@link Ext4Volume#extents()}), the same code the in-kernel ext4 runs;
 * data goes straight to the device at the blocks {@link Ext4Extents#ext4ExtMapBlocks} reports.
 *
 * <p>Paths are {@code /}-separated; relative paths start at the root; symbolic links are not
 * followed. Errors are {@link Ext4Exception}s naming the device and the path ({@code img: /a/b: No
 * such file or directory}); corruption keeps the volume's message.
 *
 * <p>Time is the volume clock ({@link Ext4Volume.Options#clock}). Single-threaded, as the volume.
 */
public final class Ext4Image implements AutoCloseable {
    /** {@code FALLOC_FL_KEEP_SIZE}. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** {@code FALLOC_FL_PUNCH_HOLE} (must come with {@link #FALLOC_FL_KEEP_SIZE}). */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;

    private final Ext4Volume v;
    private final String dev;
    private final int bs;
    private final AutoCloseable owned;
    private boolean closed;

    private Ext4Image(Ext4Volume v, AutoCloseable owned) {
        this.v = v;
        this.dev = v.dev();
        this.bs = v.blockSize();
        this.owned = owned;
    }

    /**
     * Opens and validates the filesystem on {@code io} ({@link Ext4Volume#open}); nothing is written
     * by the open itself. The device stays the caller's.
     *
     * @throws Ext4Exception one line: corruption (EUCLEAN), unsupported features (EOPNOTSUPP), a
     *                       device error (EIO), an unclean filesystem opened read-write (EUCLEAN)
     */
    public static Ext4Image open(BlockIo io, String dev, Ext4Volume.Options o) throws Ext4Exception {
        return new Ext4Image(Ext4Volume.open(io, dev, o), null);
    }

    /** {@link #open(BlockIo, String, Ext4Volume.Options)} with default read-write or read-only options. */
    public static Ext4Image open(BlockIo io, String dev, boolean readOnly) throws Ext4Exception {
        return new Ext4Image(Ext4Volume.open(io, dev, readOnly), null);
    }

    /**
     * Opens a disk image file; the device name in messages is the file name.
     *
     * @return the image, owning the file (closed with it)
     * @throws Ext4Exception as {@link #open(BlockIo, String, Ext4Volume.Options)}, or EIO naming the
     *                       file if it cannot be opened
     */
    public static Ext4Image openImage(Path image, Ext4Volume.Options o) throws Ext4Exception {
        String dev = image.getFileName() == null ? image.toString() : image.getFileName().toString();
        DriverBlockIo io;
        try {
            io = DriverBlockIo.openImage(image, o.readOnly(), false);
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, dev + ": cannot open image: " + e.getMessage(), e);
        }
        try {
            return new Ext4Image(Ext4Volume.open(io, dev, o), io);
        } catch (Ext4Exception | RuntimeException e) {
            io.close();
            throw e;
        }
    }

    // ================================================================ the volume

    /** @return the volume (its parts are the inode-number API of the in-kernel ext4) */
    public Ext4Volume volume() {
        return v;
    }

    /** @return the device name used in messages */
    public String dev() {
        return dev;
    }

    /** @return whether the image refuses changes */
    public boolean isReadOnly() {
        return v.isReadOnly();
    }

    /** @return a copy of the in-memory superblock (free counts are current) */
    public Ext4SuperBlock superBlock() {
        return v.superBlock();
    }

    /** @return free blocks */
    public long freeBlocks() {
        return v.freeBlocks();
    }

    /** @return free inodes */
    public long freeInodes() {
        return v.freeInodes();
    }

    /** @return a copy of group {@code g}'s descriptor as it is in memory */
    public GroupDesc groupDesc(int g) {
        return v.groupDesc(g);
    }

    /** @return the block size (4096) */
    public int blockSize() {
        return bs;
    }

    /** @return the metadata cache (for statistics) */
    public MetadataCache cache() {
        return v.cache();
    }

    /** Writes back every change ({@link Ext4Volume#sync()}). */
    public void sync() throws IOException {
        v.sync();
    }

    /** Syncs (read-write) and releases the device if this image opened it. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            v.close();
        } finally {
            if (owned != null) {
                try {
                    owned.close();
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Ext4Image[" + v + "]";
    }

    // ================================================================ paths

    private List<String> components(String path) throws Ext4Exception {
        Objects.requireNonNull(path, "path");
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (c.isEmpty()) {
                continue;
            }
            if (c.getBytes(StandardCharsets.UTF_8).length > EXT4_NAME_LEN) {
                throw Ext4Exception.of(Errno.ENAMETOOLONG, dev, path);
            }
            if (c.indexOf('\0') >= 0) {
                throw Ext4Exception.of(Errno.EINVAL, dev, path);
            }
            out.add(c);
        }
        return out;
    }

    /** The directory {@code ino} reached on the way along {@code path}: in use, a directory. */
    private Ext4InodeRaw walkDir(long ino, String path) throws IOException {
        Ext4InodeRaw in = v.inodes().readInode(ino);
        if (in.linksCount() == 0 && ino != EXT4_ROOT_INO) {
            throw Ext4Exception.corrupt(dev, "inode " + ino + " is referenced but not in use (i_links_count 0)");
        }
        if (!in.isDir()) {
            throw Ext4Exception.of(Errno.ENOTDIR, dev, path);
        }
        return in;
    }

    private long step(long dir, String name, String path) throws IOException {
        long ino = v.dirs().ext4FindEntry(dir, walkDir(dir, path), name);
        if (ino == 0) {
            throw Ext4Exception.of(Errno.ENOENT, dev, path);
        }
        return ino;
    }

    /**
     * Resolves a path to an inode number.
     *
     * @param path e.g. {@code /dir/file}
     * @return the inode number
     * @throws IOException ENOENT, ENOTDIR, ENAMETOOLONG, or corruption
     */
    public long lookup(String path) throws IOException {
        long ino = EXT4_ROOT_INO;
        for (String c : components(path)) {
            ino = step(ino, c, path);
        }
        if (ino != EXT4_ROOT_INO) {
            Ext4InodeRaw in = v.inodes().readInode(ino);
            if (in.linksCount() == 0) {
                throw Ext4Exception.corrupt(dev, "inode " + ino + " is referenced but not in use (i_links_count 0)");
            }
        }
        return ino;
    }

    /** A path split into its parent directory and last name. */
    private record Parent(long dir, String name) {
    }

    private Parent parent(String path) throws IOException {
        List<String> cs = components(path);
        if (cs.isEmpty()) {
            throw Ext4Exception.of(Errno.EINVAL, dev, path);
        }
        long ino = EXT4_ROOT_INO;
        for (int i = 0; i < cs.size() - 1; i++) {
            ino = step(ino, cs.get(i), path);
        }
        walkDir(ino, path);
        return new Parent(ino, cs.get(cs.size() - 1));
    }

    /** A volume operation on {@code path}: its errors name the path (corruption and I/O errors keep theirs). */
    private interface PathOp<T> {
        T run() throws IOException;
    }

    private <T> T onPath(String path, PathOp<T> op) throws IOException {
        try {
            return op.run();
        } catch (Ext4Exception e) {
            if (e.errno() == Errno.EUCLEAN || e.errno() == Errno.EIO || e.errno() == Errno.EROFS
                    || e.errno() == Errno.EBADF) {
                throw e;
            }
            throw Ext4Exception.of(e.errno(), dev, path);
        }
    }

    private static boolean isDotName(String n) {
        return n.equals(".") || n.equals("..");
    }

    // ================================================================ namespace

    /**
     * Lists a directory: every live entry in on-disk order, {@code .} and {@code ..} included.
     *
     * @throws IOException ENOENT, ENOTDIR, corruption
     */
    public List<DirEntry> readdir(String path) throws IOException {
        long ino = lookup(path);
        return onPath(path, () -> v.dirs().ext4Readdir(ino));
    }

    /** {@link #readdir(String)} by inode number. */
    public List<DirEntry> readdir(long ino) throws IOException {
        return v.dirs().ext4Readdir(ino);
    }

    /**
     * @return the status of the inode {@code path} names
     * @throws IOException ENOENT, ENOTDIR, corruption
     */
    public Ext4Stat stat(String path) throws IOException {
        return v.inodes().stat(lookup(path));
    }

    /** The status of any inode (no liveness check: any inode can be inspected). */
    public Ext4Stat stat(long ino) throws IOException {
        return v.inodes().stat(ino);
    }

    /** @return a copy of inode {@code ino} as it is in the inode table */
    public Ext4InodeRaw readInode(long ino) throws IOException {
        return v.inodes().readInode(ino);
    }

    /**
     * Writes inode {@code ino} back as given, checks bypassed ({@code debugfs modify_inode}): for
     * tests and tools that corrupt or repair an image on purpose.
     */
    public void writeInode(long ino, Ext4InodeRaw in) throws IOException {
        v.inodes().writeInode(ino, in);
    }

    /**
     * Creates a directory ({@code ext4_mkdir}).
     *
     * @param perm permission bits (e.g. {@code 0755})
     * @return its inode number
     * @throws IOException EEXIST, ENOENT, ENOTDIR, EMLINK, ENOSPC, EROFS
     */
    public long mkdir(String path, int perm) throws IOException {
        Parent p = parent(path);
        if (isDotName(p.name)) {
            throw Ext4Exception.of(Errno.EEXIST, dev, path);
        }
        return onPath(path, () -> v.dirs().ext4Mkdir(p.dir, p.name, perm));
    }

    /**
     * Creates an empty regular file ({@code ext4_create}).
     *
     * @param perm permission bits (e.g. {@code 0644})
     * @return its inode number
     * @throws IOException EEXIST, ENOENT, ENOTDIR, ENOSPC, EROFS
     */
    public long create(String path, int perm) throws IOException {
        Parent p = parent(path);
        if (isDotName(p.name)) {
            throw Ext4Exception.of(Errno.EEXIST, dev, path);
        }
        return onPath(path, () -> v.dirs().ext4Create(p.dir, p.name, S_IFREG | (perm & 07777)));
    }

    /**
     * Creates a symbolic link ({@code ext4_symlink}).
     *
     * @param target the link text (1..4095 bytes)
     * @return its inode number
     * @throws IOException EEXIST, ENOENT, ENAMETOOLONG, ENOSPC, EROFS
     */
    public long symlink(String target, String path) throws IOException {
        Parent p = parent(path);
        if (isDotName(p.name)) {
            throw Ext4Exception.of(Errno.EEXIST, dev, path);
        }
        return onPath(path, () -> v.dirs().ext4Symlink(p.dir, p.name, target));
    }

    /**
     * @return the target of the symbolic link {@code path}
     * @throws IOException ENOENT, EINVAL if not a symlink
     */
    public String readlink(String path) throws IOException {
        long ino = lookup(path);
        return onPath(path, () -> v.dirs().ext4GetLink(ino));
    }

    /** The target of symbolic link {@code ino} ({@code ext4_get_link}). */
    public String readlink(long ino) throws IOException {
        return v.dirs().ext4GetLink(ino);
    }

    /**
     * Adds a hard link ({@code ext4_link}).
     *
     * @throws IOException EEXIST, ENOENT, EISDIR for a directory, EMLINK, ENOSPC, EROFS
     */
    public void link(String existing, String newPath) throws IOException {
        long ino = lookup(existing);
        if (v.inodes().readInode(ino).isDir()) {
            throw Ext4Exception.of(Errno.EISDIR, dev, existing);
        }
        Parent p = parent(newPath);
        if (isDotName(p.name)) {
            throw Ext4Exception.of(Errno.EEXIST, dev, newPath);
        }
        onPath(newPath, () -> {
            v.dirs().ext4Link(p.dir, p.name, ino);
            return null;
        });
    }

    /**
     * Removes a name of a non-directory ({@code ext4_unlink}); the inode and its blocks are freed when
     * its last link goes ({@code ext4_evict_inode}: nothing holds it open offline).
     *
     * @throws IOException ENOENT, EISDIR, EROFS
     */
    public void unlink(String path) throws IOException {
        Parent p = parent(path);
        long victim = onPath(path, () -> v.dirs().ext4Unlink(p.dir, p.name));
        evictIfUnlinked(victim);
    }

    private void evictIfUnlinked(long ino) throws IOException {
        Ext4InodeRaw in = v.inodes().readInode(ino);
        if (in.linksCount() == 0 && !in.isDir() && v.inodes().inUse(ino)) {
            v.inodes().ext4EvictInode(ino);
        }
    }

    /**
     * Removes an empty directory ({@code ext4_rmdir}).
     *
     * @throws IOException ENOENT, ENOTDIR, ENOTEMPTY, EINVAL (for {@code /} or a {@code .} name), EROFS
     */
    public void rmdir(String path) throws IOException {
        Parent p = parent(path);
        onPath(path, () -> {
            v.dirs().ext4Rmdir(p.dir, p.name);
            return null;
        });
    }

    /**
     * Renames {@code from} to {@code to} ({@code ext4_rename}), replacing an existing {@code to}
     * (freed if that was its last link).
     *
     * @throws IOException ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL (moving a directory into itself
     *                     or renaming {@code .}/{@code ..}), EMLINK, ENOSPC, EROFS
     */
    public void rename(String from, String to) throws IOException {
        Parent fp = parent(from);
        Parent tp = parent(to);
        if (isDotName(fp.name) || isDotName(tp.name)) {
            throw Ext4Exception.of(Errno.EINVAL, dev, from);
        }
        if (v.dirs().ext4FindEntry(fp.dir, walkDir(fp.dir, from), fp.name) == 0) {
            throw Ext4Exception.of(Errno.ENOENT, dev, from);
        }
        long replaced = onPath(to, () -> v.dirs().ext4Rename(fp.dir, fp.name, tp.dir, tp.name));
        if (replaced != 0) {
            evictIfUnlinked(replaced);
        }
    }

    // ================================================================ file data

    /**
     * Writes {@code len} bytes at {@code off} ({@code ext4_file_write_iter} without the page cache):
     * allocates blocks for holes ({@code ext4_ext_map_blocks}), writes into written extents,
     * converts unwritten ones, zero-fills the rest of partial new blocks, and grows {@code i_size}.
     *
     * @throws IOException EFBIG past {@link Ext4Volume#MAX_FILE_SIZE}, ENOSPC, EISDIR, EROFS, corruption
     */
    public void write(long ino, long off, byte[] buf, int bufOff, int len) throws IOException {
        Objects.checkFromIndexSize(bufOff, len, buf.length);
        if (off < 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": negative write offset " + off);
        }
        Ext4InodeRaw in = v.inodes().regular(ino, true);
        if (len == 0) {
            return;
        }
        long end = off + len;
        if (end > Ext4Volume.MAX_FILE_SIZE) {
            throw new Ext4Exception(Errno.EFBIG, dev + ": inode " + ino + ": " + Errno.text(Errno.EFBIG));
        }
        long size = in.size();
        byte[] blk = new byte[bs];
        long endBlock = (end + bs - 1) / bs;
        long pos = off;
        long done = off; // [off, done) is written and mapped
        try {
            while (pos < end) {
                long lblk = pos / bs;
                int want = (int) Math.min(endBlock - lblk, Integer.MAX_VALUE);
                Ext4Extents.BlockMap m = v.extents().ext4ExtMapBlocks(ino, lblk, want, true, false);
                boolean keep = !m.isNew() && !m.unwritten();
                for (long i = 0; i < m.len(); i++) {
                    pos = writeBlock(m.pblk() + i, lblk + i, pos, end, buf, bufOff, off, blk, keep);
                }
                if (m.unwritten()) {
                    v.extents().ext4ConvertUnwrittenExtents(ino, lblk, m.len());
                }
                done = pos;
            }
        } finally {
            if (done > size) {
                v.inodes().setSize(ino, done);
            }
            v.inodes().setTimes(ino, v.now() * 1_000_000_000L, v.now() * 1_000_000_000L);
        }
    }

    /**
     * Writes the part of {@code [pos, end)} that falls in logical block {@code lblk} to {@code pblk}.
     *
     * @param keep whether the block's other bytes are kept (a written block) or zeroed (a new or
     *             unwritten block)
     * @return the new position
     */
    private long writeBlock(long pblk, long lblk, long pos, long end, byte[] buf, int bufOff, long off,
                            byte[] blk, boolean keep) throws IOException {
        long bStart = lblk * bs;
        int from = (int) Math.max(0, pos - bStart);
        int to = (int) Math.min(bs, end - bStart);
        if (from == 0 && to == bs) {
            System.arraycopy(buf, bufOff + (int) (bStart - off), blk, 0, bs);
        } else {
            if (keep) {
                v.io().read(pblk, blk);
            } else {
                Arrays.fill(blk, (byte) 0);
            }
            System.arraycopy(buf, bufOff + (int) (bStart + from - off), blk, from, to - from);
        }
        v.io().write(pblk, blk);
        return bStart + to;
    }

    /** {@link #write(long, long, byte[], int, int)} by path. */
    public void write(String path, long off, byte[] data) throws IOException {
        write(lookup(path), off, data, 0, data.length);
    }

    /**
     * Reads up to {@code len} bytes at {@code off}; holes and unwritten extents read as zeros.
     *
     * @return bytes read: {@code len}, fewer at end of file, 0 at or past it
     * @throws IOException EISDIR, EINVAL (not a regular file), corruption
     */
    public int read(long ino, long off, byte[] buf, int bufOff, int len) throws IOException {
        Objects.checkFromIndexSize(bufOff, len, buf.length);
        Ext4InodeRaw in = v.inodes().regular(ino, false);
        if (off < 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": negative read offset " + off);
        }
        long size = in.size();
        if (off >= size || len == 0) {
            return 0;
        }
        int n = (int) Math.min(len, size - off);
        byte[] blk = new byte[bs];
        long end = off + n;
        long pos = off;
        while (pos < end) {
            long lblk = pos / bs;
            int want = (int) Math.min((end + bs - 1) / bs - lblk, Integer.MAX_VALUE);
            Ext4Extents.BlockMap m = v.extents().lookup(ino, in, lblk, want);
            long runEnd = Math.min(end, (lblk + m.len()) * bs);
            if (m.hole() || m.unwritten()) {
                Arrays.fill(buf, bufOff + (int) (pos - off), bufOff + (int) (runEnd - off), (byte) 0);
                pos = runEnd;
                continue;
            }
            for (long l = lblk; pos < runEnd; l++) {
                long bStart = l * bs;
                int from = (int) (pos - bStart);
                int to = (int) Math.min(bs, end - bStart);
                v.io().read(m.pblk() + (l - lblk), blk);
                System.arraycopy(blk, from, buf, bufOff + (int) (pos - off), to - from);
                pos = bStart + to;
            }
        }
        return n;
    }

    /**
     * Reads a whole regular file.
     *
     * @throws IOException ENOENT, EISDIR, EFBIG if larger than 2 GiB - 1, corruption
     */
    public byte[] readAll(String path) throws IOException {
        long ino = lookup(path);
        Ext4InodeRaw in = onPath(path, () -> v.inodes().regular(ino, false));
        if (in.size() > Integer.MAX_VALUE - 8) {
            throw Ext4Exception.of(Errno.EFBIG, dev, path);
        }
        byte[] out = new byte[(int) in.size()];
        read(ino, 0, out, 0, out.length);
        return out;
    }

    /** Zeroes bytes {@code [from, to)} of logical block {@code lblk} if it is written. */
    private void zeroPartial(long ino, Ext4InodeRaw in, long lblk, int from, int to) throws IOException {
        if (from >= to) {
            return;
        }
        Ext4Extents.BlockMap m = v.extents().lookup(ino, in, lblk, 1);
        if (m.hole() || m.unwritten()) {
            return;
        }
        byte[] blk = new byte[bs];
        v.io().read(m.pblk(), blk);
        Arrays.fill(blk, from, to, (byte) 0);
        v.io().write(m.pblk(), blk);
    }

    /**
     * Sets the size ({@code ext4_setattr} / {@code ext4_truncate}): shrinking frees every block past
     * the new end (preallocated ones too) and zeroes the tail of the last partial block; growing
     * leaves a hole.
     *
     * @throws IOException EFBIG, EINVAL, EISDIR, EROFS
     */
    public void truncate(long ino, long newSize) throws IOException {
        if (newSize < 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": negative size " + newSize);
        }
        if (newSize > Ext4Volume.MAX_FILE_SIZE) {
            throw new Ext4Exception(Errno.EFBIG, dev + ": inode " + ino + ": " + Errno.text(Errno.EFBIG));
        }
        Ext4InodeRaw in = v.inodes().regular(ino, true);
        if (newSize < in.size()) {
            if (newSize % bs != 0) {
                zeroPartial(ino, in, newSize / bs, (int) (newSize % bs), bs);
            }
            v.extents().ext4ExtRemoveSpace(ino, (newSize + bs - 1) / bs, Long.MAX_VALUE);
        }
        v.inodes().setSize(ino, newSize);
        v.inodes().setTimes(ino, v.now() * 1_000_000_000L, v.now() * 1_000_000_000L);
    }

    /** {@link #truncate(long, long)} by path. */
    public void truncate(String path, long newSize) throws IOException {
        truncate(lookup(path), newSize);
    }

    /**
     * {@code fallocate(2)} ({@code ext4_fallocate}): mode 0 or {@link #FALLOC_FL_KEEP_SIZE} allocates
     * unwritten extents for every hole in the range ({@code ext4_alloc_file_blocks}; reads still return
     * zeros) and, without KEEP_SIZE, grows {@code i_size} to cover it;
     * {@code FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE} punches ({@link #punchHole}).
     *
     * @throws IOException EOPNOTSUPP for other modes, EINVAL, EFBIG, ENOSPC, EROFS
     */
    public void fallocate(long ino, int mode, long off, long len) throws IOException {
        if (off < 0 || len <= 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": fallocate range " + off + "+" + len);
        }
        if ((mode & FALLOC_FL_PUNCH_HOLE) != 0 ? mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)
                : (mode & ~FALLOC_FL_KEEP_SIZE) != 0) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": fallocate mode 0x"
                    + Integer.toHexString(mode) + " not supported");
        }
        if ((mode & FALLOC_FL_PUNCH_HOLE) != 0) {
            punchHole(ino, off, len);
            return;
        }
        long end = off + len;
        if (end > Ext4Volume.MAX_FILE_SIZE || end < 0) {
            throw new Ext4Exception(Errno.EFBIG, dev + ": inode " + ino + ": " + Errno.text(Errno.EFBIG));
        }
        v.inodes().regular(ino, true);
        long first = off / bs;
        v.extents().ext4AllocFileBlocks(ino, first, (end + bs - 1) / bs - first, end,
                (mode & FALLOC_FL_KEEP_SIZE) != 0);
    }

    /**
     * Punches a hole ({@code ext4_punch_hole}): the range reads as zeros afterwards, whole blocks in
     * it are freed, partial blocks at its edges are zeroed, {@code i_size} is unchanged. The range is
     * clipped to the end of the block holding the last byte of the file.
     *
     * @throws IOException EINVAL, EISDIR, EROFS
     */
    public void punchHole(long ino, long off, long len) throws IOException {
        if (off < 0 || len <= 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": punch range " + off + "+" + len);
        }
        Ext4InodeRaw in = v.inodes().regular(ino, true);
        long size = in.size();
        if (off >= size) {
            return;
        }
        long eof = (size + bs - 1) / bs * bs;
        long end = off + len < 0 ? eof : Math.min(off + len, eof);
        long firstFull = (off + bs - 1) / bs;
        long lastFullEnd = end / bs;
        if (off / bs == (end - 1) / bs && (off % bs != 0 || end % bs != 0)) {
            zeroPartial(ino, in, off / bs, (int) (off % bs), (int) ((end - 1) % bs) + 1);
        } else {
            if (off % bs != 0) {
                zeroPartial(ino, in, off / bs, (int) (off % bs), bs);
            }
            if (end % bs != 0) {
                zeroPartial(ino, in, end / bs, 0, (int) (end % bs));
            }
        }
        if (firstFull < lastFullEnd) {
            v.extents().ext4ExtRemoveSpace(ino, firstFull, lastFullEnd);
        }
        v.inodes().setTimes(ino, v.now() * 1_000_000_000L, v.now() * 1_000_000_000L);
    }

    /** @return the extents of inode {@code ino}, in logical order */
    public List<Extent> extents(long ino) throws IOException {
        return v.extents().extents(ino);
    }

    /** @return the extent tree depth of inode {@code ino} */
    public int extentDepth(long ino) throws IOException {
        return v.extents().depth(ino);
    }
}
