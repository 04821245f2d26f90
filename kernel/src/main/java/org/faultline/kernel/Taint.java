package org.faultline.kernel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernel's taint mask (kernel/panic.c: {@code tainted_mask}, {@code add_taint()},
 * {@code print_tainted()}): flags that say the kernel is no longer in a state its developers vouch
 * for, printed in every later report's CPU line. Of the kernel's flags the emulated kernel sets two:
 * {@link #DIE} when an oops killed a task and the machine went on, {@link #WARN} when a WARN fired.
 * The line is the kernel's: "Not tainted", or "Tainted: " and one column per flag, its letter when
 * set (the first column, P, reads G when clear), as 6.x prints it.
 *
 * <p>Thread-safe: the mask is atomic, bits are only ever set.
 */
public final class Taint {
    /** TAINT_DIE (D): an oops killed a task and the kernel went on. */
    public static final int DIE = 7;
    /** TAINT_WARN (W): a WARN fired. */
    public static final int WARN = 9;

    /** The letters of taint_flags[], in bit order (P F S R M B U D A W C I O E L K X T N). */
    private static final String LETTERS = "PFSRMBUDAWCIOELKXTN";

    private final AtomicInteger mask = new AtomicInteger();

    /** add_taint(). */
    public void add(int flag) {
        mask.getAndUpdate(m -> m | 1 << flag);
    }

    /** test_taint(). */
    public boolean test(int flag) {
        return (mask.get() & 1 << flag) != 0;
    }

    /** The letters of the flags set, e.g. {@code "DW"} (empty if none). */
    public String letters() {
        int m = mask.get();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < LETTERS.length(); i++) {
            if ((m & 1 << i) != 0) {
                b.append(LETTERS.charAt(i));
            }
        }
        return b.toString();
    }

    /** print_tainted(). */
    @Override
    public String toString() {
        int m = mask.get();
        if (m == 0) {
            return "Not tainted";
        }
        StringBuilder b = new StringBuilder("Tainted: ");
        for (int i = 0; i < LETTERS.length(); i++) {
            b.append((m & 1 << i) != 0 ? LETTERS.charAt(i) : i == 0 ? 'G' : ' ');
        }
        return b.toString();
    }
}
