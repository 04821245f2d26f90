package org.faultline.fs.jbd2;

import static org.faultline.fs.jbd2.JournalDescriptor.*;

import java.io.IOException;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * Journal recovery (fs/jbd2/recovery.c): replays the transactions a crash left in the log onto the
 * filesystem's device, as {@code jbd2_journal_recover} does at mount. Three passes walk the circular
 * log from {@code s_start}, transaction by transaction ({@code s_sequence}, then each next id), each
 * transaction being descriptor blocks (followed by the blocks they describe), revoke blocks and a commit
 * block:
 * <ol>
 * <li>{@link Pass#PASS_SCAN} finds the end of the log: the first block that is not a journal block of
 * the expected transaction, or a transaction whose checksums fail;</li>
 * <li>{@link Pass#PASS_REVOKE} collects the revoke records into the {@link RevokeTable};</li>
 * <li>{@link Pass#PASS_REPLAY} writes every logged block that no later revoke covers to its place
 * ({@code t_blocknr}), restoring the magic number of escaped blocks.</li>
 * </ol>
 *
 * <p>Checksums. v1 ({@code COMPAT_CHECKSUM}): a crc32_be of each transaction's descriptor and data
 * blocks in its commit block, checked in the scan. v2/v3: crc32c seeded with the journal UUID in the
 * tail of descriptor and revoke blocks, in the commit block's {@code h_chksum[0]}, and per logged
 * block in its tag (over the transaction id and the block). What a failure does, as the kernel:
 * <ul>
 * <li>a commit block whose checksum fails ends the log before its transaction; without
 * {@code ASYNC_COMMIT} the transaction is recorded as {@code j_failed_commit}, which makes
 * {@link Journal#jbd2JournalLoad} fail ("journal transaction N ... is corrupt") after the transactions
 * before it were replayed. A commit block that only checksums over its header with the rest zero is an
 * incompletely written one and counts as good ("Find incomplete commit block"). An older commit time
 * than the previous transaction's marks stale blocks of an earlier log: the log just ends there;</li>
 * <li>a descriptor or revoke block whose checksum fails in the scan is accepted only if its transaction
 * turns out to be a stale one (older commit time); else recovery fails ("Invalid checksum found in
 * transaction N");</li>
 * <li>a logged block whose tag checksum fails is not written, the others are, and recovery fails
 * ({@code EFSBADCRC}).</li>
 * </ul>
 *
 * <p>Deviations: blocks are read one at a time through the journal's device (no readahead), and a
 * replayed block is written at once rather than left dirty in the buffer cache until
 * {@code sync_blockdev} — the device ends in the same state. A write failure is remembered and returned
 * as that sync would return it. Fast-commit blocks ({@code fc_do_one_pass}) are not replayed: the file
 * system refuses to load a journal with the fast-commit feature. {@link RecoveryInfo} also says whether
 * the scan wrapped around the end of the log (an observation of this model, not a kernel field).
 *
 * <p>Not thread-safe: one recovery of one journal, at mount.
 */
@KernelSource("fs/jbd2/recovery.c")
public final class Recovery {
    /** {@code enum passtype}; its ordinal is the number the kernel prints. */
    public enum Pass {
        PASS_SCAN, PASS_REVOKE, PASS_REPLAY
    }

    /** {@code struct recovery_info}: what the passes carry between them, and the counts. */
    public static final class RecoveryInfo {
        int startTransaction;
        int endTransaction;
        long headBlock;
        int nrReplays;
        int nrRevokes;
        int nrRevokeHits;
        boolean wrapped;

        /** @return the first transaction in the log ({@code s_sequence}) */
        public int startTransaction() {
            return startTransaction;
        }

        /**
         * @return the first transaction not replayed, where the scan ended (the journal's next
         *         transaction id is one more: {@code jbd2_journal_recover} skips it)
         */
        public int endTransaction() {
            return endTransaction;
        }

        /** @return how many transactions were replayed: {@code endTransaction - startTransaction} */
        public int transactions() {
            return endTransaction - startTransaction;
        }

        /** @return the block after the last replayed transaction's commit block */
        public long headBlock() {
            return headBlock;
        }

        /** @return logged blocks written to the filesystem */
        public int nrReplays() {
            return nrReplays;
        }

        /** @return revoke records in the log (counted in the scan) */
        public int nrRevokes() {
            return nrRevokes;
        }

        /** @return logged blocks not written because a revoke covered them */
        public int nrRevokeHits() {
            return nrRevokeHits;
        }

        /** @return whether the scan went past the log's last block back to {@code s_first} */
        public boolean wrapped() {
            return wrapped;
        }

        @Override
        public String toString() {
            return "recovered transactions " + Integer.toUnsignedString(startTransaction) + " to "
                    + Integer.toUnsignedString(endTransaction) + ": replayed " + nrReplays + " and revoked "
                    + nrRevokeHits + "/" + nrRevokes + " blocks" + (wrapped ? ", log wrapped" : "");
        }
    }

    private final Journal j;
    private final JournalSuperblock sb;
    private final RecoveryInfo info = new RecoveryInfo();
    private final int bs;
    private final int tagBytes;
    /** The journal block being examined ({@code bh}) and a logged block ({@code obh}). */
    private final byte[] bh;
    private final byte[] obh;
    /** {@code next_log_block} of the pass running (shared with {@code calc_chksums}, {@code jbd2_do_replay}). */
    private long nextLogBlock;
    /** The v1 transaction checksum being accumulated ({@code crc32_sum}). */
    private int crc32Sum;
    /** A replayed block's write failed ({@code sync_blockdev} would report it). */
    private int writeError;

    private Recovery(Journal j) {
        this.j = j;
        this.sb = j.superblock;
        this.bs = j.blocksize;
        this.tagBytes = sb.tagBytes();
        this.bh = new byte[bs];
        this.obh = new byte[bs];
    }

    /**
     * {@code jbd2_journal_recover}: replays the log if the journal was not cleanly emptied
     * ({@code j_tail}, from {@code s_start}, non-zero). Whatever the passes return, the journal then
     * expects the transaction after the last one found ({@code j_transaction_sequence}), its head is
     * the block after that one's commit block, and the device is flushed.
     *
     * @return 0, or a negative errno (the blocks replayed before the failure stay written)
     */
    public static int jbd2JournalRecover(Journal j) {
        if (j.tail == 0) {
            j.transactionSequence = j.superblock.sequence() + 1;
            j.head = j.superblock.head();
            return 0;
        }
        Recovery r = new Recovery(j);
        int err = r.doOnePass(Pass.PASS_SCAN);
        if (err == 0) {
            err = r.doOnePass(Pass.PASS_REVOKE);
        }
        if (err == 0) {
            err = r.doOnePass(Pass.PASS_REPLAY);
        }
        RecoveryInfo info = r.info;
        // restart the log at the id after end_transaction, invalidating any commit block left in the log
        j.transactionSequence = info.endTransaction + 1;
        j.head = info.headBlock;
        j.recoveryInfo = info;
        j.revoke.jbd2JournalClearRevoke();
        int err2 = r.syncBlockdev();
        return err != 0 ? err : err2;
    }

    /** {@code sync_blockdev} and, with barriers, {@code blkdev_issue_flush} after the replay. */
    private int syncBlockdev() {
        if (writeError != 0) {
            return writeError;
        }
        if ((j.flags & Journal.JBD2_BARRIER) != 0) {
            try {
                j.dev.flush();
            } catch (IOException e) {
                return -Errno.EIO;
            }
        }
        return 0;
    }

    // ================================================================ one pass

    /**
     * {@code do_one_pass}: walks the log once. In the scan it sets where the log ends
     * ({@code end_transaction}, {@code head_block}); the other passes stop there and report if they
     * ended elsewhere.
     *
     * @return 0, or a negative errno
     */
    int doOnePass(Pass pass) {
        int nextCommitId = sb.sequence();
        nextLogBlock = sb.start();
        long headBlock = nextLogBlock;
        crc32Sum = ~0;
        int success = 0;
        boolean needCheckCommitTime = false;
        long lastTransCommitTime = 0;
        if (pass == Pass.PASS_SCAN) {
            info.startTransaction = nextCommitId;
        }
        scan:
        while (true) {
            if (pass != Pass.PASS_SCAN && Journal.tidGeq(nextCommitId, info.endTransaction)) {
                break;
            }
            int err = jread(bh, nextLogBlock);
            if (err != 0) {
                return err;
            }
            nextLogBlock = wrap(nextLogBlock + 1, pass);
            if (BigEndian.u32(bh, H_MAGIC) != JBD2_MAGIC_NUMBER) {
                break;
            }
            int blocktype = BigEndian.i32(bh, H_BLOCKTYPE);
            int sequence = BigEndian.i32(bh, H_SEQUENCE);
            if (sequence != nextCommitId) {
                break;
            }
            // As in C, a plain break below leaves the switch, not the loop; "break scan" is "goto done".
            switch (blocktype) {
                case JBD2_DESCRIPTOR_BLOCK:
                    if (!jbd2DescriptorBlockCsumVerify(bh)) {
                        // the scan can meet stale blocks of a lazily initialised journal: judged at commit
                        if (pass != Pass.PASS_SCAN) {
                            j.printk("JBD2: Invalid checksum recovering block " + nextLogBlock + " in log");
                            return -Errno.EBADMSG;
                        }
                        needCheckCommitTime = true;
                    }
                    if (pass != Pass.PASS_REPLAY) {
                        if (pass == Pass.PASS_SCAN && sb.hasFeatureChecksum() && info.endTransaction == 0) {
                            if (calcChksums(bh, pass) != 0) {
                                break;
                            }
                            continue;
                        }
                        nextLogBlock = wrap(nextLogBlock + countTags(bh), pass);
                        continue;
                    }
                    err = jbd2DoReplay(bh, nextCommitId);
                    if (err != 0) {
                        if (err == -Errno.ENOMEM) {
                            return err;
                        }
                        success = err;
                    }
                    continue;

                case JBD2_COMMIT_BLOCK:
                    if (pass != Pass.PASS_SCAN) {
                        nextCommitId++;
                        continue;
                    }
                    long commitTime = BigEndian.u64(bh, H_COMMIT_SEC);
                    if (needCheckCommitTime) {
                        // a bad descriptor or revoke block before: stale only if time went backwards
                        if (Long.compareUnsigned(commitTime, lastTransCommitTime) >= 0) {
                            j.printk("JBD2: Invalid checksum found in transaction "
                                    + Integer.toUnsignedString(nextCommitId));
                            return -Errno.EBADMSG;
                        }
                        break scan; // likely an older log's block: the log ends here, successfully
                    }
                    boolean ok;
                    if (sb.hasFeatureChecksum()) {
                        if (info.endTransaction != 0) {
                            j.failedCommit = info.endTransaction;
                            break;
                        }
                        ok = commitV1ChecksumOk(bh);
                        if (ok) {
                            crc32Sum = ~0;
                        }
                    } else {
                        ok = jbd2CommitBlockCsumVerify(bh);
                        if (!ok && jbd2CommitBlockCsumVerifyPartial(bh)) {
                            j.printk("JBD2: Find incomplete commit block in transaction "
                                    + Integer.toUnsignedString(nextCommitId) + " block " + nextLogBlock);
                            ok = true;
                        }
                    }
                    if (!ok) { // chksum_error
                        if (Long.compareUnsigned(commitTime, lastTransCommitTime) < 0) {
                            break scan; // ignore_crc_mismatch: stale, the log ends here
                        }
                        info.endTransaction = nextCommitId;
                        info.headBlock = headBlock;
                        if (!sb.hasFeatureAsyncCommit()) {
                            j.failedCommit = nextCommitId;
                            break;
                        }
                    }
                    lastTransCommitTime = commitTime; // chksum_ok
                    headBlock = nextLogBlock;
                    nextCommitId++;
                    continue;

                case JBD2_REVOKE_BLOCK:
                    if (pass != Pass.PASS_REVOKE && pass != Pass.PASS_SCAN) {
                        continue;
                    }
                    if (pass == Pass.PASS_SCAN && !jbd2DescriptorBlockCsumVerify(bh)) {
                        needCheckCommitTime = true;
                    }
                    err = scanRevokeRecords(pass, bh, nextCommitId);
                    if (err != 0) {
                        return err;
                    }
                    continue;

                default:
                    break scan; // an unrecognised block type ends the log
            }
        }
        // done:
        if (pass == Pass.PASS_SCAN) {
            if (info.endTransaction == 0) {
                info.endTransaction = nextCommitId;
            }
            if (info.headBlock == 0) {
                info.headBlock = headBlock;
            }
        } else if (info.endTransaction != nextCommitId) {
            j.printk("JBD2: recovery pass " + pass.ordinal() + " ended at transaction "
                    + Integer.toUnsignedString(nextCommitId) + ", expected "
                    + Integer.toUnsignedString(info.endTransaction));
            if (success == 0) {
                success = -Errno.EIO;
            }
        }
        return success;
    }

    /**
     * The v1 test of a commit block: its {@code h_chksum[0]} is the running crc32_be with type
     * {@code JBD2_CRC32_CHKSUM} and size 4, or all three are zero (a commit written without one).
     */
    private boolean commitV1ChecksumOk(byte[] b) {
        int found = BigEndian.i32(b, H_CHKSUM);
        int type = b[H_CHKSUM_TYPE] & 0xff;
        int size = b[H_CHKSUM_SIZE] & 0xff;
        return (crc32Sum == found && type == JBD2_CRC32_CHKSUM && size == JBD2_CRC32_CHKSUM_SIZE)
                || (type == 0 && size == 0 && found == 0);
    }

    // ================================================================ reading the log

    /** The {@code wrap} macro: past the log's last block the log continues at {@code j_first}. */
    private long wrap(long block, Pass pass) {
        if (block >= j.last) {
            if (pass == Pass.PASS_SCAN) {
                info.wrapped = true;
            }
            return block - (j.last - j.first);
        }
        return block;
    }

    /**
     * {@code jread}: reads journal block {@code offset} into {@code dst}.
     *
     * @return 0, {@code -EUCLEAN} past the journal's end, or the block map's or the device's error
     */
    private int jread(byte[] dst, long offset) {
        if (offset >= j.totalLen) {
            j.printk("JBD2: corrupted journal superblock");
            return -Errno.EUCLEAN;
        }
        long blocknr;
        try {
            blocknr = j.jbd2JournalBmap(offset);
        } catch (IOException e) {
            j.printk("JBD2: bad block at offset " + offset);
            return e instanceof Jbd2Exception je ? -je.errno() : -Errno.EIO;
        }
        try {
            j.dev.read(blocknr, dst);
        } catch (IOException e) {
            j.printk("JBD2: Failed to read block at offset " + offset);
            return -Errno.EIO;
        }
        return 0;
    }

    /** {@code count_tags}: the tags of a descriptor block, up to the one marked last. */
    int countTags(byte[] b) {
        int size = bs - (sb.hasCsumV2or3() ? BLOCK_TAIL_SIZE : 0);
        int nr = 0;
        int tagp = JOURNAL_HEADER_SIZE;
        while (tagp + tagBytes <= size) {
            int flags = tagFlags(b, tagp);
            nr++;
            tagp += tagBytes;
            if ((flags & JBD2_FLAG_SAME_UUID) == 0) {
                tagp += UUID_SIZE;
            }
            if ((flags & JBD2_FLAG_LAST_TAG) != 0) {
                break;
            }
        }
        return nr;
    }

    /** {@code read_tag_block}: the filesystem block a tag names (with its high half under 64bit). */
    private long readTagBlock(byte[] b, int tagp) {
        long block = BigEndian.u32(b, tagp + T_BLOCKNR);
        if (sb.hasFeature64bit()) {
            block |= BigEndian.u32(b, tagp + T_BLOCKNR_HIGH) << 32;
        }
        return block;
    }

    /**
     * {@code calc_chksums}: folds a descriptor block and the blocks it describes into the v1
     * transaction checksum, moving past them.
     *
     * @return 0, or 1 if a block could not be read
     */
    private int calcChksums(byte[] desc, Pass pass) {
        int numBlks = countTags(desc);
        crc32Sum = Crc32Be.crc32Be(crc32Sum, desc, 0, bs);
        for (int i = 0; i < numBlks; i++) {
            long ioBlock = nextLogBlock;
            nextLogBlock = wrap(nextLogBlock + 1, pass);
            int err = jread(obh, ioBlock);
            if (err != 0) {
                j.printk("JBD2: IO error " + err + " recovering block " + ioBlock + " in log");
                return 1;
            }
            crc32Sum = Crc32Be.crc32Be(crc32Sum, obh, 0, bs);
        }
        return 0;
    }

    // ================================================================ checksums v2/v3

    /** {@code jbd2_descriptor_block_csum_verify}: the block tail of a descriptor or revoke block. */
    private boolean jbd2DescriptorBlockCsumVerify(byte[] b) {
        if (!sb.hasCsumV2or3()) {
            return true;
        }
        int tail = bs - BLOCK_TAIL_SIZE;
        return BigEndian.i32(b, tail) == j.csumWithHole(b, tail);
    }

    /** {@code jbd2_commit_block_csum_verify}: {@code h_chksum[0]} over the whole commit block. */
    private boolean jbd2CommitBlockCsumVerify(byte[] b) {
        if (!sb.hasCsumV2or3()) {
            return true;
        }
        return BigEndian.i32(b, H_CHKSUM) == j.csumWithHole(b, H_CHKSUM);
    }

    /**
     * {@code jbd2_commit_block_csum_verify_partial}: {@code h_chksum[0]} over the commit header with the
     * rest of the block zero — a commit block of which only the first sector reached the disk.
     */
    private boolean jbd2CommitBlockCsumVerifyPartial(byte[] b) {
        byte[] tmp = new byte[bs];
        System.arraycopy(b, 0, tmp, 0, COMMIT_HEADER_SIZE);
        return BigEndian.i32(b, H_CHKSUM) == j.csumWithHole(tmp, H_CHKSUM);
    }

    /**
     * {@code jbd2_block_tag_csum_verify}: the tag's checksum of a logged block, crc32c from
     * {@code j_csum_seed} over the big-endian transaction id and the block as logged; csum v2 keeps its
     * low 16 bits.
     */
    private boolean jbd2BlockTagCsumVerify(byte[] desc, int tagp, byte[] data, int sequence) {
        if (!sb.hasCsumV2or3()) {
            return true;
        }
        int csum = j.blockTagCsum(sequence, data);
        if (sb.hasFeatureCsum3()) {
            return BigEndian.i32(desc, tagp + T3_CHECKSUM) == csum;
        }
        return BigEndian.u16(desc, tagp + T_CHECKSUM16) == (csum & 0xffff);
    }

    // ================================================================ replay and revoke

    /**
     * {@code jbd2_do_replay}: writes the blocks one descriptor block describes, each to the block its
     * tag names, unless revoked or failing its checksum.
     *
     * @return 0, or the last error met (recover what can be, report the failure at the end)
     */
    private int jbd2DoReplay(byte[] desc, int nextCommitId) {
        int ret = 0;
        int descrCsumSize = sb.hasCsumV2or3() ? BLOCK_TAIL_SIZE : 0;
        int tagp = JOURNAL_HEADER_SIZE;
        while (tagp + tagBytes <= bs - descrCsumSize) {
            int flags = tagFlags(desc, tagp);
            long ioBlock = nextLogBlock;
            nextLogBlock = wrap(nextLogBlock + 1, Pass.PASS_REPLAY);
            int err = jread(obh, ioBlock);
            if (err != 0) {
                ret = err;
                j.printk("JBD2: IO error " + err + " recovering block " + ioBlock + " in log");
            } else {
                int r = replayOne(desc, tagp, flags, ioBlock, nextCommitId);
                if (r != 0) {
                    ret = r;
                }
            }
            tagp += tagBytes;
            if ((flags & JBD2_FLAG_SAME_UUID) == 0) {
                tagp += UUID_SIZE;
            }
            if ((flags & JBD2_FLAG_LAST_TAG) != 0) {
                break;
            }
        }
        return ret;
    }

    /** One tag of {@link #jbd2DoReplay}: the revoke test, the checksum, the write. */
    private int replayOne(byte[] desc, int tagp, int flags, long ioBlock, int nextCommitId) {
        long blocknr = readTagBlock(desc, tagp);
        if (j.revoke.jbd2JournalTestRevoke(blocknr, nextCommitId)) {
            info.nrRevokeHits++;
            return 0;
        }
        if (!jbd2BlockTagCsumVerify(desc, tagp, obh, nextCommitId)) {
            j.printk("JBD2: Invalid checksum recovering data block " + Long.toUnsignedString(blocknr)
                    + " in journal block " + ioBlock);
            return -Errno.EBADMSG;
        }
        if ((flags & JBD2_FLAG_ESCAPE) != 0) {
            BigEndian.putU32(obh, 0, JBD2_MAGIC_NUMBER);
        }
        writeFsBlock(blocknr, obh);
        info.nrReplays++;
        return 0;
    }

    /**
     * The replayed block reaches the filesystem's device ({@code mark_buffer_dirty}, written back by
     * {@code sync_blockdev}); a failure, or a block past the device's end, is what that sync reports.
     */
    private void writeFsBlock(long blocknr, byte[] data) {
        if (blocknr < 0 || blocknr >= j.dev.blocks()) {
            writeError = -Errno.EIO;
            return;
        }
        try {
            j.dev.write(blocknr, data);
        } catch (IOException e) {
            writeError = -Errno.EIO;
        }
    }

    /**
     * {@code scan_revoke_records}: the scan only counts the records; the revoke pass enters each block
     * number into the revoke table for transaction {@code sequence}.
     *
     * @return 0, or {@code -EINVAL} if {@code r_count} overruns the block
     */
    private int scanRevokeRecords(Pass pass, byte[] b, int sequence) {
        int offset = REVOKE_HEADER_SIZE;
        long rcount = BigEndian.u32(b, R_COUNT);
        int csumSize = sb.hasCsumV2or3() ? BLOCK_TAIL_SIZE : 0;
        if (rcount > bs - csumSize) {
            return -Errno.EINVAL;
        }
        int max = (int) rcount;
        int recordLen = sb.hasFeature64bit() ? 8 : 4;
        if (pass == Pass.PASS_SCAN) {
            info.nrRevokes += (max - offset) / recordLen;
            return 0;
        }
        while (offset + recordLen <= max) {
            long blocknr = recordLen == 4 ? BigEndian.u32(b, offset) : BigEndian.u64(b, offset);
            offset += recordLen;
            j.revoke.jbd2JournalSetRevoke(blocknr, sequence);
        }
        return 0;
    }
}
