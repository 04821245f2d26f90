package org.faultline.nativeio;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Short-transfer bookkeeping that real files rarely exercise (partial progress inside an iovec). */
class IovCursorTest {

    private static final long[] ADDRS = {0x10000, 0x20000, 0x30000, 0x40000};
    private static final int[] LENS = {4096, 1000, 0, 8199};

    @Test
    void shortTransferInsideAnIovecResumesMidBuffer() {
        IovCursor c = new IovCursor(ADDRS, LENS, 4);
        long[] st = new long[8];
        assertEquals(4, c.stage(st, 1024));
        assertArrayEquals(new long[] {0x10000, 4096, 0x20000, 1000, 0x30000, 0, 0x40000, 8199}, st);

        c.advance(4100);                      // all of iovec 0 and 4 bytes of iovec 1
        assertEquals(3, c.stage(st, 1024));
        assertArrayEquals(new long[] {0x20004, 996, 0x30000, 0, 0x40000, 8199}, java.util.Arrays.copyOf(st, 6));

        c.advance(996);                       // exactly the end of iovec 1: the empty iovec 2 is skipped
        assertEquals(1, c.stage(st, 1024));
        assertArrayEquals(new long[] {0x40000, 8199}, java.util.Arrays.copyOf(st, 2));

        c.advance(8000);
        assertEquals(1, c.stage(st, 1024));
        assertArrayEquals(new long[] {0x40000 + 8000, 199}, java.util.Arrays.copyOf(st, 2));
    }

    @Test
    void stagingIsCappedAtMaxAndContinuesAfterIt() {
        int n = 5;
        long[] addrs = new long[n];
        int[] lens = new int[n];
        for (int i = 0; i < n; i++) {
            addrs[i] = 0x1000L * (i + 1);
            lens[i] = 10;
        }
        IovCursor c = new IovCursor(addrs, lens, n);
        long[] st = new long[4];
        assertEquals(2, c.stage(st, 2));
        assertArrayEquals(new long[] {0x1000, 10, 0x2000, 10}, st);
        c.advance(20);
        assertEquals(2, c.stage(st, 2));
        assertArrayEquals(new long[] {0x3000, 10, 0x4000, 10}, st);
        c.advance(15);                        // iovec 2 done, 5 bytes into iovec 3
        assertEquals(2, c.stage(st, 2));
        assertArrayEquals(new long[] {0x4000 + 5, 5, 0x5000, 10}, st);
        c.advance(5);
        assertEquals(1, c.stage(st, 2));
        assertEquals(0x5000, st[0]);
        assertEquals(10, st[1]);
    }
}
