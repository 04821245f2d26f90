package org.faultline.fs.jbd2;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Big-endian accessors on byte arrays: every integer jbd2 keeps on disk is big-endian
 * ({@code __be16}, {@code __be32}, {@code __be64}), unlike ext4's own structures. Unsigned values widen
 * to {@code int}/{@code long}.
 *
 * <p>Stateless; safe from any thread.
 */
public final class BigEndian {
    private static final VarHandle BE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private BigEndian() {
    }

    /** @return the unsigned {@code __be16} at {@code off} */
    public static int u16(byte[] b, int off) {
        return ((short) BE16.get(b, off)) & 0xffff;
    }

    /** Stores the low 16 bits of {@code v} as {@code __be16} at {@code off}. */
    public static void putU16(byte[] b, int off, int v) {
        BE16.set(b, off, (short) v);
    }

    /** @return the unsigned {@code __be32} at {@code off}, widened to long */
    public static long u32(byte[] b, int off) {
        return ((int) BE32.get(b, off)) & 0xffffffffL;
    }

    /** @return the {@code __be32} at {@code off} as a Java int (same bits; a {@code tid_t} or a checksum) */
    public static int i32(byte[] b, int off) {
        return (int) BE32.get(b, off);
    }

    /** Stores the low 32 bits of {@code v} as {@code __be32} at {@code off}. */
    public static void putU32(byte[] b, int off, long v) {
        BE32.set(b, off, (int) v);
    }

    /** @return the {@code __be64} at {@code off} */
    public static long u64(byte[] b, int off) {
        return (long) BE64.get(b, off);
    }

    /** Stores {@code v} as {@code __be64} at {@code off}. */
    public static void putU64(byte[] b, int off, long v) {
        BE64.set(b, off, v);
    }
}
