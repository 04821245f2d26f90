/**
 * jbd2, the journaling layer under ext4 (fs/jbd2), split as the kernel's is. What exists is the
 * read side the kernel runs at mount: the journal and its superblock
 * ({@link org.faultline.fs.jbd2.Journal}, journal.c: open, check, load, reset, mark empty;
 * {@link org.faultline.fs.jbd2.JournalSuperblock}), the on-disk layout of every journal block
 * ({@link org.faultline.fs.jbd2.JournalDescriptor}, include/linux/jbd2.h; big-endian,
 * {@link org.faultline.fs.jbd2.BigEndian}), recovery ({@link org.faultline.fs.jbd2.Recovery},
 * recovery.c: the scan, revoke and replay passes over the circular log, with checksums v1 (crc32_be,
 * {@link org.faultline.fs.jbd2.Crc32Be}), v2 and v3 (crc32c)) and the revoke table
 * ({@link org.faultline.fs.jbd2.RevokeTable}, revoke.c).
 *
 * <p>Of the write side, the log writing of a commit ({@link org.faultline.fs.jbd2.Commit}, commit.c:
 * descriptor blocks and tags with their checksums, escaped blocks, revoke records, the commit block
 * with PREFLUSH/FUA, the log's start recorded in the superblock when it was empty); a journal it writes
 * replays in the host kernel, e2fsck and {@link org.faultline.fs.jbd2.Recovery}; ext4 commits its
 * metadata through it at every sync and checkpoints at once
 * ({@code org.faultline.fs.ext4.Ext4Jbd2}, with {@link org.faultline.fs.jbd2.Journal#jbd2CleanupJournalTail}).
 * Still to come: handles and transactions (transaction.c: a commit waiting for the operations in its
 * transaction), the commit thread and ordered data, deferred checkpoints (checkpoint.c), fast
 * commits. A journal that needs recovery is replayed when the filesystem is opened
 * ({@code org.faultline.fs.ext4.Ext4Journal}, super.c's {@code ext4_load_journal}).

 * <p>The journal lives in a file of the filesystem (ext4's inode 8) on the filesystem's own
 * {@link org.faultline.fs.ext4.BlockIo}; an external journal device is not supported. Messages go
 * where the opener says, in the kernel's words ({@code JBD2: ...}).
 *
 * <p>Written from the on-disk format and the kernel's behaviour (its recovery.c, journal.c and
 * jbd2.h, and e2fsprogs' copy of them), checked against the host kernel's replay and e2fsck's.
 * Single-threaded: recovery runs at mount, before anything else uses the filesystem.
 */
package org.faultline.fs.jbd2;
