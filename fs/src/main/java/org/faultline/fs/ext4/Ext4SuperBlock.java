package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.SuperBlockDescriptor.*;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.faultline.kernel.Errno;

/**
 * A parsed {@code struct ext4_super_block} (layout in {@link SuperBlockDescriptor}): a 1024-byte copy
 * with typed accessors, the group geometry derived from it, and {@link #validate validation}.
 *
 * <p>Fields this layer does not interpret (journal, hash seed, error tracking, mount options...) stay
 * in the raw copy and are written back unchanged.
 *
 * <p>Geometry without {@code flex_bg} (with it, the bitmaps and inode tables of a flex group are packed
 * together in its first group); blocks are 1024, 2048 or 4096 bytes, {@code s_first_data_block} is 1
 * with 1 KiB blocks (block 0 holds the boot block, the superblock is block 1) and 0 otherwise:
 * <pre>
 *  group g starts at block s_first_data_block + g * s_blocks_per_group
 *  +------------+-----------+------------------+--------+--------+-------------+-------------+
 *  | superblock | GDT       | reserved GDT     | block  | inode  | inode table | data blocks |
 *  | (backup if | gdtBlocks | s_reserved_gdt_  | bitmap | bitmap | ipg*isize/bs|             |
 *  |  g has one)| blocks    | blocks           |        |        | blocks      |             |
 *  +------------+-----------+------------------+--------+--------+-------------+-------------+
 *  (the primary superblock is at byte 1024 of the device: byte 1024 of block 0 with 2 and 4 KiB
 *   blocks, block 1 with 1 KiB blocks; a backup is at byte 0 of its group's first block)
 * </pre>
 * With {@code sparse_super}, only groups 0, 1 and powers of 3, 5 and 7 carry a superblock and GDT copy.
 *
 * <p>Not thread-safe: owned by one volume (this layer is single-threaded).
 */
public final class Ext4SuperBlock {
    private final byte[] raw;

    private Ext4SuperBlock(byte[] raw) {
        this.raw = raw;
    }

    /**
     * Wraps a 1024-byte superblock without validating it (for the image tools' mkfs and fsck, and tests).
     *
     * @param raw 1024 bytes; copied
     * @return the superblock
     */
    public static Ext4SuperBlock wrap(byte[] raw) {
        if (raw.length != SUPERBLOCK_SIZE) {
            throw new IllegalArgumentException("superblock must be " + SUPERBLOCK_SIZE + " bytes, got " + raw.length);
        }
        return new Ext4SuperBlock(raw.clone());
    }

    /**
     * @return the block of {@code bs} bytes holding the primary superblock, at byte 1024 of the
     *         device: block 0, or block 1 with 1 KiB blocks
     */
    public static long primaryBlock(int bs) {
        return SUPERBLOCK_OFFSET / bs;
    }

    /** @return where the primary superblock starts in {@link #primaryBlock}: 1024, or 0 with 1 KiB blocks */
    public static int primaryOffset(int bs) {
        return SUPERBLOCK_OFFSET % bs;
    }

    /** @return a fresh all-zero superblock to fill in */
    public static Ext4SuperBlock blank() {
        return new Ext4SuperBlock(new byte[SUPERBLOCK_SIZE]);
    }

    /** Copies the raw bytes into {@code dst} at {@code off}. */
    public void writeTo(byte[] dst, int off) {
        System.arraycopy(raw, 0, dst, off, SUPERBLOCK_SIZE);
    }

    /** @return an independent copy */
    public Ext4SuperBlock copy() {
        return new Ext4SuperBlock(raw.clone());
    }

    // ---------------------------------------------------------------- reading and validation

    /**
     * Reads the primary superblock at byte 1024 of {@code io} and validates it against the device and
     * the {@link Ext4Features feature policy}, as {@code ext4_fill_super} does: the device is read in
     * 1 KiB blocks first ({@code sb_min_blocksize}), then set to the filesystem's block size
     * ({@code sb_set_blocksize}), which it keeps. Nothing is written, whatever the outcome.
     *
     * @param io       the device
     * @param dev      device name for messages, e.g. {@code sda} or an image file name
     * @param readOnly whether the caller will only read (relaxes the feature policy)
     * @return the validated superblock
     * @throws Ext4Exception with a one-line message: {@link org.faultline.kernel.Errno#EUCLEAN} for corruption,
     *                       {@link org.faultline.kernel.Errno#EOPNOTSUPP} for unsupported features or geometry,
     *                       {@link org.faultline.kernel.Errno#EIO} for a device error
     */
    public static Ext4SuperBlock read(BlockIo io, String dev, boolean readOnly) throws Ext4Exception {
        return read(io, dev, readOnly ? Policy.READ_ONLY : Policy.READ_WRITE);
    }

    /** What {@link #validate} accepts: the kernel's mount, read-write or read-only, or e2fsck's open. */
    public enum Policy {
        /** A read-write mount: only the features this layer writes correctly. */
        READ_WRITE,
        /** A read-only mount: features that do not change how files read back are fine. */
        READ_ONLY,
        /**
         * A read-only check ({@code images.ext4.Fsck}), as e2fsck's {@code ext2fs_open2} and {@code check_super_block}
         * accept a superblock: every feature e2fsck knows is accepted unless it changes the layout this
         * checker reads ({@code bigalloc} with clusters: "cannot check"; the checker verifies
         * {@code metadata_csum} itself); {@code extent} and {@code filetype} are not required; a device
         * shorter than the filesystem is left to the checker (e2fsck -n goes on); the free counts are
         * not bounded (e2fsck recomputes them).
         */
        CHECK
    }

    /**
     * Reads the primary superblock as fsck needs it ({@link Policy#CHECK}).
     *
     * @throws Ext4Exception as {@link #read(BlockIo, String, boolean)}
     */
    public static Ext4SuperBlock readForCheck(BlockIo io, String dev) throws Ext4Exception {
        return read(io, dev, Policy.CHECK);
    }

    private static Ext4SuperBlock read(BlockIo io, String dev, Policy policy) throws Ext4Exception {
        io.setBlockSize(EXT4_MIN_BLOCK_SIZE); // sb_min_blocksize(sb, EXT4_MIN_BLOCK_SIZE)
        long sbBlock = SUPERBLOCK_OFFSET / EXT4_MIN_BLOCK_SIZE;
        if (io.blocks() <= sbBlock) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": device too small to hold an ext4 superblock");
        }
        byte[] b = new byte[SUPERBLOCK_SIZE];
        try {
            io.read(sbBlock, b);
        } catch (java.io.IOException e) {
            throw new Ext4Exception(Errno.EIO, dev + ": cannot read superblock: " + e.getMessage(), e);
        }
        Ext4SuperBlock sb = new Ext4SuperBlock(b);
        int bsz = sb.blockSize();
        sb.validate(dev, bsz > 0 ? io.blocks() * EXT4_MIN_BLOCK_SIZE / bsz : 0, policy);
        io.setBlockSize(bsz); // sb_set_blocksize(sb, blocksize)
        return sb;
    }

    /**
     * Checks this superblock for consistency with itself, with a device of {@code deviceBlocks}
     * blocks of the filesystem's size, and with the feature policy.
     *
     * @throws Ext4Exception one line naming the first problem found
     */
    public void validate(String dev, long deviceBlocks, boolean readOnly) throws Ext4Exception {
        validate(dev, deviceBlocks, readOnly ? Policy.READ_ONLY : Policy.READ_WRITE);
    }

    /**
     * {@link #validate(String, long, boolean)} under {@code policy}. Models ext4_fill_super's checks
     * (a mount) or e2fsprogs' ext2fs_open2 and check_super_block's fatal ones ({@link Policy#CHECK}).
     */
    public void validate(String dev, long deviceBlocks, Policy policy) throws Ext4Exception {
        boolean readOnly = policy != Policy.READ_WRITE;
        boolean check = policy == Policy.CHECK;
        if (magic() != EXT4_SUPER_MAGIC) {
            throw Ext4Exception.corrupt(dev, String.format("bad superblock magic 0x%04X (expected 0x%04X): not an ext2/3/4 filesystem",
                    magic(), EXT4_SUPER_MAGIC));
        }
        if (revLevel() == EXT4_GOOD_OLD_REV) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": ext4 revision 0 (128-byte inodes, no features) not supported");
        }
        if (revLevel() != EXT4_DYNAMIC_REV) {
            throw Ext4Exception.corrupt(dev, "unknown superblock revision " + revLevel());
        }
        if (check) {
            checkFeaturesForFsck(dev);
        } else {
            List<String> bad = Ext4Features.unsupported(featureCompat(), featureIncompat(), featureRoCompat(), readOnly);
            if (!bad.isEmpty()) {
                throw new Ext4Exception(Errno.EOPNOTSUPP, Ext4Features.refusal(dev, bad, readOnly));
            }
            if (hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER)
                    && (!hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_HAS_JOURNAL) || journalInum() == 0)) {
                // Ext4Journal replays a journal kept in an inode; not an external journal device, and
                // needs_recovery without a journal (the kernel's nojournal mode) is not modelled
                throw new Ext4Exception(Errno.EOPNOTSUPP, Ext4Features.refusal(dev, List.of("needs_recovery"), readOnly));
            }
        }
        if (!check && hasMetadataCsum()) {
            if (getU8(S_CHECKSUM_TYPE) != EXT4_CRC32C_CHKSUM) {
                throw new Ext4Exception(Errno.EINVAL, dev + ": VFS: Found ext4 filesystem with unknown checksum algorithm.");
            }
            if (!checksumValid()) {
                throw Ext4Exception.badCrc(dev, "VFS: Found ext4 filesystem with invalid superblock checksum.  Run e2fsck?");
            }
        }
        if (is64Bit() && !check) {
            int ds = u16(S_DESC_SIZE);
            if (ds < GroupDescDescriptor.EXT4_MIN_DESC_SIZE_64BIT || ds > GroupDescDescriptor.EXT4_MAX_DESC_SIZE
                    || Integer.bitCount(ds) != 1) {
                throw Ext4Exception.corrupt(dev, "unsupported descriptor size " + ds);
            }
        }
        long logBs = u32(S_LOG_BLOCK_SIZE);
        checkBlockSize(dev, logBs);
        if (!check && !hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_EXTENTS)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": ext4 feature 'extent' is required (mkfs with -O extent)");
        }
        if (!check && !hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_FILETYPE)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": ext4 feature 'filetype' is required (mkfs with -O filetype)");
        }
        if (u32(S_LOG_CLUSTER_SIZE) != logBs) {
            throw Ext4Exception.corrupt(dev, "cluster size (log " + u32(S_LOG_CLUSTER_SIZE)
                    + ") differs from block size without bigalloc");
        }
        int is = inodeSize();
        if (is < InodeDescriptor.EXT4_GOOD_OLD_INODE_SIZE || Integer.bitCount(is) != 1 || is > blockSize()) {
            throw Ext4Exception.corrupt(dev, "unsupported inode size: " + is);
        }
        long fdb = logBs == 0 ? 1 : 0; // e2fsck's check_super_block: 1 with 1 KiB blocks, else 0
        if (firstDataBlock() != fdb) {
            throw Ext4Exception.corrupt(dev, "bad geometry: s_first_data_block is " + firstDataBlock() + ", must be "
                    + fdb + " with " + blockSize() + "-byte blocks");
        }
        long bpg = blocksPerGroup();
        if (bpg <= 0 || bpg > 8L * blockSize() || bpg % 8 != 0) {
            throw Ext4Exception.corrupt(dev, "bad s_blocks_per_group " + bpg);
        }
        if (u32(S_CLUSTERS_PER_GROUP) != bpg) {
            throw Ext4Exception.corrupt(dev, "s_clusters_per_group " + u32(S_CLUSTERS_PER_GROUP)
                    + " differs from s_blocks_per_group " + bpg + " without bigalloc");
        }
        long ipg = inodesPerGroup();
        if (ipg <= 0 || ipg > 8L * blockSize() || ipg % 8 != 0) {
            throw Ext4Exception.corrupt(dev, "bad s_inodes_per_group " + ipg);
        }
        long blocks = blocksCount();
        if (blocks <= firstDataBlock() + 1) {
            throw Ext4Exception.corrupt(dev, "bad s_blocks_count " + blocks);
        }
        if (blocks > deviceBlocks && !check) { // ext4_fill_super: "bad geometry: block count exceeds size of device"
            throw Ext4Exception.corrupt(dev, "the filesystem size (according to the superblock) is " + blocks
                    + " blocks but the device has only " + deviceBlocks + " blocks: truncated image?");
        }
        long groups = groupCount();
        if (groups > 0xFFFFFFFFL / ipg) {
            throw Ext4Exception.corrupt(dev, "too many groups: " + groups);
        }
        if (inodesCount() != groups * ipg) {
            throw Ext4Exception.corrupt(dev, "s_inodes_count " + inodesCount() + " is not " + groups
                    + " groups * " + ipg + " inodes per group");
        }
        long meta0 = 1 + gdtBlocks() + reservedGdtBlocks() + 2 + inodeTableBlocks();
        if (meta0 > groupBlocks(0) && !hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_FLEX_BG)) {
            throw Ext4Exception.corrupt(dev, "group 0 (" + groupBlocks(0) + " blocks) cannot hold its " + meta0 + " metadata blocks");
        }
        // The free totals are not checked: ext4_fill_super recomputes them from the group descriptors
        // (ext4_count_free_clusters), and e2fsck -n does not count a wrong total as an error.
        if (rBlocksCount() > blocks) {
            throw Ext4Exception.corrupt(dev, "reserved blocks count " + rBlocksCount() + " exceeds blocks count " + blocks);
        }
        if (firstIno() < EXT4_GOOD_OLD_FIRST_INO || firstIno() >= inodesCount()) {
            throw Ext4Exception.corrupt(dev, "bad s_first_ino " + firstIno());
        }
    }

    /**
     * {@code ext4_fill_super}'s block size checks: {@code 1024 << s_log_block_size} from
     * {@code EXT4_MIN_BLOCK_SIZE} to {@code EXT4_MAX_BLOCK_SIZE} (64 KiB), else "Unsupported filesystem
     * blocksize" (corruption); and no larger than a page (4 KiB here), which {@code sb_set_blocksize}
     * refuses ("bad block size", EOPNOTSUPP here: the filesystem is fine, this machine cannot mount it).
     */
    private static void checkBlockSize(String dev, long logBs) throws Ext4Exception {
        if (logBs > EXT4_MAX_BLOCK_LOG_SIZE - EXT4_MIN_BLOCK_LOG_SIZE) {
            throw Ext4Exception.corrupt(dev, "Invalid log block size: " + logBs);
        }
        int size = EXT4_MIN_BLOCK_SIZE << logBs;
        if (size > org.faultline.mm.Page.PAGE_SIZE) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": bad block size " + size
                    + " (larger than the page size, " + org.faultline.mm.Page.PAGE_SIZE + ")");
        }
    }

    /** {@code s_desc_size}: 0, or a power of two up to 1024 (e2fsck's check_super_value LOG2_CHECK). */
    public int descSizeField() {
        return u16(S_DESC_SIZE);
    }

    /**
     * The feature checks of e2fsprogs' {@code ext2fs_open2} and e2fsck's start-up that refuse to check
     * ({@code e2fsck -n} exits 8 or 12), and this checker's own limits (features that change the
     * layout it reads): each one line, {@link org.faultline.kernel.Errno#EOPNOTSUPP} or {@link org.faultline.kernel.Errno#EUCLEAN}.
     */
    private void checkFeaturesForFsck(String dev) throws Ext4Exception {
        List<String> bad = Ext4Features.names(featureCompat() & ~Ext4Features.E2FSCK_COMPAT,
                featureIncompat() & ~Ext4Features.E2FSCK_INCOMPAT, featureRoCompat() & ~Ext4Features.E2FSCK_RO_COMPAT);
        if (!bad.isEmpty()) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + " has unsupported feature(s): " + String.join(" ", bad));
        }
        if (hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_JOURNAL_DEV)) {
            throw Ext4Exception.corrupt(dev, "an external journal device, not a filesystem (journal_dev)");
        }
        int ds = descSizeField();
        if (ds != 0 && (Integer.bitCount(ds) != 1 || ds > 1024)) {
            throw Ext4Exception.corrupt(dev, "Corruption found in superblock.  (desc_size = " + ds + ")");
        }
        if (hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_64BIT) && ds < 64) {
            throw Ext4Exception.corrupt(dev, "Block group descriptor size incorrect (64bit, desc_size " + ds + ")");
        }
        if (hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_CASEFOLD) && u16(S_ENCODING) != 1) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + " has unsupported encoding: " + u16(S_ENCODING));
        }
        if (hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_BIGALLOC) && u32(S_LOG_CLUSTER_SIZE) != u32(S_LOG_BLOCK_SIZE)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": cannot check bigalloc with clusters of more than one block");
        }
        boolean layout = hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_META_BG)
                || hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_SPARSE_SUPER2);
        if (layout && blocksPerGroup() > 0 && blocksCount() > blocksPerGroup()) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": cannot check meta_bg or sparse_super2 over more than one group");
        }
    }

    // ---------------------------------------------------------------- raw access

    private long u32(int off) {
        return LittleEndian.u32(raw, off);
    }

    private int u16(int off) {
        return LittleEndian.u16(raw, off);
    }

    /** @return the unsigned 32-bit field at {@code off} (a {@link SuperBlockDescriptor} constant) */
    public long getU32(int off) {
        return u32(off);
    }

    /** Sets the 32-bit field at {@code off}. */
    public void setU32(int off, long v) {
        LittleEndian.putU32(raw, off, v);
    }

    /** @return the unsigned 16-bit field at {@code off} */
    public int getU16(int off) {
        return u16(off);
    }

    /** Sets the 16-bit field at {@code off}. */
    public void setU16(int off, int v) {
        LittleEndian.putU16(raw, off, v);
    }

    /** @return the byte at {@code off} */
    public int getU8(int off) {
        return LittleEndian.u8(raw, off);
    }

    /** Sets the byte at {@code off}. */
    public void setU8(int off, int v) {
        LittleEndian.putU8(raw, off, v);
    }

    // ---------------------------------------------------------------- fields

    public long inodesCount() {
        return u32(S_INODES_COUNT);
    }

    /** @return whether the {@code 64bit} feature is on (block numbers and counts have high halves) */
    public boolean is64Bit() {
        return hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_64BIT);
    }

    private long lohi(int lo, int hi) {
        return u32(lo) | (is64Bit() ? u32(hi) << 32 : 0);
    }

    private void setLohi(int lo, int hi, long v) {
        setU32(lo, v & 0xFFFFFFFFL);
        if (is64Bit()) {
            setU32(hi, v >>> 32);
        }
    }

    /** {@code ext4_blocks_count}: {@code s_blocks_count_lo}, and {@code _hi} with 64bit. */
    public long blocksCount() {
        return lohi(S_BLOCKS_COUNT_LO, S_BLOCKS_COUNT_HI);
    }

    /** {@code ext4_r_blocks_count}. */
    public long rBlocksCount() {
        return lohi(S_R_BLOCKS_COUNT_LO, S_R_BLOCKS_COUNT_HI);
    }

    /** {@code ext4_free_blocks_count}. */
    public long freeBlocksCount() {
        return lohi(S_FREE_BLOCKS_COUNT_LO, S_FREE_BLOCKS_COUNT_HI);
    }

    public void setFreeBlocksCount(long v) {
        setLohi(S_FREE_BLOCKS_COUNT_LO, S_FREE_BLOCKS_COUNT_HI, v);
    }

    /** {@code EXT4_DESC_SIZE}: {@code s_desc_size} with 64bit, else 32. */
    public int descSize() {
        return is64Bit() ? u16(S_DESC_SIZE) : GroupDescDescriptor.EXT4_MIN_DESC_SIZE;
    }

    /** {@code s_want_extra_isize}: the {@code i_extra_isize} the kernel gives new inodes. */
    public int wantExtraIsize() {
        return u16(S_WANT_EXTRA_ISIZE);
    }

    /** {@code s_min_extra_isize}. */
    public int minExtraIsize() {
        return u16(S_MIN_EXTRA_ISIZE);
    }

    /** {@code s_log_groups_per_flex}: log2 of the groups of one flex group (flex_bg). */
    public int logGroupsPerFlex() {
        return getU8(S_LOG_GROUPS_PER_FLEX);
    }

    /** {@code s_journal_inum}. */
    public long journalInum() {
        return u32(S_JOURNAL_INUM);
    }

    /** @return whether {@code metadata_csum} is on */
    public boolean hasMetadataCsum() {
        return hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_METADATA_CSUM);
    }

    /** {@code ext4_has_group_desc_csum}: metadata_csum or uninit_bg (gdt_csum). */
    public boolean hasGroupDescCsum() {
        return hasMetadataCsum() || hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_GDT_CSUM);
    }

    /** {@code s_checksum}. */
    public long checksum() {
        return u32(S_CHECKSUM);
    }

    /** {@code ext4_superblock_csum}: crc32c from ~0 over the superblock up to {@code s_checksum}. */
    public int computeChecksum() {
        return org.faultline.kernel.Crc32c.crc32c(~0, raw, 0, S_CHECKSUM);
    }

    /** {@code ext4_superblock_csum_set}: stores the checksum when metadata_csum is on. */
    public void setChecksum() {
        if (hasMetadataCsum()) {
            setU32(S_CHECKSUM, computeChecksum() & 0xFFFFFFFFL);
        }
    }

    /** {@code ext4_superblock_csum_verify}: true without metadata_csum. */
    public boolean checksumValid() {
        return !hasMetadataCsum() || checksum() == (computeChecksum() & 0xFFFFFFFFL);
    }

    /**
     * {@code s_csum_seed} of {@code ext4_fill_super}: {@code s_checksum_seed} with
     * {@code metadata_csum_seed}, else crc32c from ~0 over {@code s_uuid}.
     */
    public int csumSeed() {
        if (hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_CSUM_SEED)) {
            return (int) u32(S_CHECKSUM_SEED);
        }
        return org.faultline.kernel.Crc32c.crc32c(~0, raw, S_UUID, UUID_LEN);
    }

    public long freeInodesCount() {
        return u32(S_FREE_INODES_COUNT);
    }

    public void setFreeInodesCount(long v) {
        setU32(S_FREE_INODES_COUNT, v);
    }

    public long firstDataBlock() {
        return u32(S_FIRST_DATA_BLOCK);
    }

    /** @return the block size in bytes, {@code 1024 << s_log_block_size} */
    public int blockSize() {
        long log = u32(S_LOG_BLOCK_SIZE);
        return log > 6 ? -1 : 1024 << log;
    }

    public long blocksPerGroup() {
        return u32(S_BLOCKS_PER_GROUP);
    }

    public long inodesPerGroup() {
        return u32(S_INODES_PER_GROUP);
    }

    public int magic() {
        return u16(S_MAGIC);
    }

    public int state() {
        return u16(S_STATE);
    }

    public int errors() {
        return u16(S_ERRORS);
    }

    public long revLevel() {
        return u32(S_REV_LEVEL);
    }

    public long firstIno() {
        return revLevel() == EXT4_GOOD_OLD_REV ? EXT4_GOOD_OLD_FIRST_INO : u32(S_FIRST_INO);
    }

    public int inodeSize() {
        return revLevel() == EXT4_GOOD_OLD_REV ? 128 : u16(S_INODE_SIZE);
    }

    public int featureCompat() {
        return (int) u32(S_FEATURE_COMPAT);
    }

    public int featureIncompat() {
        return (int) u32(S_FEATURE_INCOMPAT);
    }

    public int featureRoCompat() {
        return (int) u32(S_FEATURE_RO_COMPAT);
    }

    public boolean hasCompat(int bit) {
        return (featureCompat() & bit) != 0;
    }

    public boolean hasIncompat(int bit) {
        return (featureIncompat() & bit) != 0;
    }

    public boolean hasRoCompat(int bit) {
        return (featureRoCompat() & bit) != 0;
    }

    /** Sets compat bit(s) ({@code ext4_set_feature_xattr}...). */
    public void setCompat(int bits) {
        setU32(S_FEATURE_COMPAT, (featureCompat() | bits) & 0xFFFFFFFFL);
    }

    /** Sets ro_compat bit(s). */
    public void setRoCompat(int bits) {
        setU32(S_FEATURE_RO_COMPAT, featureRoCompat() | bits);
    }

    /** Clears incompat bit(s) ({@code ext4_clear_feature_journal_needs_recovery}...). */
    public void clearIncompat(int bits) {
        setU32(S_FEATURE_INCOMPAT, (featureIncompat() & ~bits) & 0xFFFFFFFFL);
    }

    /** Sets {@code s_state}. */
    public void setState(int state) {
        setU16(S_STATE, state);
    }

    /** {@code s_journal_dev}: the device number of an external journal, or 0. */
    public long journalDev() {
        return u32(S_JOURNAL_DEV);
    }

    /** @return a copy of {@code s_uuid} */
    public byte[] uuid() {
        return Arrays.copyOfRange(raw, S_UUID, S_UUID + UUID_LEN);
    }

    /** @return {@code s_uuid} in the usual 8-4-4-4-12 form */
    public String uuidString() {
        byte[] u = uuid();
        StringBuilder sb = new StringBuilder(36);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                sb.append('-');
            }
            sb.append(String.format("%02x", u[i] & 0xff));
        }
        return sb.toString();
    }

    /** @return {@code s_volume_name} up to its first NUL */
    public String volumeName() {
        int n = 0;
        while (n < VOLUME_NAME_LEN && raw[S_VOLUME_NAME + n] != 0) {
            n++;
        }
        return new String(raw, S_VOLUME_NAME, n, StandardCharsets.ISO_8859_1);
    }

    public int reservedGdtBlocks() {
        return u16(S_RESERVED_GDT_BLOCKS);
    }

    public long lastOrphan() {
        return u32(S_LAST_ORPHAN);
    }

    public long mkfsTime() {
        return u32(S_MKFS_TIME);
    }

    /** @return {@code s_hash_seed} as the four little-endian words {@code ext4fs_dirhash} takes */
    public int[] hashSeed() {
        int[] s = new int[4];
        for (int i = 0; i < 4; i++) {
            s[i] = (int) u32(S_HASH_SEED + 4 * i);
        }
        return s;
    }

    /** @return {@code s_def_hash_version}: the hash a new htree root gets ({@code DX_HASH_*}) */
    public int defHashVersion() {
        return getU8(S_DEF_HASH_VERSION);
    }

    /** @return {@code s_flags} ({@code EXT2_FLAGS_SIGNED_HASH}, {@code EXT2_FLAGS_UNSIGNED_HASH}, ...) */
    public int flags() {
        return (int) u32(S_FLAGS);
    }

    /** Sets {@code s_flags}. */
    public void setFlags(int f) {
        setU32(S_FLAGS, f & 0xFFFFFFFFL);
    }

    public void setWtime(long t) {
        setU32(S_WTIME, t);
    }

    // ---------------------------------------------------------------- geometry

    /** {@code EXT4_DESC_PER_BLOCK}: group descriptors per GDT block. */
    public int descPerBlock() {
        return blockSize() / descSize();
    }

    /** @return number of block groups */
    public int groupCount() {
        long n = (blocksCount() - firstDataBlock() + blocksPerGroup() - 1) / blocksPerGroup();
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    /** @return blocks holding the group descriptor table */
    public int gdtBlocks() {
        return (groupCount() + descPerBlock() - 1) / descPerBlock();
    }

    /** @return blocks of one group's inode table */
    public int inodeTableBlocks() {
        return (int) ((inodesPerGroup() * inodeSize() + blockSize() - 1) / blockSize());
    }

    /** @return inodes per inode-table block */
    public int inodesPerBlock() {
        return blockSize() / inodeSize();
    }

    /** @return the first block of group {@code g} */
    public long groupFirstBlock(int g) {
        return firstDataBlock() + (long) g * blocksPerGroup();
    }

    /** @return the number of blocks in group {@code g} (the last group may be short) */
    public long groupBlocks(int g) {
        long first = groupFirstBlock(g);
        return Math.min(blocksPerGroup(), blocksCount() - first);
    }

    /** @return the group holding block {@code block} */
    public int groupOfBlock(long block) {
        return (int) ((block - firstDataBlock()) / blocksPerGroup());
    }

    /** @return the group holding inode {@code ino} (1-based) */
    public int groupOfInode(long ino) {
        return (int) ((ino - 1) / inodesPerGroup());
    }

    /**
     * Whether group {@code g} carries a superblock and GDT copy: all groups without
     * {@code sparse_super}; with it, groups 0 and 1 and powers of 3, 5 and 7.
     */
    public boolean groupHasSuper(int g) {
        return groupHasSuper(g, hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER));
    }

    /** {@link #groupHasSuper(int)} for a given {@code sparse_super} setting. */
    public static boolean groupHasSuper(int g, boolean sparse) {
        if (!sparse || g <= 1) {
            return true;
        }
        return isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7);
    }

    private static boolean isPowerOf(int g, int base) {
        long p = base;
        while (p < g) {
            p *= base;
        }
        return p == g;
    }

    /** @return blocks at the start of group {@code g} used by the superblock copy, GDT and reserved GDT */
    public int groupSuperOverhead(int g) {
        return groupHasSuper(g) ? 1 + gdtBlocks() + reservedGdtBlocks() : 0;
    }

    @Override
    public String toString() {
        return "Ext4SuperBlock[blocks=" + blocksCount() + ", inodes=" + inodesCount() + ", groups=" + groupCount()
                + ", free blocks=" + freeBlocksCount() + ", free inodes=" + freeInodesCount() + ", uuid=" + uuidString() + "]";
    }
}
