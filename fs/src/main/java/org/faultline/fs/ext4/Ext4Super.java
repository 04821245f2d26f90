package org.faultline.fs.ext4;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.faultline.block.BlockDevice;
import org.faultline.fs.FsError;
import org.faultline.fs.Inode;
import org.faultline.fs.SuperBlock;
import org.faultline.fs.SuperOperations;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Mutex;
import org.faultline.mm.Mm;
import org.faultline.mm.WritebackControl;

/**
 * The in-kernel ext4 superblock (fs/ext4/super.c): mounting a device, the inode cache
 * ({@code ext4_iget}), and the super operations. The on-disk format is the {@link Ext4Volume} layer;
 * this class owns it and serialises every call into it.
 *
 * <p>Deviation: one filesystem-wide mutex ({@code lock}) stands in for ext4's group locks and the
 * buffer locks of metadata. It is never held across a page lock wait or page I/O, so it adds no edge
 * to the reference bugs' cycles. With a journal, metadata changes are also in jbd2 handles
 * ({@link #journalStart}, {@link Ext4Journaling}).
 *
 * <p>Mount options: {@code iomap} selects the iomap buffered path instead of buffer heads (with blocks
 * of a page only: it maps whole pages).
 *
 * <p>Blocks of 1, 2 or 4 KiB: with blocks smaller than a page the buffered paths map each block of a
 * page through its buffer head, as the kernel does ({@link Ext4Inode}, {@link PageIo}).
 */
@KernelSource("fs/ext4/super.c")
public final class Ext4Super implements SuperOperations {
    final Kernel k;
    final Mm mm;
    final BlockDevice bdev;
    final SuperBlock sb;
    final Ext4Volume vol;
    final Mutex lock;
    final boolean iomap;
    /** {@code sb->s_blocksize}: 1024, 2048 or 4096. */
    final int blocksize;
    /** {@code sb->s_blocksize_bits} ({@code inode->i_blkbits}). */
    final int blkbits;
    /** {@code PAGE_SHIFT - blkbits}: log2 of the blocks (buffers) of a page. */
    final int bppBits;
    long reservedBlocks;   // s_dirtyclusters_counter; under lock
    final long resvClusters; // s_resv_clusters
    /** The journal's in-kernel half while mounted read-write with one ({@code sbi->s_journal}), else null. */
    Ext4Journaling jnl;
    // armed block-mapping failures: the list is replaced, never changed
    private final AtomicReference<List<MapFailure>> mapFailures = new AtomicReference<>(List.of());

    private Ext4Super(Kernel k, BlockDevice bdev, SuperBlock sb, Ext4Volume vol, boolean iomap) {
        this.k = k;
        this.mm = Mm.of(k);
        this.bdev = bdev;
        this.sb = sb;
        this.vol = vol;
        this.iomap = iomap;
        this.blocksize = vol.blockSize();
        this.blkbits = Integer.numberOfTrailingZeros(blocksize);
        this.bppBits = org.faultline.mm.Page.PAGE_SHIFT - blkbits;
        this.lock = new Mutex(k, "ext4 fs lock of " + bdev.name());
        this.resvClusters = ext4CalculateResvClusters(vol.blocksCount());
        vol.mballoc().setDataReserve(() -> reservedBlocks + resvClusters);
    }

    /**
     * ext4_calculate_resv_clusters(): 2% of the filesystem or 4096 clusters, whichever is smaller,
     * kept back from ordinary allocations so that converting unwritten extents, punching holes and
     * allocating delayed blocks do not fail for lack of a metadata block.
     */
    static long ext4CalculateResvClusters(long blocksCount) {
        return Math.min(blocksCount / 50, 4096);
    }

    /**
     * ext4_fill_super(): opens the volume on {@code bdev} and builds the VFS superblock and root. A
     * journal that needs recovery is replayed first ({@link Ext4Journal}), its messages printed
     * ({@code EXT4-fs (sda): recovery complete}, {@code JBD2: ...}).
     * Context: boot (before the kernel runs) or a task.
     *
     * @throws Ext4Exception with a one-line message (unsupported feature, corruption)
     */
    public static SuperBlock mount(Kernel k, BlockDevice bdev, boolean readOnly, boolean iomap) throws Ext4Exception {
        Ext4Volume vol = Ext4Volume.open(new BdevBlockIo(bdev, Mm.of(k)), bdev.name(),
                new Ext4Volume.Options(readOnly, () -> realtimeNs(k) / 1_000_000_000L, 4096).withPrintk(k::printk));
        if (iomap && vol.blockSize() != org.faultline.mm.Page.PAGE_SIZE) { // Faultline's iomap path maps whole pages
            try {
                vol.close(); // as an unmount: a journal the open started is emptied, needs_recovery cleared
            } catch (IOException e) {
                // the refusal below says enough
            }
            throw new Ext4Exception(Errno.EINVAL, bdev.name() + ": the iomap mount option needs blocks of a page ("
                    + org.faultline.mm.Page.PAGE_SIZE + " bytes), not " + vol.blockSize());
        }
        SuperBlock sb = new SuperBlock(k, bdev.name());
        sb.setBdev(bdev);
        sb.setBlockSize(vol.blockSize());
        sb.setReadOnly(readOnly);
        Ext4Super es = new Ext4Super(k, bdev, sb, vol, iomap);
        sb.setSop(es);
        sb.setFsInfo(es);
        sb.setBlockCounter(i -> es.iBlocks(i.ino()));
        es.jnl = Ext4Journaling.start(es);
        try {
            sb.setRoot(es.iget(InodeDescriptor.EXT4_ROOT_INO));
        } catch (FsError e) { // ext4_fill_super: "get root inode failed"
            k.printk("EXT4-fs (" + bdev.name() + "): get root inode failed");
            throw new Ext4Exception(-e.err(), bdev.name() + ": get root inode failed: " + e.getMessage()
                    .replaceFirst("^[A-Z0-9]+: ", ""));
        }
        // the root must be a directory (ext4_fill_super: "root inode is not a directory")
        if (!sb.root().isDir()) {
            String msg = "EXT4-fs (" + bdev.name() + "): root inode is not a directory";
            k.printk(msg);
            throw new Ext4Exception(Errno.EUCLEAN, bdev.name() + ": ext4 corruption: root inode is not a directory");
        }
        k.printk("EXT4-fs (" + bdev.name() + "): mounted filesystem " + (vol.journaled() ? "with ordered data mode"
                : "without journal") + ". Opts: " + (iomap ? "iomap" : "(null)") + (readOnly ? ", ro" : ""));
        return sb;
    }

    /** An armed block-mapping failure of one inode: its writeback mappings nth..nth+count-1 fail. */
    private record MapFailure(long ino, int nth, int count, int errno, AtomicInteger calls) {
    }

    /**
     * Fault injection, in the spirit of ext4's {@code EXT4_FAULT_*} points: the {@code nth} (from 1)
     * and the next {@code count - 1} writeback block mappings of inode {@code ino} fail with
     * {@code -errno} — as a failing {@code ->map_blocks} does in bug 2 (iomap) or a failed delayed
     * allocation does in {@code mpage_map_and_submit_extent}. Injected failures are logged as such.
     * Context: any.
     */
    public void injectMapBlocksFailure(long ino, int nth, int count, int errno) {
        if (nth < 1 || count < 1 || errno <= 0) {
            throw new IllegalArgumentException("nth and count from 1, errno positive");
        }
        MapFailure f = new MapFailure(ino, nth, count, errno, new AtomicInteger());
        mapFailures.getAndUpdate(l -> {
            List<MapFailure> more = new ArrayList<>(l);
            more.add(f);
            return List.copyOf(more);
        });
    }

    /**
     * Counts one writeback block mapping of {@code ino} at {@code lblk}, and fails it if an injected
     * failure says so.
     *
     * @throws FsError with the injected errno
     */
    void failIfInjected(long ino, long lblk) {
        int err = takeMapBlocksFailure(ino);
        if (err != 0) {
            throw new FsError(err, "injected block mapping failure at block " + lblk);
        }
    }

    /** Counts one writeback block mapping of {@code ino}: the errno to fail it with, or 0. */
    private int takeMapBlocksFailure(long ino) {
        int err = 0;
        for (MapFailure f : mapFailures.get()) {
            if (f.ino() == ino) {
                int c = f.calls().incrementAndGet();
                if (err == 0 && c >= f.nth() && c - f.nth() < f.count()) {
                    err = f.errno();
                }
            }
        }
        if (err != 0) {
            k.printk("EXT4-fs (" + bdev.name() + "): injected " + Errno.name(-err) + " mapping blocks of inode " + ino);
        }
        return err;
    }

    /** EXT4_SB(sb). */
    public static Ext4Super of(SuperBlock sb) {
        return (Ext4Super) sb.fsInfo();
    }

    public Ext4Volume volume() {
        return vol;
    }

    /** A call into the volume under the filesystem lock; its errors become errnos. */
    @FunctionalInterface
    interface VolCall<T> {
        T call() throws IOException;
    }

    <T> T vol(VolCall<T> c) {
        lock.mutexLock();
        try {
            return c.call();
        } catch (Ext4Exception e) {
            if (e.errno() == Errno.EUCLEAN) {
                throw ext4Error(0, e.getMessage());
            }
            if (e.errno() == Errno.EBADMSG) {
                throw ext4BadCrc(e.getMessage());
            }
            throw new FsError(e.errno(), e.getMessage());
        } catch (IOException e) {
            throw new FsError(Errno.EIO, bdev.name() + ": " + e.getMessage());
        } finally {
            lock.mutexUnlock();
        }
    }

    /**
     * {@code ext4_journal_start()} for a change of {@code inode} (or none): the handle, or null
     * without a journal. Stop it with {@link #journalStop}.
     */
    org.faultline.fs.jbd2.Transaction.Handle journalStart(Inode inode, boolean datasync) {
        return jnl == null ? null : jnl.ext4JournalStart(inode, datasync, false);
    }

    /** A reserved handle: for writeback holding page locks (see {@link org.faultline.fs.jbd2.Transaction}). */
    org.faultline.fs.jbd2.Transaction.Handle journalStartReserved(Inode inode) {
        return jnl == null ? null : jnl.ext4JournalStart(inode, true, true);
    }

    /** {@code ext4_journal_stop()}; nothing for null. */
    void journalStop(org.faultline.fs.jbd2.Transaction.Handle h) {
        if (h != null) {
            jnl.ext4JournalStop(h);
        }
    }

    /** A volume call that changes {@code inode}, in a handle of its own (nested in the caller's if it has one). */
    <T> T volChange(Inode inode, boolean datasync, VolCall<T> c) {
        org.faultline.fs.jbd2.Transaction.Handle h = journalStart(inode, datasync);
        try {
            return vol(c);
        } finally {
            journalStop(h);
        }
    }

    /**
     * {@code ext4_jbd2_inode_add_write()}: the data of {@code inode} in [start, end] (bytes, inclusive)
     * reaches the disk before the current handle's transaction commits (data=ordered).
     */
    void journalInodeAddWrite(Inode inode, long start, long end) {
        if (jnl != null) {
            jnl.transaction.jbd2JournalInodeRangesForWrite(jnl.transaction.journalCurrentHandle(), inode, start, end);
        }
    }

    /** The transaction the current task's handle is on, noted as the last change of {@code inode} too. */
    void journalNote(Inode inode, boolean datasync) {
        if (jnl != null) {
            org.faultline.fs.jbd2.Transaction.Handle h = jnl.transaction.journalCurrentHandle();
            if (h != null) {
                jnl.ext4UpdateInodeFsyncTrans(h, inode, datasync);
            }
        }
    }

    /** A volume call whose failure is returned as a negative errno rather than thrown. */
    int volErr(VolCall<?> c) {
        try {
            vol(c);
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    /** The prefix the volume layer puts on a corruption message, dropped from the EXT4-fs error line. */
    private String corruptionPrefix() {
        return bdev.name() + ": ext4 corruption: ";
    }

    /**
     * __ext4_error() / __ext4_error_inode(): the filesystem found its metadata corrupt. Logs
     * {@code EXT4-fs error (device sda): FUNCTION:LINE: [inode #N: ]comm TASK: what} and returns the
     * error to throw: {@code EFSCORRUPTED} ({@code EUCLEAN}, "Structure needs cleaning"). The
     * filesystem carries on (the default {@code errors=continue}); the failing call returns the error.
     *
     * <p>Deviation: FUNCTION is the ext4 operation the emulator was in (its Java method in kernel
     * snake_case, e.g. {@code ext4_lookup}), and LINE that method's line in the emulator's source,
     * not the kernel's; the error is not recorded in the on-disk superblock ({@code s_error_count}).
     *
     * @param ino the inode concerned, or 0
     */
    FsError ext4Error(long ino, String what) {
        return ext4Error(null, ino, what);
    }

    /** {@link #ext4Error(long, String)} naming the kernel function ({@code null}: the emulator's caller). */
    FsError ext4Error(String function, long ino, String what) {
        String msg = what.startsWith(corruptionPrefix()) ? what.substring(corruptionPrefix().length())
                : what.replaceFirst("^" + java.util.regex.Pattern.quote(bdev.name() + ": "), "");
        StackWalker.StackFrame at = StackWalker.getInstance().walk(frames -> frames
                .filter(f -> f.getClassName().startsWith("org.faultline.fs.ext4.")
                        && !ON_DISK_PARTS.contains(f.getClassName().replaceFirst("\\$.*", ""))
                        && !(f.getClassName().equals(Ext4Super.class.getName())
                        && (f.getMethodName().equals("vol") || f.getMethodName().equals("volErr")
                        || f.getMethodName().equals("ext4Error") || f.getMethodName().startsWith("lambda$"))))
                .findFirst().orElse(null));
        String fn = function != null ? function : at == null ? "ext4_error" : ext4FunctionName(at.getMethodName());
        org.faultline.kernel.Task t = org.faultline.kernel.Task.current();
        k.printk("EXT4-fs error (device " + bdev.name() + "): " + fn + ":" + (at == null ? 0 : at.getLineNumber()) + ": "
                + (ino != 0 ? "inode #" + ino + ": " : "") + "comm " + (t == null ? "mount" : t.comm()) + ": " + msg);
        return new FsError(Errno.EUCLEAN, bdev.name() + ": " + msg);
    }

    /**
     * A metadata checksum that failed ({@code EFSBADCRC}): the kernel reports it through
     * {@code ext4_error_inode_err} as {@code EXT4-fs error (device sda): FUNCTION:LINE: inode #N: [block
     * B: ]comm TASK: what}; the volume's message ({@link Ext4Exception#badCrc}) names FUNCTION and the
     * inode. The call fails with {@code EBADMSG}. Deviation: LINE is 0 (the kernel's line is not
     * modelled), and as for {@link #ext4Error} the error is not recorded in the superblock.
     */
    FsError ext4BadCrc(String message) {
        String prefix = bdev.name() + ": ext4 checksum error: ";
        String msg = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
        int colon = msg.indexOf(": ");
        String fn = colon > 0 && msg.substring(0, colon).matches("[a-z_0-9]+") ? msg.substring(0, colon) : "ext4_error";
        String rest = fn.equals("ext4_error") ? msg : msg.substring(colon + 2);
        String inode = "";
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(inode #\\d+: (block \\d+: )?)").matcher(rest);
        if (m.find()) {
            inode = m.group(1);
            rest = rest.substring(m.end());
        }
        org.faultline.kernel.Task t = org.faultline.kernel.Task.current();
        k.printk("EXT4-fs error (device " + bdev.name() + "): " + fn + ":0: " + inode + "comm "
                + (t == null ? "mount" : t.comm()) + ": " + rest);
        return new FsError(Errno.EBADMSG, bdev.name() + ": " + msg);
    }

    /** The volume's classes: the kernel-side caller of one of them is the function a report names. */
    private static final java.util.Set<String> ON_DISK_PARTS = java.util.Set.of(Ext4Volume.class.getName(),
            Ext4Inodes.class.getName(), Ext4Dirs.class.getName(), Ext4Extents.class.getName(),
            Ext4Orphan.class.getName());

    /** {@code lookup} → {@code ext4_lookup}, {@code iget} → {@code __ext4_iget}. */
    private static String ext4FunctionName(String javaMethod) {
        if (javaMethod.equals("iget")) {
            return "__ext4_iget";
        }
        String s = org.faultline.kernel.CallTrace.snake(javaMethod);
        return s.startsWith("ext4_") ? s : "ext4_" + s;
    }

    /**
     * ext4_iget(): the VFS inode for {@code ino}, from the cache or read from disk. An inode whose
     * link count is 0 is deleted: as {@code ext4_lookup} does on the {@code -ESTALE} of
     * {@code __ext4_iget}, that is reported ("deleted inode referenced") and the lookup fails with
     * {@code EFSCORRUPTED}; for the root, "iget: special inode unallocated".
     */
    public Inode iget(long ino) {
        Inode cached = sb.icacheFind(ino);
        if (cached != null) {
            return cached;
        }
        Ext4Stat st = vol(() -> vol.inodes().stat(ino));
        if (st.size() < 0 || (st.mode() & 0xF000) == 0x8000 && st.size() > Ext4Volume.MAX_FILE_SIZE) {
            // __ext4_iget rejects a negative size; beyond s_maxbytes (deviation: the kernel accepts it and
            // reads zeros up to s_maxbytes, 2 TiB here, which no tool would live to see) likewise
            throw ext4Error("__ext4_iget", ino, "iget: bad i_size value: " + st.size());
        }
        if (st.links() == 0) {
            throw ext4Error(ino == InodeDescriptor.EXT4_ROOT_INO ? "__ext4_iget" : "ext4_lookup",
                    ino == InodeDescriptor.EXT4_ROOT_INO ? ino : 0,
                    ino == InodeDescriptor.EXT4_ROOT_INO ? "iget: special inode unallocated"
                            : "deleted inode referenced: " + ino);
        }
        Ext4Inode ops = new Ext4Inode(this);
        Inode inode = new Inode(sb, ino, st.mode(), ops.aops(), new Ext4Namei(this), new Ext4File(this, ops));
        inode.iSizeWrite(st.size());
        inode.setNlink(st.links());
        inode.setOwner(st.uid(), st.gid());
        inode.setTimes(st.mtime() * 1_000_000_000L, st.ctime() * 1_000_000_000L); // __ext4_iget: the disk's times
        inode.setFsPrivate(new Ext4InodeInfo(k, ino, st.size(), ops));
        inode.mapping().setVmOps(ops);
        Inode raced = sb.icacheFind(ino);
        if (raced != null) {
            return raced;
        }
        sb.icacheAdd(inode);
        return inode;
    }

    static Ext4InodeInfo ei(Inode inode) {
        return (Ext4InodeInfo) inode.fsPrivate();
    }

    long iBlocks(long ino) {
        return vol(() -> vol.inodes().iBlocks(ino));
    }

    /** The wall clock the superblock's timestamps take ({@link Kernel#realtimeNs}). */
    static long realtimeNs(Kernel k) {
        return k.realtimeNs();
    }

    // ------------------------------------------------------------ super operations

    /**
     * ext4_write_inode(): size and times reach the on-disk inode (the volume's cache); for
     * WB_SYNC_ALL without a journal the metadata is written and the device flushed, with one the
     * inode's transaction is committed ({@code ext4_fc_commit(i_sync_tid)}).
     *
     * <p>Deviation: the kernel copies the inode into its buffer when it is dirtied
     * ({@code ext4_dirty_inode}, in a handle of its own); here that happens here, in a handle.
     */
    @Override
    public int writeInode(Inode inode, WritebackControl wbc) {
        if (jnl == null) {
            return volErr(() -> {
                vol.inodes().setSize(inode.ino(), ei(inode).disksize);
                vol.inodes().setTimes(inode.ino(), inode.mtimeNs(), inode.ctimeNs());
                if (wbc.syncAllMode()) {
                    vol.sync();
                }
                return null;
            });
        }
        int err = ext4DirtyInode(inode);
        if (err != 0 || !wbc.syncAllMode()) {
            return err;
        }
        try {
            jnl.ext4WriteInodeCommit(inode);
            return 0;
        } catch (FsError e) {
            return e.err();
        }
    }

    /** ext4_statfs(): the group descriptors' free counts; {@code f_bavail} leaves out the reserved blocks. */
    @Override
    public org.faultline.fs.Kstatfs statfs(org.faultline.fs.SuperBlock sb) {
        long[] f = vol(() -> vol.statfs());
        return new org.faultline.fs.Kstatfs(sb.blockSize(), f[0], f[1], Math.max(0, f[1] - f[2]), f[3], f[4], 255);
    }

    /**
     * ext4_dirty_inode() → ext4_mark_inode_dirty(): the in-memory size ({@code i_disksize}) and times
     * copied to the on-disk inode, in a handle; a size change is one fdatasync waits for.
     */
    int ext4DirtyInode(Inode inode) {
        org.faultline.fs.jbd2.Transaction.Handle h = journalStart(inode, false);
        try {
            return volErr(() -> {
                long disksize = ei(inode).disksize; // read under the lock its writers write the inode under
                if (vol.inodes().stat(inode.ino()).size() != disksize) {
                    journalNote(inode, true);
                    vol.inodes().setSize(inode.ino(), disksize);
                }
                vol.inodes().setTimes(inode.ino(), inode.mtimeNs(), inode.ctimeNs());
                return null;
            });
        } finally {
            journalStop(h);
        }
    }

    /** ext4_evict_inode(): an unlinked inode's last reference went: free its blocks and itself. */
    @Override
    public void evictInode(Inode inode) {
        if (inode.isDir()) {
            return; // ext4_rmdir already freed it (Ext4Dirs.ext4Rmdir)
        }
        volChange(inode, false, () -> {
            vol.inodes().ext4EvictInode(inode.ino());
            return null;
        });
    }

    /**
     * ext4_sync_fs(): commit metadata — with a journal, the running transaction committed and waited
     * for ({@code jbd2_journal_start_commit} + {@code jbd2_log_wait_commit}; a commit waits, so
     * {@code wait} is ignored); without one, written back; then the device flushed.
     */
    @Override
    public int syncFs(SuperBlock s, boolean wait) {
        if (jnl != null) {
            try {
                jnl.ext4SyncFs();
                return 0;
            } catch (FsError e) {
                return e.err();
            }
        }
        return volErr(() -> {
            vol.sync();
            return null;
        });
    }

    /** ext4_put_super(): the journal's last commit and its thread stopped, then the volume closed. */
    @Override
    public void putSuper(SuperBlock s) {
        if (jnl != null) {
            jnl.stop();
        }
        vol(() -> {
            vol.sync();
            vol.close();
            return null;
        });
    }
}
