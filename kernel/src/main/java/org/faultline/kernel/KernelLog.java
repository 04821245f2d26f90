package org.faultline.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel log ({@code dmesg}): a bounded ring of lines stamped with the kernel clock, and, under
 * the controlled scheduler, the step. Thread-safe; lines keep arrival order.
 */
public final class KernelLog {
    private final ArrayDeque<String> ring = new ArrayDeque<>();
    private final int capacity;
    private final Kernel k;
    private long dropped;

    KernelLog(Kernel k, int capacity) {
        this.k = k;
        this.capacity = capacity;
    }

    /** printk(): appends each line of {@code text} with a timestamp. */
    public void printk(String text) {
        String stamp = k.timestamp();
        synchronized (ring) {
            for (String line : text.split("\n", -1)) {
                if (ring.size() == capacity) {
                    ring.removeFirst();
                    dropped++;
                }
                ring.addLast(stamp + line);
            }
        }
    }

    /** The retained lines, oldest first. */
    public List<String> lines() {
        synchronized (ring) {
            return new ArrayList<>(ring);
        }
    }

    /** The whole retained log as text. */
    public String dmesg() {
        StringBuilder sb = new StringBuilder();
        synchronized (ring) {
            if (dropped > 0) {
                sb.append("(").append(dropped).append(" earlier lines dropped)\n");
            }
            for (String l : ring) {
                sb.append(l).append('\n');
            }
        }
        return sb.toString();
    }
}
