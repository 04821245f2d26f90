package org.faultline.fs.jbd2;

import static org.faultline.fs.jbd2.JournalDescriptor.*;

import java.util.Arrays;
import org.faultline.kernel.Crc32c;

/**
 * A {@code journal_superblock_t} (layout in {@link JournalDescriptor}): a typed, big-endian view over
 * the first 1024 bytes of the journal's block 0. Like the kernel's {@code j_superblock}, which points
 * into the buffer head {@code j_sb_buffer}, it is a view over the whole block it was read in, so that
 * writing the block back keeps whatever follows the superblock.
 *
 * <p>Feature predicates follow {@code jbd2_has_feature_*}: a version-1 superblock
 * ({@link JournalDescriptor#JBD2_SUPERBLOCK_V1}) has no feature words, so every feature reads as off
 * ({@code jbd2_format_support_feature}).
 *
 * <p>Not thread-safe: owned by one {@link Journal}.
 */
public final class JournalSuperblock {
    private final byte[] b;

    private JournalSuperblock(byte[] block) {
        this.b = block;
    }

    /**
     * A view over {@code block} (not copied).
     *
     * @param block the journal's block 0, at least {@link JournalDescriptor#JOURNAL_SUPERBLOCK_SIZE} bytes
     */
    public static JournalSuperblock wrap(byte[] block) {
        if (block.length < JOURNAL_SUPERBLOCK_SIZE) {
            throw new IllegalArgumentException("a journal superblock needs " + JOURNAL_SUPERBLOCK_SIZE + " bytes");
        }
        return new JournalSuperblock(block);
    }

    /** @return the block this view is over (the buffer to write back) */
    public byte[] buffer() {
        return b;
    }

    // ---------------------------------------------------------------- header and static fields

    /** @return {@code s_header.h_magic} */
    public long magic() {
        return BigEndian.u32(b, H_MAGIC);
    }

    /** @return {@code s_header.h_blocktype}: {@link JournalDescriptor#JBD2_SUPERBLOCK_V1} or {@code _V2} */
    public int blockType() {
        return BigEndian.i32(b, H_BLOCKTYPE);
    }

    /** @return {@code s_blocksize} */
    public long blocksize() {
        return BigEndian.u32(b, S_BLOCKSIZE);
    }

    /** @return {@code s_maxlen}: blocks in the journal */
    public long maxlen() {
        return BigEndian.u32(b, S_MAXLEN);
    }

    /** @return {@code s_first}: the first block of log information */
    public long first() {
        return BigEndian.u32(b, S_FIRST);
    }

    /** @return a copy of {@code s_uuid} */
    public byte[] uuid() {
        return Arrays.copyOfRange(b, S_UUID, S_UUID + UUID_SIZE);
    }

    /** @return {@code s_nr_users} */
    public long nrUsers() {
        return BigEndian.u32(b, S_NR_USERS);
    }

    /** @return {@code s_checksum_type} */
    public int checksumType() {
        return b[S_CHECKSUM_TYPE] & 0xff;
    }

    /** @return {@code s_checksum} */
    public int checksum() {
        return BigEndian.i32(b, S_CHECKSUM);
    }

    // ---------------------------------------------------------------- dynamic fields

    /** @return {@code s_sequence}: the first transaction id expected in the log */
    public int sequence() {
        return BigEndian.i32(b, S_SEQUENCE);
    }

    public void setSequence(int tid) {
        BigEndian.putU32(b, S_SEQUENCE, tid);
    }

    /** @return {@code s_start}: the log's first block in use, 0 when the journal is empty */
    public long start() {
        return BigEndian.u32(b, S_START);
    }

    public void setStart(long block) {
        BigEndian.putU32(b, S_START, block);
    }

    /** @return {@code s_head}: the block after the log's end, kept while the journal is empty */
    public long head() {
        return BigEndian.u32(b, S_HEAD);
    }

    public void setHead(long block) {
        BigEndian.putU32(b, S_HEAD, block);
    }

    /** @return {@code s_errno}: the error a journal abort recorded, or 0 */
    public int errno() {
        return BigEndian.i32(b, S_ERRNO);
    }

    public void setErrno(int errno) {
        BigEndian.putU32(b, S_ERRNO, errno);
    }

    // ---------------------------------------------------------------- features

    /** {@code jbd2_format_support_feature}: only a v2 superblock has feature words. */
    public boolean formatSupportsFeatures() {
        return blockType() == JBD2_SUPERBLOCK_V2;
    }

    /** @return {@code s_feature_compat} as stored (whatever the format version) */
    public int featureCompat() {
        return BigEndian.i32(b, S_FEATURE_COMPAT);
    }

    /** @return {@code s_feature_incompat} as stored */
    public int featureIncompat() {
        return BigEndian.i32(b, S_FEATURE_INCOMPAT);
    }

    /** @return {@code s_feature_ro_compat} as stored */
    public int featureRoCompat() {
        return BigEndian.i32(b, S_FEATURE_RO_COMPAT);
    }

    /** Sets the three feature words (the caller keeps them consistent: {@link Journal#jbd2JournalSetFeatures}). */
    void setFeatures(int compat, int roCompat, int incompat) {
        BigEndian.putU32(b, S_FEATURE_COMPAT, compat);
        BigEndian.putU32(b, S_FEATURE_RO_COMPAT, roCompat);
        BigEndian.putU32(b, S_FEATURE_INCOMPAT, incompat);
    }

    /** Sets {@code s_checksum_type}. */
    void setChecksumType(int type) {
        b[S_CHECKSUM_TYPE] = (byte) type;
    }

    private boolean compat(int bit) {
        return formatSupportsFeatures() && (featureCompat() & bit) != 0;
    }

    private boolean incompat(int bit) {
        return formatSupportsFeatures() && (featureIncompat() & bit) != 0;
    }

    /** {@code jbd2_has_feature_checksum}: checksum v1. */
    public boolean hasFeatureChecksum() {
        return compat(JBD2_FEATURE_COMPAT_CHECKSUM);
    }

    /** {@code jbd2_has_feature_revoke}. */
    public boolean hasFeatureRevoke() {
        return incompat(JBD2_FEATURE_INCOMPAT_REVOKE);
    }

    /** {@code jbd2_has_feature_64bit}: tags and revoke records carry 64-bit block numbers. */
    public boolean hasFeature64bit() {
        return incompat(JBD2_FEATURE_INCOMPAT_64BIT);
    }

    /** {@code jbd2_has_feature_async_commit}. */
    public boolean hasFeatureAsyncCommit() {
        return incompat(JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT);
    }

    /** {@code jbd2_has_feature_csum2}. */
    public boolean hasFeatureCsum2() {
        return incompat(JBD2_FEATURE_INCOMPAT_CSUM_V2);
    }

    /** {@code jbd2_has_feature_csum3}. */
    public boolean hasFeatureCsum3() {
        return incompat(JBD2_FEATURE_INCOMPAT_CSUM_V3);
    }

    /** {@code jbd2_has_feature_fast_commit}. */
    public boolean hasFeatureFastCommit() {
        return incompat(JBD2_FEATURE_INCOMPAT_FAST_COMMIT);
    }

    /** {@code jbd2_journal_has_csum_v2or3}: per-block crc32c checksums. */
    public boolean hasCsumV2or3() {
        return hasFeatureCsum2() || hasFeatureCsum3();
    }

    /** {@code journal_tag_bytes}. */
    public int tagBytes() {
        return journalTagBytes(hasFeatureCsum2(), hasFeatureCsum3(), hasFeature64bit());
    }

    /** {@code jbd2_journal_get_num_fc_blks}: {@code s_num_fc_blks}, or the default 256 when 0. */
    public int numFcBlks() {
        int n = BigEndian.i32(b, S_NUM_FC_BLKS);
        return n != 0 ? n : JBD2_DEFAULT_FAST_COMMIT_BLOCKS;
    }

    // ---------------------------------------------------------------- checksums

    /** {@code jbd2_superblock_csum}: crc32c from ~0 over the 1024 bytes with {@code s_checksum} zero. */
    public int jbd2SuperblockCsum() {
        int c = Crc32c.crc32c(~0, b, 0, S_CHECKSUM);
        c = Crc32c.crc32c(c, new byte[4], 0, 4);
        return Crc32c.crc32c(c, b, S_CHECKSUM + 4, JOURNAL_SUPERBLOCK_SIZE - S_CHECKSUM - 4);
    }

    /** Stores {@link #jbd2SuperblockCsum} when the journal has csum v2/v3 ({@code jbd2_write_superblock}). */
    public void setChecksum() {
        if (hasCsumV2or3()) {
            BigEndian.putU32(b, S_CHECKSUM, jbd2SuperblockCsum());
        }
    }

    /** {@code j_csum_seed}: crc32c from ~0 over {@code s_uuid}, the seed of every block checksum. */
    public int csumSeed() {
        return Crc32c.crc32c(~0, b, S_UUID, UUID_SIZE);
    }

    @Override
    public String toString() {
        return "JournalSuperblock[v" + (blockType() - JBD2_SUPERBLOCK_V1 + 1) + ", maxlen=" + maxlen() + ", first="
                + first() + ", sequence=" + Integer.toUnsignedString(sequence()) + ", start=" + start() + ", head="
                + head() + ", incompat=0x" + Integer.toHexString(featureIncompat()) + "]";
    }
}
