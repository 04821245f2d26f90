package org.faultline.kernel;

/**
 * Thrown by {@link Kernel#bugOn} after the oops is printed: it kills the task that hit the BUG, as the
 * kernel's {@code do_exit} after {@code die()} does. Kernel code never catches it.
 */
public final class KernelBugError extends Error {
    private static final long serialVersionUID = 1L;

    KernelBugError(String title) {
        super(title, null, false, false);
    }
}
