package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** errseq_t semantics (lib/errseq.c), as fsync relies on them. No kernel needed. */
class ErrSeqTest {
    private static final int EIO = -5;
    private static final int ENOSPC = -28;

    @Test
    void anOpenerAfterAnUnseenErrorSeesItOnce() {
        ErrSeq e = new ErrSeq();
        e.set(EIO);
        int[] f = {e.sample()};
        assertEquals(0, f[0], "nobody saw the error: the new opener's cursor starts at 0");
        assertEquals(EIO, e.checkAndAdvance(f));
        assertEquals(0, e.checkAndAdvance(f));
    }

    @Test
    void anOpenerAfterASeenErrorDoesNotSeeIt() {
        ErrSeq e = new ErrSeq();
        e.set(EIO);
        int[] first = {e.sample()};
        assertEquals(EIO, e.checkAndAdvance(first));
        int[] later = {e.sample()};
        assertEquals(0, e.checkAndAdvance(later));
    }

    @Test
    void twoFilesOpenBeforeAnErrorEachSeeItExactlyOnce() {
        ErrSeq e = new ErrSeq();
        int[] a = {e.sample()};
        int[] b = {e.sample()};
        e.set(EIO);
        assertEquals(EIO, e.checkAndAdvance(a));
        assertEquals(EIO, e.checkAndAdvance(b), "a's check marks the error seen but does not hide it from b");
        assertEquals(0, e.checkAndAdvance(a));
        assertEquals(0, e.checkAndAdvance(b));
    }

    @Test
    void anErrorAfterBothSawThePreviousOneIsSeenAgain() {
        ErrSeq e = new ErrSeq();
        int[] a = {e.sample()};
        int[] b = {e.sample()};
        e.set(EIO);
        e.checkAndAdvance(a);
        e.checkAndAdvance(b);
        int seen = e.raw();
        e.set(EIO); // the same errno again
        assertNotEquals(seen & ~(1 << 12), e.raw() & ~(1 << 12), "the counter was bumped because the old error was seen");
        assertEquals(EIO, e.checkAndAdvance(a));
        assertEquals(EIO, e.checkAndAdvance(b));
        assertEquals(0, e.checkAndAdvance(a));
    }

    @Test
    void aRepeatedErrorNobodySawDoesNotBumpTheCounter() {
        ErrSeq e = new ErrSeq();
        int[] a = {e.sample()};
        e.set(EIO);
        int v = e.raw();
        e.set(EIO);
        assertEquals(v, e.raw(), "unseen: errseq_set with the same errno changes nothing");
        assertEquals(EIO, e.checkAndAdvance(a));
        assertEquals(0, e.checkAndAdvance(a), "two unseen errors are reported once");
    }

    @Test
    void theLatestErrnoIsReported() {
        ErrSeq e = new ErrSeq();
        int[] a = {e.sample()};
        e.set(EIO);
        e.set(ENOSPC);
        assertEquals(ENOSPC, e.checkAndAdvance(a));
    }

    @Test
    void checkDoesNotAdvance() {
        ErrSeq e = new ErrSeq();
        int since = e.sample();
        e.set(EIO);
        assertEquals(EIO, e.check(since));
        assertEquals(EIO, e.check(since), "errseq_check is a pure query");
        int[] cursor = {since};
        assertEquals(EIO, e.checkAndAdvance(cursor), "and it did not mark the error seen for this cursor");
        assertEquals(0, e.check(cursor[0]));
    }

    @Test
    void checkOfANewSampleIsZero() {
        ErrSeq e = new ErrSeq();
        assertEquals(0, e.check(e.sample()));
        e.set(EIO);
        int[] c = {0};
        e.checkAndAdvance(c);
        assertEquals(0, e.check(e.sample()));
    }

    @Test
    void setRejectsANonError() {
        ErrSeq e = new ErrSeq();
        assertThrows(IllegalArgumentException.class, () -> e.set(0));
        assertThrows(IllegalArgumentException.class, () -> e.set(-5000));
        assertEquals(0, e.raw());
    }
}
