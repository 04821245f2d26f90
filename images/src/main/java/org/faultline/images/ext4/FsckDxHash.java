package org.faultline.images.ext4;

/**
 * The htree name hashes e2fsck pass 2 computes for every entry of an indexed directory's leaf
 * ({@code ext2fs_dirhash2} of lib/ext2fs/dirhash.c, the kernel's {@code ext4fs_dirhash} of
 * fs/ext4/hash.c): the legacy hash, half-MD4 and TEA, each with names read as signed or unsigned
 * chars. Casefolded and siphash directories are not hashed here (the caller skips them).
 *
 * <p>The result is the 32-bit major hash with its low bit cleared (the low bit of an index entry
 * marks a hash collision continuation), and {@code 0xfffffffe} (the end-of-directory value) moved to
 * {@code 0xfffffffc}, as both implementations do.
 */
final class FsckDxHash {
    private FsckDxHash() {
    }

    /** {@code DX_HASH_LEGACY}. */
    static final int LEGACY = 0;
    /** {@code DX_HASH_HALF_MD4}. */
    static final int HALF_MD4 = 1;
    /** {@code DX_HASH_TEA}. */
    static final int TEA = 2;
    /** {@code DX_HASH_LEGACY_UNSIGNED}: {@link #LEGACY} + 3, with {@code EXT2_FLAGS_UNSIGNED_HASH}. */
    static final int LEGACY_UNSIGNED = 3;
    /** {@code DX_HASH_HALF_MD4_UNSIGNED}. */
    static final int HALF_MD4_UNSIGNED = 4;
    /** {@code DX_HASH_TEA_UNSIGNED}. */
    static final int TEA_UNSIGNED = 5;
    /** {@code DX_HASH_SIPHASH}: casefolded encrypted directories; not computed here. */
    static final int SIPHASH = 6;

    /** The MD4 initial state: the seed of a filesystem whose {@code s_hash_seed} is all zero. */
    private static final int[] DEFAULT_SEED = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

    /**
     * The major hash of {@code name} under {@code version} (after the unsigned adjustment).
     *
     * @param seed {@code s_hash_seed}, four words; all zero means the default
     * @return the hash as an unsigned 32-bit value, or -1 for an unknown version
     */
    static long hash(int version, byte[] name, int[] seed) {
        int[] buf = seedOf(seed);
        int h;
        switch (version) {
            case LEGACY, LEGACY_UNSIGNED -> h = legacy(name, version == LEGACY_UNSIGNED);
            case HALF_MD4, HALF_MD4_UNSIGNED -> {
                int[] in = new int[8];
                for (int p = 0; p < name.length; p += 32) {
                    toWords(name, p, in, version == HALF_MD4_UNSIGNED);
                    halfMd4(buf, in);
                }
                h = buf[1];
            }
            case TEA, TEA_UNSIGNED -> {
                int[] in = new int[4];
                for (int p = 0; p < name.length; p += 16) {
                    toWords(name, p, in, version == TEA_UNSIGNED);
                    tea(buf, in);
                }
                h = buf[0];
            }
            default -> {
                return -1;
            }
        }
        long r = h & 0xFFFFFFFEL;
        return r == 0xFFFFFFFEL ? 0xFFFFFFFCL : r;
    }

    private static int[] seedOf(int[] seed) {
        for (int w : seed) {
            if (w != 0) {
                return seed.clone();
            }
        }
        return DEFAULT_SEED.clone();
    }

    /** {@code dx_hack_hash}: the original ext3 htree hash. */
    private static int legacy(byte[] name, boolean unsigned) {
        int h0 = 0x12a3fe2d;
        int h1 = 0x37abe8f9;
        for (byte b : name) {
            int c = unsigned ? b & 0xFF : b;
            int h = h1 + (h0 ^ (c * 7152373));
            if ((h & 0x80000000) != 0) {
                h -= 0x7fffffff;
            }
            h1 = h0;
            h0 = h;
        }
        return h0 << 1;
    }

    /**
     * {@code str2hashbuf}: packs up to {@code 4 * words.length} bytes of {@code name} from {@code p},
     * big-endian within each word, padding with a word made of the remaining length.
     */
    private static void toWords(byte[] name, int p, int[] words, boolean unsigned) {
        int len = name.length - p;
        int pad = len | (len << 8);
        pad |= pad << 16;
        int val = pad;
        int n = Math.min(len, words.length * 4);
        int w = 0;
        for (int i = 0; i < n; i++) {
            int c = unsigned ? name[p + i] & 0xFF : name[p + i];
            val = c + (val << 8);
            if (i % 4 == 3) {
                words[w++] = val;
                val = pad;
            }
        }
        if (w < words.length) {
            words[w++] = val;
        }
        while (w < words.length) {
            words[w++] = pad;
        }
    }

    private static int f(int x, int y, int z) {
        return z ^ (x & (y ^ z));
    }

    private static int g(int x, int y, int z) {
        return (x & y) + ((x ^ y) & z);
    }

    private static int h(int x, int y, int z) {
        return x ^ y ^ z;
    }

    private static final int K2 = 0x5A827999;
    private static final int K3 = 0x6ED9EBA1;

    /** Three rounds of MD4 over eight words, added into {@code buf} ({@code halfMD4Transform}). */
    private static void halfMd4(int[] buf, int[] in) {
        int a = buf[0];
        int b = buf[1];
        int c = buf[2];
        int d = buf[3];
        // round 1: F, words in order, shifts 3 7 11 19
        a = Integer.rotateLeft(a + f(b, c, d) + in[0], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[1], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[2], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[3], 19);
        a = Integer.rotateLeft(a + f(b, c, d) + in[4], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[5], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[6], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[7], 19);
        // round 2: G, words 1 3 5 7 0 2 4 6, shifts 3 5 9 13
        a = Integer.rotateLeft(a + g(b, c, d) + in[1] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[3] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[5] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[7] + K2, 13);
        a = Integer.rotateLeft(a + g(b, c, d) + in[0] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[2] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[4] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[6] + K2, 13);
        // round 3: H, words 3 7 2 6 1 5 0 4, shifts 3 9 11 15
        a = Integer.rotateLeft(a + h(b, c, d) + in[3] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[7] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[2] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[6] + K3, 15);
        a = Integer.rotateLeft(a + h(b, c, d) + in[1] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[5] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[0] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[4] + K3, 15);
        buf[0] += a;
        buf[1] += b;
        buf[2] += c;
        buf[3] += d;
    }

    /** Sixteen TEA cycles over four words, added into {@code buf[0..1]} ({@code TEA_transform}). */
    private static void tea(int[] buf, int[] in) {
        int sum = 0;
        int b0 = buf[0];
        int b1 = buf[1];
        for (int n = 0; n < 16; n++) {
            sum += 0x9E3779B9;
            b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >>> 5) + in[1]);
            b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >>> 5) + in[3]);
        }
        buf[0] += b0;
        buf[1] += b1;
    }
}
