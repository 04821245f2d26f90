package org.faultline.fs.jbd2;

import java.util.HashMap;
import java.util.Map;
import org.faultline.kernel.KernelSource;

/**
 * The revoke table as recovery uses it (fs/jbd2/revoke.c, {@code j_revoke}): for each revoked
 * filesystem block, the latest transaction that revoked it. A logged copy of a block is replayed only
 * if it belongs to a transaction after its latest revocation: a block freed as metadata and reused
 * (for file data, say) must not be overwritten by an older logged copy.
 *
 * <p>Deviation: the kernel's hash table of {@code jbd2_revoke_record_s} (resized for a large replay)
 * is a {@link HashMap} here. The running-transaction side of revoke.c ({@code jbd2_journal_revoke},
 * {@code jbd2_journal_cancel_revoke}, writing revoke blocks) comes with the journal's write side.
 *
 * <p>Not thread-safe: used by one recovery at a time, as {@code j_revoke_lock} serialises it.
 */
@KernelSource("fs/jbd2/revoke.c")
public final class RevokeTable {
    private final Map<Long, Integer> records = new HashMap<>();

    /**
     * {@code jbd2_journal_set_revoke}: records that transaction {@code sequence} revoked
     * {@code blocknr}; of several revocations of one block the latest transaction is kept.
     */
    public void jbd2JournalSetRevoke(long blocknr, int sequence) {
        Integer old = records.get(blocknr);
        if (old == null || Journal.tidGt(sequence, old)) {
            records.put(blocknr, sequence);
        }
    }

    /**
     * {@code jbd2_journal_test_revoke}: whether the copy of {@code blocknr} logged by transaction
     * {@code sequence} is revoked, i.e. no later than the block's latest revocation.
     */
    public boolean jbd2JournalTestRevoke(long blocknr, int sequence) {
        Integer rec = records.get(blocknr);
        return rec != null && !Journal.tidGt(sequence, rec);
    }

    /** {@code jbd2_journal_clear_revoke}: forgets every record (after a replay). */
    public void jbd2JournalClearRevoke() {
        records.clear();
    }

    /** @return the number of revoked blocks recorded */
    public int size() {
        return records.size();
    }
}
