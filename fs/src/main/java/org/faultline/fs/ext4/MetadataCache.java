package org.faultline.fs.ext4;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A write-back cache of metadata blocks (bitmaps, the group descriptor table, inode tables, extent
 * tree nodes, directory blocks), playing the part of the kernel's buffer heads for the offline
 * layer. File data never goes through it: {@link Ext4Volume} reads and writes data blocks straight to
 * the {@link BlockIo}.
 *
 * <p>Callers get the cached array itself, edit it and {@link #markDirty} it; {@link #flush} writes the
 * dirty blocks in ascending block order, then flushes the device. A block freed by the allocator must
 * be {@link #forget forgotten}, so a stale dirty copy never overwrites the block's next owner.
 *
 * <p>With a journal ({@link Ext4Jbd2}) a block goes dirty (the running transaction) → committed (its
 * logged copy kept for the checkpoint: {@link #frozenDirty}, {@link #committed}) → in place
 * ({@link #checkpoint}); a committed block freed is revoked by the next commit ({@link #takeRevokes}).
 *
 * <p>Eviction happens only in {@link #shrink()}, which the volume calls between operations, so arrays
 * handed out during an operation stay valid until it ends. Iteration order is the access order of a
 * {@link LinkedHashMap} keyed by block number: deterministic.
 *
 * <p>Not thread-safe (this layer is single-threaded).
 */
public final class MetadataCache {
    private static final class Buf {
        final byte[] data;
        boolean dirty;
        boolean verified;   // buffer_verified(): checked once after it was read, or made here
        Csum csum;          // sets the block's checksum before it is written (null: none)
        byte[] committed;   // journaled: the copy its last commit logged, not yet checkpointed in place (or null)

        Buf(byte[] data) {
            this.data = data;
        }
    }

    /**
     * Sets a block's checksum in place just before it leaves the cache for the device (metadata_csum:
     * the directory leaf tail, the extent block tail). Deviation: the kernel sets these when it
     * dirties the buffer; setting them at write-back gives the same bytes on disk and cannot miss an
     * edit made after the dirtying.
     */
    @FunctionalInterface
    public interface Csum {
        void set(byte[] data);
    }

    /** Checks a block read from the device once ({@code buffer_verified}); throws what the kernel reports. */
    @FunctionalInterface
    public interface Verifier {
        void verify(byte[] data) throws Ext4Exception;
    }

    private final BlockIo io;
    private final int capacity;
    private final LinkedHashMap<Long, Buf> map = new LinkedHashMap<>(256, 0.75f, true);
    private long hits;
    private long misses;
    /** Cached blocks whose dirty flag is set (kept exact so {@link #hasDirty()} is O(1)). */
    private int dirtyBlocks;
    /** Whether a block was written to the device since the last {@link BlockIo#flush()}. */
    private boolean unflushed;
    /** Dirty blocks belong to the journal's running transaction: never written back by {@link #shrink()}. */
    private boolean journaled;
    /** Cached blocks with a committed copy waiting for the checkpoint (the checkpoint list). */
    private int checkpointBlocks;
    /** Freed blocks whose committed copy is still in the log: the next commit revokes them. */
    private final java.util.TreeSet<Long> revoked = new java.util.TreeSet<>();

    /**
     * @param io       the device
     * @param capacity blocks kept after {@link #shrink()} (dirty ones are written first)
     */
    public MetadataCache(BlockIo io, int capacity) {
        this.io = io;
        this.capacity = Math.max(16, capacity);
    }

    /** @return the device */
    public BlockIo io() {
        return io;
    }

    /**
     * @param block a block number
     * @return the cached contents, read from the device on a miss; edit in place and {@link #markDirty}
     * @throws IOException on a device error
     */
    public byte[] get(long block) throws IOException {
        Buf b = map.get(block);
        if (b != null) {
            hits++;
            return b.data;
        }
        misses++;
        byte[] data = new byte[io.blockSize()];
        io.read(block, data);
        map.put(block, new Buf(data));
        return data;
    }

    /**
     * {@link #get}, the block checked by {@code v} the first time it is seen since it was read from the
     * device: a block that fails is dropped from the cache and the failure thrown, every time.
     *
     * @throws IOException the verifier's failure (a bad checksum: {@code EFSBADCRC}), or a device error
     */
    public byte[] getVerified(long block, Verifier v) throws IOException {
        byte[] data = get(block);
        Buf b = map.get(block);
        if (!b.verified) {
            try {
                v.verify(data);
            } catch (Ext4Exception e) {
                if (!b.dirty && b.committed == null) {
                    map.remove(block);
                }
                throw e;
            }
            b.verified = true;
        }
        return data;
    }

    /** Fills a block made in memory instead of read ({@link #getMade}). */
    @FunctionalInterface
    public interface Maker {
        void make(byte[] data);
    }

    /**
     * A block whose contents are made, not read (a bitmap of a group still flagged uninitialized:
     * {@code ext4_init_block_bitmap}): cached clean and verified; written only once marked dirty.
     */
    public byte[] getMade(long block, Maker maker) {
        Buf b = map.get(block);
        if (b != null) {
            hits++;
            return b.data;
        }
        b = new Buf(new byte[io.blockSize()]);
        maker.make(b.data);
        b.verified = true;
        map.put(block, b);
        return b.data;
    }

    /**
     * A freshly allocated metadata block: zeroed, not read from the device, already dirty.
     *
     * @param block the block number
     * @return its (zeroed) cached contents
     */
    public byte[] getNew(long block) {
        Buf b = map.get(block);
        if (b == null) {
            b = new Buf(new byte[io.blockSize()]);
            map.put(block, b);
        } else {
            java.util.Arrays.fill(b.data, (byte) 0);
        }
        b.verified = true;
        b.csum = null;
        setDirty(b);
        return b.data;
    }

    /** Marks a cached block dirty. */
    public void markDirty(long block) {
        Buf b = map.get(block);
        if (b == null) {
            throw new IllegalStateException("markDirty of uncached block " + block);
        }
        setDirty(b);
    }

    /** Marks a cached block dirty, with what sets its checksum at write-back. */
    public void markDirty(long block, Csum csum) {
        markDirty(block);
        map.get(block).csum = csum;
    }

    private void setDirty(Buf b) {
        if (!b.dirty) {
            b.dirty = true;
            dirtyBlocks++;
        }
    }

    private void writeBack(long block, Buf b) throws IOException {
        if (b.csum != null) {
            b.csum.set(b.data);
        }
        io.write(block, b.data);
        b.dirty = false;
        dirtyBlocks--;
        unflushed = true;
    }

    /** @return whether {@code block} is cached */
    public boolean contains(long block) {
        return map.containsKey(block);
    }

    /**
     * Drops {@code block}, dirty or not (it was freed). A copy of it still in the log is never written
     * in place now, and the next commit revokes it ({@code jbd2_journal_revoke}), so recovery does not
     * write it over the block's next owner.
     */
    public void forget(long block) {
        dropped(block, map.remove(block));
    }

    private void dropped(long block, Buf b) {
        if (b == null) {
            return;
        }
        if (b.dirty) {
            dirtyBlocks--;
        }
        if (b.committed != null) {
            checkpointBlocks--;
            revoked.add(block);
        }
    }

    /** Drops [start, start + count): a walk of the cache when the range is larger than it. */
    public void forgetRange(long start, long count) {
        if (count <= map.size()) {
            for (long b = start; b < start + count; b++) {
                forget(b);
            }
            return;
        }
        map.entrySet().removeIf(e -> {
            boolean in = e.getKey() >= start && e.getKey() < start + count;
            if (in) {
                dropped(e.getKey(), e.getValue());
            }
            return in;
        });
    }

    /**
     * Writes every dirty block, ascending, then {@link BlockIo#flush()}.
     *
     * @throws IOException on a device error
     */
    public void flush() throws IOException {
        writeDirty();
        io.flush();
        unflushed = false;
    }

    /**
     * With a journal ({@link Ext4Jbd2}): a dirty block must not reach its place on the device before
     * the transaction it belongs to commits (BH_JBDDirty), so {@link #shrink()} keeps dirty blocks.
     */
    public void setJournaled(boolean j) {
        this.journaled = j;
    }

    /** @return how many cached blocks are dirty */
    public int dirtyCount() {
        return dirtyBlocks;
    }

    /**
     * The dirty blocks, ascending, each with its checksum set and copied as it is now: the frozen
     * contents a commit writes to the log ({@code jbd2_journal_write_metadata_buffer}'s copy). They
     * stay dirty here until {@link #committed} says the commit is done.
     */
    public List<org.faultline.fs.jbd2.Commit.LogBlock> frozenDirty() {
        List<Long> dirty = dirtyAscending();
        List<org.faultline.fs.jbd2.Commit.LogBlock> out = new ArrayList<>(dirty.size());
        for (long blk : dirty) {
            Buf b = map.get(blk);
            if (b.csum != null) {
                b.csum.set(b.data);
            }
            out.add(new org.faultline.fs.jbd2.Commit.LogBlock(blk, b.data.clone()));
        }
        return out;
    }

    /**
     * The commit of {@code blocks} (copies {@link #frozenDirty} made) is on the media: each block is
     * clean and its copy waits for the checkpoint ({@code __jbd2_journal_refile_buffer} putting the
     * buffer on the transaction's checkpoint list); a later commit's copy replaces an earlier one.
     */
    public void committed(List<org.faultline.fs.jbd2.Commit.LogBlock> blocks) {
        for (org.faultline.fs.jbd2.Commit.LogBlock lb : blocks) {
            Buf b = map.get(lb.blocknr());
            if (b == null) {
                continue; // forgotten since: revoked instead
            }
            if (b.committed == null) {
                checkpointBlocks++;
            }
            b.committed = lb.data();
            if (b.dirty) {
                b.dirty = false;
                dirtyBlocks--;
            }
        }
    }

    /**
     * The blocks the next commit revokes: freed since their copy was logged, and not journaled again
     * since (a block journaled again cancels its revoke, {@code jbd2_journal_cancel_revoke}, or recovery
     * would skip its new copy too). The set is emptied: the commit's revoke records carry it.
     */
    public List<Long> takeRevokes() {
        List<Long> out = new ArrayList<>(revoked.size());
        for (long blk : revoked) {
            Buf b = map.get(blk);
            if (b == null || !b.dirty) {
                out.add(blk);
            }
        }
        revoked.clear();
        return out;
    }

    /** @return the blocks waiting for the checkpoint */
    public int checkpointCount() {
        return checkpointBlocks;
    }

    /**
     * {@code jbd2_log_do_checkpoint} of every committed transaction: each block's committed copy
     * written in place, ascending — the copy, not the block as it is now, which a running transaction
     * may have changed since — then the device flushed. Afterwards nothing in the log is needed and the
     * caller moves its tail ({@code jbd2_cleanup_journal_tail}).
     *
     * @return whether anything was written
     * @throws IOException on a device error
     */
    public boolean checkpoint() throws IOException {
        revoked.clear(); // their logged copies are about to leave the log
        if (checkpointBlocks == 0) {
            return false;
        }
        List<Long> blocks = new ArrayList<>(checkpointBlocks);
        for (Map.Entry<Long, Buf> e : map.entrySet()) {
            if (e.getValue().committed != null) {
                blocks.add(e.getKey());
            }
        }
        blocks.sort(null);
        for (long blk : blocks) {
            Buf b = map.get(blk);
            io.write(blk, b.committed);
            b.committed = null;
        }
        checkpointBlocks = 0;
        io.flush();
        unflushed = false;
        return true;
    }

    /** @return whether some cached block is dirty (O(1)) */
    public boolean hasDirty() {
        return dirtyBlocks > 0;
    }

    /** @return whether a block was written to the device (by {@link #writeDirty} or {@link #shrink}) since the last {@link #flush} */
    public boolean needsFlush() {
        return unflushed;
    }

    /**
     * Writes every dirty block, ascending, without flushing the device.
     *
     * @throws IOException on a device error
     */
    public void writeDirty() throws IOException {
        if (dirtyBlocks == 0) {
            return;
        }
        for (long blk : dirtyAscending()) {
            writeBack(blk, map.get(blk));
        }
    }

    /** The numbers of the dirty blocks, ascending. */
    private List<Long> dirtyAscending() {
        List<Long> dirty = new ArrayList<>(dirtyBlocks);
        for (Map.Entry<Long, Buf> e : map.entrySet()) {
            if (e.getValue().dirty) {
                dirty.add(e.getKey());
            }
        }
        dirty.sort(null);
        return dirty;
    }

    /**
     * Evicts least recently used blocks beyond the capacity, writing dirty ones first. Call only
     * between operations: arrays handed out earlier become detached.
     *
     * @throws IOException on a device error
     */
    public void shrink() throws IOException {
        if (map.size() <= capacity) {
            return;
        }
        Iterator<Map.Entry<Long, Buf>> it = map.entrySet().iterator();
        while (map.size() > capacity && it.hasNext()) {
            Map.Entry<Long, Buf> e = it.next();
            if (e.getValue().dirty || e.getValue().committed != null) {
                if (journaled) {
                    continue; // uncommitted, or committed and not yet in place: it stays until its checkpoint
                }
                writeBack(e.getKey(), e.getValue());
            }
            it.remove();
        }
    }

    /** Drops everything, dirty or not (after a failed operation on a read-only volume, or at close). */
    public void clear() {
        map.clear();
        dirtyBlocks = 0;
        checkpointBlocks = 0;
        revoked.clear();
    }

    /** @return number of cached blocks */
    public int size() {
        return map.size();
    }

    /** @return blocks read from the device so far (misses of {@link #get}) */
    public long misses() {
        return misses;
    }

    /** @return lookups {@link #get} answered from the cache so far */
    public long hits() {
        return hits;
    }

}
