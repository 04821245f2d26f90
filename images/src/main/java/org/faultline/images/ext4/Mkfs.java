package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.faultline.fs.ext4.SuperBlockDescriptor.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Prng;

/**
 * Makes an ext4 filesystem ({@code mke2fs -t ext4} reduced to this layer's feature set): features
 * {@value Ext4Features#MKFS_FEATURES}, blocks of 4 KiB (or 1 or 2 KiB: {@link Options#withBlockSize}),
 * 256-byte inodes (or 128 and up: {@link Options#withInodeSize}), no journal, no resize inode, no
 * flex_bg. The result passes {@code e2fsck -fn} clean and reads back with {@code debugfs}.
 *
 * <p>Layout of every group (see {@link Ext4SuperBlock}): superblock and GDT copy if the group has one
 * (groups 0, 1 and powers of 3, 5, 7), block bitmap, inode bitmap, inode table, data. With 1 KiB
 * blocks block 0 is left alone (the boot block) and group 0 starts at block 1
 * ({@code s_first_data_block}). Group 0's data starts with the root directory's block and
 * {@code lost+found}'s blocks (16 KiB, as mke2fs makes it). Inodes 1..10 are reserved and zeroed
 * (inode 1, the bad blocks inode, has no blocks); the root is inode 2 and {@code lost+found} inode 11.
 *
 * <p>Sizing: the device size is used in whole blocks (a remainder is ignored and reported); at
 * least {@value #MIN_BYTES} bytes (1 MiB). A last group too small to hold its metadata and 50
 * data blocks is dropped, as mke2fs does. Inodes: one per {@code inodeRatio} bytes (default 4096
 * below 512 MiB, else 16384, mke2fs's "small" and default types), rounded up to fill whole inode
 * table blocks in every group.
 *
 * <p>Determinism: the UUID and hash seed come from {@link Prng} seeded with {@link Options#seed()};
 * every timestamp is {@link Options#epoch()}. No wall clock is read.
 */
public final class Mkfs {
    private Mkfs() {
    }

    /** The default timestamp: 2024-01-01T00:00:00Z. */
    public static final long DEFAULT_EPOCH = 1704067200L;
    /** Smallest filesystem: 1 MiB. */
    public static final long MIN_BYTES = 1 << 20;
    /** Bytes given to lost+found (mke2fs's {@code create_lost_and_found} grows it to 16 KiB). */
    public static final int LOST_FOUND_BYTES = 16 << 10;
    /** The default block size. */
    public static final int BLOCK_SIZE = 4096;

    /**
     * What to make.
     *
     * @param seed            seeds the UUID and directory hash seed
     * @param epoch           every timestamp (seconds since the epoch)
     * @param label           volume name, at most 16 bytes
     * @param inodeRatio      bytes per inode; 0 picks 4096 below 512 MiB and 16384 above
     * @param blocksPerGroup  blocks per group, a multiple of 8 up to 32768; 0 for 32768
     * @param reservedPercent blocks reserved for root, in percent (mke2fs {@code -m})
     * @param zeroInodeTables whether to write zeros over the inode tables (not needed on a fresh
     *                        all-zero image)
     * @param blockSize       the block size: 1024, 2048 or 4096 (mke2fs {@code -b})
     * @param inodeSize       the inode size: a power of two from 128 to the block size (mke2fs {@code -I})
     * @param journalBlocks   the journal's size in blocks: 0 for none, {@link #DEFAULT_JOURNAL} for
     *                        mke2fs's default for the filesystem's size ({@code ext2fs_default_journal_size})
     * @param metadataCsum    {@code metadata_csum}: crc32c over the superblock, descriptors, bitmaps,
     *                        inodes, extent and directory blocks
     */
    public record Options(long seed, long epoch, String label, long inodeRatio, int blocksPerGroup,
                          int reservedPercent, boolean zeroInodeTables, int blockSize, int inodeSize, int journalBlocks,
                          boolean metadataCsum) {
        /** {@link #journalBlocks}: mke2fs's default size. */
        public static final int DEFAULT_JOURNAL = -1;

        /** @return defaults with the given seed: 4 KiB blocks, 256-byte inodes */
        public static Options seeded(long seed) {
            return new Options(seed, DEFAULT_EPOCH, "", 0, 0, 5, true, BLOCK_SIZE, InodeDescriptor.EXT4_INODE_SIZE, 0, false);
        }

        public Options withLabel(String l) {
            return new Options(seed, epoch, l, inodeRatio, blocksPerGroup, reservedPercent, zeroInodeTables, blockSize,
                    inodeSize, journalBlocks, metadataCsum);
        }

        public Options withBlocksPerGroup(int b) {
            return new Options(seed, epoch, label, inodeRatio, b, reservedPercent, zeroInodeTables, blockSize, inodeSize,
                    journalBlocks, metadataCsum);
        }

        public Options withZeroInodeTables(boolean z) {
            return new Options(seed, epoch, label, inodeRatio, blocksPerGroup, reservedPercent, z, blockSize, inodeSize,
                    journalBlocks, metadataCsum);
        }

        public Options withBlockSize(int b) {
            return new Options(seed, epoch, label, inodeRatio, blocksPerGroup, reservedPercent, zeroInodeTables, b,
                    inodeSize, journalBlocks, metadataCsum);
        }

        /** With a journal of {@code blocks} blocks ({@link #DEFAULT_JOURNAL}: mke2fs's size; 0: none). */
        public Options withJournal(int blocks) {
            return new Options(seed, epoch, label, inodeRatio, blocksPerGroup, reservedPercent, zeroInodeTables, blockSize,
                    inodeSize, blocks, metadataCsum);
        }

        /** With or without {@code metadata_csum}. */
        public Options withMetadataCsum(boolean on) {
            return new Options(seed, epoch, label, inodeRatio, blocksPerGroup, reservedPercent, zeroInodeTables, blockSize,
                    inodeSize, journalBlocks, on);
        }

        public Options withInodeSize(int i) {
            return new Options(seed, epoch, label, inodeRatio, blocksPerGroup, reservedPercent, zeroInodeTables, blockSize,
                    i, journalBlocks, metadataCsum);
        }
    }

    /**
     * What was made.
     *
     * @param superBlock the final superblock
     * @param note       a remark for the user (size rounding, a dropped last group), or empty
     */
    public record Result(Ext4SuperBlock superBlock, String note) {
    }

    /**
     * Creates (or truncates) the image file {@code image} of {@code bytes} bytes and makes the
     * filesystem on it. The file is all zeros before formatting, so inode tables are not rewritten.
     *
     * @throws Ext4Exception one line: too small (EINVAL), or EIO naming the file
     */
    public static Result createImage(Path image, long bytes, Options o) throws Ext4Exception {
        String dev = image.getFileName() == null ? image.toString() : image.getFileName().toString();
        checkSize(dev, bytes);
        checkBlockSize(dev, o);
        try (DriverBlockIo io = DriverBlockIo.createImage(image, bytes / o.blockSize() * o.blockSize(), o.blockSize())) {
            Result r = format(io, dev, o.withZeroInodeTables(false), bytes);
            return r;
        } catch (Ext4Exception e) {
            throw e;
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, dev + ": " + e.getMessage(), e);
        }
    }

    private static void checkSize(String dev, long bytes) throws Ext4Exception {
        if (bytes < MIN_BYTES) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": device of " + bytes + " bytes is too small: ext4 needs at least "
                    + MIN_BYTES + " bytes (1 MiB)");
        }
    }

    /** mke2fs's checks of {@code -b} and {@code -I}. */
    private static void checkBlockSize(String dev, Options o) throws Ext4Exception {
        int bs = o.blockSize();
        if (bs < 1024 || bs > 4096 || Integer.bitCount(bs) != 1) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": invalid block size - " + bs + " (1024, 2048 or 4096)");
        }
        int is = o.inodeSize();
        if (is < InodeDescriptor.EXT4_GOOD_OLD_INODE_SIZE || is > bs || Integer.bitCount(is) != 1) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": invalid inode size " + is + " (min 128/max " + bs + ")");
        }
    }

    /**
     * Makes the filesystem on the whole of {@code io}.
     *
     * @param io  the device; its block size is set to {@link Options#blockSize()}
     * @param dev its name for messages
     * @param o   options
     * @return the result
     * @throws Ext4Exception one line: too small, bad options, device error
     */
    public static Result format(BlockIo io, String dev, Options o) throws Ext4Exception {
        return format(io, dev, o, io.blocks() * io.blockSize());
    }

    private static Result format(BlockIo io, String dev, Options o, long requestedBytes) throws Ext4Exception {
        checkSize(dev, requestedBytes);
        checkBlockSize(dev, o);
        int bs = o.blockSize();
        io.setBlockSize(bs);
        StringBuilder note = new StringBuilder();
        if (requestedBytes % bs != 0) {
            note.append("size ").append(requestedBytes).append(" rounded down to ")
                    .append(requestedBytes / bs * bs).append(" bytes (whole ").append(bs >> 10).append(" KiB blocks)");
        }
        try {
            Ext4SuperBlock sb = layout(dev, io.blocks(), o, note);
            write(io, sb, o);
            try (Ext4Volume v = Ext4Volume.open(io, dev, Ext4Volume.Options.readWrite().withClock(o::epoch))) {
                v.dirs().mkfsRootAndLostFound(LOST_FOUND_BYTES / bs);
                int jblocks = journalBlocks(dev, o, sb.blocksCount(), note);
                if (jblocks > 0) {
                    v.dirs().mkfsJournal(jblocks, !o.zeroInodeTables()); // a new file reads zeros
                }
            }
            Ext4SuperBlock fin = Ext4SuperBlock.read(io, dev, true);
            writeBackups(io, fin);
            io.flush();
            return new Result(fin, note.toString());
        } catch (Ext4Exception e) {
            throw e;
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, dev + ": " + e.getMessage(), e);
        }
    }

    /**
     * The journal's size: the one asked for, or mke2fs's default for {@code blocks}
     * ({@code ext2fs_default_journal_size}: none below 2048 blocks, then 1024 blocks up to 128 MiB of
     * 4 KiB blocks, 4096 up to 1 GiB, ...).
     */
    static int journalBlocks(String dev, Options o, long blocks, StringBuilder note) throws Ext4Exception {
        int j = o.journalBlocks();
        if (j == Options.DEFAULT_JOURNAL) {
            j = blocks < 2048 ? 0 : blocks < 32768 ? 1024 : blocks < 256 * 1024 ? 4096 : blocks < 512 * 1024 ? 8192
                    : blocks < 4096 * 1024 ? 16384 : 32768;
            if (j == 0) {
                append(note, "filesystem too small for a journal (" + blocks + " blocks; 2048 needed)");
            }
        } else if (j != 0 && (j < 1024 || j > blocks / 2)) { // JBD2_MIN_JOURNAL_BLOCKS
            throw new Ext4Exception(Errno.EINVAL, dev + ": journal of " + j + " blocks: 1024 to half the filesystem");
        }
        return j;
    }

    /** Computes the geometry and fills in a superblock. */
    private static Ext4SuperBlock layout(String dev, long deviceBlocks, Options o, StringBuilder note) throws Ext4Exception {
        int bs = o.blockSize();
        int bpg = o.blocksPerGroup() == 0 ? 8 * bs : o.blocksPerGroup();
        if (bpg < 256 || bpg > 8 * bs || bpg % 8 != 0) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": blocks per group " + bpg
                    + " must be a multiple of 8 between 256 and " + 8 * bs);
        }
        long fdb = bs == 1024 ? 1 : 0; // s_first_data_block: block 0 is the boot block with 1 KiB blocks
        if (o.label() != null && o.label().getBytes(StandardCharsets.UTF_8).length > VOLUME_NAME_LEN) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": volume label longer than 16 bytes");
        }
        if (o.reservedPercent() < 0 || o.reservedPercent() > 50) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": reserved percentage " + o.reservedPercent() + " out of range 0..50");
        }
        long blocks = Math.min(deviceBlocks, 0xFFFFFFFFL);
        if (blocks < deviceBlocks) {
            append(note, "device larger than 2^32 blocks: using the first 2^32 - 1 (no 64bit feature)");
        }
        long ratio = o.inodeRatio() > 0 ? o.inodeRatio() : (blocks * bs < 512L << 20 ? 4096 : 16384);
        if (ratio < 1024 || ratio > 64L << 20) {
            throw new Ext4Exception(Errno.EINVAL, dev + ": inode ratio " + ratio + " out of range 1024..67108864");
        }
        int ipb = bs / o.inodeSize();
        Ext4SuperBlock sb = Ext4SuperBlock.blank();
        long ipg;
        int groups;
        while (true) {
            groups = (int) ((blocks - fdb + bpg - 1) / bpg);
            long inodes = Math.max(blocks * bs / ratio, (long) ipb * groups);
            ipg = (inodes + groups - 1) / groups;
            ipg = (ipg + ipb - 1) / ipb * ipb;
            ipg = Math.min(ipg, Math.min(8L * bs, 0xFFFFFFFFL / groups / ipb * ipb));
            long itb = ipg / ipb;
            // keep room for data in a full group
            while (ipg > ipb && itb > bpg / 2) {
                ipg -= ipb;
                itb = ipg / ipb;
            }
            int gdtBlocks = (groups + bs / 32 - 1) / (bs / 32);
            long lastBlocks = blocks - fdb - (long) (groups - 1) * bpg;
            long lastOverhead = (Ext4SuperBlock.groupHasSuper(groups - 1, true) ? 1 + gdtBlocks : 0) + 2 + itb;
            if (groups > 1 && lastBlocks < lastOverhead + 50) {
                append(note, "last group of " + lastBlocks + " blocks too small for its metadata: dropped, using "
                        + (blocks - lastBlocks) + " blocks");
                blocks -= lastBlocks;
                continue;
            }
            long g0Overhead = 1 + gdtBlocks + 2 + itb;
            if (Math.min(bpg, blocks - fdb) < g0Overhead + 1 + LOST_FOUND_BYTES / bs + 16) {
                throw new Ext4Exception(Errno.EINVAL, dev + ": " + blocks + " blocks cannot hold group 0's "
                        + g0Overhead + " metadata blocks plus the root directory and lost+found");
            }
            break;
        }
        Prng rng = new Prng(o.seed());
        sb.setU32(S_INODES_COUNT, ipg * groups);
        sb.setU32(S_BLOCKS_COUNT_LO, blocks);
        sb.setU32(S_R_BLOCKS_COUNT_LO, blocks * o.reservedPercent() / 100);
        sb.setU32(S_FIRST_DATA_BLOCK, fdb);
        sb.setU32(S_LOG_BLOCK_SIZE, Integer.numberOfTrailingZeros(bs) - EXT4_MIN_BLOCK_LOG_SIZE);
        sb.setU32(S_LOG_CLUSTER_SIZE, Integer.numberOfTrailingZeros(bs) - EXT4_MIN_BLOCK_LOG_SIZE);
        sb.setU32(S_BLOCKS_PER_GROUP, bpg);
        sb.setU32(S_CLUSTERS_PER_GROUP, bpg);
        sb.setU32(S_INODES_PER_GROUP, ipg);
        sb.setU32(S_MTIME, 0);
        sb.setU32(S_WTIME, o.epoch());
        sb.setU16(S_MNT_COUNT, 0);
        sb.setU16(S_MAX_MNT_COUNT, 0xFFFF);
        sb.setU16(S_MAGIC, EXT4_SUPER_MAGIC);
        sb.setU16(S_STATE, EXT4_VALID_FS);
        sb.setU16(S_ERRORS, EXT4_ERRORS_CONTINUE);
        sb.setU16(S_MINOR_REV_LEVEL, 0);
        sb.setU32(S_LASTCHECK, o.epoch());
        sb.setU32(S_CHECKINTERVAL, 0);
        sb.setU32(S_CREATOR_OS, EXT4_OS_LINUX);
        sb.setU32(S_REV_LEVEL, EXT4_DYNAMIC_REV);
        sb.setU32(S_FIRST_INO, EXT4_GOOD_OLD_FIRST_INO);
        sb.setU16(S_INODE_SIZE, o.inodeSize());
        sb.setU16(S_BLOCK_GROUP_NR, 0);
        sb.setU32(S_FEATURE_COMPAT, Ext4Features.EXT4_FEATURE_COMPAT_EXT_ATTR);
        sb.setU32(S_FEATURE_INCOMPAT, Ext4Features.EXT4_FEATURE_INCOMPAT_FILETYPE | Ext4Features.EXT4_FEATURE_INCOMPAT_EXTENTS);
        sb.setU32(S_FEATURE_RO_COMPAT, Ext4Features.EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER
                | Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE
                | (o.metadataCsum() ? Ext4Features.EXT4_FEATURE_RO_COMPAT_METADATA_CSUM : 0));
        if (o.metadataCsum()) {
            sb.setU8(S_CHECKSUM_TYPE, 1); // EXT4_CRC32C_CHKSUM
        }
        byte[] uuid = randomBytes(rng, UUID_LEN);
        uuid[6] = (byte) ((uuid[6] & 0x0f) | 0x40); // version 4
        uuid[8] = (byte) ((uuid[8] & 0x3f) | 0x80); // RFC 4122 variant
        for (int i = 0; i < UUID_LEN; i++) {
            sb.setU8(S_UUID + i, uuid[i]);
        }
        byte[] label = (o.label() == null ? "" : o.label()).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < label.length; i++) {
            sb.setU8(S_VOLUME_NAME + i, label[i]);
        }
        byte[] hashSeed = randomBytes(rng, 16);
        for (int i = 0; i < 16; i++) {
            sb.setU8(S_HASH_SEED + i, hashSeed[i]);
        }
        sb.setU8(S_DEF_HASH_VERSION, DX_HASH_HALF_MD4);
        sb.setU32(S_MKFS_TIME, o.epoch());
        sb.setU32(S_FLAGS, EXT2_FLAGS_SIGNED_HASH);
        sb.setU16(S_MIN_EXTRA_ISIZE, 0);
        sb.setU16(S_WANT_EXTRA_ISIZE, 0);
        // free counts: everything but metadata, and inodes 1..10
        long freeBlocks = 0;
        for (int g = 0; g < groups; g++) {
            freeBlocks += sb.groupBlocks(g) - groupOverhead(sb, g);
        }
        sb.setFreeBlocksCount(freeBlocks);
        sb.setFreeInodesCount(ipg * groups - (EXT4_GOOD_OLD_FIRST_INO - 1));
        return sb;
    }

    private static void append(StringBuilder note, String s) {
        if (note.length() > 0) {
            note.append("; ");
        }
        note.append(s);
    }

    private static byte[] randomBytes(Prng rng, int n) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i += 8) {
            long v = rng.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) {
                out[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return out;
    }

    private static long groupOverhead(Ext4SuperBlock sb, int g) {
        return sb.groupSuperOverhead(g) + 2L + sb.inodeTableBlocks();
    }

    /** Writes superblock, GDT, bitmaps and (optionally) zeroed inode tables of every group. */
    private static void write(BlockIo io, Ext4SuperBlock sb, Options o) throws IOException {
        int bs = sb.blockSize();
        int groups = sb.groupCount();
        int gdtBlocks = sb.gdtBlocks();
        byte[][] gdt = new byte[gdtBlocks][bs];
        byte[] zero = new byte[bs];
        Ext4Csum csum = new Ext4Csum(sb);
        for (int g = 0; g < groups; g++) {
            long first = sb.groupFirstBlock(g);
            long meta = first + sb.groupSuperOverhead(g);
            GroupDesc d = new GroupDesc();
            d.setBlockBitmap(meta);
            d.setInodeBitmap(meta + 1);
            d.setInodeTable(meta + 2);
            d.setFreeBlocksCount((int) (sb.groupBlocks(g) - groupOverhead(sb, g)));
            long reservedInodes = g == 0 ? EXT4_GOOD_OLD_FIRST_INO - 1 : 0;
            d.setFreeInodesCount((int) (sb.inodesPerGroup() - reservedInodes));
            d.setUsedDirsCount(0);
            d.setFlags(0);

            byte[] bbm = new byte[bs];
            Bitmap.setRange(bbm, 0, (int) groupOverhead(sb, g));
            Bitmap.setRange(bbm, (int) sb.groupBlocks(g), 8 * bs);
            io.write(meta, bbm);
            byte[] ibm = new byte[bs];
            Bitmap.setRange(ibm, 0, (int) reservedInodes);
            Bitmap.setRange(ibm, (int) sb.inodesPerGroup(), 8 * bs);
            io.write(meta + 1, ibm);
            csum.setBlockBitmapCsum(d, bbm, (int) (sb.blocksPerGroup() / 8));
            csum.setInodeBitmapCsum(d, ibm, (int) (sb.inodesPerGroup() / 8));
            csum.setGroupDescCsum(g, d);
            d.writeTo(gdt[GroupDescDescriptor.gdtBlockIndex(g, bs)], GroupDescDescriptor.offsetInBlock(g, bs));
            if (o.zeroInodeTables()) {
                for (long b = 0; b < sb.inodeTableBlocks(); b++) {
                    io.write(meta + 2 + b, zero);
                }
            }
        }
        // primary superblock (byte 1024: in block 0, or block 1 with 1 KiB blocks) and GDT after it
        // (backups are written after the root directory exists)
        byte[] b0 = new byte[bs];
        sb.setChecksum();
        sb.writeTo(b0, SUPERBLOCK_OFFSET % bs);
        io.write(SUPERBLOCK_OFFSET / bs, b0);
        for (int i = 0; i < gdtBlocks; i++) {
            io.write(sb.firstDataBlock() + 1 + i, gdt[i]);
        }
    }

    /** Copies the primary superblock (with {@code s_block_group_nr}) and GDT into every backup group. */
    private static void writeBackups(BlockIo io, Ext4SuperBlock fin) throws IOException {
        int bs = fin.blockSize();
        int gdtBlocks = fin.gdtBlocks();
        byte[][] gdt = new byte[gdtBlocks][bs];
        for (int i = 0; i < gdtBlocks; i++) {
            io.read(fin.firstDataBlock() + 1 + i, gdt[i]);
        }
        for (int g = 1; g < fin.groupCount(); g++) {
            if (!fin.groupHasSuper(g)) {
                continue;
            }
            long first = fin.groupFirstBlock(g);
            Ext4SuperBlock copy = fin.copy();
            copy.setU16(S_BLOCK_GROUP_NR, g);
            copy.setChecksum();
            byte[] b = new byte[bs];
            copy.writeTo(b, 0);
            io.write(first, b);
            for (int i = 0; i < gdtBlocks; i++) {
                io.write(first + 1 + i, gdt[i]);
            }
        }
    }
}
