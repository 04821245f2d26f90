package org.faultline.kernel;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Linux Kernel Dump Test Module (drivers/misc/lkdtm/core.c, as of 6.x): a crash of a chosen type
 * provoked at a chosen crash point, every {@code cpoint_count}th time the point is reached — the
 * module's parameters {@code cpoint_name}, {@code cpoint_type} and {@code cpoint_count}, written here
 * as {@code POINT:TYPE[:COUNT]} ({@code faultline mount --lkdtm}). Each hit prints the module's
 * "Crash point … hit, trigger in N rounds" line; at zero the crash is performed and the count starts
 * again.
 *
 * <p>Points: {@code FS_SUBMIT_BH} (submit_bh(), as upstream: any context that submits a buffer
 * head, kernel threads included) and {@code VFS_WRITE} (where a write(2) enters the filesystem).
 * Deviation: upstream has no VFS_WRITE point — it reaches a system call's context through its debugfs
 * file {@code provoke-crash/DIRECT}, which the emulated machine does not have; VFS_WRITE is the
 * system-call context a test of an oops in a program's request needs. Types: {@code BUG} (BUG()),
 * {@code WARNING} (WARN_ON()).
 *
 * <p>Thread-safe: armed once before tasks run; the count is atomic.
 */
@KernelSource("drivers/misc/lkdtm/core.c")
public final class Lkdtm {
    /** Crash points this kernel has. */
    public enum Point { FS_SUBMIT_BH, VFS_WRITE }

    /** Crash types. */
    public enum Type { BUG, WARNING }

    /** lkdtm's DEFAULT_COUNT. */
    public static final int DEFAULT_COUNT = 10;

    private final Kernel k;
    private volatile Point point;
    private Type type;
    private int cpointCount;
    private final AtomicInteger crashCount = new AtomicInteger();

    Lkdtm(Kernel k) {
        this.k = k;
    }

    /** The module's parameters: cpoint_name, cpoint_type, cpoint_count. */
    public record Spec(Point point, Type type, int count) {
        @Override
        public String toString() {
            return point + ":" + type + ":" + count;
        }
    }

    /**
     * Parses {@code POINT:TYPE[:COUNT]} (names in any case; COUNT defaults to {@link #DEFAULT_COUNT}).
     *
     * @throws IllegalArgumentException with a one-line reason for a malformed or unknown value
     */
    public static Spec parse(String spec) {
        String[] p = spec.strip().split(":", -1);
        if (p.length < 2 || p.length > 3) {
            throw new IllegalArgumentException("'" + spec + "': expected POINT:TYPE[:COUNT]");
        }
        Point pt = parse(Point.class, p[0], "crash point");
        Type ty = parse(Type.class, p[1], "crash type");
        int count = DEFAULT_COUNT;
        if (p.length == 3) {
            try {
                count = Integer.parseInt(p[2]);
            } catch (NumberFormatException e) {
                count = 0;
            }
            if (count < 1) {
                throw new IllegalArgumentException("'" + spec + "': COUNT must be a positive number");
            }
        }
        return new Spec(pt, ty, count);
    }

    /** The module's load with {@code s}: the crash point is registered. Once, before tasks run. */
    public void arm(Spec s) {
        type = s.type();
        cpointCount = s.count();
        crashCount.set(s.count());
        point = s.point();
        k.printk("lkdtm: Crash point " + s.point() + " of type " + s.type() + " registered");
    }

    private static <E extends Enum<E>> E parse(Class<E> c, String name, String what) {
        try {
            return Enum.valueOf(c, name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown " + what + " '" + name + "' (known: "
                    + String.join(", ", Arrays.stream(c.getEnumConstants()).map(Enum::name).toList()) + ")");
        }
    }

    /** The crash point {@code p} is reached (the kprobe's lkdtm_handler()). */
    @KernelFunction("lkdtm_handler")
    public void hit(Point p) {
        if (point != p) {
            return;
        }
        int left = crashCount.decrementAndGet();
        k.printk("lkdtm: Crash point " + p + " of type " + type + " hit, trigger in " + Math.max(left, 0) + " rounds");
        if (left == 0) {
            crashCount.set(cpointCount);
            Bugs.perform(k, type);
        }
    }

    /** The crash types (drivers/misc/lkdtm/bugs.c). */
    @KernelSource("drivers/misc/lkdtm/bugs.c")
    static final class Bugs {
        private Bugs() {
        }

        @KernelFunction("lkdtm_do_action")
        static void perform(Kernel k, Type t) {
            switch (t) {
                case BUG -> lkdtmBug(k);
                case WARNING -> lkdtmWarning(k);
                default -> throw new IllegalStateException(t.name());
            }
        }

        @KernelFunction("lkdtm_BUG")
        static void lkdtmBug(Kernel k) {
            k.bugOn(true);
        }

        @KernelFunction("lkdtm_WARNING")
        static void lkdtmWarning(Kernel k) {
            k.warnOn(true);
        }
    }
}
