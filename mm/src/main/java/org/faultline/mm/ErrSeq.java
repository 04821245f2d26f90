package org.faultline.mm;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An error sequence counter ({@code errseq_t}, lib/errseq.c): the last error, a counter bumped when a
 * new error is recorded after the previous one was seen, and a SEEN flag. Each open file samples it
 * at open and later checks it, so every file that was open when writeback failed sees the error
 * exactly once — what {@code fsync} returns after a writeback error.
 *
 * <p>Layout, as in the kernel: bits 0–11 the negative errno, bit 12 SEEN, bits 13–31 the counter.
 */
public final class ErrSeq {
    private static final int MAX_ERRNO = 4095;
    private static final int SEEN = 1 << 12;
    private static final int CTR_INC = 1 << 13;

    private final AtomicInteger value = new AtomicInteger();

    /** errseq_set(): records {@code err} (a negative errno); returns the new value. */
    public int set(int err) {
        if (err >= 0 || -err > MAX_ERRNO) {
            throw new IllegalArgumentException("errseq_set needs a negative errno, got " + err);
        }
        for (;;) {
            int old = value.get();
            int nw = (old + ((old & SEEN) != 0 ? CTR_INC : 0)) & ~(MAX_ERRNO | SEEN);
            nw |= -err;
            if (nw == old || value.compareAndSet(old, nw)) {
                return nw;
            }
        }
    }

    /** errseq_sample(): the cursor a new opener starts from (0 if the latest error was never seen). */
    public int sample() {
        int old = value.get();
        return (old & SEEN) == 0 ? 0 : old;
    }

    /** errseq_check(): the error recorded since {@code since}, or 0. */
    public int check(int since) {
        int cur = value.get();
        return (cur & ~SEEN) == (since & ~SEEN) ? 0 : -(cur & MAX_ERRNO);
    }

    /**
     * errseq_check_and_advance(): the error recorded since {@code *since}, marking it seen and
     * advancing the cursor.
     *
     * @param since a one-element cursor (the file's {@code f_wb_err})
     */
    public int checkAndAdvance(int[] since) {
        int old = value.get();
        if (old == since[0]) {
            return 0;
        }
        int nw = old | SEEN;
        if (nw != old) {
            value.compareAndSet(old, nw);
        }
        since[0] = nw;
        return -(nw & MAX_ERRNO);
    }

    int raw() {
        return value.get();
    }
}
