package org.faultline.images.ext4;

import static org.faultline.fs.jbd2.JournalDescriptor.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.faultline.fs.ext4.Ext4Features;
import org.faultline.fs.ext4.Ext4SuperBlock;
import org.faultline.fs.ext4.Extent;
import org.faultline.fs.ext4.SuperBlockDescriptor;
import org.faultline.fs.jbd2.BigEndian;
import org.faultline.fs.jbd2.Crc32Be;
import org.faultline.fs.jbd2.JournalSuperblock;
import org.faultline.kernel.Crc32c;

/**
 * A journal written by hand into an image's journal inode, as jbd2's commit writes one: descriptor
 * blocks with their tags (escaping blocks that start with the magic number), the logged blocks, revoke
 * blocks and commit blocks, with the checksums the journal's features ask for (v1 crc32_be in the
 * commit block, v2/v3 crc32c in block tails, tags and commit blocks). Then the journal superblock points
 * at the log and the filesystem says {@code needs_recovery}, as after a crash.
 */
final class HandJournal {
    /** One transaction: blocks logged (filesystem block, content) and blocks revoked. */
    static final class Txn {
        final List<long[]> targets = new ArrayList<>();
        final List<byte[]> datas = new ArrayList<>();
        final List<Long> revokes = new ArrayList<>();
        long commitSec;

        Txn log(long fsBlock, byte[] data) {
            targets.add(new long[] {fsBlock});
            datas.add(data.clone());
            return this;
        }

        Txn revoke(long fsBlock) {
            revokes.add(fsBlock);
            return this;
        }
    }

    private final Path img;
    private final int bs = 4096;
    private final List<Extent> extents;
    private final long[] map;
    private final JournalSuperblock jsb;
    private int seed;
    /** Where each transaction's commit block went (journal block numbers), in order. */
    final List<Long> commitBlocks = new ArrayList<>();
    /** Where each logged block went (journal block numbers), in order of logging. */
    final List<Long> dataBlocks = new ArrayList<>();

    /** @param journalExtents the journal inode's extents (from {@code Ext4Image.extents(8)}) */
    HandJournal(Path img, List<Extent> journalExtents) throws IOException {
        this.img = img;
        this.extents = journalExtents;
        long n = 0;
        for (Extent e : journalExtents) {
            n = Math.max(n, e.lend());
        }
        map = new long[(int) n];
        for (Extent e : journalExtents) {
            for (int i = 0; i < e.len(); i++) {
                map[(int) e.lblk() + i] = e.pblk() + i;
            }
        }
        jsb = JournalSuperblock.wrap(read(map[0]));
        seed = jsb.csumSeed();
    }

    /**
     * The journal of {@code img} mapped as {@code debugfs -R "stat <8>"} lists its blocks — for a
     * block-mapped (ext3-style) journal inode, whose indirect blocks ({@code (IND)}, {@code (DIND)})
     * are left out.
     */
    static HandJournal fromDebugfs(Path img) throws Exception {
        E2fs.Run r = E2fs.debugfs(img, "stat <8>");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((\\d+)(?:-(\\d+))?\\):(\\d+)(?:-(\\d+))?")
                .matcher(r.out().substring(r.out().indexOf("BLOCKS:")));
        List<Extent> list = new ArrayList<>();
        while (m.find()) {
            long l0 = Long.parseLong(m.group(1));
            long l1 = m.group(2) == null ? l0 : Long.parseLong(m.group(2));
            list.add(new Extent(l0, Long.parseLong(m.group(3)), (int) (l1 - l0 + 1), false));
        }
        return new HandJournal(img, list);
    }

    JournalSuperblock superblock() {
        return jsb;
    }

    /**
     * Sets the journal's feature words, as the kernel's mount does ({@code set_journal_csum_feature_set}
     * and the 64bit feature: {@code mkfs.ext4} leaves a new journal without features), with
     * {@code s_checksum_type} crc32c for csum v2/v3, and writes the superblock.
     */
    void setFeatures(int compat, int incompat) throws IOException {
        byte[] b = jsb.buffer();
        BigEndian.putU32(b, S_FEATURE_COMPAT, compat);
        BigEndian.putU32(b, S_FEATURE_INCOMPAT, incompat);
        if ((incompat & (JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_CSUM_V3)) != 0) {
            b[S_CHECKSUM_TYPE] = JBD2_CRC32C_CHKSUM;
        }
        jsb.setChecksum();
        write(map[0], b);
        seed = jsb.csumSeed();
    }

    /** @return the journal's csum seed, recomputed (the UUID does not change) */
    int csumSeed() {
        return jsb.csumSeed();
    }

    /** @return the device block of the journal superblock */
    long superblockBlock() {
        return map[0];
    }

    /** The same journal in a copy of the image. */
    HandJournal on(Path copy) throws IOException {
        HandJournal h = new HandJournal(copy, extents);
        h.commitBlocks.addAll(commitBlocks);
        h.dataBlocks.addAll(dataBlocks);
        return h;
    }

    /** Journal block {@code j} of the image. */
    byte[] readJournalBlock(long j) throws IOException {
        return read(map[(int) j]);
    }

    void writeJournalBlock(long j, byte[] b) throws IOException {
        write(map[(int) j], b);
    }

    /**
     * Writes {@code txns} as transactions {@code firstTid}, {@code firstTid + 1}... from journal block
     * {@code start} (wrapping at {@code s_maxlen} to {@code s_first}), then points the journal
     * superblock at them and sets {@code needs_recovery}.
     */
    void write(int firstTid, long start, List<Txn> txns) throws IOException {
        long pos = start;
        int tid = firstTid;
        for (Txn t : txns) {
            pos = writeTxn(tid++, pos, t);
        }
        // the block after the log must not look like the next transaction
        writeJournalBlock(pos, new byte[bs]);
        jsb.setStart(start);
        jsb.setSequence(firstTid);
        jsb.setChecksum();
        write(map[0], jsb.buffer());
        setNeedsRecovery(img);
    }

    private long next(long pos) {
        long p = pos + 1;
        return p >= jsb.maxlen() ? jsb.first() : p;
    }

    private long writeTxn(int tid, long pos, Txn t) throws IOException {
        int crc = ~0;
        if (!t.revokes.isEmpty()) {
            writeJournalBlock(pos, revokeBlock(tid, t.revokes));
            pos = next(pos);
        }
        if (!t.targets.isEmpty()) {
            byte[] desc = header(JBD2_DESCRIPTOR_BLOCK, tid);
            int tagBytes = jsb.tagBytes();
            int tagp = JOURNAL_HEADER_SIZE;
            List<byte[]> logged = new ArrayList<>();
            for (int i = 0; i < t.targets.size(); i++) {
                byte[] data = t.datas.get(i).clone();
                int flags = i == 0 ? 0 : JBD2_FLAG_SAME_UUID;
                if (BigEndian.u32(data, 0) == JBD2_MAGIC_NUMBER) {
                    BigEndian.putU32(data, 0, 0);
                    flags |= JBD2_FLAG_ESCAPE;
                }
                if (i == t.targets.size() - 1) {
                    flags |= JBD2_FLAG_LAST_TAG;
                }
                putTag(desc, tagp, t.targets.get(i)[0], flags, data, tid);
                tagp += tagBytes;
                if (i == 0) {
                    System.arraycopy(jsb.uuid(), 0, desc, tagp, UUID_SIZE);
                    tagp += UUID_SIZE;
                }
                logged.add(data);
            }
            setTail(desc);
            writeJournalBlock(pos, desc);
            crc = Crc32Be.crc32Be(crc, desc, 0, bs);
            pos = next(pos);
            for (byte[] data : logged) {
                writeJournalBlock(pos, data);
                dataBlocks.add(pos);
                crc = Crc32Be.crc32Be(crc, data, 0, bs);
                pos = next(pos);
            }
        }
        writeJournalBlock(pos, commitBlock(tid, t.commitSec, crc));
        commitBlocks.add(pos);
        return next(pos);
    }

    private byte[] header(int type, int tid) {
        byte[] b = new byte[bs];
        BigEndian.putU32(b, H_MAGIC, JBD2_MAGIC_NUMBER);
        BigEndian.putU32(b, H_BLOCKTYPE, type);
        BigEndian.putU32(b, H_SEQUENCE, tid);
        return b;
    }

    private void putTag(byte[] desc, int tagp, long fsBlock, int flags, byte[] logged, int tid) {
        BigEndian.putU32(desc, tagp + T_BLOCKNR, fsBlock & 0xFFFFFFFFL);
        if (jsb.hasFeature64bit() || jsb.hasFeatureCsum3()) {
            BigEndian.putU32(desc, tagp + T_BLOCKNR_HIGH, jsb.hasFeature64bit() ? fsBlock >>> 32 : 0);
        }
        if (jsb.hasFeatureCsum3()) {
            BigEndian.putU32(desc, tagp + T3_FLAGS, flags);
        } else {
            BigEndian.putU16(desc, tagp + T_FLAGS, flags);
        }
        if (jsb.hasCsumV2or3()) {
            byte[] seq = new byte[4];
            BigEndian.putU32(seq, 0, tid);
            int c = Crc32c.crc32c(Crc32c.crc32c(seed, seq, 0, 4), logged, 0, bs);
            if (jsb.hasFeatureCsum3()) {
                BigEndian.putU32(desc, tagp + T3_CHECKSUM, c);
            } else {
                BigEndian.putU16(desc, tagp + T_CHECKSUM16, c);
            }
        }
    }

    private byte[] revokeBlock(int tid, List<Long> blocks) {
        byte[] b = header(JBD2_REVOKE_BLOCK, tid);
        int off = REVOKE_HEADER_SIZE;
        for (long blk : blocks) {
            if (jsb.hasFeature64bit()) {
                BigEndian.putU64(b, off, blk);
                off += 8;
            } else {
                BigEndian.putU32(b, off, blk);
                off += 4;
            }
        }
        BigEndian.putU32(b, R_COUNT, off);
        setTail(b);
        return b;
    }

    private byte[] commitBlock(int tid, long sec, int crc32Sum) {
        byte[] b = header(JBD2_COMMIT_BLOCK, tid);
        if (jsb.hasFeatureChecksum()) {
            b[H_CHKSUM_TYPE] = JBD2_CRC32_CHKSUM;
            b[H_CHKSUM_SIZE] = JBD2_CRC32_CHKSUM_SIZE;
            BigEndian.putU32(b, H_CHKSUM, crc32Sum);
        }
        BigEndian.putU64(b, H_COMMIT_SEC, sec);
        if (jsb.hasCsumV2or3()) {
            BigEndian.putU32(b, H_CHKSUM, Crc32c.crc32c(seed, b, 0, bs));
        }
        return b;
    }

    private void setTail(byte[] b) {
        if (jsb.hasCsumV2or3()) {
            BigEndian.putU32(b, bs - BLOCK_TAIL_SIZE, 0);
            BigEndian.putU32(b, bs - BLOCK_TAIL_SIZE, Crc32c.crc32c(seed, b, 0, bs));
        }
    }

    /** Sets {@code needs_recovery} in the primary superblock, checksum updated. */
    static void setNeedsRecovery(Path img) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            byte[] raw = new byte[SuperBlockDescriptor.SUPERBLOCK_SIZE];
            f.seek(SuperBlockDescriptor.SUPERBLOCK_OFFSET);
            f.readFully(raw);
            Ext4SuperBlock sb = Ext4SuperBlock.wrap(raw);
            sb.setU32(SuperBlockDescriptor.S_FEATURE_INCOMPAT,
                    (sb.featureIncompat() | Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER) & 0xFFFFFFFFL);
            sb.setChecksum();
            sb.writeTo(raw, 0);
            f.seek(SuperBlockDescriptor.SUPERBLOCK_OFFSET);
            f.write(raw);
        }
    }

    private byte[] read(long pblk) throws IOException {
        byte[] b = new byte[bs];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(pblk * bs);
            f.readFully(b);
        }
        return b;
    }

    private void write(long pblk, byte[] b) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(pblk * bs);
            f.write(b);
        }
    }
}
