package org.faultline.fs.jbd2;

/**
 * The on-disk layout of a jbd2 journal ({@code include/linux/jbd2.h}): every block the log holds and
 * the journal superblock, all big-endian ({@link BigEndian}). Pure constants and the small layout
 * rules that depend on the journal's features; {@link JournalSuperblock} is the typed view of the
 * superblock, {@link Recovery} reads the rest.
 *
 * <p>Every metadata block of the log starts with a {@code journal_header_t}; a block whose first word
 * is not {@link #JBD2_MAGIC_NUMBER} is data (a logged copy of a filesystem block) or the end of the log:
 * <pre>
 * journal_header_t (12 bytes)          commit_header (the commit block; 64 bytes with padding)
 *  0x0  4  h_magic     0xC03B3998        0x00 12  journal_header_t, h_blocktype 2
 *  0x4  4  h_blocktype 1..6              0x0C  1  h_chksum_type   (v1: JBD2_CRC32_CHKSUM)
 *  0x8  4  h_sequence  transaction id    0x0D  1  h_chksum_size   (v1: 4)
 *                                        0x10 32  h_chksum[8]     [0]: v1 crc32_be, v2/v3 crc32c
 *                                        0x30  8  h_commit_sec
 *                                        0x38  4  h_commit_nsec
 *
 * descriptor block (h_blocktype 1): the header, then one tag per logged block that follows it in
 * the log, each tag followed by the 16-byte journal UUID unless it has JBD2_FLAG_SAME_UUID; the
 * last tag has JBD2_FLAG_LAST_TAG. With csum v2/v3 the block ends in a 4-byte tail (t_checksum).
 *
 * journal_block_tag_t                   journal_block_tag3_t (csum v3)
 *  0x0  4  t_blocknr                      0x0  4  t_blocknr
 *  0x4  2  t_checksum (csum v2, low 16)   0x4  4  t_flags (the flags in its low 16 bits, 0x6..0x7)
 *  0x6  2  t_flags                        0x8  4  t_blocknr_high
 *  0x8  4  t_blocknr_high (64bit)         0xC  4  t_checksum
 *  tag size: 8, +4 with 64bit, +2 with csum v2 ({@link #journalTagBytes}); 16 with csum v3
 *
 * revoke block (h_blocktype 5)           block tail (descriptor and revoke blocks, csum v2/v3)
 *  0x0 12  journal_header_t               blocksize-4  4  t_checksum
 *  0xC  4  r_count  bytes used, header included
 *  0x10 .  block numbers: 4 bytes each, 8 with 64bit
 * </pre>
 *
 * <p>The journal superblock ({@code journal_superblock_t}, 1024 bytes at journal block 0):
 * <pre>
 *  0x00 12  s_header (h_blocktype 3: v1, 4: v2)   0x30 16  s_uuid
 *  0x0C  4  s_blocksize                           0x40  4  s_nr_users
 *  0x10  4  s_maxlen   blocks of the journal      0x44  4  s_dynsuper
 *  0x14  4  s_first    first block of the log     0x48  4  s_max_transaction
 *  0x18  4  s_sequence first tid expected         0x4C  4  s_max_trans_data
 *  0x1C  4  s_start    first block of the log     0x50  1  s_checksum_type (4: crc32c)
 *                      in use; 0: empty           0x54  4  s_num_fc_blks
 *  0x20  4  s_errno                               0x58  4  s_head  next block after the log
 *  0x24  4  s_feature_compat                      0xFC  4  s_checksum (crc32c over the 1024 bytes)
 *  0x28  4  s_feature_incompat                    0x100 768 s_users
 *  0x2C  4  s_feature_ro_compat
 * </pre>
 */
public final class JournalDescriptor {
    private JournalDescriptor() {
    }

    /** {@code JBD2_MAGIC_NUMBER}: the first word of every journal metadata block. */
    public static final long JBD2_MAGIC_NUMBER = 0xC03B3998L;

    // ---------------------------------------------------------------- block types (h_blocktype)
    public static final int JBD2_DESCRIPTOR_BLOCK = 1;
    public static final int JBD2_COMMIT_BLOCK = 2;
    public static final int JBD2_SUPERBLOCK_V1 = 3;
    public static final int JBD2_SUPERBLOCK_V2 = 4;
    public static final int JBD2_REVOKE_BLOCK = 5;
    public static final int JBD2_FC_BLOCK = 6;

    // ---------------------------------------------------------------- journal_header_t
    public static final int H_MAGIC = 0x0;
    public static final int H_BLOCKTYPE = 0x4;
    public static final int H_SEQUENCE = 0x8;
    /** {@code sizeof(journal_header_t)}. */
    public static final int JOURNAL_HEADER_SIZE = 12;

    // ---------------------------------------------------------------- commit_header
    public static final int H_CHKSUM_TYPE = 0x0C;
    public static final int H_CHKSUM_SIZE = 0x0D;
    /** {@code h_chksum[0]}: the checksum v1, v2 and v3 use. */
    public static final int H_CHKSUM = 0x10;
    public static final int H_COMMIT_SEC = 0x30;
    public static final int H_COMMIT_NSEC = 0x38;
    /** {@code sizeof(struct commit_header)}: 60 bytes of fields, padded to 64 by the {@code __be64}. */
    public static final int COMMIT_HEADER_SIZE = 64;

    /** {@code JBD2_CRC32_CHKSUM}: a v1 commit block's {@code h_chksum_type}. */
    public static final int JBD2_CRC32_CHKSUM = 1;
    public static final int JBD2_MD5_CHKSUM = 2;
    public static final int JBD2_SHA1_CHKSUM = 3;
    /** {@code JBD2_CRC32C_CHKSUM}: the superblock's {@code s_checksum_type} with csum v2/v3. */
    public static final int JBD2_CRC32C_CHKSUM = 4;
    /** {@code JBD2_CRC32_CHKSUM_SIZE}. */
    public static final int JBD2_CRC32_CHKSUM_SIZE = 4;

    // ---------------------------------------------------------------- block tags
    public static final int T_BLOCKNR = 0x0;
    /** {@code journal_block_tag_t.t_checksum} (csum v2: the low 16 bits of the crc32c). */
    public static final int T_CHECKSUM16 = 0x4;
    /** {@code t_flags} as recovery reads it: a {@code __be16} here in both tag formats. */
    public static final int T_FLAGS = 0x6;
    /** {@code journal_block_tag3_t.t_flags} as written: a {@code __be32}. */
    public static final int T3_FLAGS = 0x4;
    public static final int T_BLOCKNR_HIGH = 0x8;
    /** {@code journal_block_tag3_t.t_checksum}. */
    public static final int T3_CHECKSUM = 0xC;
    /** {@code sizeof(journal_block_tag_t)}. */
    public static final int TAG_SIZE = 12;
    /** {@code sizeof(journal_block_tag3_t)}. */
    public static final int TAG3_SIZE = 16;
    /** {@code UUID_SIZE}: the UUID after a tag without {@link #JBD2_FLAG_SAME_UUID}. */
    public static final int UUID_SIZE = 16;

    /** On-disk block is escaped: its first word was the magic number, logged as zero. */
    public static final int JBD2_FLAG_ESCAPE = 1;
    /** The block has the same UUID as the previous one: no UUID follows the tag. */
    public static final int JBD2_FLAG_SAME_UUID = 2;
    /** The block was deleted by this transaction (unused). */
    public static final int JBD2_FLAG_DELETED = 4;
    /** The last tag of its descriptor block. */
    public static final int JBD2_FLAG_LAST_TAG = 8;

    // ---------------------------------------------------------------- revoke block and block tail
    /** {@code jbd2_journal_revoke_header_t.r_count}. */
    public static final int R_COUNT = 0x0C;
    /** {@code sizeof(jbd2_journal_revoke_header_t)}. */
    public static final int REVOKE_HEADER_SIZE = 16;
    /** {@code sizeof(struct jbd2_journal_block_tail)}: the last bytes of a descriptor or revoke block. */
    public static final int BLOCK_TAIL_SIZE = 4;

    // ---------------------------------------------------------------- journal_superblock_t
    public static final int S_BLOCKSIZE = 0x0C;
    public static final int S_MAXLEN = 0x10;
    public static final int S_FIRST = 0x14;
    public static final int S_SEQUENCE = 0x18;
    public static final int S_START = 0x1C;
    public static final int S_ERRNO = 0x20;
    public static final int S_FEATURE_COMPAT = 0x24;
    public static final int S_FEATURE_INCOMPAT = 0x28;
    public static final int S_FEATURE_RO_COMPAT = 0x2C;
    public static final int S_UUID = 0x30;
    public static final int S_NR_USERS = 0x40;
    public static final int S_DYNSUPER = 0x44;
    public static final int S_MAX_TRANSACTION = 0x48;
    public static final int S_MAX_TRANS_DATA = 0x4C;
    public static final int S_CHECKSUM_TYPE = 0x50;
    public static final int S_NUM_FC_BLKS = 0x54;
    public static final int S_HEAD = 0x58;
    public static final int S_CHECKSUM = 0xFC;
    public static final int S_USERS = 0x100;
    /** {@code sizeof(journal_superblock_t)}. */
    public static final int JOURNAL_SUPERBLOCK_SIZE = 1024;

    // ---------------------------------------------------------------- features
    /** {@code JBD2_FEATURE_COMPAT_CHECKSUM}: checksum v1, a crc32_be of each transaction in its commit block. */
    public static final int JBD2_FEATURE_COMPAT_CHECKSUM = 0x1;
    public static final int JBD2_FEATURE_INCOMPAT_REVOKE = 0x1;
    public static final int JBD2_FEATURE_INCOMPAT_64BIT = 0x2;
    public static final int JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT = 0x4;
    public static final int JBD2_FEATURE_INCOMPAT_CSUM_V2 = 0x8;
    public static final int JBD2_FEATURE_INCOMPAT_CSUM_V3 = 0x10;
    public static final int JBD2_FEATURE_INCOMPAT_FAST_COMMIT = 0x20;
    /** {@code JBD2_KNOWN_COMPAT_FEATURES}. */
    public static final int JBD2_KNOWN_COMPAT_FEATURES = JBD2_FEATURE_COMPAT_CHECKSUM;
    /** {@code JBD2_KNOWN_ROCOMPAT_FEATURES}. */
    public static final int JBD2_KNOWN_ROCOMPAT_FEATURES = 0;
    /** {@code JBD2_KNOWN_INCOMPAT_FEATURES}. */
    public static final int JBD2_KNOWN_INCOMPAT_FEATURES = JBD2_FEATURE_INCOMPAT_REVOKE
            | JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT | JBD2_FEATURE_INCOMPAT_64BIT | JBD2_FEATURE_INCOMPAT_CSUM_V2
            | JBD2_FEATURE_INCOMPAT_CSUM_V3 | JBD2_FEATURE_INCOMPAT_FAST_COMMIT;

    /** {@code JBD2_MIN_JOURNAL_BLOCKS}. */
    public static final int JBD2_MIN_JOURNAL_BLOCKS = 1024;
    /** {@code JBD2_DEFAULT_FAST_COMMIT_BLOCKS}: the fast-commit area when {@code s_num_fc_blks} is 0. */
    public static final int JBD2_DEFAULT_FAST_COMMIT_BLOCKS = 256;

    /**
     * {@code journal_tag_bytes}: the size of one block tag in a descriptor block.
     *
     * @param csum2 {@code CSUM_V2}
     * @param csum3 {@code CSUM_V3}
     * @param is64  {@code 64BIT}
     * @return 16 with csum v3; else 12 (+2 with csum v2), less 4 without 64bit
     */
    public static int journalTagBytes(boolean csum2, boolean csum3, boolean is64) {
        if (csum3) {
            return TAG3_SIZE;
        }
        int sz = TAG_SIZE + (csum2 ? 2 : 0);
        return is64 ? sz : sz - 4;
    }

    /** {@code t_flags} of the tag at {@code off}. */
    public static int tagFlags(byte[] b, int off) {
        return BigEndian.u16(b, off + T_FLAGS);
    }

    /**
     * The name of a journal feature bit as {@code dumpe2fs} prints it ({@code e2p_jrnl_feature2string}):
     * {@code journal_checksum}, {@code journal_incompat_revoke}, {@code journal_64bit},
     * {@code journal_async_commit}, {@code journal_checksum_v2}, {@code journal_checksum_v3}, and
     * {@code FEATURE_C3}, {@code FEATURE_I5}, {@code FEATURE_R0} for any other bit.
     *
     * @param kind 'C', 'I' or 'R' (compat, incompat, ro_compat)
     * @param bit  a single bit
     */
    public static String featureName(char kind, int bit) {
        if (kind == 'C' && bit == JBD2_FEATURE_COMPAT_CHECKSUM) {
            return "journal_checksum";
        }
        if (kind == 'I') {
            switch (bit) {
                case JBD2_FEATURE_INCOMPAT_REVOKE: return "journal_incompat_revoke";
                case JBD2_FEATURE_INCOMPAT_64BIT: return "journal_64bit";
                case JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT: return "journal_async_commit";
                case JBD2_FEATURE_INCOMPAT_CSUM_V2: return "journal_checksum_v2";
                case JBD2_FEATURE_INCOMPAT_CSUM_V3: return "journal_checksum_v3";
                default: break;
            }
        }
        return "FEATURE_" + kind + Integer.numberOfTrailingZeros(bit);
    }

    /** The names of the set bits of {@code bits} ({@link #featureName}), in bit order, space-separated. */
    public static String featureNames(char kind, int bits) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            if ((bits & (1 << i)) != 0) {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append(featureName(kind, 1 << i));
            }
        }
        return sb.toString();
    }
}
