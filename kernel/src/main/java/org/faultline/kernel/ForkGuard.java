package org.faultline.kernel;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Keeps this JVM's child processes from holding files that other host threads of {@link ParallelRuns}
 * close (a host-side helper, like ParallelRuns: no emulated state). {@code fork} (and the
 * vfork-style clone behind {@code posix_spawn}) copies the whole descriptor table into the child,
 * {@code O_CLOEXEC} descriptors included; they are dropped only at the child's {@code execve}. A host
 * interpreter that closes and unlinks a file while another thread is between the two does not free
 * the file's blocks until that child execs: the next allocation gets ENOSPC right after a filler was
 * unlinked (seen in {@code fuzz ops --jobs 2}, where one job's {@code mount} or {@code e2fsck} is
 * spawned while the other interprets). Spawns and host statements exclude each other; a spawn holds
 * the guard until {@link ProcessBuilder#start} returns, by when the child has exec'd.
 */
public final class ForkGuard {
    private static final ReentrantLock LOCK = new ReentrantLock();

    private ForkGuard() {
    }

    /** Starts {@code pb} while no host statement runs. */
    public static Process start(ProcessBuilder pb) throws IOException {
        LOCK.lock();
        try {
            return pb.start();
        } finally {
            LOCK.unlock();
        }
    }

    /** Runs one host system call sequence while no child is between fork and exec. */
    public static long call(LongSupplier c) {
        LOCK.lock();
        try {
            return c.getAsLong();
        } finally {
            LOCK.unlock();
        }
    }
}
