package org.faultline.kernel;

/**
 * Unwinds a task whose execution has ended (another task hit a BUG, a deadlock was reported, or the
 * run was stopped). Kernel code never catches it: like the kernel's do_exit, it just goes.
 */
public final class ExecutionAborted extends Error {
    private static final long serialVersionUID = 1L;

    ExecutionAborted() {
        super("execution ended", null, false, false);
    }
}
