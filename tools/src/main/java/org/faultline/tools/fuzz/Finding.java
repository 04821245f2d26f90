package org.faultline.tools.fuzz;

import java.util.Locale;

/**
 * One mismatch a check found in a sequence.
 *
 * @param kind    which check, and how it failed
 * @param title   the failure's first line
 * @param details more lines (the oracle's report, the differing files), may be empty
 */
public record Finding(Kind kind, String title, String details) {
    /** Mismatch kinds, in the order the checks run. */
    public enum Kind {
        /** A Faultline read, load, stat or the final read-back disagreed with the oracle. */
        DATA_CORRUPTION("data-corruption"),
        /** A system call failed (or succeeded) where the workload said otherwise: e.g. ENOSPC, EINVAL. */
        WORKLOAD_ERROR("workload-error"),
        /** A BUG_ON or oops (or a fatal WARN). */
        KERNEL_BUG("kernel-bug"),
        /** A deadlock or hung task. */
        DEADLOCK("deadlock"),
        /** A CONFIG_DEBUG_VM invariant violation. */
        INVARIANT("invariant"),
        /** Faultline itself threw (an emulator bug, not a kernel one). */
        INTERNAL("internal"),
        /** Faultline's own fsck found the unmounted image inconsistent. */
        FSCK("fsck"),
        /** The unmounted image, read offline by Faultline's ext4 reader, differs from the oracle. */
        IMAGE("image"),
        /** The image, loop-mounted by the host kernel, differs from the oracle. */
        HOST_MOUNT("host-mount"),
        /** e2fsck -fn found the image inconsistent. */
        E2FSCK("e2fsck"),
        /** The same system calls on the host kernel returned something else. */
        VS_HOST("vs-host");

        public final String label;

        Kind(String label) {
            this.label = label;
        }

    }

    /**
     * Whether {@code other} is the same failure for shrinking: the same kind, for a workload error
     * the same outcome ("failed with ENOMEM" stays ENOMEM: an EIO instead is another failure), for a
     * vs-host difference the same {@link #signature} (a byte difference does not drift into another
     * file's size difference while shrinking).
     */
    public boolean sameAs(Finding other) {
        if (other == null || other.kind != kind) {
            return false;
        }
        if (kind == Kind.VS_HOST) { // the same shape: the same statement failing the same way, or the same file differing
            return signature().equals(other.signature());
        }
        return kind != Kind.WORKLOAD_ERROR || outcome(title).equals(outcome(other.title));
    }

    private static String outcome(String title) {
        int i = title.lastIndexOf(" failed with ");
        if (i >= 0) {
            return title.substring(i + 1).split("[ ,]")[2];
        }
        i = title.lastIndexOf(": expected ");
        return i >= 0 ? title.substring(i).replaceAll("[0-9]+", "N") : "";
    }

    /** The title with numbers replaced by N, for grouping ("data corruption: /fN offset N: ..."). */
    public String signature() {
        return kind.label + ": " + title.replaceAll("0x[0-9a-fA-F]+", "0xN").replaceAll("[0-9]+", "N")
                .toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return kind.label + ": " + title;
    }
}
