package org.faultline.fs.jbd2;

import static org.faultline.fs.jbd2.JournalDescriptor.*;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.faultline.fs.ext4.BlockIo;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * The log-writing half of {@code jbd2_journal_commit_transaction} (fs/jbd2/commit.c): a committing
 * transaction's revoke records ({@code jbd2_journal_write_revoke_records}, revoke.c) and its metadata
 * blocks, frozen, go to the log at {@code j_head} — descriptor blocks of tags
 * ({@code jbd2_journal_get_descriptor_buffer}, {@code write_tag_block}, the tag and descriptor
 * checksums), each block escaped where it begins with the jbd2 magic
 * ({@code jbd2_journal_write_metadata_buffer}) — then, once all of it is on the device, the commit
 * block ({@code journal_submit_commit_record}) with REQ_PREFLUSH and REQ_FUA when the journal has
 * barriers — after which the transaction is committed and recovery replays it.
 *
 * <p>The log blocks go out as the kernel sends them: under a block plug ({@code blk_start_plug} before
 * the revoke records, {@code blk_finish_plug} after the last metadata block), each submitted without
 * waiting ({@code submit_bh(REQ_OP_WRITE | REQ_SYNC)}), so contiguous log blocks merge into few
 * requests; then the commit waits for them ({@code wait_on_buffer}, the metadata copies — its
 * {@code io_bufs} — then the descriptor and revoke blocks — {@code log_bufs} —, each list from its last
 * block back), and only then, without {@code async_commit}, submits the commit block and waits for it
 * ({@code journal_wait_on_commit_record}): the PREFLUSH makes every log block durable before the
 * commit block can be. A failed log write aborts the journal before the commit block is written.
 *
 * <p>What precedes this in the kernel (locking the transaction, waiting for its handles, writing the
 * ordered data of its inodes) and what follows (moving the buffers to the checkpoint list) belongs to
 * the caller. Deviation: at most {@value #LOG_BUFS_IN_FLIGHT} log blocks are in flight at once (the
 * oldest is waited for before another is submitted): the filesystem's
 * {@link org.faultline.fs.ext4.BlockIo} writes a copy of each block from a page of its own, where the
 * kernel writes the buffers it already holds, so a large commit would otherwise pin as many pages.
 */
@KernelSource("fs/jbd2/commit.c")
public final class Commit {
    /** Log blocks submitted and not yet waited for, at most (see the class comment). */
    static final int LOG_BUFS_IN_FLIGHT = 256;

    private Commit() {
    }

    /**
     * The log writes of one commit: those submitted and not yet waited for, as the kernel's
     * {@code io_bufs} (metadata copies) and {@code log_bufs} (descriptor and revoke blocks) lists.
     */
    private static final class LogBufs {
        final java.util.ArrayDeque<BlockIo.BufferWrite> ioBufs = new java.util.ArrayDeque<>();
        final java.util.ArrayDeque<BlockIo.BufferWrite> logBufs = new java.util.ArrayDeque<>();
        /** Submission order of both lists, for the bound on writes in flight. */
        final java.util.ArrayDeque<BlockIo.BufferWrite> inFlight = new java.util.ArrayDeque<>();
        IOException err;

        /** Submits log block {@code logBlock} ({@code submit_bh}), to {@code list}. */
        void submit(Journal j, long logBlock, byte[] data, java.util.ArrayDeque<BlockIo.BufferWrite> list)
                throws IOException {
            if (inFlight.size() >= LOG_BUFS_IN_FLIGHT) {
                BlockIo.BufferWrite oldest = inFlight.pollFirst();
                waitOn(oldest);
                ioBufs.remove(oldest);
                logBufs.remove(oldest);
            }
            BlockIo.BufferWrite w = j.dev.submitBh(j.bmap.bmap(logBlock), data);
            list.addLast(w);
            inFlight.addLast(w);
        }

        /** {@code wait_on_buffer}; a failed write is remembered ({@code err = -EIO}) and the waits go on. */
        void waitOn(BlockIo.BufferWrite w) {
            try {
                w.waitOnBuffer();
            } catch (IOException e) {
                if (err == null) {
                    err = e;
                }
            }
        }

        /** Commit phases 3 and 4: every write waited for, each list from its last block back. */
        void waitAll() {
            while (!ioBufs.isEmpty()) {
                waitOn(ioBufs.pollLast());
            }
            while (!logBufs.isEmpty()) {
                waitOn(logBufs.pollLast());
            }
            inFlight.clear();
        }
    }

    /**
     * One metadata block of a committing transaction.
     *
     * @param blocknr its block on the filesystem's device
     * @param data    its contents as committed (a frozen copy, {@code j_blocksize} bytes)
     */
    public record LogBlock(long blocknr, byte[] data) {
    }

    /**
     * {@code jbd2_log_space_left}'s question for one transaction: the log blocks it takes — its
     * blocks, their descriptor blocks, its revoke blocks and the commit block.
     */
    public static long logBlocksNeeded(Journal j, int blocks, int revokes) {
        int perDescriptor = tagsPerDescriptor(j);
        long descriptors = (blocks + perDescriptor - 1) / perDescriptor;
        int perRevoke = (j.blocksize - REVOKE_HEADER_SIZE - (j.superblock.hasCsumV2or3() ? BLOCK_TAIL_SIZE : 0))
                / recordSize(j);
        long revokeBlocks = (revokes + perRevoke - 1) / perRevoke;
        return blocks + descriptors + revokeBlocks + 1;
    }

    /** Log blocks free between {@code j_head} and {@code j_tail} ({@code jbd2_log_space_left}, without its reserve). */
    public static long logSpaceLeft(Journal j) {
        long len = j.last - j.first;
        if ((j.flags & Journal.JBD2_FLUSHED) != 0 || j.head == j.tail && j.tailSequence == j.transactionSequence) {
            return len;
        }
        long used = j.head >= j.tail ? j.head - j.tail : len - (j.tail - j.head);
        return len - used;
    }

    /**
     * Writes transaction {@code j_transaction_sequence} to the log and commits it: afterwards
     * {@code j_commit_sequence} is its tid, {@code j_head} is past its commit block and the next
     * transaction gets the next tid. The first transaction after the log was empty first records the
     * log's start in the journal superblock ({@code jbd2_journal_update_sb_log_tail}), as the kernel's
     * commit does when {@code JBD2_FLUSHED} is set.
     *
     * @param blocks  the transaction's metadata blocks, each once
     * @param revoked blocks freed by it whose earlier log copies must not be replayed
     * @param commitSec commit time, seconds ({@code h_commit_sec}; the kernel's clock)
     * @param commitNsec its nanoseconds
     * @return the committed tid
     * @throws IOException a device error (the journal is aborted) or no room in the log
     */
    public static int jbd2JournalCommitTransaction(Journal j, List<LogBlock> blocks, List<Long> revoked,
                                                   long commitSec, int commitNsec) throws IOException {
        if ((j.flags & Journal.JBD2_ABORT) != 0) {
            throw new Jbd2Exception(Errno.EIO, "JBD2: journal " + j.devname + " is aborted");
        }
        long need = logBlocksNeeded(j, blocks.size(), revoked.size());
        if (need > logSpaceLeft(j)) {
            throw new Jbd2Exception(Errno.ENOSPC, "JBD2: no room in the log of " + j.devname + " for " + need
                    + " blocks (checkpoint first)");
        }
        int tid = j.transactionSequence;
        if ((j.flags & Journal.JBD2_FLUSHED) != 0) {
            // the log was empty: its start goes to the superblock first (REQ_SYNC, no FUA: it is enough
            // for it to reach the media with the commit record's flush)
            j.tail = j.head;
            j.tailSequence = tid;
            int err = j.jbd2JournalUpdateSbLogTail(j.tailSequence, j.tail, false);
            if (err != 0) {
                throw new Jbd2Exception(-err, "JBD2: cannot record the log tail of " + j.devname);
            }
        }
        try {
            int crc32Sum = ~0; // JBD2_FEATURE_COMPAT_CHECKSUM (v1): crc32_be over the transaction's blocks
            boolean asyncCommit = j.superblock.hasFeatureAsyncCommit();
            BlockIo.BufferWrite cbh = null;
            LogBufs bufs = new LogBufs();
            BlockIo.BlkPlug plug = j.dev.blkStartPlug();
            try {
                jbd2JournalWriteRevokeRecords(j, tid, revoked, bufs);
                crc32Sum = writeBlocks(j, tid, blocks, crc32Sum, bufs);
                if (asyncCommit) { // the commit block goes out with the log blocks: its checksum guards them
                    cbh = journalSubmitCommitRecord(j, tid, crc32Sum, commitSec, commitNsec);
                }
            } catch (IOException e) {
                bufs.err = e; // the kernel aborts, and still waits for what it submitted
            } finally {
                plug.blkFinishPlug();
                bufs.waitAll();
            }
            if (!asyncCommit && bufs.err == null) { // an aborted journal writes no commit block
                cbh = journalSubmitCommitRecord(j, tid, crc32Sum, commitSec, commitNsec);
            }
            if (cbh != null) {
                bufs.waitOn(cbh); // journal_wait_on_commit_record
            }
            if (asyncCommit && (j.flags & Journal.JBD2_BARRIER) != 0 && bufs.err == null) {
                j.dev.flush(); // blkdev_issue_flush: the log blocks and the commit block durable
            }
            if (bufs.err != null) {
                throw bufs.err;
            }
        } catch (IOException e) {
            j.jbd2JournalAbort(-Errno.EIO);
            throw e;
        }
        j.commitSequence = tid;
        j.transactionSequence = tid + 1;
        return tid;
    }

    /** The next log block at {@code j_head}, wrapping from {@code j_last} to {@code j_first} ({@code jbd2_journal_next_log_block}). */
    private static long nextLogBlock(Journal j) {
        long b = j.head;
        j.head++;
        if (j.head == j.last) {
            j.head = j.first;
        }
        return b;
    }

    private static int tagsPerDescriptor(Journal j) {
        int tail = j.superblock.hasCsumV2or3() ? BLOCK_TAIL_SIZE : 0;
        int space = j.blocksize - JOURNAL_HEADER_SIZE - UUID_SIZE - tail;
        return space / j.superblock.tagBytes();
    }

    private static int recordSize(Journal j) {
        return j.superblock.hasFeature64bit() ? 8 : 4;
    }

    private static byte[] header(Journal j, int type, int tid) {
        byte[] b = new byte[j.blocksize];
        BigEndian.putU32(b, H_MAGIC, JBD2_MAGIC_NUMBER);
        BigEndian.putU32(b, H_BLOCKTYPE, type);
        BigEndian.putU32(b, H_SEQUENCE, tid & 0xFFFFFFFFL);
        return b;
    }

    /**
     * The metadata blocks and their descriptor blocks. Each descriptor is filled before its blocks are
     * written after it ({@code write_tag_block} per block, {@code JBD2_FLAG_LAST_TAG} on the last tag,
     * the UUID after the first tag only); a block beginning with the jbd2 magic goes to the log with
     * those four bytes zeroed and {@code JBD2_FLAG_ESCAPE}.
     */
    private static int writeBlocks(Journal j, int tid, List<LogBlock> blocks, int crc32Sum, LogBufs bufs)
            throws IOException {
        JournalSuperblock sb = j.superblock;
        int perDescriptor = tagsPerDescriptor(j);
        for (int start = 0; start < blocks.size(); start += perDescriptor) {
            List<LogBlock> chunk = blocks.subList(start, Math.min(blocks.size(), start + perDescriptor));
            byte[] desc = header(j, JBD2_DESCRIPTOR_BLOCK, tid);
            long descBlock = nextLogBlock(j);
            List<Long> logBlocks = new ArrayList<>();
            List<byte[]> copies = new ArrayList<>();
            int off = JOURNAL_HEADER_SIZE;
            for (int i = 0; i < chunk.size(); i++) {
                LogBlock lb = chunk.get(i);
                byte[] copy = lb.data().clone();
                int flags = 0;
                if (BigEndian.u32(copy, 0) == JBD2_MAGIC_NUMBER) {
                    BigEndian.putU32(copy, 0, 0); // jbd2_journal_write_metadata_buffer: escape it
                    flags |= JBD2_FLAG_ESCAPE;
                }
                if (i > 0) {
                    flags |= JBD2_FLAG_SAME_UUID;
                }
                if (i == chunk.size() - 1) {
                    flags |= JBD2_FLAG_LAST_TAG;
                }
                writeTag(j, desc, off, lb.blocknr(), flags, tid, copy); // the checksum covers the block as logged
                off += sb.tagBytes();
                if (i == 0) {
                    System.arraycopy(sb.uuid(), 0, desc, off, UUID_SIZE);
                    off += UUID_SIZE;
                }
                logBlocks.add(nextLogBlock(j));
                copies.add(copy);
            }
            jbd2DescriptorBlockCsumSet(j, desc);
            bufs.submit(j, descBlock, desc, bufs.logBufs);
            crc32Sum = v1Sum(j, crc32Sum, desc);
            for (int i = 0; i < copies.size(); i++) {
                bufs.submit(j, logBlocks.get(i), copies.get(i), bufs.ioBufs);
                crc32Sum = v1Sum(j, crc32Sum, copies.get(i));
            }
        }
        return crc32Sum;
    }

    private static int v1Sum(Journal j, int crc, byte[] block) {
        return j.superblock.hasFeatureChecksum() && !j.superblock.hasCsumV2or3() ? Crc32Be.crc32Be(crc, block, 0, block.length)
                : crc;
    }

    /**
     * {@code write_tag_block} and {@code jbd2_block_tag_csum_set}: the block number (high half with
     * 64bit), the flags, and with csum v2/v3 crc32c from the journal seed over the tid and the
     * block as it goes to the log — escaped (32 bits with v3, the low 16 with v2).
     */
    private static void writeTag(Journal j, byte[] desc, int off, long blocknr, int flags, int tid, byte[] data) {
        JournalSuperblock sb = j.superblock;
        BigEndian.putU32(desc, off + T_BLOCKNR, blocknr & 0xFFFFFFFFL);
        if (sb.hasFeature64bit()) {
            BigEndian.putU32(desc, off + T_BLOCKNR_HIGH, blocknr >>> 32);
        }
        int csum = sb.hasCsumV2or3() ? j.blockTagCsum(tid, data) : 0;
        if (sb.hasFeatureCsum3()) {
            BigEndian.putU32(desc, off + T3_FLAGS, flags);
            BigEndian.putU32(desc, off + T3_CHECKSUM, csum & 0xFFFFFFFFL);
        } else {
            BigEndian.putU16(desc, off + T_FLAGS, flags);
            if (sb.hasFeatureCsum2()) {
                BigEndian.putU16(desc, off + T_CHECKSUM16, csum & 0xFFFF);
            }
        }
    }

    /** {@code jbd2_descriptor_block_csum_set}: crc32c of the block, tail zero, in its last four bytes. */
    private static void jbd2DescriptorBlockCsumSet(Journal j, byte[] b) {
        if (!j.superblock.hasCsumV2or3()) {
            return;
        }
        int tail = b.length - BLOCK_TAIL_SIZE;
        BigEndian.putU32(b, tail, j.csumWithHole(b, tail) & 0xFFFFFFFFL);
    }

    /**
     * {@code jbd2_journal_write_revoke_records}: the revoked blocks in revoke blocks ({@code r_count}
     * bytes used, records of 4 bytes, 8 with 64bit), each block's checksum tail with csum v2/v3.
     */
    private static void jbd2JournalWriteRevokeRecords(Journal j, int tid, List<Long> revoked, LogBufs bufs)
            throws IOException {
        if (revoked.isEmpty()) {
            return;
        }
        int rec = recordSize(j);
        int end = j.blocksize - (j.superblock.hasCsumV2or3() ? BLOCK_TAIL_SIZE : 0);
        byte[] b = null;
        int off = 0;
        for (long blk : revoked) {
            if (b == null || off + rec > end) {
                if (b != null) {
                    flushDescriptor(j, b, off, bufs);
                }
                b = header(j, JBD2_REVOKE_BLOCK, tid);
                off = REVOKE_HEADER_SIZE;
            }
            if (rec == 8) {
                BigEndian.putU64(b, off, blk);
            } else {
                BigEndian.putU32(b, off, blk & 0xFFFFFFFFL);
            }
            off += rec;
        }
        flushDescriptor(j, b, off, bufs);
    }

    /** revoke.c's {@code flush_descriptor}: the revoke block's count and checksum set, then submitted. */
    private static void flushDescriptor(Journal j, byte[] b, int used, LogBufs bufs) throws IOException {
        BigEndian.putU32(b, R_COUNT, used);
        jbd2DescriptorBlockCsumSet(j, b);
        bufs.submit(j, nextLogBlock(j), b, bufs.logBufs);
    }

    /**
     * {@code journal_submit_commit_record}: the commit block — commit time, and the transaction's
     * checksum: crc32_be of its blocks with {@code journal_checksum} (v1), crc32c of the commit block
     * itself with csum v2/v3 ({@code jbd2_commit_block_csum_set}). Where the journal has barriers and
     * no {@code async_commit} it is written with PREFLUSH and FUA (one request: the block layer flushes
     * the log blocks before it and makes it durable), and is on the media when this returns (submitted
     * and waited for at once, nothing else of the commit being in flight then); otherwise it is
     * submitted with {@code REQ_SYNC} alone ({@code async_commit}: on the plug, with the log blocks).
     *
     * @return the write to wait for ({@code journal_wait_on_commit_record})
     */
    private static BlockIo.BufferWrite journalSubmitCommitRecord(Journal j, int tid, int crc32Sum, long sec, int nsec)
            throws IOException {
        JournalSuperblock sb = j.superblock;
        byte[] b = header(j, JBD2_COMMIT_BLOCK, tid);
        BigEndian.putU64(b, H_COMMIT_SEC, sec);
        BigEndian.putU32(b, H_COMMIT_NSEC, nsec & 0xFFFFFFFFL);
        if (sb.hasFeatureChecksum() && !sb.hasCsumV2or3()) {
            b[H_CHKSUM_TYPE] = JBD2_CRC32_CHKSUM;
            b[H_CHKSUM_SIZE] = JBD2_CRC32_CHKSUM_SIZE;
            BigEndian.putU32(b, H_CHKSUM, crc32Sum & 0xFFFFFFFFL);
        } else if (sb.hasCsumV2or3()) {
            BigEndian.putU32(b, H_CHKSUM, j.csumWithHole(b, H_CHKSUM) & 0xFFFFFFFFL);
        }
        long at = j.bmap.bmap(nextLogBlock(j));
        if ((j.flags & Journal.JBD2_BARRIER) != 0 && !sb.hasFeatureAsyncCommit()) {
            j.dev.writePreflushFua(at, b); // the log blocks durable before it, and it when the commit returns
            return () -> {
            };
        }
        return j.dev.submitBh(at, b);
    }
}
