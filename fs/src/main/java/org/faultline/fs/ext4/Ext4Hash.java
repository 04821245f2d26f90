package org.faultline.fs.ext4;

import static org.faultline.fs.ext4.DxDescriptor.*;

import org.faultline.kernel.KernelSource;

/**
 * The directory name hashes of fs/ext4/hash.c ({@code ext4fs_dirhash}) that order the entries of an
 * htree directory: the legacy hash, the cut-down MD4 transform ({@code half_md4}) and TEA, each in a
 * signed-char and an unsigned-char variant (the bytes of a name were fed to the hash as {@code char},
 * whose sign differs between architectures; {@code EXT2_FLAGS_SIGNED_HASH} or
 * {@code EXT2_FLAGS_UNSIGNED_HASH} in {@code s_flags} records which one a filesystem uses).
 *
 * <p>The 128-bit seed is {@code s_hash_seed}; all zero means the MD4 initial state. The legacy hash
 * takes no seed. Every result has bit 0 clear (the index uses it to mark hash collisions that continue
 * in the next block). The siphash of casefolded encrypted directories is not modelled (those features
 * are refused).
 */
@KernelSource("fs/ext4/hash.c")
public final class Ext4Hash {
    private Ext4Hash() {
    }

    /** A name's hash and minor hash ({@code dx_hash_info.hash}, {@code .minor_hash}), unsigned 32-bit. */
    public record DxHash(long hash, long minorHash) {
    }

    /** The MD4 initial state: the seed used when {@code s_hash_seed} is all zero. */
    private static final int[] DEFAULT_SEED = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

    /**
     * {@code ext4fs_dirhash}: the hash of {@code len} bytes of {@code name} from {@code off}.
     *
     * @param version {@code DX_HASH_LEGACY} .. {@code DX_HASH_TEA_UNSIGNED}
     * @param seed    {@code s_hash_seed} as four little-endian words, or null (the default)
     * @return the hash, or null for a version the kernel does not know (it returns -1)
     */
    public static DxHash ext4fsDirhash(byte[] name, int off, int len, int version, int[] seed) {
        int[] buf = initialState(seed);
        int hash;
        int minor = 0;
        switch (version) {
            case DX_HASH_LEGACY, DX_HASH_LEGACY_UNSIGNED:
                hash = dxHackHash(name, off, len, version == DX_HASH_LEGACY_UNSIGNED);
                break;
            case DX_HASH_HALF_MD4, DX_HASH_HALF_MD4_UNSIGNED:
                feed(name, off, len, 8, version == DX_HASH_HALF_MD4_UNSIGNED, buf, true);
                hash = buf[1];
                minor = buf[2];
                break;
            case DX_HASH_TEA, DX_HASH_TEA_UNSIGNED:
                feed(name, off, len, 4, version == DX_HASH_TEA_UNSIGNED, buf, false);
                hash = buf[0];
                minor = buf[1];
                break;
            default:
                return null;
        }
        long h = hash & 0xFFFFFFFEL;
        if (h == EXT4_HTREE_EOF_32BIT << 1) {
            h = (EXT4_HTREE_EOF_32BIT - 1) << 1;
        }
        return new DxHash(h, minor & 0xFFFFFFFFL);
    }

    /** {@link #ext4fsDirhash(byte[], int, int, int, int[])} of a whole name. */
    public static DxHash ext4fsDirhash(byte[] name, int version, int[] seed) {
        return ext4fsDirhash(name, 0, name.length, version, seed);
    }

    private static int[] initialState(int[] seed) {
        if (seed != null) {
            for (int w : seed) {
                if (w != 0) {
                    return seed.clone();
                }
            }
        }
        return DEFAULT_SEED.clone();
    }

    /** A byte of a name as the hash sees it: sign-extended ({@code signed char}) or not. */
    private static int ch(byte c, boolean unsigned) {
        return unsigned ? c & 0xFF : c;
    }

    /** {@code dx_hack_hash_signed}/{@code _unsigned}: the original ext3 hash. */
    private static int dxHackHash(byte[] name, int off, int len, boolean unsigned) {
        int h0 = 0x12a3fe2d;
        int h1 = 0x37abe8f9;
        for (int i = 0; i < len; i++) {
            int h = h1 + (h0 ^ (ch(name[off + i], unsigned) * 7152373));
            if ((h & 0x80000000) != 0) {
                h -= 0x7fffffff;
            }
            h1 = h0;
            h0 = h;
        }
        return h0 << 1;
    }

    /**
     * Runs the name through the transform {@code words * 4} bytes at a time, as the half_md4 and TEA
     * cases of {@code ext4fsDirhash} do (a name of length 0 leaves the state as it is).
     */
    private static void feed(byte[] name, int off, int len, int words, boolean unsigned, int[] buf, boolean md4) {
        int[] in = new int[words];
        for (int p = off, left = len; left > 0; p += words * 4, left -= words * 4) {
            str2hashbuf(name, p, left, in, unsigned);
            if (md4) {
                halfMd4Transform(buf, in);
            } else {
                teaTransform(buf, in);
            }
        }
    }

    /**
     * {@code str2hashbuf_signed}/{@code _unsigned}: packs up to {@code in.length * 4} bytes of the rest
     * of a name ({@code left} bytes from {@code p}) big-end-first into words, padding with a word made
     * of the remaining length repeated in each byte.
     */
    private static void str2hashbuf(byte[] name, int p, int left, int[] in, boolean unsigned) {
        int pad = left | (left << 8);
        pad |= pad << 16;
        int n = Math.min(left, in.length * 4);
        int w = 0;
        int val = pad;
        for (int i = 0; i < n; i++) {
            val = ch(name[p + i], unsigned) + (val << 8);
            if (i % 4 == 3) {
                in[w++] = val;
                val = pad;
            }
        }
        if (w < in.length) {
            in[w++] = val;
        }
        while (w < in.length) {
            in[w++] = pad;
        }
    }

    private static final int TEA_DELTA = 0x9E3779B9;

    /** {@code TEA_transform}: 16 rounds of TEA keyed by the four input words, added into buf[0..1]. */
    private static void teaTransform(int[] buf, int[] in) {
        int sum = 0;
        int b0 = buf[0];
        int b1 = buf[1];
        for (int round = 0; round < 16; round++) {
            sum += TEA_DELTA;
            b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >>> 5) + in[1]);
            b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >>> 5) + in[3]);
        }
        buf[0] += b0;
        buf[1] += b1;
    }

    /** MD4's round constants: none for round 1, sqrt(2) and sqrt(3) scaled to 32 bits for rounds 2 and 3. */
    private static final int[] MD4_K = {0, 0x5A827999, 0x6ED9EBA1};
    /** The input word each of the eight steps of a round takes. */
    private static final int[][] MD4_WORD = {{0, 1, 2, 3, 4, 5, 6, 7}, {1, 3, 5, 7, 0, 2, 4, 6}, {3, 7, 2, 6, 1, 5, 0, 4}};
    /** The rotation of each step (steps cycle through four). */
    private static final int[][] MD4_SHIFT = {{3, 7, 11, 19}, {3, 5, 9, 13}, {3, 9, 11, 15}};

    /**
     * {@code half_md4_transform} (lib/halfmd4.c): MD4's three rounds cut to eight steps each over eight
     * input words, added into the four state words. Each step updates one state word from the other
     * three (a, then d, c, b in turn) with the round's boolean function: selection, majority, parity.
     */
    private static void halfMd4Transform(int[] buf, int[] in) {
        int[] s = buf.clone();
        for (int round = 0; round < 3; round++) {
            for (int step = 0; step < 8; step++) {
                int t = (4 - step % 4) % 4;     // the word updated: a, d, c, b, a, ...
                int x = s[(t + 1) % 4];
                int y = s[(t + 2) % 4];
                int z = s[(t + 3) % 4];
                int f = switch (round) {
                    case 0 -> z ^ (x & (y ^ z));
                    case 1 -> (x & y) + ((x ^ y) & z);
                    default -> x ^ y ^ z;
                };
                s[t] = Integer.rotateLeft(s[t] + f + in[MD4_WORD[round][step]] + MD4_K[round],
                        MD4_SHIFT[round][step % 4]);
            }
        }
        for (int i = 0; i < 4; i++) {
            buf[i] += s[i];
        }
    }
}
