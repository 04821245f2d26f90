package org.faultline.nativeio;

/**
 * Progress through a vector of buffers across short transfers: which iovec comes next and how many
 * of its bytes are already done. Package-private bookkeeping for {@link HostFile}'s vectored I/O.
 */
final class IovCursor {

    private final long[] addrs;
    private final int[] lens;
    private final int count;
    /** First iovec not yet fully transferred. */
    int first;
    /** Bytes of iovec {@link #first} already transferred. */
    long skip;

    IovCursor(long[] addrs, int[] lens, int count) {
        this.addrs = addrs;
        this.lens = lens;
        this.count = count;
    }

    /**
     * Stages the remaining iovecs, at most {@code max}, as {@code (base, len)} pairs in
     * {@code staging}, the first one trimmed by what is already done. Empty leading entries are
     * skipped. Call only while bytes remain.
     *
     * @return the number of iovecs staged
     */
    int stage(long[] staging, int max) {
        while (lens[first] - skip == 0) {
            first++;
            skip = 0;
        }
        int n = Math.min(count - first, max);
        for (int i = 0; i < n; i++) {
            staging[2 * i] = addrs[first + i];
            staging[2 * i + 1] = lens[first + i];
        }
        staging[0] += skip;
        staging[1] -= skip;
        return n;
    }

    /** Records that {@code r} more bytes were transferred. */
    void advance(long r) {
        while (r > 0) {
            long avail = lens[first] - skip;
            if (r >= avail) {
                r -= avail;
                first++;
                skip = 0;
            } else {
                skip += r;
                r = 0;
            }
        }
    }
}
