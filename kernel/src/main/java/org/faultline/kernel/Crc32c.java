package org.faultline.kernel;

/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78) as the kernel's {@code crc32c(crc, p, len)}
 * computes it (lib/crc32c.c over crypto/crc32c): the caller passes the running value in and gets it
 * back, with no inversion on either side — ext4 starts its chains from {@code ~0} and stores the raw
 * value, jbd2 the same. {@code java.util.zip.CRC32C} inverts both ends and cannot start from a given
 * value, so it cannot continue a chain from a seed (ext4's {@code s_csum_seed}); this is slicing-by-8
 * over eight 256-entry tables.
 *
 * <p>Relation to the JDK's: {@code CRC32C.getValue()} of {@code b} equals
 * {@code ~crc32c(~0, b) & 0xffffffffL}.
 */
@KernelSource("lib/crc32.c")
public final class Crc32c {
    private static final int[][] T = tables();

    private Crc32c() {
    }

    private static int[][] tables() {
        int[][] t = new int[8][256];
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c >>> 1) ^ ((c & 1) != 0 ? 0x82F63B78 : 0);
            }
            t[0][i] = c;
        }
        for (int i = 0; i < 256; i++) {
            for (int s = 1; s < 8; s++) {
                t[s][i] = (t[s - 1][i] >>> 8) ^ t[0][t[s - 1][i] & 0xff];
            }
        }
        return t;
    }

    /**
     * {@code crc32c(crc, p, len)}.
     *
     * @param crc the running value (the seed, or the result of the previous piece)
     * @param b   bytes
     * @param off first byte
     * @param len bytes to fold in
     * @return the new running value
     */
    public static int crc32c(int crc, byte[] b, int off, int len) {
        int c = crc;
        int i = off;
        int end = off + len;
        int[] t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3], t4 = T[4], t5 = T[5], t6 = T[6], t7 = T[7];
        for (; i + 8 <= end; i += 8) {
            int lo = c ^ ((b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24);
            c = t7[lo & 0xff] ^ t6[(lo >>> 8) & 0xff] ^ t5[(lo >>> 16) & 0xff] ^ t4[lo >>> 24]
                    ^ t3[b[i + 4] & 0xff] ^ t2[b[i + 5] & 0xff] ^ t1[b[i + 6] & 0xff] ^ t0[b[i + 7] & 0xff];
        }
        for (; i < end; i++) {
            c = (c >>> 8) ^ t0[(c ^ b[i]) & 0xff];
        }
        return c;
    }

    /** {@code crc32c(crc, p, len)} over a whole array. */
    public static int crc32c(int crc, byte[] b) {
        return crc32c(crc, b, 0, b.length);
    }

    /** {@code crc32c(crc, &le32, 4)}: folds in a 32-bit value in its little-endian on-disk form. */
    public static int crc32cLe32(int crc, int v) {
        int c = crc ^ v;
        return T[3][c & 0xff] ^ T[2][(c >>> 8) & 0xff] ^ T[1][(c >>> 16) & 0xff] ^ T[0][c >>> 24];
    }
}
