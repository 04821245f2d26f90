package org.faultline.fs.ext4;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code s_feature_compat}, {@code s_feature_incompat} and {@code s_feature_ro_compat} bits,
 * their e2fsprogs names, and this layer's policy for each.
 *
 * <h2>Policy</h2>
 * <table>
 * <caption>what {@link Ext4Volume#open} does with each feature</caption>
 * <tr><th>feature</th><th>read-write</th><th>read-only</th></tr>
 * <tr><td>{@code filetype}, {@code extent} (incompat)</td><td>required</td><td>required</td></tr>
 * <tr><td>{@code 64bit}, {@code flex_bg}, {@code metadata_csum_seed} (incompat)</td><td>supported</td>
 *     <td>supported</td></tr>
 * <tr><td>{@code large_dir} (incompat)</td><td>supported: htrees of three index levels instead of two
 *     ({@code ext4_dir_htree_level}); directories larger than 4 GiB are not otherwise special here</td>
 *     <td>supported</td></tr>
 * <tr><td>{@code sparse_super}, {@code large_file}, {@code huge_file}, {@code dir_nlink},
 *     {@code extra_isize}, {@code metadata_csum}, {@code uninit_bg} (ro_compat)</td><td>supported</td>
 *     <td>supported</td></tr>
 * <tr><td>{@code resize_inode} (compat)</td><td>supported: the reserved GDT blocks are never
 *     allocated; the filesystem is never resized</td><td>yes</td></tr>
 * <tr><td>{@code has_journal} (compat)</td><td>supported: metadata goes through the journal
 *     ({@link Ext4Jbd2}: a transaction per sync, committed then checkpointed; no ordered data
 *     yet)</td><td>yes (the journal is not written)</td></tr>
 * <tr><td>{@code needs_recovery} (incompat)</td><td>supported for a journal in an inode: the open
 *     replays it first ({@link Ext4Journal}, {@code org.faultline.fs.jbd2.Recovery}); refused with an
 *     external journal or without {@code has_journal} (run e2fsck)</td><td>the same, when the device is writable (as the kernel's
 *     {@code ro} mount, which writes the replay); refused on a read-only device unless
 *     {@code noload}</td></tr>
 * <tr><td>{@code dir_index} (compat)</td><td>supported: hash tree directories as fs/ext4/namei.c
 *     keeps them ({@link Ext4Htree}) — lookups through the index ({@code dx_probe}), entries added to
 *     the leaf of their hash, full leaves and index blocks split, a level added when the root is full,
 *     a one-block directory indexed when it needs a second block ({@code make_indexed_dir}), the
 *     legacy, half_md4 and tea hashes signed or unsigned ({@link Ext4Hash}), {@code dx_tail}
 *     checksums with metadata_csum; a malformed index makes lookups fall back to a linear search, as
 *     the kernel's do. Deviation: readdir lists an indexed directory in block order, not hash order</td>
 *     <td>yes</td></tr>
 * <tr><td>{@code orphan_file} (compat)</td><td>supported. Deviation: orphans go on the
 *     {@code s_last_orphan} list, which the kernel also processes at mount; the orphan file is left
 *     empty. {@code orphan_present} (ro_compat, entries in the file) is refused: run e2fsck</td><td>yes</td></tr>
 * <tr><td>{@code ext_attr} (compat)</td><td>tolerated: external EA blocks are counted and released,
 *     never created</td><td>yes</td></tr>
 * <tr><td>any other incompat bit ({@code journal_dev}, {@code meta_bg}, {@code inline_data},
 *     {@code encrypt}, {@code casefold}, ...)</td>
 *     <td>refused</td><td>refused: the on-disk layout would be misread</td></tr>
 * <tr><td>{@code bigalloc} (ro_compat)</td><td>refused</td><td>refused: extents count clusters</td></tr>
 * <tr><td>any other compat or ro_compat bit ({@code quota}, {@code project}, {@code fast_commit},
 *     {@code sparse_super2}, ...)</td>
 *     <td>refused: writing would leave quota files or the fast-commit area stale</td>
 *     <td>allowed: files and directories read back correctly without them</td></tr>
 * </table>
 */
public final class Ext4Features {
    private Ext4Features() {
    }

    // ---------------------------------------------------------------- compat
    public static final int EXT4_FEATURE_COMPAT_DIR_PREALLOC = 0x0001;
    public static final int EXT4_FEATURE_COMPAT_IMAGIC_INODES = 0x0002;
    public static final int EXT4_FEATURE_COMPAT_HAS_JOURNAL = 0x0004;
    public static final int EXT4_FEATURE_COMPAT_EXT_ATTR = 0x0008;
    public static final int EXT4_FEATURE_COMPAT_RESIZE_INODE = 0x0010;
    public static final int EXT4_FEATURE_COMPAT_DIR_INDEX = 0x0020;
    public static final int EXT4_FEATURE_COMPAT_LAZY_BG = 0x0040;
    public static final int EXT4_FEATURE_COMPAT_EXCLUDE_INODE = 0x0080;
    public static final int EXT4_FEATURE_COMPAT_EXCLUDE_BITMAP = 0x0100;
    public static final int EXT4_FEATURE_COMPAT_SPARSE_SUPER2 = 0x0200;
    public static final int EXT4_FEATURE_COMPAT_FAST_COMMIT = 0x0400;
    public static final int EXT4_FEATURE_COMPAT_STABLE_INODES = 0x0800;
    public static final int EXT4_FEATURE_COMPAT_ORPHAN_FILE = 0x1000;

    // ---------------------------------------------------------------- incompat
    public static final int EXT4_FEATURE_INCOMPAT_COMPRESSION = 0x0001;
    public static final int EXT4_FEATURE_INCOMPAT_FILETYPE = 0x0002;
    public static final int EXT4_FEATURE_INCOMPAT_RECOVER = 0x0004;
    public static final int EXT4_FEATURE_INCOMPAT_JOURNAL_DEV = 0x0008;
    public static final int EXT4_FEATURE_INCOMPAT_META_BG = 0x0010;
    public static final int EXT4_FEATURE_INCOMPAT_EXTENTS = 0x0040;
    public static final int EXT4_FEATURE_INCOMPAT_64BIT = 0x0080;
    public static final int EXT4_FEATURE_INCOMPAT_MMP = 0x0100;
    public static final int EXT4_FEATURE_INCOMPAT_FLEX_BG = 0x0200;
    public static final int EXT4_FEATURE_INCOMPAT_EA_INODE = 0x0400;
    public static final int EXT4_FEATURE_INCOMPAT_DIRDATA = 0x1000;
    public static final int EXT4_FEATURE_INCOMPAT_CSUM_SEED = 0x2000;
    public static final int EXT4_FEATURE_INCOMPAT_LARGEDIR = 0x4000;
    public static final int EXT4_FEATURE_INCOMPAT_INLINE_DATA = 0x8000;
    public static final int EXT4_FEATURE_INCOMPAT_ENCRYPT = 0x10000;
    public static final int EXT4_FEATURE_INCOMPAT_CASEFOLD = 0x20000;

    // ---------------------------------------------------------------- ro_compat
    public static final int EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER = 0x0001;
    public static final int EXT4_FEATURE_RO_COMPAT_LARGE_FILE = 0x0002;
    public static final int EXT4_FEATURE_RO_COMPAT_BTREE_DIR = 0x0004;
    public static final int EXT4_FEATURE_RO_COMPAT_HUGE_FILE = 0x0008;
    public static final int EXT4_FEATURE_RO_COMPAT_GDT_CSUM = 0x0010;
    public static final int EXT4_FEATURE_RO_COMPAT_DIR_NLINK = 0x0020;
    public static final int EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE = 0x0040;
    public static final int EXT4_FEATURE_RO_COMPAT_HAS_SNAPSHOT = 0x0080;
    public static final int EXT4_FEATURE_RO_COMPAT_QUOTA = 0x0100;
    public static final int EXT4_FEATURE_RO_COMPAT_BIGALLOC = 0x0200;
    public static final int EXT4_FEATURE_RO_COMPAT_METADATA_CSUM = 0x0400;
    public static final int EXT4_FEATURE_RO_COMPAT_REPLICA = 0x0800;
    public static final int EXT4_FEATURE_RO_COMPAT_READONLY = 0x1000;
    public static final int EXT4_FEATURE_RO_COMPAT_PROJECT = 0x2000;
    public static final int EXT4_FEATURE_RO_COMPAT_SHARED_BLOCKS = 0x4000;
    public static final int EXT4_FEATURE_RO_COMPAT_VERITY = 0x8000;
    public static final int EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT = 0x10000;

    /** Compat bits this layer writes correctly. */
    public static final int SUPPORTED_COMPAT = EXT4_FEATURE_COMPAT_EXT_ATTR | EXT4_FEATURE_COMPAT_HAS_JOURNAL
            | EXT4_FEATURE_COMPAT_RESIZE_INODE | EXT4_FEATURE_COMPAT_DIR_INDEX | EXT4_FEATURE_COMPAT_ORPHAN_FILE;
    /** Incompat bits this layer understands ({@code filetype} and {@code extent} also required). */
    public static final int SUPPORTED_INCOMPAT = EXT4_FEATURE_INCOMPAT_FILETYPE | EXT4_FEATURE_INCOMPAT_EXTENTS
            | EXT4_FEATURE_INCOMPAT_64BIT | EXT4_FEATURE_INCOMPAT_FLEX_BG | EXT4_FEATURE_INCOMPAT_CSUM_SEED
            | EXT4_FEATURE_INCOMPAT_LARGEDIR | EXT4_FEATURE_INCOMPAT_RECOVER;
    /** Ro_compat bits this layer writes correctly. */
    public static final int SUPPORTED_RO_COMPAT = EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT4_FEATURE_RO_COMPAT_LARGE_FILE
            | EXT4_FEATURE_RO_COMPAT_HUGE_FILE | EXT4_FEATURE_RO_COMPAT_DIR_NLINK | EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE
            | EXT4_FEATURE_RO_COMPAT_METADATA_CSUM | EXT4_FEATURE_RO_COMPAT_GDT_CSUM;
    /** Ro_compat bits that cannot even be read correctly. */
    public static final int UNREADABLE_RO_COMPAT = EXT4_FEATURE_RO_COMPAT_BIGALLOC;

    /**
     * Compat bits e2fsck 1.47 knows ({@code EXT2_LIB_FEATURE_COMPAT_SUPP}); any other makes it refuse
     * ("has unsupported feature(s)"). {@link Ext4SuperBlock.Policy#CHECK} uses these three.
     */
    public static final int E2FSCK_COMPAT = EXT4_FEATURE_COMPAT_DIR_PREALLOC | EXT4_FEATURE_COMPAT_IMAGIC_INODES
            | EXT4_FEATURE_COMPAT_HAS_JOURNAL | EXT4_FEATURE_COMPAT_EXT_ATTR | EXT4_FEATURE_COMPAT_RESIZE_INODE
            | EXT4_FEATURE_COMPAT_DIR_INDEX | EXT4_FEATURE_COMPAT_SPARSE_SUPER2 | EXT4_FEATURE_COMPAT_FAST_COMMIT
            | EXT4_FEATURE_COMPAT_STABLE_INODES | EXT4_FEATURE_COMPAT_ORPHAN_FILE;
    /** Incompat bits e2fsck 1.47 knows ({@code EXT2_LIB_FEATURE_INCOMPAT_SUPP}). */
    public static final int E2FSCK_INCOMPAT = EXT4_FEATURE_INCOMPAT_FILETYPE | EXT4_FEATURE_INCOMPAT_RECOVER
            | EXT4_FEATURE_INCOMPAT_JOURNAL_DEV | EXT4_FEATURE_INCOMPAT_META_BG | EXT4_FEATURE_INCOMPAT_EXTENTS
            | EXT4_FEATURE_INCOMPAT_64BIT | EXT4_FEATURE_INCOMPAT_MMP | EXT4_FEATURE_INCOMPAT_FLEX_BG
            | EXT4_FEATURE_INCOMPAT_EA_INODE | EXT4_FEATURE_INCOMPAT_CSUM_SEED | EXT4_FEATURE_INCOMPAT_LARGEDIR
            | EXT4_FEATURE_INCOMPAT_INLINE_DATA | EXT4_FEATURE_INCOMPAT_ENCRYPT | EXT4_FEATURE_INCOMPAT_CASEFOLD;
    /** Ro_compat bits e2fsck 1.47 knows ({@code EXT2_LIB_FEATURE_RO_COMPAT_SUPP}). */
    public static final int E2FSCK_RO_COMPAT = EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT4_FEATURE_RO_COMPAT_LARGE_FILE
            | EXT4_FEATURE_RO_COMPAT_HUGE_FILE | EXT4_FEATURE_RO_COMPAT_GDT_CSUM | EXT4_FEATURE_RO_COMPAT_DIR_NLINK
            | EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE | EXT4_FEATURE_RO_COMPAT_QUOTA | EXT4_FEATURE_RO_COMPAT_BIGALLOC
            | EXT4_FEATURE_RO_COMPAT_METADATA_CSUM | EXT4_FEATURE_RO_COMPAT_READONLY | EXT4_FEATURE_RO_COMPAT_PROJECT
            | EXT4_FEATURE_RO_COMPAT_SHARED_BLOCKS | EXT4_FEATURE_RO_COMPAT_VERITY | EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT;

    /** The features mkfs ({@code images.ext4.Mkfs}) sets, as {@code dumpe2fs} lists them. */
    public static final String MKFS_FEATURES = "ext_attr filetype extent sparse_super large_file";

    /** Which of the three feature words a bit belongs to. */
    public enum Kind {
        COMPAT, INCOMPAT, RO_COMPAT
    }

    /**
     * The e2fsprogs name of one feature bit, e.g. {@code has_journal}; unknown bits are named
     * {@code FEATURE_C12}, {@code FEATURE_I31}, {@code FEATURE_R20} as e2fsprogs does.
     *
     * @param kind the word
     * @param bit  a single bit
     * @return the name
     */
    public static String name(Kind kind, int bit) {
        switch (kind) {
            case COMPAT:
                switch (bit) {
                    case EXT4_FEATURE_COMPAT_DIR_PREALLOC: return "dir_prealloc";
                    case EXT4_FEATURE_COMPAT_IMAGIC_INODES: return "imagic_inodes";
                    case EXT4_FEATURE_COMPAT_HAS_JOURNAL: return "has_journal";
                    case EXT4_FEATURE_COMPAT_EXT_ATTR: return "ext_attr";
                    case EXT4_FEATURE_COMPAT_RESIZE_INODE: return "resize_inode";
                    case EXT4_FEATURE_COMPAT_DIR_INDEX: return "dir_index";
                    case EXT4_FEATURE_COMPAT_LAZY_BG: return "lazy_bg";
                    case EXT4_FEATURE_COMPAT_EXCLUDE_INODE: return "snapshot_bitmap";
                    case EXT4_FEATURE_COMPAT_EXCLUDE_BITMAP: return "exclude_bitmap";
                    case EXT4_FEATURE_COMPAT_SPARSE_SUPER2: return "sparse_super2";
                    case EXT4_FEATURE_COMPAT_FAST_COMMIT: return "fast_commit";
                    case EXT4_FEATURE_COMPAT_STABLE_INODES: return "stable_inodes";
                    case EXT4_FEATURE_COMPAT_ORPHAN_FILE: return "orphan_file";
                    default: return "FEATURE_C" + Integer.numberOfTrailingZeros(bit);
                }
            case INCOMPAT:
                switch (bit) {
                    case EXT4_FEATURE_INCOMPAT_COMPRESSION: return "compression";
                    case EXT4_FEATURE_INCOMPAT_FILETYPE: return "filetype";
                    case EXT4_FEATURE_INCOMPAT_RECOVER: return "needs_recovery";
                    case EXT4_FEATURE_INCOMPAT_JOURNAL_DEV: return "journal_dev";
                    case EXT4_FEATURE_INCOMPAT_META_BG: return "meta_bg";
                    case EXT4_FEATURE_INCOMPAT_EXTENTS: return "extent";
                    case EXT4_FEATURE_INCOMPAT_64BIT: return "64bit";
                    case EXT4_FEATURE_INCOMPAT_MMP: return "mmp";
                    case EXT4_FEATURE_INCOMPAT_FLEX_BG: return "flex_bg";
                    case EXT4_FEATURE_INCOMPAT_EA_INODE: return "ea_inode";
                    case EXT4_FEATURE_INCOMPAT_DIRDATA: return "dirdata";
                    case EXT4_FEATURE_INCOMPAT_CSUM_SEED: return "metadata_csum_seed";
                    case EXT4_FEATURE_INCOMPAT_LARGEDIR: return "large_dir";
                    case EXT4_FEATURE_INCOMPAT_INLINE_DATA: return "inline_data";
                    case EXT4_FEATURE_INCOMPAT_ENCRYPT: return "encrypt";
                    case EXT4_FEATURE_INCOMPAT_CASEFOLD: return "casefold";
                    default: return "FEATURE_I" + Integer.numberOfTrailingZeros(bit);
                }
            default:
                switch (bit) {
                    case EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER: return "sparse_super";
                    case EXT4_FEATURE_RO_COMPAT_LARGE_FILE: return "large_file";
                    case EXT4_FEATURE_RO_COMPAT_BTREE_DIR: return "btree_dir";
                    case EXT4_FEATURE_RO_COMPAT_HUGE_FILE: return "huge_file";
                    case EXT4_FEATURE_RO_COMPAT_GDT_CSUM: return "uninit_bg";
                    case EXT4_FEATURE_RO_COMPAT_DIR_NLINK: return "dir_nlink";
                    case EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE: return "extra_isize";
                    case EXT4_FEATURE_RO_COMPAT_HAS_SNAPSHOT: return "snapshot";
                    case EXT4_FEATURE_RO_COMPAT_QUOTA: return "quota";
                    case EXT4_FEATURE_RO_COMPAT_BIGALLOC: return "bigalloc";
                    case EXT4_FEATURE_RO_COMPAT_METADATA_CSUM: return "metadata_csum";
                    case EXT4_FEATURE_RO_COMPAT_REPLICA: return "replica";
                    case EXT4_FEATURE_RO_COMPAT_READONLY: return "read-only";
                    case EXT4_FEATURE_RO_COMPAT_PROJECT: return "project";
                    case EXT4_FEATURE_RO_COMPAT_SHARED_BLOCKS: return "shared_blocks";
                    case EXT4_FEATURE_RO_COMPAT_VERITY: return "verity";
                    case EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT: return "orphan_present";
                    default: return "FEATURE_R" + Integer.numberOfTrailingZeros(bit);
                }
        }
    }

    /**
     * Names of every set bit, compat first, then incompat, then ro_compat, each in bit order (the
     * order {@code dumpe2fs} prints).
     */
    public static List<String> names(int compat, int incompat, int roCompat) {
        List<String> out = new ArrayList<>();
        addNames(out, Kind.COMPAT, compat);
        addNames(out, Kind.INCOMPAT, incompat);
        addNames(out, Kind.RO_COMPAT, roCompat);
        return out;
    }

    private static void addNames(List<String> out, Kind kind, int bits) {
        for (int b = 0; b < 32; b++) {
            if ((bits & (1 << b)) != 0) {
                out.add(name(kind, 1 << b));
            }
        }
    }

    /**
     * The features in the superblock that stop an open, in {@code dumpe2fs} order; empty if it may
     * proceed.
     *
     * @param compat   {@code s_feature_compat}
     * @param incompat {@code s_feature_incompat}
     * @param roCompat {@code s_feature_ro_compat}
     * @param readOnly whether the open is read-only (compat and most ro_compat features are then fine)
     * @return names of the offending features
     */
    public static List<String> unsupported(int compat, int incompat, int roCompat, boolean readOnly) {
        int c = readOnly ? 0 : compat & ~SUPPORTED_COMPAT;
        int i = incompat & ~SUPPORTED_INCOMPAT;
        int r = readOnly ? roCompat & UNREADABLE_RO_COMPAT : roCompat & ~SUPPORTED_RO_COMPAT;
        return names(c, i, r);
    }

    /**
     * The one-line refusal for {@code unsupported} features, e.g. {@code sda: ext4 feature
     * 'has_journal' is not supported (mkfs with -O ^has_journal)}.
     *
     * @param dev      the device name
     * @param features non-empty list from {@link #unsupported}
     * @param readOnly whether the open was read-only
     * @return the message
     */
    public static String refusal(String dev, List<String> features, boolean readOnly) {
        StringBuilder names = new StringBuilder();
        StringBuilder off = new StringBuilder();
        for (String f : features) {
            if (names.length() > 0) {
                names.append(", ");
                off.append(',');
            }
            names.append('\'').append(f).append('\'');
            off.append('^').append(f);
        }
        String verb = features.size() == 1 ? "feature " + names + " is" : "features " + names + " are";
        String hint;
        if (features.contains("needs_recovery")) { // only refused with an external journal or none
            hint = "the journal needs recovery: run e2fsck first";
        } else {
            hint = "mkfs with -O " + off;
        }
        return dev + ": ext4 " + verb + " not supported" + (readOnly ? "" : " for writing") + " (" + hint + ")";
    }
}
