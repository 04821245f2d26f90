package org.faultline.fs.jbd2;

import org.faultline.kernel.KernelSource;

/**
 * The kernel's {@code crc32_be(crc, p, len)} (lib/crc32.c): CRC-32 with the IEEE polynomial
 * 0x04C11DB7, most significant bit first, no inversion on either side — the running value goes in and
 * comes back out, so it chains. jbd2's checksum v1 ({@code JBD2_FEATURE_COMPAT_CHECKSUM}) keeps one
 * per transaction, from {@code ~0} over the descriptor blocks and the blocks they describe, in the
 * commit block. ({@code crc32_be(~0, "123456789")} is 0x0376E6E7, the CRC-32/MPEG-2 check value.)
 *
 * <p>Stateless; safe from any thread.
 */
@KernelSource("lib/crc32.c")
public final class Crc32Be {
    private static final int[] T = table();

    private Crc32Be() {
    }

    private static int[] table() {
        int[] t = new int[256];
        for (int i = 0; i < 256; i++) {
            int c = i << 24;
            for (int k = 0; k < 8; k++) {
                c = (c << 1) ^ (c < 0 ? 0x04C11DB7 : 0);
            }
            t[i] = c;
        }
        return t;
    }

    /**
     * {@code crc32_be(crc, p, len)}.
     *
     * @param crc the running value
     * @param b   bytes
     * @param off first byte
     * @param len bytes to fold in
     * @return the new running value
     */
    public static int crc32Be(int crc, byte[] b, int off, int len) {
        int c = crc;
        for (int i = off; i < off + len; i++) {
            c = (c << 8) ^ T[((c >>> 24) ^ b[i]) & 0xff];
        }
        return c;
    }
}
