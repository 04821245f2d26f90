package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.faultline.fs.ext4.DirEntryDescriptor.*;
import static org.faultline.fs.ext4.ExtentDescriptor.*;
import static org.faultline.fs.ext4.InodeDescriptor.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.faultline.kernel.Errno;

/**
 * A read-only consistency checker for ext4, in the spirit of {@code e2fsck -fn}: it never writes,
 * and reports each problem as one line worded like e2fsck's. It checks the images the host's
 * {@code mkfs.ext4} makes by default ({@code 64bit}, {@code flex_bg}, {@code metadata_csum},
 * {@code resize_inode}, a journal, {@code dir_index}, {@code extra_isize}...) with blocks of 1, 2 or
 * 4 KiB and inodes of 128 bytes or more, and those of {@link Mkfs}. With 1 KiB blocks block 0 (before
 * {@code s_first_data_block}) belongs to no group and counts as used, as in e2fsck's summary.
 *
 * <ol>
 * <li>Before pass 1 ({@link FsckSuper}): the superblock as {@code ext2fs_open2} reads it (with
 *     {@code metadata_csum}, its checksum), the group descriptors as {@link Ext4Volume#readGroupDescs}
 *     reads them (32 or {@code s_desc_size} bytes; with {@code flex_bg} a group's bitmaps and inode table
 *     may lie anywhere), {@code check_super_block}'s descriptor findings (checksums, uninit flags,
 *     {@code bg_itable_unused}) and {@code check_resize_inode}'s as notes, the journal
 *     ({@link FsckJournal}), and every backup superblock agreeing with the primary on geometry, UUID and
 *     its own group number.</li>
 * <li>Pass 1 (inodes): the inodes e2fsck's scan returns (with a descriptor checksum feature, none of an
 *     {@code INODE_UNINIT} group and none past {@code s_inodes_per_group - bg_itable_unused}); each
 *     inode's checksum ("passes checks, but checksum does not match inode") and whole inode-table blocks
 *     of garbage ({@code check_inode_block_sanity}); {@code i_extra_isize}; every in-use inode's extent
 *     tree walked from the raw blocks (header magic, entry counts, depth, key order, index keys equal to
 *     their child's first key, extents inside their parent's key range, each tree block's checksum) or
 *     its block map (direct, indirect, double and triple indirect blocks); blocks inside the device, not
 *     filesystem metadata, not claimed twice (pass 1B then names every owner of a multiply-claimed
 *     block). {@code i_blocks} must equal the blocks found (data, unwritten and tree blocks, the extended
 *     attribute block) in 512-byte units, or in blocks for a {@code huge_file} inode; {@code i_size} must
 *     be a whole number of blocks covering every block for a directory, and must not end before the last
 *     written block of a file (e2fsck's rule). In-use inodes must not have {@code i_dtime}; deleted ones
 *     must. The resize inode's double indirect block is in use and all its blocks count in its
 *     {@code i_blocks}; the journal inode is walked as a file.</li>
 * <li>Pass 2 (directories): every block's checksum (a leaf's 12-byte tail, an index block's
 *     {@code dx_tail}), every entry's {@code rec_len} and {@code name_len}, {@code .} and {@code ..}
 *     first in block 0, inode numbers in range, in use and not in an uninitialized part of an inode
 *     table, {@code file_type} matching the inode's mode, no duplicate names, no hard links to
 *     directories; an indexed directory's root, internal nodes and leaf hash ranges
 *     ({@link FsckHtree}).</li>
 * <li>Pass 3 (connectivity): every directory reachable, {@code ..} naming the real parent (no
 *     {@code /lost+found} is not a problem: e2fsck -n does not look for it).</li>
 * <li>Pass 4 (reference counts): {@code i_links_count} equals the number of entries naming the inode
 *     (a directory: its entry, its {@code .}, and each subdirectory's {@code ..}; with {@code dir_nlink}
 *     a directory of more than 65000 links may say 1); no unattached inodes.</li>
 * <li>Pass 5 (summary): block and inode bitmaps, as e2fsck loads them ({@link FsckBitmaps}:
 *     uninitialized groups' bitmaps computed, not read), equal what passes 1-4 found, with the padding
 *     set; with {@code metadata_csum} each initialized bitmap matches its checksum; per-group free counts
 *     and directory counts match.</li>
 * </ol>
 *
 * <p>Exit codes, as e2fsck's: 0 clean, 4 inconsistencies found (left uncorrected), 8 could not check
 * (unreadable or unsupported superblock or group descriptors).
 *
 * <p>Not checked: journal contents (a journal holding transactions is itself reported: this checker
 * does not replay it), extended attributes inside inodes, inline data, casefolded or encrypted
 * names, quota files, {@code bigalloc} clusters, {@code meta_bg}.
 *
 * <p>Memory: a few bits per block and a few words per inode, plus the extents of directories; up to
 * 2^31 blocks and inodes (8 TiB). Single-threaded.
 */
public final class Fsck {
    /** Exit code: no problems. */
    public static final int FSCK_OK = 0;
    /** Exit code: problems found and left uncorrected. */
    public static final int FSCK_UNCORRECTED = 4;
    /** Exit code: operational error (cannot check). */
    public static final int FSCK_ERROR = 8;

    /**
     * The outcome of a check.
     *
     * @param problems one line each, in the order found
     * @param exitCode {@link #FSCK_OK}, {@link #FSCK_UNCORRECTED} or {@link #FSCK_ERROR}
     * @param summary  e2fsck's last line: {@code dev: U/I files, B/N blocks}
     * @param notes    what e2fsck -n prints but does not count as an error (check_super_block's
     *                 findings: e2fsck marks the filesystem valid again after them), one line each
     */
    public record Report(List<String> problems, int exitCode, String summary, List<String> notes) {
        /** A report without notes. */
        public Report(List<String> problems, int exitCode, String summary) {
            this(problems, exitCode, summary, List.of());
        }

        /** @return whether no problem was found */
        public boolean clean() {
            return exitCode == FSCK_OK;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (String n : notes) {
                sb.append(n).append('\n');
            }
            for (String p : problems) {
                sb.append(p).append('\n');
            }
            sb.append(summary);
            return sb.toString();
        }
    }

    private final BlockIo io;
    private final String dev;
    private final List<String> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** Blocks the device really has (an image may be shorter than the filesystem). */
    private long deviceBlocks;
    private Ext4SuperBlock sb;
    private boolean lowDtime;
    /** {@code s_prj_quota_inum}, {@code s_orphan_file_inum}: inodes pass 1 treats as reserved. */
    private long prjQuotaIno;
    private long orphanFileIno;
    /** Inodes the superblock names (quota, orphan file): in use, never linked from a directory. */
    private final BitSet superInodes = new BitSet();
    /** {@code s_prj_quota_inum}'s offset in the superblock. */
    private static final int S_PRJ_QUOTA_INUM = 0x26C;
    private GroupDesc[] gds;
    private int bs;
    private long blocks;
    private long inodes;
    private BitSet meta;
    private BitSet used;
    private BitSet dup;
    private BitSet inodeUsed;
    private BitSet isDirIno;
    private int[] modes;
    private int[] links;
    private int[] refs;
    private long[] parentByEntry;
    private long[] dotdot;
    /** Every directory pass 1 found, by inode number. */
    private final TreeMap<Long, Dir> dirs = new TreeMap<>();
    /** The volume's checksums ({@code metadata_csum}, or the {@code uninit_bg} descriptor crc16). */
    private Ext4Csum csum;
    /** {@code ext2fs_has_group_desc_csum}: {@code uninit_bg} or {@code metadata_csum}. */
    private boolean gdtCsum;
    private final Map<Long, List<long[]>> claims = new HashMap<>();
    private final TreeMap<Long, Integer> eaRefs = new TreeMap<>();

    private Fsck(BlockIo io, String dev) {
        this.io = io;
        this.dev = dev;
    }

    /**
     * Checks the filesystem on {@code io}; never writes.
     *
     * @param io  the device
     * @param dev its name for messages
     * @return the report
     */
    public static Report check(BlockIo io, String dev) {
        Fsck f = new Fsck(io, dev);
        try {
            return f.run();
        } catch (Ext4Exception e) {
            f.problems.add(e.getMessage());
            return new Report(List.copyOf(f.problems), FSCK_ERROR, dev + ": check aborted", List.copyOf(f.notes));
        } catch (IOException e) {
            f.problems.add(dev + ": I/O error: " + e.getMessage());
            return new Report(List.copyOf(f.problems), FSCK_ERROR, dev + ": check aborted", List.copyOf(f.notes));
        } catch (Abort a) {
            return new Report(List.copyOf(f.problems), FSCK_UNCORRECTED, dev + ": check aborted", List.copyOf(f.notes));
        }
    }

    /**
     * Checks an image file, opened read-only.
     *
     * @param image the image
     * @return the report
     */
    public static Report checkImage(Path image) {
        String dev = image.getFileName() == null ? image.toString() : image.getFileName().toString();
        try (DriverBlockIo hio = DriverBlockIo.openImage(image, true, false)) {
            return check(hio, dev);
        } catch (IOException e) {
            return new Report(List.of(dev + ": cannot open image: " + e.getMessage()), FSCK_ERROR, dev + ": check aborted");
        }
    }

    private void problem(String s) {
        problems.add(s);
    }

    /** e2fsck's "Cannot proceed with file system check" after a problem it cannot go past (exit 12). */
    private static final class Abort extends RuntimeException {
        Abort() {
            super(null, null, false, false);
        }
    }

    /**
     * Reads a block as e2fsck's unix_io does for a short device: a block past the device's end is an
     * error ({@code Error reading block N (Attempt to read block from filesystem resulted in short read)
     * while ...}, "Ignore error? no": a problem) and reads as zeros.
     */
    private void readBlock(long blk, byte[] buf, String while_) throws IOException {
        if (blk >= deviceBlocks && blk < blocks) {
            problem("Error reading block " + blk + " (Attempt to read block from filesystem resulted in short read) while "
                    + while_ + ".  Ignore error? no");
            Arrays.fill(buf, (byte) 0);
            return;
        }
        io.read(blk, buf);
    }

    private Report run() throws IOException {
        sb = FsckSuper.read(io, dev, problems, notes);
        csum = new Ext4Csum(sb);
        gdtCsum = sb.hasGroupDescCsum();
        bs = sb.blockSize();
        blocks = sb.blocksCount();
        inodes = sb.inodesCount();
        deviceBlocks = io.blocks();
        if (deviceBlocks < blocks) {
            // check_super_block, PR_0_FS_SIZE_WRONG: "Abort? no" goes on, and is not counted
            notes.add("The filesystem size (according to the superblock) is " + blocks + " blocks");
            notes.add("The physical size of the device is " + deviceBlocks + " blocks");
            notes.add("Either the superblock or the partition table is likely to be corrupt!");
            notes.add("Abort? no");
        }
        if (blocks > Integer.MAX_VALUE - 64 || inodes > Integer.MAX_VALUE - 64) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": too large to check here ("
                    + blocks + " blocks, " + inodes + " inodes; the limit is 2^31 of each)");
        }
        gds = Ext4Volume.readGroupDescs(sb, new MetadataCache(io, 64), dev,
                sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_FLEX_BG), true);
        meta = new BitSet();
        used = new BitSet();
        dup = new BitSet();
        // the blocks before s_first_data_block (block 0 of a 1 KiB filesystem: the boot block) belong to no
        // group and are never free: e2fsck's "used" count (blocks less free) includes them
        claimMeta(0, sb.firstDataBlock());
        for (int g = 0; g < gds.length; g++) {
            long first = sb.groupFirstBlock(g);
            int so = sb.groupSuperOverhead(g);
            claimMeta(first, so);
            claimMeta(gds[g].blockBitmap(), 1);
            claimMeta(gds[g].inodeBitmap(), 1);
            claimMeta(gds[g].inodeTable(), sb.inodeTableBlocks());
        }
        if (!dup.isEmpty()) {
            problem("Group descriptors overlap each other or the superblock/GDT at block " + dup.nextSetBit(0));
            dup.clear();
        }
        FsckSuper.checkGroupDescs(sb, gds, csum, notes);
        checkJournalAndMmp();
        FsckSuper.checkResizeInode(sb, readInodeRaw(EXT4_RESIZE_INO), this::readBlock, notes);
        checkBackups();
        int n = (int) inodes;
        inodeUsed = new BitSet(n + 1);
        isDirIno = new BitSet(n + 1);
        modes = new int[n + 1];
        links = new int[n + 1];
        refs = new int[n + 1];
        parentByEntry = new long[n + 1];
        dotdot = new long[n + 1];
        pass1();
        if (!dup.isEmpty()) {
            pass1b();
        }
        pass2();
        pass3();
        pass4();
        pass5();
        long usedInodes = inodeUsed.cardinality();
        String summary = dev + ": " + usedInodes + "/" + inodes + " files, " + used.cardinality() + "/" + blocks + " blocks";
        return new Report(List.copyOf(problems), problems.isEmpty() ? FSCK_OK : FSCK_UNCORRECTED, summary, List.copyOf(notes));
    }

    private void claimMeta(long start, long count) {
        for (long b = start; b < start + count && b < blocks; b++) {
            if (used.get((int) b)) {
                dup.set((int) b);
            }
            used.set((int) b);
            meta.set((int) b);
        }
    }

    /**
     * The checks e2fsck makes before pass 1 that it cannot go past ({@code e2fsck_check_ext3_journal},
     * {@code e2fsck_check_mmp}, the orphan file's): a journal named but invalid ({@link FsckJournal}), an
     * external journal, {@code needs_recovery} or an orphan file without a journal, an invalid MMP block,
     * each a problem that ends the check (e2fsck -n: "Cannot proceed with file system check", exit 12).
     * A valid internal journal holding transactions is a problem that does not end the check.
     */
    private void checkJournalAndMmp() throws IOException {
        boolean hasJournal = sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_HAS_JOURNAL);
        long jino = sb.getU32(SuperBlockDescriptor.S_JOURNAL_INUM);
        boolean recover = sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER);
        boolean uuid = false;
        for (int k = 0; k < 16; k++) {
            uuid |= sb.getU8(SuperBlockDescriptor.S_JOURNAL_UUID + k) != 0;
        }
        if (hasJournal || jino != 0 || (uuid && !recover)) {
            if (jino == 0 && uuid) {
                problem("Can't find external journal");
                throw new Abort();
            }
            Ext4InodeRaw j = jino >= 1 && jino <= inodes ? readInodeRaw(jino) : null;
            FsckJournal.Fs fs = new FsckJournal.Fs(dev, bs, blocks, hasJournal, recover);
            if (FsckJournal.check(fs, jino, j, this::readBlock, problems, notes) == FsckJournal.Verdict.FATAL) {
                throw new Abort();
            }
        } else {
            checkNoJournal(recover);
        }
        if (sb.hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT)) {
            problem("Feature orphan_present is set but feature orphan_file is not.  Clear? no");
        }
        if (sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_MMP)) {
            long mmp = sb.getU32(SuperBlockDescriptor.S_MMP_BLOCK) | (sb.getU32(SuperBlockDescriptor.S_MMP_BLOCK + 4) << 32);
            byte[] b = new byte[bs];
            if (mmp <= sb.firstDataBlock() || mmp >= blocks) {
                problem("Superblock has invalid MMP block.  Clear? no");
                throw new Abort();
            }
            readBlock(mmp, b, "reading MMP block");
            if (LittleEndian.u32(b, 0) != EXT4_MMP_MAGIC) {
                problem("Superblock has invalid MMP magic.  Clear? no");
                throw new Abort();
            }
        }
    }

    /** Without a journal: {@code needs_recovery} or an orphan file cannot be handled (fatal). */
    private void checkNoJournal(boolean recover) {
        if (recover) {
            problem("Superblock needs_recovery flag is set, but no journal is present.  Clear? no");
            throw new Abort();
        }
        if (sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_ORPHAN_FILE)) {
            problem("Superblock has orphan file without journal.  Clear? no");
            throw new Abort();
        }
    }

    /** {@code EXT4_MMP_MAGIC}: the multiple-mount protection block's magic. */
    private static final long EXT4_MMP_MAGIC = 0x004D4D50L;

    private Ext4InodeRaw readInodeRaw(long ino) throws IOException {
        long ipg = sb.inodesPerGroup();
        int g = (int) ((ino - 1) / ipg);
        long index = (ino - 1) % ipg;
        byte[] b = new byte[bs];
        readBlock(gds[g].inodeTable() + index / sb.inodesPerBlock(), b, "reading inode " + ino);
        return Ext4InodeRaw.read(b, (int) (index % sb.inodesPerBlock()) * sb.inodeSize(), sb.inodeSize());
    }

    /** Backup superblocks must agree with the primary on the fields that never change after mkfs. */
    private void checkBackups() throws IOException {
        byte[] b = new byte[bs];
        int[] fields = {SuperBlockDescriptor.S_INODES_COUNT, SuperBlockDescriptor.S_BLOCKS_COUNT_LO,
            SuperBlockDescriptor.S_LOG_BLOCK_SIZE, SuperBlockDescriptor.S_BLOCKS_PER_GROUP,
            SuperBlockDescriptor.S_INODES_PER_GROUP, SuperBlockDescriptor.S_FIRST_INO};
        String[] names = {"s_inodes_count", "s_blocks_count", "s_log_block_size", "s_blocks_per_group",
            "s_inodes_per_group", "s_first_ino"};
        for (int g = 1; g < gds.length; g++) {
            if (!sb.groupHasSuper(g)) {
                continue;
            }
            readBlock(sb.groupFirstBlock(g), b, "reading the backup superblock of group " + g);
            Ext4SuperBlock copy = Ext4SuperBlock.wrap(Arrays.copyOf(b, SuperBlockDescriptor.SUPERBLOCK_SIZE));
            if (copy.magic() != SuperBlockDescriptor.EXT4_SUPER_MAGIC) {
                problem("Backup superblock in group " + g + " (block " + sb.groupFirstBlock(g) + ") has a bad magic number.");
                continue;
            }
            for (int k = 0; k < fields.length; k++) {
                if (copy.getU32(fields[k]) != sb.getU32(fields[k])) {
                    problem("Backup superblock in group " + g + " differs from the primary in " + names[k] + " ("
                            + copy.getU32(fields[k]) + ", primary " + sb.getU32(fields[k]) + ").");
                }
            }
            if (!Arrays.equals(copy.uuid(), sb.uuid())) {
                problem("Backup superblock in group " + g + " differs from the primary in s_uuid.");
            }
            if (copy.getU16(SuperBlockDescriptor.S_BLOCK_GROUP_NR) != g) {
                problem("Backup superblock in group " + g + " has s_block_group_nr "
                        + copy.getU16(SuperBlockDescriptor.S_BLOCK_GROUP_NR) + ".");
            }
        }
    }

    // ================================================================ pass 1

    /** Per-inode state while walking its tree. */
    private final class Walk {
        final long ino;
        final boolean dir;
        /** {@code ei->i_csum_seed}: extent blocks' checksums start from it. */
        final int seed;
        /** The resize inode: only its double indirect block is claimed, the rest are metadata already. */
        boolean resize;
        long count;
        long lastInit = -1;
        long lastLblk = -1;
        boolean bad;
        final List<Extent> ext = new ArrayList<>();
        final List<long[]> claimed = new ArrayList<>();

        Walk(long ino, boolean dir, Ext4InodeRaw in) {
            this.ino = ino;
            this.dir = dir;
            this.seed = csum.inodeSeed(ino, in.generation());
        }

        /** A data block of a block-mapped inode at logical block {@code l}. */
        void mapped(long l, long pblk) {
            lastInit = Math.max(lastInit, l);
            lastLblk = Math.max(lastLblk, l);
            if (!dir) {
                return;
            }
            Extent last = ext.isEmpty() ? null : ext.get(ext.size() - 1);
            if (last != null && last.lend() == l && last.pblk() + last.len() == pblk) {
                ext.set(ext.size() - 1, new Extent(last.lblk(), last.pblk(), last.len() + 1, false));
            } else {
                ext.add(new Extent(l, pblk, 1, false));
            }
        }

        /** Claims blocks; returns false (and reports) if they are not claimable. */
        boolean claim(long start, long len, String what) {
            if (start <= sb.firstDataBlock() || start + len > blocks || len <= 0) {
                problem("Inode " + ino + " has an invalid " + what + " (physical block " + start + ", len " + len + ")");
                bad = true;
                return false;
            }
            for (long b = start; b < start + len; b++) {
                int i = (int) b;
                if (meta.get(i)) {
                    problem("Inode " + ino + " block " + b + " conflicts with critical metadata");
                    bad = true;
                    continue;
                }
                if (used.get(i)) {
                    dup.set(i);
                }
                used.set(i);
            }
            claimed.add(new long[] {start, len});
            count += len;
            return true;
        }
    }

    private void pass1() throws IOException {
        long ipg = sb.inodesPerGroup();
        int ipb = sb.inodesPerBlock();
        byte[] buf = new byte[bs];
        long firstIno = sb.firstIno();
        lowDtime = lowDtimeCheck();
        prjQuotaIno = sb.getU32(S_PRJ_QUOTA_INUM);
        orphanFileIno = sb.getU32(SuperBlockDescriptor.S_ORPHAN_FILE_INUM);
        boolean[] badCsum = new boolean[ipb];
        for (int g = 0; g < gds.length; g++) {
            long scan = inodesToScan(g);
            for (int tb = 0; (long) tb * ipb < scan; tb++) {
                readBlock(gds[g].inodeTable() + tb, buf, "reading the inode table of group " + g);
                int n = (int) Math.min(ipb, scan - (long) tb * ipb);
                long first = g * ipg + (long) tb * ipb + 1;
                for (int k = 0; k < n; k++) {
                    badCsum[k] = !csum.inodeCsumValid(first + k, buf, k * sb.inodeSize(), sb.inodeSize());
                }
                boolean garbage = garbageBlock(buf, n, badCsum);
                for (int k = 0; k < n; k++) {
                    Ext4InodeRaw in = Ext4InodeRaw.read(buf, k * sb.inodeSize(), sb.inodeSize());
                    if (garbage && in.linksCount() > 0) {
                        problem("Inode " + (first + k) + " seems to contain garbage.  Clear? no");
                    }
                    checkInode(first + k, in, firstIno);
                    if (badCsum[k]) {
                        problem("Inode " + (first + k) + " passes checks, but checksum does not match inode.  Fix? no");
                    }
                }
            }
        }
        for (Map.Entry<Long, Integer> e : eaRefs.entrySet()) {
            byte[] b = new byte[bs];
            readBlock(e.getKey(), b, "reading extended attribute block");
            long magic = LittleEndian.u32(b, 0);
            long rc = LittleEndian.u32(b, 4);
            if (magic != Ext4Volume.EXT4_XATTR_MAGIC) {
                problem("Extended attribute block " + e.getKey() + " has a bad magic 0x" + Long.toHexString(magic));
            } else if (rc != e.getValue()) {
                problem("Extended attribute block " + e.getKey() + " has reference count " + rc + ", should be " + e.getValue() + ".");
            }
        }
    }

    /**
     * The inodes of group {@code g} e2fsck's inode scan returns ({@code ext2fs_get_next_inode_full}): all
     * of them, but with a descriptor checksum feature ({@code EXT2_SF_DO_LAZY}) none of an
     * {@code INODE_UNINIT} group and none past {@code s_inodes_per_group - bg_itable_unused}. The others
     * are not in use, whatever their bytes.
     */
    private long inodesToScan(int g) {
        long ipg = sb.inodesPerGroup();
        if (!gdtCsum) {
            return ipg;
        }
        if (gds[g].hasFlag(GroupDescDescriptor.EXT4_BG_INODE_UNINIT)) {
            return 0;
        }
        return Math.max(0, ipg - gds[g].itableUnused());
    }

    /**
     * {@code check_inode_block_sanity}: an inode-table block is garbage when more than half of its
     * inodes fail their checksum or look insane (an extent header {@code ext2fs_extent_header_verify}
     * refuses, or a block map with more than half of its words outside the filesystem).
     */
    private boolean garbageBlock(byte[] buf, int n, boolean[] badCsum) {
        int ipb = sb.inodesPerBlock();
        if (ipb < 2) {
            return false;
        }
        int badness = 0;
        for (int k = 0; k < n; k++) {
            Ext4InodeRaw in = Ext4InodeRaw.read(buf, k * sb.inodeSize(), sb.inodeSize());
            if (badCsum[k] || extentHeadLooksInsane(in) || blockMapLooksInsane(in)) {
                badness++;
            }
            if (badness > ipb / 2) {
                return true;
            }
        }
        return false;
    }

    private static boolean extentHeadLooksInsane(Ext4InodeRaw in) {
        if (!in.hasFlag(EXT4_EXTENTS_FL)) {
            return false;
        }
        byte[] raw = in.raw();
        int max = LittleEndian.u16(raw, I_BLOCK + EH_MAX);
        return LittleEndian.u16(raw, I_BLOCK + EH_MAGIC) != EXT4_EXT_MAGIC
                || LittleEndian.u16(raw, I_BLOCK + EH_ENTRIES) > max || max > ROOT_MAX || max < ROOT_MAX - 2;
    }

    private boolean blockMapLooksInsane(Ext4InodeRaw in) {
        int type = in.mode() & S_IFMT;
        if (in.hasFlag(EXT4_INLINE_DATA_FL) || in.hasFlag(EXT4_EXTENTS_FL) || in.linksCount() == 0
                || (type != S_IFREG && type != S_IFLNK && type != S_IFDIR) || (type == S_IFLNK && in.size() <= I_BLOCK_SIZE)) {
            return false;
        }
        int bad = 0;
        for (int k = 0; k < EXT4_N_BLOCKS; k++) {
            long w = LittleEndian.u32(in.raw(), I_BLOCK + 4 * k);
            bad += w != 0 && (w < sb.firstDataBlock() || w >= blocks) ? 1 : 0;
        }
        return bad > EXT4_N_BLOCKS / 2;
    }

    /**
     * e2fsck pass 1's {@code low_dtime_check}: off when the superblock's own times are that small (a
     * filesystem whose clock never ran), else an inode's {@code i_dtime} below {@code s_inodes_count}
     * looks like an orphan list link.
     */
    private boolean lowDtimeCheck() {
        long n = sb.inodesCount();
        long w = sb.getU32(SuperBlockDescriptor.S_WTIME);
        long m = sb.getU32(SuperBlockDescriptor.S_MTIME);
        long k = sb.getU32(SuperBlockDescriptor.S_MKFS_TIME);
        return !((w != 0 && w < n) || (m != 0 && m < n) || (k != 0 && k < n));
    }

    /** The 15 words of {@code i_block}: any non-zero one is a block (map) or extent data. */
    private static boolean hasBlockWords(Ext4InodeRaw in) {
        for (int k = 0; k < I_BLOCK_SIZE; k++) {
            if (in.raw()[I_BLOCK + k] != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * A reserved inode (below {@code s_first_ino}, not the root), as e2fsck pass 1 checks one. The bad
     * blocks inode must be clear (PR_1_INVALID_BAD_INODE) but for its block list, and a bad block list
     * is not supported here: any listed block is a problem. The quota inodes (3, 4), not in use without
     * the quota feature, must have no links, no {@code i_blocks} and no first block word
     * (PR_1_QUOTA_INODE_NOT_CLEAR). Any other: the boot loader inode may have any mode but a
     * directory's, the resize inode a regular file's, the rest must have mode 0
     * (PR_1_RESERVED_BAD_MODE); then check_blocks, which walks blocks only of a directory, regular file
     * or symlink ({@code ext2fs_inode_has_valid_blocks2}: junk in a mode-0 inode's {@code i_block} is
     * not looked at), and wants {@code i_blocks} to count them and no extended attribute block. With
     * {@code resize_inode} the resize inode's block map is walked ({@link #checkResizeInodeBlocks}); the
     * journal inode is {@link #checkJournalInode}'s.
     */
    private void checkReservedInode(long ino, Ext4InodeRaw in) throws IOException {
        if (ino == EXT4_BAD_INO) {
            if (in.mode() != 0 || in.uid() != 0 || in.gid() != 0 || in.linksCount() != 0
                    || in.hasFlag(EXT4_INLINE_DATA_FL) || in.fileAcl() != 0) {
                problem("The bad block inode looks invalid.  Clear? no");
            }
            if (hasBlockWords(in)) {
                problem("Bad block inode has illegal block(s) (bad block lists are not supported).  Clear? no");
            }
            return;
        }
        if (ino == EXT4_USR_QUOTA_INO || ino == EXT4_GRP_QUOTA_INO) {
            checkSuperFileInode(ino, in, quotaInUse(ino), "Quota inode");
            return;
        }
        if (ino == EXT4_RESIZE_INO && sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_RESIZE_INODE)) {
            checkResizeInodeBlocks(in);
            return;
        }
        if (ino == EXT4_JOURNAL_INO) {
            checkJournalInode(in);
            return;
        }
        int type = in.mode() & S_IFMT;
        boolean badMode = ino == 5 ? type == S_IFDIR : ino == 7 ? in.mode() != 0 && type != S_IFREG : in.mode() != 0;
        if (badMode) {
            problem(String.format("Reserved inode %d (%s) has invalid mode.  Clear? no", ino, reservedName(ino)));
        }
        boolean validBlocks = type == S_IFDIR || type == S_IFREG || type == S_IFLNK;
        if (validBlocks && hasBlockWords(in) && !(in.hasFlag(EXT4_EXTENTS_FL) && extentEntries(in) == 0)) {
            problem("Reserved inode " + ino + " (" + reservedName(ino) + ") has blocks (block lists of reserved inodes are not supported).");
        } else if (in.blocks512() != 0) {
            problem("Inode " + ino + ", i_blocks is " + in.blocks512() + ", should be 0.  Fix? no");
        }
        if (in.fileAcl() != 0) {
            problem("Inode " + ino + " has a bad extended attribute block " + in.fileAcl() + ".  Clear? no");
        }
    }

    /** {@code s_usr_quota_inum} and {@code s_grp_quota_inum}. */
    private static final int S_USR_QUOTA_INUM = 0x240;
    private static final int S_GRP_QUOTA_INUM = 0x244;

    /** {@code quota_inum_is_super} under the {@code quota} feature: a quota file the superblock names. */
    private boolean quotaInUse(long ino) {
        return sb.hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_QUOTA) && ino != 0
                && (ino == sb.getU32(S_USR_QUOTA_INUM) || ino == sb.getU32(S_GRP_QUOTA_INUM) || ino == prjQuotaIno);
    }

    /**
     * e2fsck pass 1 on a quota inode or the orphan file: in use (its feature on and the superblock
     * naming it) it must be a regular file ({@code PR_1_QUOTA_BAD_MODE}, {@code PR_1_ORPHAN_FILE_BAD_MODE})
     * and check_blocks walks its blocks; otherwise it must be clear ({@code PR_1_QUOTA_INODE_NOT_CLEAR},
     * {@code PR_1_ORPHAN_FILE_NOT_CLEAR}). The content of quota and orphan blocks is not checked here.
     */
    private void checkSuperFileInode(long ino, Ext4InodeRaw in, boolean inUse, String what) throws IOException {
        if (!inUse) {
            if (in.linksCount() != 0 || in.blocks512() != 0 || LittleEndian.u32(in.raw(), I_BLOCK) != 0) {
                problem(what + " is not in use, but contains data.  Clear? no");
            }
            return;
        }
        if ((in.mode() & S_IFMT) != S_IFREG) {
            problem(what + " is not a regular file.  Clear? no");
        }
        Walk w = new Walk(ino, false, in);
        walkBlocks(w, in);
        if (!w.claimed.isEmpty()) {
            claims.put(ino, w.claimed);
        }
        checkIBlocks(w, in);
    }

    /**
     * Pass 1 on the resize inode with {@code resize_inode} (check_super_block's check_resize_inode has
     * judged its layout): a regular file or mode 0 ({@code PR_1_RESERVED_BAD_MODE}), then check_blocks
     * over its block map, where process_block claims only the double indirect block (the indirect
     * blocks and their entries are the reserved descriptor blocks, metadata already) but counts every
     * block in {@code i_blocks}.
     */
    private void checkResizeInodeBlocks(Ext4InodeRaw in) throws IOException {
        if (in.mode() != 0 && (in.mode() & S_IFMT) != S_IFREG) {
            problem(String.format("Reserved inode %d (%s) has invalid mode.  Clear? no", EXT4_RESIZE_INO,
                    reservedName(EXT4_RESIZE_INO)));
        }
        Walk w = new Walk(EXT4_RESIZE_INO, false, in);
        w.resize = true;
        walkBlockMap(w, in);
        checkIBlocks(w, in);
    }

    /**
     * Pass 1 on inode 8: with {@code s_journal_inum} 8 it must be a regular file
     * ({@code PR_1_JOURNAL_BAD_MODE}) and its blocks are walked as a file's (check_blocks); otherwise it
     * must be clear ({@code PR_1_JOURNAL_INODE_NOT_CLEAR}).
     */
    private void checkJournalInode(Ext4InodeRaw in) throws IOException {
        if (sb.getU32(SuperBlockDescriptor.S_JOURNAL_INUM) != EXT4_JOURNAL_INO) {
            if (in.linksCount() != 0 || in.blocks512() != 0 || LittleEndian.u32(in.raw(), I_BLOCK) != 0) {
                problem("Journal inode is not in use, but contains data.  Clear? no");
            }
            return;
        }
        if ((in.mode() & S_IFMT) != S_IFREG) {
            problem("Journal is not regular file.  Fix? no");
        }
        Walk w = new Walk(EXT4_JOURNAL_INO, false, in);
        walkBlocks(w, in);
        if (!w.claimed.isEmpty()) {
            claims.put((long) EXT4_JOURNAL_INO, w.claimed);
        }
        checkIBlocks(w, in);
        checkFileSize(w, in);
    }

    /**
     * check_blocks' {@code i_blocks} rule: the blocks found, in 512-byte units, or in blocks for an
     * inode with {@code EXT4_HUGE_FILE_FL} under {@code huge_file}; {@code i_blocks} is 48 bits with
     * {@code huge_file} ({@code ext2fs_inode_i_blocks}).
     */
    private void checkIBlocks(Walk w, Ext4InodeRaw in) {
        boolean huge = sb.hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_HUGE_FILE);
        long iblocks = in.blocks512() | (huge ? (long) LittleEndian.u16(in.raw(), L_I_BLOCKS_HIGH) << 32 : 0);
        long expect = huge && in.hasFlag(EXT4_HUGE_FILE_FL) ? w.count : w.count * (bs / 512);
        if (!w.bad && iblocks != expect) {
            problem("Inode " + w.ino + ", i_blocks is " + iblocks + ", should be " + expect + ".");
        }
    }

    /** check_blocks' size rule for a regular file. */
    private void checkFileSize(Walk w, Ext4InodeRaw in) {
        long size = in.size();
        if (size < 0 || size > Ext4Volume.MAX_FILE_SIZE) { // e2fsck pass 1: larger than the format allows
            long want = w.lastInit >= 0 ? (w.lastInit + 1) * bs : 0;
            problem("Inode " + w.ino + ", i_size is " + size + ", should be " + want + ".");
        } else if (w.lastInit >= 0 && size < w.lastInit * bs) {
            problem("Inode " + w.ino + ", i_size is " + size + ", should be " + (w.lastInit + 1) * bs + ".");
        }
        if (size > Integer.MAX_VALUE && !sb.hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE)) {
            problem("Filesystem contains large files, but lacks LARGE_FILE flag in superblock.");
        }
    }

    /**
     * check_inode_extra_space's first test: {@code i_extra_isize} 0, or a multiple of 4 from 4 (it must
     * cover itself and {@code i_checksum_hi}) to the inode size less 128 ({@code PR_1_EXTRA_ISIZE}).
     * The nanosecond and creation times it covers need nothing here.
     */
    private void checkExtraIsize(long ino, Ext4InodeRaw in) {
        if (sb.inodeSize() <= EXT4_GOOD_OLD_INODE_SIZE) {
            return;
        }
        int x = in.extraIsize();
        if (x != 0 && (x < 4 || x > sb.inodeSize() - EXT4_GOOD_OLD_INODE_SIZE || (x & 3) != 0)) {
            problem("Inode " + ino + " has a extra size (" + x + ") which is invalid.  Fix? no");
        }
    }

    private static String reservedName(long ino) {
        return switch ((int) ino) {
            case 3 -> "user quota";
            case 4 -> "group quota";
            case 5 -> "boot loader";
            case 6 -> "undelete directory";
            case 7 -> "resize";
            case 8 -> "journal";
            case 9 -> "exclude";
            case 10 -> "replica";
            default -> "reserved";
        };
    }

    private void checkInode(long ino, Ext4InodeRaw in, long firstIno) throws IOException {
        int i = (int) ino;
        if (in.dtime() != 0 && lowDtime && in.dtime() < sb.inodesCount()) {
            problem("Inode " + ino + " was part of the orphaned inode list.  IGNORED.");
        }
        boolean reserved = ino < firstIno && ino != EXT4_ROOT_INO;
        if (!reserved && ino != EXT4_ROOT_INO && (ino == prjQuotaIno || ino == orphanFileIno)) {
            // e2fsck pass 1: the superblock's project quota inode (quota_inum_is_reserved) and orphan
            // file inode are in use whatever they hold; without their feature they must be clear
            inodeUsed.set(i);
            superInodes.set(i);
            if (ino == prjQuotaIno) {
                checkSuperFileInode(ino, in, quotaInUse(ino), "Quota inode");
            } else {
                checkSuperFileInode(ino, in, sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_ORPHAN_FILE),
                        "Orphan file inode " + ino);
            }
            return;
        }
        if (reserved) {
            inodeUsed.set(i);
            checkReservedInode(ino, in);
            return;
        }
        if (in.linksCount() == 0) {
            if (ino == EXT4_ROOT_INO) {
                problem("Root inode is not in use (i_links_count 0).");
            } else if (in.mode() != 0 && in.dtime() == 0) {
                problem("Deleted inode " + ino + " has zero dtime.");
            }
            return;
        }
        inodeUsed.set(i);
        modes[i] = in.mode();
        links[i] = in.linksCount();
        if (in.dtime() != 0 && !(lowDtime && in.dtime() < sb.inodesCount())) {
            problem("Inode " + ino + " is in use, but has dtime set.");
        }
        checkExtraIsize(ino, in);
        int type = in.mode() & S_IFMT;
        if (in.hasFlag(EXT4_CASEFOLD_FL)) { // e2fsck pass 1: PR_1_CASEFOLD_NONDIR, PR_1_CASEFOLD_FEATURE
            if (type != S_IFDIR) {
                problem("Inode " + ino + " has the casefold flag set but is not a directory.  Clear flag? no");
            } else if (!sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_CASEFOLD)) {
                problem("Directory " + ino + " has the casefold flag, but the casefold feature is not enabled.  Clear flag? no");
            }
        }
        if (in.hasFlag(EXT4_IMAGIC_FL) && !sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_IMAGIC_INODES)) {
            problem("Inode " + ino + " has imagic flag set.  Clear? no"); // PR_1_SET_IMAGIC
        }
        if (in.hasFlag(EXT4_EXTENTS_FL) && !sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_EXTENTS)) {
            problem("Inode " + ino + " is in extent format, but superblock is missing EXTENTS feature.  Fix? no"); // PR_1_EXTENT_FEATURE
        }
        if (ino == EXT4_ROOT_INO && type != S_IFDIR) {
            problem("Root inode is not a directory.");
        }
        if (fileType(in.mode()) == EXT4_FT_UNKNOWN) {
            problem(String.format("Inode %d has bad mode 0%o.", ino, in.mode()));
            return;
        }
        if (type == S_IFDIR) {
            isDirIno.set(i);
        }
        Walk w = new Walk(ino, type == S_IFDIR, in);
        if (in.fileAcl() != 0) {
            long acl = in.fileAcl();
            if (acl <= sb.firstDataBlock() || acl >= blocks || meta.get((int) acl)) {
                problem("Inode " + ino + " has a bad extended attribute block " + acl + ".");
            } else {
                Integer prev = eaRefs.get(acl);
                if (prev == null) {
                    w.claim(acl, 1, "extended attribute block");
                } else {
                    w.count++;
                }
                eaRefs.merge(acl, 1, Integer::sum);
            }
        }
        boolean special = type == S_IFCHR || type == S_IFBLK || type == S_IFIFO || type == S_IFSOCK;
        if (special || in.isFastSymlink()) {
            if (in.isFastSymlink()) {
                byte[] raw = in.raw();
                int len = 0;
                while (len < I_BLOCK_SIZE && raw[I_BLOCK + len] != 0) {
                    len++;
                }
                if (len != in.size()) {
                    problem("Symlink inode " + ino + " is invalid (i_size " + in.size() + ", target length " + len + ").");
                }
            }
        } else if (in.hasFlag(EXT4_INLINE_DATA_FL)) {
            problem("Inode " + ino + " has inline data (not supported).");
            return;
        }
        if (in.hasFlag(InodeDescriptor.EXT4_INDEX_FL)
                && (type != S_IFDIR || !sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_DIR_INDEX))) {
            // e2fsck pass 1, handle_htree: PR_1_HTREE_NODIR / PR_1_HTREE_SET
            problem("Inode " + ino + " has INDEX_FL flag set " + (type != S_IFDIR ? "but is not a directory."
                    : "on filesystem without htree support."));
        }
        if (!special && !in.isFastSymlink()) {
            walkBlocks(w, in);
        }
        if (!w.claimed.isEmpty()) {
            claims.put(ino, w.claimed);
        }
        checkIBlocks(w, in);
        long size = in.size();
        if (w.dir) {
            dirs.put(ino, new Dir(w.ext, w.seed, in.flags(), w.lastLblk + 1));
            checkDirSize(w, size);
        } else if (type == S_IFREG) {
            checkFileSize(w, in);
        } else if (type == S_IFLNK && !in.isFastSymlink()) {
            if (size >= bs || w.count != 1 + (in.fileAcl() != 0 ? 1 : 0)) {
                problem("Symlink inode " + ino + " is invalid (i_size " + size + ", " + w.count + " blocks).");
            }
        }
    }

    /** An in-use directory as pass 2 needs it. */
    private record Dir(List<Extent> ext, int seed, int flags, long numBlocks) {
    }

    /** check_blocks for a directory: {@code i_size} a whole number of blocks covering them, no holes. */
    private void checkDirSize(Walk w, long size) {
        long want = (w.lastLblk + 1) * bs;
        if (size % bs != 0 || size != want) {
            problem("Inode " + w.ino + ", i_size is " + size + ", should be " + want + ".");
        }
        long expectLblk = 0;
        for (Extent e : w.ext) {
            if (e.lblk() != expectLblk) {
                problem("Directory inode " + w.ino + " has an unallocated block #" + expectLblk + ".");
            }
            if (e.unwritten()) {
                problem("Directory inode " + w.ino + " has an unwritten extent at block #" + e.lblk() + ".");
            }
            expectLblk = e.lend();
        }
        if (w.ext.isEmpty()) {
            problem("Directory inode " + w.ino + " has no blocks.");
        }
    }

    /** check_blocks' walk: the extent tree, or the block map of an inode without {@code EXT4_EXTENTS_FL}. */
    private void walkBlocks(Walk w, Ext4InodeRaw in) throws IOException {
        if (in.hasFlag(EXT4_EXTENTS_FL)) {
            walkRoot(w, in);
        } else {
            walkBlockMap(w, in);
        }
    }

    /**
     * {@code ext2fs_block_iterate3} over a block map as check_blocks uses it: the twelve direct blocks,
     * then the indirect, double and triple indirect trees; every non-zero word must be a block of the
     * filesystem ({@code PR_1_ILLEGAL_BLOCK_NUM}); every block, data or map, is claimed and counted.
     */
    private void walkBlockMap(Walk w, Ext4InodeRaw in) throws IOException {
        byte[] raw = in.raw();
        for (int k = 0; k < EXT4_NDIR_BLOCKS; k++) {
            long p = LittleEndian.u32(raw, I_BLOCK + 4 * k);
            if (p != 0 && mapClaim(w, p, k, 0)) {
                w.mapped(k, p);
            }
        }
        long per = bs / 4;
        long l = EXT4_NDIR_BLOCKS;
        long span = per;
        for (int level = 1; level <= 3; level++) {
            long p = LittleEndian.u32(raw, I_BLOCK + 4 * (EXT4_NDIR_BLOCKS + level - 1));
            if (p != 0) {
                walkIndirect(w, p, level, l, 0);
            }
            l += span;
            span *= per;
        }
    }

    /** {@code EXT4_NDIR_BLOCKS}: the direct block words of {@code i_block}. */
    private static final int EXT4_NDIR_BLOCKS = 12;

    /** One indirect block of {@code level} (1 indirect, 2 double, 3 triple) mapping from {@code firstLblk}. */
    private void walkIndirect(Walk w, long blk, int level, long firstLblk, int depth) throws IOException {
        if (!mapClaim(w, blk, -level, level) || depth > 3) {
            return;
        }
        byte[] b = new byte[bs];
        readBlock(blk, b, "reading indirect block of inode " + w.ino);
        long span = 1;
        for (int k = 1; k < level; k++) {
            span *= bs / 4;
        }
        for (int i = 0; i < bs / 4; i++) {
            long p = LittleEndian.u32(b, 4 * i);
            long l = firstLblk + i * span;
            if (p == 0) {
                continue;
            }
            if (level == 1) {
                if (mapClaim(w, p, l, 0)) {
                    w.mapped(l, p);
                }
            } else {
                walkIndirect(w, p, level - 1, l, depth + 1);
            }
        }
    }

    /**
     * process_block on one block of a block map: an illegal number is reported and skipped; the resize
     * inode claims only its double indirect block and counts the others.
     *
     * @param l     the logical block, or minus the level of a map block
     * @param level 0 for a data block, else the map block's level
     */
    private boolean mapClaim(Walk w, long p, long l, int level) {
        if (p < sb.firstDataBlock() || p >= blocks) {
            String what = switch (level) {
                case 0 -> "block #" + l;
                case 1 -> "indirect block";
                case 2 -> "double indirect block";
                default -> "triple indirect block";
            };
            problem("Illegal " + what + " (" + p + ") in inode " + w.ino + ".  Clear? no");
            w.bad = true;
            return false;
        }
        if (w.resize && level != 2) {
            w.count++;
            return true;
        }
        return w.claim(p, 1, level == 0 ? "block (logical block " + l + ")" : "map block");
    }

    private static int extentEntries(Ext4InodeRaw in) {
        return LittleEndian.u16(in.raw(), I_BLOCK + EH_ENTRIES);
    }

    private void walkRoot(Walk w, Ext4InodeRaw in) throws IOException {
        byte[] raw = in.raw();
        int base = I_BLOCK;
        int magic = LittleEndian.u16(raw, base + EH_MAGIC);
        int entries = LittleEndian.u16(raw, base + EH_ENTRIES);
        int max = LittleEndian.u16(raw, base + EH_MAX);
        int depth = LittleEndian.u16(raw, base + EH_DEPTH);
        // ext2fs_extent_header_verify: eh_max may be up to two entries short of what fits (room for a
        // tail); the kernel's __ext4_ext_check refuses only a larger one
        if (magic != EXT4_EXT_MAGIC || max > ROOT_MAX || max < ROOT_MAX - 2 || entries > max || depth > EXT4_MAX_EXTENT_DEPTH
                || (depth > 0 && entries == 0)) {
            problem("Inode " + w.ino + " has an invalid extent tree root (magic 0x" + Integer.toHexString(magic)
                    + ", entries " + entries + ", max " + max + ", depth " + depth + ").");
            w.bad = true;
            return;
        }
        walkNode(w, raw, base, depth, 0, EXT_MAX_BLOCKS + 1, -1);
    }

    /** Walks the node at {@code b[base]}: keys must lie in {@code [lo, hi)}. */
    private void walkNode(Walk w, byte[] b, int base, int depth, long lo, long hi, long nodeBlk) throws IOException {
        int entries = LittleEndian.u16(b, base + EH_ENTRIES);
        long prevEnd = lo;
        for (int i = 0; i < entries; i++) {
            int o = entry(base, i);
            long key = LittleEndian.u32(b, o);
            long nextKey = i + 1 < entries ? LittleEndian.u32(b, entry(base, i + 1)) : hi;
            if (key < prevEnd) {
                problem("Inode " + w.ino + " has out of order extents (invalid logical block " + key
                        + (nodeBlk >= 0 ? ", in extent block " + nodeBlk : "") + ").");
                w.bad = true;
                return;
            }
            if (depth == 0) {
                int rawLen = LittleEndian.u16(b, o + EE_LEN);
                boolean uw = rawLen > EXT_INIT_MAX_LEN;
                int len = uw ? rawLen - EXT_INIT_MAX_LEN : rawLen;
                long pblk = LittleEndian.u32(b, o + EE_START_LO) | ((long) LittleEndian.u16(b, o + EE_START_HI) << 32);
                if (len == 0) {
                    problem("Inode " + w.ino + " has an invalid extent (logical block " + key + ", physical block "
                            + pblk + ", len 0).");
                    w.bad = true;
                    return;
                }
                if (key + len > hi) {
                    problem("Inode " + w.ino + ", end of extent exceeds allowed value (logical block " + key
                            + ", physical block " + pblk + ", len " + len + ").");
                    w.bad = true;
                    return;
                }
                if (!w.claim(pblk, len, "extent (logical block " + key + ")")) {
                    return;
                }
                if (!uw) {
                    w.lastInit = Math.max(w.lastInit, key + len - 1);
                }
                w.lastLblk = Math.max(w.lastLblk, key + len - 1);
                if (w.dir) {
                    w.ext.add(new Extent(key, pblk, len, uw));
                }
                prevEnd = key + len;
            } else {
                long child = LittleEndian.u32(b, o + EI_LEAF_LO) | ((long) LittleEndian.u16(b, o + EI_LEAF_HI) << 32);
                if (!w.claim(child, 1, "extent tree block (logical block " + key + ")")) {
                    return;
                }
                byte[] cb = new byte[bs];
                readBlock(child, cb, "reading extent tree block of inode " + w.ino);
                int cm = LittleEndian.u16(cb, EH_MAGIC);
                int ce = LittleEndian.u16(cb, EH_ENTRIES);
                int cx = LittleEndian.u16(cb, EH_MAX);
                int cd = LittleEndian.u16(cb, EH_DEPTH);
                if (cm != EXT4_EXT_MAGIC || cx < blockMax(bs) - 2 || cx > blockMax(bs) || ce > cx || cd != depth - 1
                        || (cd > 0 && ce == 0)) {
                    problem("Inode " + w.ino + " has an invalid extent node (blk " + child + ", lblk " + key
                            + "): magic 0x" + Integer.toHexString(cm) + ", entries " + ce + ", max " + cx
                            + ", depth " + cd + " (expected " + (depth - 1) + ").");
                    w.bad = true;
                    return;
                }
                if (ce == 0) {
                    problem("Inode " + w.ino + " has an empty extent leaf (blk " + child + ", lblk " + key + ").");
                    w.bad = true;
                } else {
                    long first = LittleEndian.u32(cb, entry(0, 0));
                    if (first != key) {
                        problem("Inode " + w.ino + " extent index at lblk " + key + " does not match its child's first"
                                + " extent (blk " + child + ", lblk " + first + ").");
                        w.bad = true;
                    }
                }
                walkNode(w, cb, 0, depth - 1, key, nextKey, child);
                if (!csum.extentBlockCsumValid(w.seed, cb)) {
                    problem("Inode " + w.ino + " extent block passes checks, but checksum does not match extent "
                            + lastEntry(cb, nextKey) + ".  Fix? no");
                }
                prevEnd = key + 1;
            }
        }
    }

    /**
     * The "(logical block L, physical block P, len N)" e2fsck prints with a tree block's checksum
     * failure: the node's last entry (an index's length runs to {@code hi}).
     */
    private static String lastEntry(byte[] b, long hi) {
        int n = LittleEndian.u16(b, EH_ENTRIES);
        if (n == 0) {
            return "(no entries)";
        }
        int o = entry(0, n - 1);
        long lblk = LittleEndian.u32(b, o);
        long pblk;
        long len;
        if (LittleEndian.u16(b, EH_DEPTH) == 0) {
            int raw = LittleEndian.u16(b, o + EE_LEN);
            len = raw > EXT_INIT_MAX_LEN ? raw - EXT_INIT_MAX_LEN : raw;
            pblk = LittleEndian.u32(b, o + EE_START_LO) | ((long) LittleEndian.u16(b, o + EE_START_HI) << 32);
        } else {
            pblk = LittleEndian.u32(b, o + EI_LEAF_LO) | ((long) LittleEndian.u16(b, o + EI_LEAF_HI) << 32);
            len = Math.max(0, hi - lblk);
        }
        return "(logical block " + lblk + ", physical block " + pblk + ", len " + len + ")";
    }

    private void pass1b() {
        List<Long> owners = new ArrayList<>(claims.keySet());
        owners.sort(null);
        for (long ino : owners) {
            List<Long> hits = new ArrayList<>();
            for (long[] r : claims.get(ino)) {
                for (int b = dup.nextSetBit((int) r[0]); b >= 0 && b < r[0] + r[1]; b = dup.nextSetBit(b + 1)) {
                    hits.add((long) b);
                }
            }
            if (!hits.isEmpty()) {
                StringBuilder s = new StringBuilder("Multiply-claimed block(s) in inode " + ino + ":");
                for (long h : hits) {
                    s.append(' ').append(h);
                }
                problem(s.toString());
            }
        }
        for (int b = dup.nextSetBit(0); b >= 0; b = dup.nextSetBit(b + 1)) {
            if (meta.get(b)) {
                problem("Block " + b + " is filesystem metadata and also claimed by an inode.");
            }
        }
    }

    // ================================================================ pass 2

    private String dirName(long ino) {
        return ino == EXT4_ROOT_INO ? "/" : "???";
    }

    /** One directory's pass 2 state. */
    private static final class DirCheck {
        final long ino;
        final Dir dir;
        final FsckHtree htree;
        final Set<String> names = new HashSet<>();
        boolean sawDot;
        boolean sawDotDot;

        DirCheck(long ino, Dir dir, FsckHtree htree) {
            this.ino = ino;
            this.dir = dir;
            this.htree = htree;
        }
    }

    private void pass2() throws IOException {
        byte[] b = new byte[bs];
        for (Map.Entry<Long, Dir> de : dirs.entrySet()) {
            long dir = de.getKey();
            DirCheck st = new DirCheck(dir, de.getValue(), htreeOf(dir, de.getValue()));
            for (Extent e : st.dir.ext()) {
                for (long l = e.lblk(); l < e.lend(); l++) {
                    readBlock(e.pblk() + (l - e.lblk()), b, "reading directory block of inode " + dir);
                    checkDirBlock(st, l, b);
                }
            }
            if (st.htree != null) {
                st.htree.finish();
            }
            if (!st.sawDot || !st.sawDotDot) {
                dotdot[(int) dir] = st.sawDotDot ? dotdot[(int) dir] : 0;
            }
        }
    }

    /** {@code EXT4_ENCRYPT_FL}. */
    private static final int EXT4_ENCRYPT_FL = 0x800;
    /** {@code EXT2_FLAGS_UNSIGNED_HASH} in {@code s_flags}. */
    private static final long EXT2_FLAGS_UNSIGNED_HASH = 0x2;

    /** The htree state of a directory with {@code EXT4_INDEX_FL} (pass 1's e2fsck_add_dx_dir), else null. */
    private FsckHtree htreeOf(long dir, Dir d) {
        if ((d.flags() & EXT4_INDEX_FL) == 0) {
            return null;
        }
        int[] seed = new int[4];
        for (int k = 0; k < 4; k++) {
            seed[k] = (int) sb.getU32(SuperBlockDescriptor.S_HASH_SEED + 4 * k);
        }
        boolean unsignedHash = (sb.getU32(SuperBlockDescriptor.S_FLAGS) & EXT2_FLAGS_UNSIGNED_HASH) != 0;
        boolean hashable = (d.flags() & (EXT4_CASEFOLD_FL | EXT4_ENCRYPT_FL)) == 0;
        return new FsckHtree(dir, dirName(dir), d.numBlocks(), bs, csum.on(), seed, unsignedHash, hashable,
                sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_LARGEDIR), problems);
    }

    /**
     * check_dir_block: the block's checksum, its kind in an indexed directory, its entries (a leaf's end
     * before its checksum tail under {@code metadata_csum}), then an index block's index.
     */
    private void checkDirBlock(DirCheck st, long l, byte[] b) {
        boolean failedCsum = csum.on() && !dirBlockCsumValid(st.dir.seed(), b);
        int type = st.htree != null ? st.htree.classify(l, b) : FsckHtree.LEAF;
        boolean leaf = type == FsckHtree.LEAF;
        int end = bs;
        if (csum.on() && leaf) {
            if (failedCsum && direntTail(b) == TAIL_NO_SPACE) { // PR_2_LEAF_NODE_MISSING_CSUM
                problem("Directory inode " + st.ino + ", block #" + l + ", offset 0: directory has no checksum.  Fix? no");
            } else {
                end = bs - Ext4Csum.DIR_TAIL_SIZE;
            }
        }
        boolean complete = checkEntries(st, l, b, end, leaf);
        if (!leaf) {
            st.htree.parseIntNode(l, b, failedCsum);
        } else if (failedCsum && complete) { // PR_2_LEAF_NODE_ONLY_CSUM_INVALID
            problem("Directory inode " + st.ino + ", block #" + l + ": directory passes checks but fails checksum.  Fix? no");
        }
    }

    /** check_dir_block's loop over the entries of a block; false if a corrupted entry stopped it. */
    private boolean checkEntries(DirCheck st, long l, byte[] b, int end, boolean leaf) {
        long dir = st.ino;
        int off = 0;
        int idx = 0;
        while (off < end) {
            String bad = DirEntry.check(b, off, end, inodes);
            if (bad != null && !bad.equals("inode out of bounds")) {
                problem("Directory inode " + dir + ", block #" + l + ", offset " + off + ": directory corrupted ("
                        + bad + ": rec_len " + (off + 8 <= bs ? DirEntry.recLenAt(b, off) : -1) + ", name_len "
                        + (off + 8 <= bs ? DirEntry.nameLenAt(b, off) : -1) + ").");
                return false;
            }
            long ino = DirEntry.inodeAt(b, off);
            byte[] name = DirEntry.nameAt(b, off);
            String ns = new String(name, StandardCharsets.UTF_8);
            boolean isDot = Arrays.equals(name, new byte[] {'.'});
            boolean isDotDot = Arrays.equals(name, new byte[] {'.', '.'});
            if (l == 0 && idx == 0) {
                if (!isDot || ino != dir) {
                    problem("Missing '.' in directory inode " + dir + ".");
                } else {
                    st.sawDot = true;
                }
            } else if (l == 0 && idx == 1) {
                if (!isDotDot || ino == 0) {
                    problem("Missing '..' in directory inode " + dir + ".");
                } else {
                    st.sawDotDot = true;
                    dotdot[(int) dir] = ino;
                }
            } else if (ino != 0 && (isDot || isDotDot)) {
                problem("Entry '" + ns + "' in " + dirName(dir) + " (" + dir + ") is a duplicate '" + ns + "' entry.");
                ino = 0;
            }
            if (ino != 0) {
                checkEntry(dir, ns, name, ino, DirEntry.fileTypeAt(b, off), isDot || isDotDot, st.names);
                if (st.htree != null && leaf && ino <= inodes) {
                    st.htree.leafHash(l, name);
                }
            }
            off += DirEntry.recLenAt(b, off);
            idx++;
        }
        return true;
    }

    private static final int TAIL_OK = 0;
    private static final int TAIL_CORRUPTED = 1;
    private static final int TAIL_NO_SPACE = 2;

    /**
     * {@code __get_dirent_tail}: follows the {@code rec_len} chain to the last 12 bytes, which must be a
     * {@code struct ext4_dir_entry_tail}.
     *
     * @return {@link #TAIL_OK}, {@link #TAIL_CORRUPTED} (a bad {@code rec_len} on the way) or
     *         {@link #TAIL_NO_SPACE} (the chain does not stop there, or no tail there)
     */
    private int direntTail(byte[] b) {
        int top = bs - Ext4Csum.DIR_TAIL_SIZE;
        int d = 0;
        while (d < top) {
            int rl = DirEntry.recLenAt(b, d);
            if (rl < 8 || (rl & 3) != 0) {
                return TAIL_CORRUPTED;
            }
            d += rl;
        }
        if (d > bs) {
            return TAIL_CORRUPTED;
        }
        return d == top && Ext4Csum.hasDirTail(b) ? TAIL_OK : TAIL_NO_SPACE;
    }

    /**
     * {@code ext2fs_dir_block_csum_verify}: a leaf's tail checksum, or an index block's
     * {@code dx_tail}; a block that is neither fails.
     */
    private boolean dirBlockCsumValid(int seed, byte[] b) {
        if (direntTail(b) == TAIL_OK) {
            return csum.dirBlockCsumValid(seed, b);
        }
        int off = FsckHtree.countLimitOffset(b);
        return off >= 0 && FsckHtree.dxCsumValid(seed, b, off);
    }

    private void checkEntry(long dir, String ns, byte[] name, long ino, int ftype, boolean dot, Set<String> names) {
        String where = "Entry '" + ns + "' in " + dirName(dir) + " (" + dir + ")";
        if (name.length == 0) {
            problem(where + " has a zero-length name.");
            return;
        }
        for (byte c : name) {
            if (c == '/' || c == 0) {
                problem(where + " has illegal characters in its name.");
                break;
            }
        }
        if (ino > inodes || (ino < sb.firstIno() && ino != EXT4_ROOT_INO)) {
            problem(where + " has bad inode #: " + ino + ".");
            return;
        }
        int i = (int) ino;
        // e2fsck pass 2, check_dir_block: an inode in a group whose descriptor says its inodes are not
        // initialized (INODE_UNINIT, or past bg_itable_unused), whatever the features say (check_super_block's
        // "Fix? no" left the flags)
        int g = (int) ((ino - 1) / sb.inodesPerGroup());
        long firstUnused = g * sb.inodesPerGroup() + 1 + sb.inodesPerGroup() - gds[g].itableUnused();
        if ((gds[g].flags() & 0x1) != 0) {
            problem(where + " references inode " + ino + " in group " + g + " where _INODE_UNINIT is set.  Fix? no");
        } else if (ino >= firstUnused) {
            problem(where + " references inode " + ino + " found in group " + g + "'s unused inodes area.  Fix? no");
        }
        if (!inodeUsed.get(i) || links[i] == 0) {
            problem(where + " has deleted/unused inode " + ino + ".");
            return;
        }
        int want = fileType(modes[i]);
        if (!sb.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_FILETYPE)) {
            if (ftype != 0) { // e2fsck pass 2, check_filetype: PR_2_CLEAR_FILETYPE
                problem(where + " has filetype set.  Clear? no");
            }
        } else if (ftype != want && ftype != 0) {
            // a file_type of 0 where one is due is PR_2_SET_FILETYPE, which e2fsck -n does not count (PR_NO_OK)
            problem(where + " has an incorrect filetype (was " + ftype + ", should be " + want + ").");
        }
        if (!dot && !names.add(ns)) {
            problem("Duplicate entry '" + ns + "' found in " + dirName(dir) + " (" + dir + ").");
        }
        refs[i]++;
        if (!dot && isDirIno.get(i)) {
            if (parentByEntry[i] != 0) {
                problem(where + " is a link to directory " + ino + " (already in directory " + parentByEntry[i] + ").");
            } else {
                parentByEntry[i] = dir;
            }
        }
    }

    // ================================================================ pass 3

    private void pass3() throws IOException {
        for (long dir : dirs.keySet()) {
            int i = (int) dir;
            if (dir == EXT4_ROOT_INO) {
                if (dotdot[i] != 0 && dotdot[i] != EXT4_ROOT_INO) {
                    problem("'..' in / (2) is " + dotdot[i] + ", should be 2.");
                }
                continue;
            }
            if (parentByEntry[i] == 0) {
                problem("Unconnected directory inode " + dir + " ('..' is " + dotdot[i] + ").");
                continue;
            }
            if (dotdot[i] != 0 && dotdot[i] != parentByEntry[i]) {
                problem("'..' in ??? (" + dir + ") is " + dotdot[i] + ", should be " + parentByEntry[i] + ".");
            }
        }
        // No /lost+found is not a problem: e2fsck -n does not look for it (pass 3 creates it only
        // when it may write).
    }

    // ================================================================ pass 4

    private void pass4() {
        long firstIno = sb.firstIno();
        for (int i = inodeUsed.nextSetBit(1); i >= 0; i = inodeUsed.nextSetBit(i + 1)) {
            if ((i < firstIno && i != EXT4_ROOT_INO) || superInodes.get(i)) {
                continue;
            }
            if (refs[i] == 0) {
                problem("Unattached inode " + i + " (i_links_count " + links[i] + ").");
                continue;
            }
            int counted = countedLinks(i);
            if (counted != links[i] && !indexedDirOverflow(i, counted)) {
                problem("Inode " + i + " ref count is " + links[i] + ", should be " + counted + ".");
            }
        }
    }

    /**
     * The links pass 4 counts: a directory's past {@code EXT4_LINK_MAX} (65000) count as 1, the
     * {@code dir_nlink} way ({@code PR_4_DIR_NLINK_FEATURE} if the feature is off).
     */
    private int countedLinks(int i) {
        if (!isDirIno.get(i) || refs[i] <= EXT4_LINK_MAX) {
            return refs[i];
        }
        if (!sb.hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_DIR_NLINK)) {
            problem("Directory exceeds max links, but no DIR_NLINK feature in superblock.  Fix? no");
        }
        return 1;
    }

    /**
     * {@code PR_4_DIR_OVERFLOW_REF_COUNT}: an indexed directory whose {@code i_links_count} is 1 from an
     * earlier overflow is not an error (e2fsck -n says nothing).
     */
    private boolean indexedDirOverflow(int i, int counted) {
        Dir d = dirs.get((long) i);
        return d != null && counted > 1 && links[i] == 1 && (d.flags() & EXT4_INDEX_FL) != 0;
    }

    /** {@code EXT4_LINK_MAX}. */
    private static final int EXT4_LINK_MAX = 65000;

    // ================================================================ pass 5

    private void pass5() throws IOException {
        FsckBitmaps maps = FsckBitmaps.load(sb, gds, csum, this::readBlock);
        checkBlockBitmaps(maps);
        checkInodeBitmaps(maps);
        if (maps.inodeTailProblem()) { // check_inode_end: PR_5_INODE_BMAP_PADDING
            problem("Padding at end of inode bitmap is not set.  Fix? no");
        }
        if (csum.on()) {
            checkBitmapChecksums(maps);
        }
    }

    /**
     * check_block_bitmaps against the bitmaps as loaded: differences as "+" (used, not marked) and "-"
     * ranges, a used block in a {@code BLOCK_UNINIT} group ({@code PR_5_BLOCK_UNINIT}), the free count of
     * each group (the blocks this check found free), and check_block_end's padding: the bits past the
     * last block up to the group's end, and the bytes past {@code s_blocks_per_group} in each bitmap
     * read from disk. The superblock's totals are not checked: the kernel keeps them in per-CPU
     * counters and writes them back lazily, and e2fsck -n does not count a wrong total as an error
     * ({@code PR_5_FREE_BLOCK_COUNT} is {@code PR_NO_OK}): only the group descriptors' counts are
     * authoritative.
     */
    private void checkBlockBitmaps(FsckBitmaps maps) {
        List<String> plus = new ArrayList<>();
        List<String> minus = new ArrayList<>();
        boolean padding = false;
        for (int g = 0; g < gds.length; g++) {
            byte[] map = maps.blockMap(g);
            long first = sb.groupFirstBlock(g);
            int n = (int) sb.groupBlocks(g);
            int counted = 0;
            boolean uninitUsed = false;
            for (int k = 0; k < n; k++) {
                boolean want = used.get((int) (first + k));
                boolean have = Bitmap.test(map, k);
                if (want && !have) {
                    addRange(plus, first + k);
                    uninitUsed |= gds[g].hasFlag(GroupDescDescriptor.EXT4_BG_BLOCK_UNINIT);
                } else if (!want && have) {
                    addRange(minus, first + k);
                }
                if (!want) {
                    counted++;
                }
            }
            if (uninitUsed) {
                problem("Group " + g + " block(s) in use but group is marked BLOCK_UNINIT.  Fix? no");
            }
            for (int k = n; k < sb.blocksPerGroup() && !padding; k++) {
                padding = !Bitmap.test(map, k);
            }
            if (gds[g].freeBlocksCount() != counted) {
                problem("Free blocks count wrong for group #" + g + " (" + gds[g].freeBlocksCount() + ", counted=" + counted + ").");
            }
        }
        report("Block bitmap differences:", plus, minus);
        if (padding || maps.blockTailProblem()) {
            problem("Padding at end of block bitmap is not set.  Fix? no");
        }
    }

    /**
     * check_inode_bitmaps: with a descriptor checksum feature an {@code INODE_UNINIT} group's bitmap is
     * taken as all free ("skip_group"); differences, and each group's free inodes and directories as
     * found. The superblock's free inodes total is not checked, as for blocks.
     */
    private void checkInodeBitmaps(FsckBitmaps maps) {
        List<String> plus = new ArrayList<>();
        List<String> minus = new ArrayList<>();
        long ipg = sb.inodesPerGroup();
        for (int g = 0; g < gds.length; g++) {
            boolean skip = gdtCsum && gds[g].hasFlag(GroupDescDescriptor.EXT4_BG_INODE_UNINIT);
            byte[] map = maps.inodeMap(g);
            int counted = 0;
            int dirCount = 0;
            boolean uninitUsed = false;
            for (int k = 0; k < ipg; k++) {
                long ino = g * ipg + k + 1;
                boolean want = inodeUsed.get((int) ino);
                boolean have = !skip && Bitmap.test(map, k);
                if (want && !have) {
                    addRange(plus, ino);
                    uninitUsed |= skip;
                } else if (!want && have) {
                    addRange(minus, ino);
                }
                if (!want) {
                    counted++;
                }
                if (want && isDirIno.get((int) ino)) {
                    dirCount++;
                }
            }
            if (uninitUsed) { // PR_5_INODE_UNINIT
                problem("Group " + g + " inode(s) in use but group is marked INODE_UNINIT.  Fix? no");
            }
            if (gds[g].freeInodesCount() != counted) {
                problem("Free inodes count wrong for group #" + g + " (" + gds[g].freeInodesCount() + ", counted=" + counted + ").");
            }
            if (gds[g].usedDirsCount() != dirCount) {
                problem("Directories count wrong for group #" + g + " (" + gds[g].usedDirsCount() + ", counted=" + dirCount + ").");
            }
        }
        report("Inode bitmap differences:", plus, minus);
    }

    /**
     * check_inode_bitmap_checksum and check_block_bitmap_checksum ({@code metadata_csum}): every group
     * not marked {@code INODE_UNINIT} (resp. {@code BLOCK_UNINIT}) has its bitmap, as loaded, match the
     * checksum in its descriptor.
     */
    private void checkBitmapChecksums(FsckBitmaps maps) {
        int inodeBytes = (int) (sb.inodesPerGroup() / 8);
        int blockBytes = (int) (sb.blocksPerGroup() / 8);
        for (int g = 0; g < gds.length; g++) {
            if (!gds[g].hasFlag(GroupDescDescriptor.EXT4_BG_INODE_UNINIT)
                    && !csum.inodeBitmapCsumValid(gds[g], maps.inodeMap(g), inodeBytes)) {
                problem("Group " + g + " inode bitmap does not match checksum.  IGNORED.");
            }
        }
        for (int g = 0; g < gds.length; g++) {
            if (!gds[g].hasFlag(GroupDescDescriptor.EXT4_BG_BLOCK_UNINIT)
                    && !csum.blockBitmapCsumValid(gds[g], maps.blockMap(g), blockBytes)) {
                problem("Group " + g + " block bitmap does not match checksum.  IGNORED.");
            }
        }
    }

    /** Accumulates numbers into e2fsck-style ranges: "a" or "(a--b)". */
    private static void addRange(List<String> out, long x) {
        if (!out.isEmpty()) {
            String last = out.get(out.size() - 1);
            long lo;
            long hi;
            if (last.startsWith("(")) {
                String[] p = last.substring(1, last.length() - 1).split("--");
                lo = Long.parseLong(p[0]);
                hi = Long.parseLong(p[1]);
            } else {
                lo = hi = Long.parseLong(last);
            }
            if (x == hi + 1) {
                out.set(out.size() - 1, "(" + lo + "--" + x + ")");
                return;
            }
        }
        out.add(Long.toString(x));
    }

    private void report(String title, List<String> plus, List<String> minus) {
        if (plus.isEmpty() && minus.isEmpty()) {
            return;
        }
        StringBuilder s = new StringBuilder(title);
        int shown = 0;
        for (String p : plus) {
            if (shown++ < 64) {
                s.append(" +").append(p);
            }
        }
        for (String m : minus) {
            if (shown++ < 64) {
                s.append(" -").append(m);
            }
        }
        if (shown > 64) {
            s.append(" ... (").append(shown - 64).append(" more)");
        }
        problem(s.toString());
    }
}
