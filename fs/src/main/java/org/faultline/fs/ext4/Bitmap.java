package org.faultline.fs.ext4;

/**
 * Bit operations on an ext4 block or inode bitmap held in a byte array: bit {@code i} is bit
 * {@code i % 8} (least significant first) of byte {@code i / 8}, as {@code ext4_set_bit} and friends
 * (little-endian bitops) lay them out.
 *
 * <pre>
 *  byte:    0                 1
 *  bit:     7 6 5 4 3 2 1 0   15 14 ... 8
 *  block:   first block of the group is bit 0 of byte 0
 * </pre>
 *
 * <p>Stateless.
 */
public final class Bitmap {
    private Bitmap() {
    }

    /** @return whether bit {@code i} is set */
    public static boolean test(byte[] map, int i) {
        return (map[i >>> 3] & (1 << (i & 7))) != 0;
    }

    /**
     * Sets bit {@code i}.
     *
     * @return its previous value
     */
    public static boolean set(byte[] map, int i) {
        int b = map[i >>> 3];
        int m = 1 << (i & 7);
        map[i >>> 3] = (byte) (b | m);
        return (b & m) != 0;
    }

    /**
     * Clears bit {@code i}.
     *
     * @return its previous value
     */
    public static boolean clear(byte[] map, int i) {
        int b = map[i >>> 3];
        int m = 1 << (i & 7);
        map[i >>> 3] = (byte) (b & ~m);
        return (b & m) != 0;
    }

    /** Sets bits {@code [from, to)}. */
    public static void setRange(byte[] map, int from, int to) {
        for (int i = from; i < to; i++) {
            set(map, i);
        }
    }

    /**
     * @return the first clear bit in {@code [from, limit)}, or -1
     */
    public static int findNextZero(byte[] map, int from, int limit) {
        int i = from;
        while (i < limit) {
            if ((i & 7) == 0 && i + 8 <= limit && map[i >>> 3] == (byte) 0xff) {
                i += 8;
                continue;
            }
            if (!test(map, i)) {
                return i;
            }
            i++;
        }
        return -1;
    }

    /**
     * @return the number of consecutive clear bits starting at {@code from}, at most {@code max} and
     *         not reaching {@code limit}
     */
    public static int zeroRun(byte[] map, int from, int limit, int max) {
        int n = 0;
        int i = from;
        while (i < limit && n < max) {
            if ((i & 7) == 0 && i + 8 <= limit && n + 8 <= max && map[i >>> 3] == 0) {
                i += 8;
                n += 8;
                continue;
            }
            if (test(map, i)) {
                break;
            }
            i++;
            n++;
        }
        return n;
    }

}
