package org.faultline.kernel;

/**
 * CRC16 as the kernel's {@code crc16(crc, buffer, len)} (lib/crc16.c): polynomial x^16 + x^15 + x^2 + 1
 * (0x8005) bit-reversed (0xA001), the running value passed in and returned, no inversion. ext4's
 * {@code uninit_bg} group descriptor checksum starts it from {@code ~0}.
 */
@KernelSource("lib/crc16.c")
public final class Crc16 {
    private static final int[] T = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c >>> 1) ^ ((c & 1) != 0 ? 0xA001 : 0);
            }
            T[i] = c;
        }
    }

    private Crc16() {
    }

    /** {@code crc16(crc, p, len)}: the low 16 bits of the result are the value. */
    public static int crc16(int crc, byte[] b, int off, int len) {
        int c = crc & 0xFFFF;
        for (int i = off; i < off + len; i++) {
            c = (c >>> 8) ^ T[(c ^ b[i]) & 0xff];
        }
        return c;
    }
}
