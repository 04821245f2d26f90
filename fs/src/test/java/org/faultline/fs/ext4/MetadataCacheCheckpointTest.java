package org.faultline.fs.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.faultline.fs.jbd2.Commit;
import org.junit.jupiter.api.Test;

/**
 * The metadata cache's side of deferred checkpoints: a committed block waits in memory and reaches
 * its place only at the checkpoint, as committed — not as a later, uncommitted change left it; a
 * freed committed block is revoked unless journaled again; waiting blocks survive the shrinker.
 */
class MetadataCacheCheckpointTest {
    /** A device in memory that counts writes and flushes. */
    private static final class Ram implements BlockIo {
        final byte[][] blocks = new byte[64][4096];
        int writes;
        int flushes;

        @Override
        public int blockSize() {
            return 4096;
        }

        @Override
        public void setBlockSize(int size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long blocks() {
            return blocks.length;
        }

        @Override
        public void read(long block, byte[] dst) {
            System.arraycopy(blocks[(int) block], 0, dst, 0, 4096);
        }

        @Override
        public void write(long block, byte[] src) {
            System.arraycopy(src, 0, blocks[(int) block], 0, 4096);
            writes++;
        }

        @Override
        public void flush() {
            flushes++;
        }
    }

    private static byte[] filled(int v) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) v);
        return b;
    }

    @Test
    void theCheckpointWritesTheCommittedCopyNotALaterChange() throws Exception {
        Ram dev = new Ram();
        MetadataCache c = new MetadataCache(dev, 16);
        c.setJournaled(true);
        Arrays.fill(c.get(5), (byte) 1);
        c.markDirty(5);
        List<Commit.LogBlock> t1 = c.frozenDirty();
        c.committed(t1);
        assertEquals(0, c.dirtyCount());
        assertEquals(1, c.checkpointCount());
        assertEquals(0, dev.writes, "committed, not yet in place");
        Arrays.fill(c.get(5), (byte) 2); // the running transaction changes it again
        c.markDirty(5);
        assertTrue(c.checkpoint());
        assertArrayEquals(filled(1), dev.blocks[5], "in place as committed, not as the running transaction has it");
        assertEquals(1, dev.flushes);
        assertEquals(1, c.dirtyCount(), "still dirty for its own commit");
        assertEquals(0, c.checkpointCount());
    }

    @Test
    void aFreedCommittedBlockIsRevokedUnlessJournaledAgain() throws Exception {
        Ram dev = new Ram();
        MetadataCache c = new MetadataCache(dev, 16);
        c.setJournaled(true);
        for (long b : new long[] {3, 4}) {
            Arrays.fill(c.get(b), (byte) 7);
            c.markDirty(b);
        }
        c.committed(c.frozenDirty());
        c.forget(3);
        c.forget(4);
        Arrays.fill(c.getNew(4), (byte) 9); // block 4 reused as metadata in the running transaction
        assertEquals(List.of(3L), c.takeRevokes(), "4 is journaled again: its revoke is cancelled");
        assertEquals(List.of(), c.takeRevokes(), "the commit's revoke records carry them: taken once");
        assertEquals(0, c.checkpointCount(), "a freed block is never written in place from its old copy");
        assertTrue(!c.checkpoint() && dev.writes == 0);
    }

    @Test
    void waitingBlocksSurviveTheShrinker() throws Exception {
        Ram dev = new Ram();
        MetadataCache c = new MetadataCache(dev, 16);
        c.setJournaled(true);
        List<Long> all = new ArrayList<>();
        for (long b = 0; b < 40; b++) {
            Arrays.fill(c.get(b), (byte) b);
            c.markDirty(b);
            all.add(b);
        }
        c.committed(c.frozenDirty());
        c.shrink();
        assertEquals(40, c.size(), "committed blocks are not evicted before their checkpoint");
        assertEquals(0, dev.writes);
        c.checkpoint();
        assertEquals(40, dev.writes);
        c.shrink();
        assertEquals(16, c.size());
        for (long b : all) {
            assertArrayEquals(filled((int) b), dev.blocks[(int) b]);
        }
    }
}
