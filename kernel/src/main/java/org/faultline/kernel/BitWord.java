package org.faultline.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A word of atomic flag bits that tasks lock and wait on — {@code page->flags} is the one that
 * matters. It keeps, per bit, the party that owes the bit's release (the task that locked it, the
 * bio that will end its writeback), so the wait-for graph can follow a bit wait to its owner.
 *
 * <p>The bit operations here are raw atomics with the kernel's names and no preemption point;
 * callers in mm/ wrap them with points. {@link #waitKey()} is deterministic (a page's pfn), so the
 * hashed wait table puts the same words in the same buckets on every run.
 */
public class BitWord {
    private static final VarHandle FLAGS;

    static {
        try {
            FLAGS = MethodHandles.lookup().findVarHandle(BitWord.class, "flags", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through FLAGS
    private volatile long flags;
    private final long waitKey;
    private Object[] owners; // bit -> Task or WaitTarget owing its release; made on first use, under this

    public BitWord(long waitKey) {
        this.waitKey = waitKey;
    }

    /** The key hashed into the wait table (a page's pfn). */
    public final long waitKey() {
        return waitKey;
    }

    public final long flags() {
        return flags;
    }

    public final boolean testBit(int bit) {
        return (flags & (1L << bit)) != 0;
    }

    public final void setBit(int bit) {
        FLAGS.getAndBitwiseOr(this, 1L << bit);
    }

    public final void clearBit(int bit) {
        FLAGS.getAndBitwiseAnd(this, ~(1L << bit));
    }

    /** @return the old value of the bit */
    public final boolean testAndSetBit(int bit) {
        return ((long) FLAGS.getAndBitwiseOr(this, 1L << bit) & (1L << bit)) != 0;
    }

    /** @return the old value of the bit */
    public final boolean testAndClearBit(int bit) {
        return ((long) FLAGS.getAndBitwiseAnd(this, ~(1L << bit)) & (1L << bit)) != 0;
    }

    /** Overwrites all flags (page reuse resets flags on allocation). */
    public final void resetFlags(long value) {
        flags = value;
    }

    /** Records who owes the release of {@code bit}: a {@link Task} or a {@link WaitTarget}. */
    public final synchronized void setBitOwner(int bit, Object owner) {
        if (owners == null) {
            if (owner == null) {
                return;
            }
            owners = new Object[64];
        }
        owners[bit] = owner;
    }

    public final synchronized Object bitOwner(int bit) {
        return owners == null ? null : owners[bit];
    }

    /** A bit's name for reports ({@code PG_writeback}); subclasses name their bits. */
    public String bitName(int bit) {
        return "bit " + bit;
    }

    /** The word's name for reports ({@code page pfn 42 (index 3 of ino 12)}). */
    public String describe() {
        return "word " + waitKey;
    }
}
