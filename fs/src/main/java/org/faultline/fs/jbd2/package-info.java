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
 * <p>The write side: handles and the running transaction ({@link org.faultline.fs.jbd2.Transaction},
 * transaction.c: {@code jbd2__journal_start} / {@code jbd2_journal_stop}, a commit locking the
 * transaction and waiting for its handles, the ordered-data inode list), the commit thread and the
 * waits on it ({@link org.faultline.fs.jbd2.JournalThread}, journal.c: {@code kjournald2}, the commit
 * interval, {@code jbd2_log_start_commit}, {@code jbd2_log_wait_commit},
 * {@code jbd2_complete_transaction}), and the log writing of a commit
 * ({@link org.faultline.fs.jbd2.Commit}, commit.c: revoke records, descriptor blocks and tags with
 * their checksums, escaped blocks — submitted under a block plug, so they merge, then waited for — the
 * commit block with PREFLUSH/FUA after them, the log's start recorded in the superblock when it was
 * empty); a journal it writes replays in the host kernel, e2fsck and
 * {@link org.faultline.fs.jbd2.Recovery}. ext4 uses them through {@code org.faultline.fs.ext4.Ext4Journaling}
 * (handles, fsync) and {@code org.faultline.fs.ext4.Ext4Jbd2} (what a commit logs and checkpoints).
 * Checkpoints (checkpoint.c) are ext4's side here ({@code org.faultline.fs.ext4.Ext4Jbd2} with the
 * metadata cache's checkpoint list): deferred until the log needs the room or the journal is
 * destroyed, with revoke records for blocks freed meanwhile. Not modelled: fast commits, external
 * journals. A journal that needs recovery is replayed when the filesystem is opened
 * ({@code org.faultline.fs.ext4.Ext4Journal}, super.c's {@code ext4_load_journal}).
 *
 * <p>The journal lives in a file of the filesystem (ext4's inode 8) on the filesystem's own
 * {@link org.faultline.fs.ext4.BlockIo}; an external journal device is not supported. Messages go
 * where the opener says, in the kernel's words ({@code JBD2: ...}).
 *
 * <p>Written from the on-disk format and the kernel's behaviour (its recovery.c, journal.c and
 * jbd2.h, and e2fsprogs' copy of them), checked against the host kernel's replay and e2fsck's.
 *
 * <p>Threads and locks: recovery and {@link org.faultline.fs.jbd2.Commit} are single-threaded (mount;
 * the committing task). {@link org.faultline.fs.jbd2.Transaction}'s {@code j_state_lock} (a kernel
 * spinlock) protects the running transaction's state, update count, holders and inode list;
 * {@link org.faultline.fs.jbd2.JournalThread}'s commit mutex serialises commits. Order: commit mutex →
 * transaction lock-down (wait for handles) → the filesystem's own lock; a handle is started outside
 * the filesystem's locks and page locks of writeback, never inside them (reserved handles excepted).
 */
package org.faultline.fs.jbd2;
