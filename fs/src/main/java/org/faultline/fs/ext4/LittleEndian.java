package org.faultline.fs.ext4;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian accessors on byte arrays: every ext4 on-disk integer is little-endian
 * ({@code __le16}, {@code __le32}, {@code __le64}). Unsigned values widen to {@code int}/{@code long}.
 *
 * <p>Stateless; safe from any thread.
 */
public final class LittleEndian {
    private static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {
    }

    /** @return the unsigned byte at {@code off} */
    public static int u8(byte[] b, int off) {
        return b[off] & 0xff;
    }

    /** Stores the low 8 bits of {@code v} at {@code off}. */
    public static void putU8(byte[] b, int off, int v) {
        b[off] = (byte) v;
    }

    /** @return the unsigned {@code __le16} at {@code off} */
    public static int u16(byte[] b, int off) {
        return ((short) LE16.get(b, off)) & 0xffff;
    }

    /** Stores the low 16 bits of {@code v} as {@code __le16} at {@code off}. */
    public static void putU16(byte[] b, int off, int v) {
        LE16.set(b, off, (short) v);
    }

    /** @return the unsigned {@code __le32} at {@code off}, widened to long */
    public static long u32(byte[] b, int off) {
        return ((int) LE32.get(b, off)) & 0xffffffffL;
    }

    /** @return the {@code __le32} at {@code off} as a Java int (same bits) */
    public static int i32(byte[] b, int off) {
        return (int) LE32.get(b, off);
    }

    /** Stores the low 32 bits of {@code v} as {@code __le32} at {@code off}. */
    public static void putU32(byte[] b, int off, long v) {
        LE32.set(b, off, (int) v);
    }

}
