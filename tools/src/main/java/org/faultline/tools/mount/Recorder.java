package org.faultline.tools.mount;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.faultline.fs.File;
import org.faultline.kernel.Errno;

/**
 * {@code faultline mount --record FILE.wl}: what the host's programs did, as a workload file — a task
 * per calling thread (named after its process and thread id), its system calls in the order it made
 * them, the data as patterns (the shape of the I/O: offsets and lengths, each write its own seed). A
 * call that failed is recorded as {@code expect-error} with its errno, so the replay expects what the
 * recording saw. Calls the workload language has no statement for (link, symlink, chmod, utimensat)
 * are kept as comments; lookups, stats and directory reads are not recorded. Callers that ran one
 * after another keep that order (barriers); callers that overlapped are left free to interleave.
 *
 * <p>FUSE's threads record concurrently: each caller's statements go to its own queue (one thread's
 * calls never overlap), gathered when the mount ends.
 */
public final class Recorder {
    private final Map<Integer, ConcurrentLinkedQueue<String>> byCaller = new ConcurrentHashMap<>();
    private final Map<Integer, String> names = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Integer> order = new ConcurrentLinkedQueue<>(); // first call order
    private final AtomicLong seeds = new AtomicLong(1);
    private final AtomicLong seq = new AtomicLong();                     // the order of every recorded call
    private final Map<Integer, long[]> span = new ConcurrentHashMap<>(); // caller → {first call, last call}

    /** A caller's statement, or a failed one as expect-error (an errno the language names). */
    void record(int pid, java.util.function.Supplier<String> comm, String stmt, long rc) {
        if (stmt == null) {
            return;
        }
        String line = stmt;
        if (rc < 0 && !stmt.startsWith("#")) {
            String name = Errno.name((int) rc);
            line = name.startsWith("E") && !name.contains(" ") ? "expect-error " + stmt + " " + name : "# " + stmt + " failed: " + name;
        }
        ConcurrentLinkedQueue<String> q = byCaller.computeIfAbsent(pid, p -> {
            names.put(p, taskName(comm.get(), p));
            order.add(p);
            return new ConcurrentLinkedQueue<>();
        });
        q.add(line);
        long n = seq.incrementAndGet();
        span.computeIfAbsent(pid, p -> new long[] {n, n})[1] = n; // written by this caller's thread only
    }

    /** A write's pattern: a fresh seed each time, so every write's bytes differ. */
    String nextSeed() {
        return "seed=" + seeds.getAndIncrement();
    }

    /** The workload file's text. */
    public String text(String kernel, String image) {
        StringBuilder b = new StringBuilder();
        b.append("# Recorded by 'faultline mount --record' from the programs run on ").append(image).append(".\n");
        b.append("# Replay on a copy of the image as it was before the mount: faultline boot THIS.wl --image COPY\n");
        b.append("set kernel ").append(kernel).append('\n');
        Map<Integer, List<String>> before = new java.util.HashMap<>();
        Map<Integer, List<String>> after = new java.util.HashMap<>();
        orderLifetimes(before, after);
        for (Integer pid : order) {
            b.append("task ").append(names.get(pid)).append('\n');
            for (String barrier : before.getOrDefault(pid, List.of())) {
                b.append("  barrier ").append(barrier).append('\n');
            }
            for (String l : byCaller.get(pid)) {
                b.append("  ").append(l).append('\n');
            }
            for (String barrier : after.getOrDefault(pid, List.of())) {
                b.append("  barrier ").append(barrier).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * Callers that ran one after another (a shell's commands) stay in that order in the replay: when
     * B's first call came after A's last, A's end and B's start meet at a barrier — for the nearest
     * such A only (a transitive reduction of "ended before began"). Callers whose calls overlapped in
     * time stay free to interleave, for {@code explore} to vary.
     */
    private void orderLifetimes(Map<Integer, List<String>> before, Map<Integer, List<String>> after) {
        List<Integer> all = new ArrayList<>(order);
        List<long[]> edges = new ArrayList<>(); // {A's last call, B's first call, A, B}
        for (Integer bPid : all) {
            long bFirst = span.get(bPid)[0];
            for (Integer aPid : all) {
                long aLast = span.get(aPid)[1];
                if (aPid.equals(bPid) || aLast >= bFirst) {
                    continue;
                }
                boolean covered = false; // some C ran wholly between A's end and B's start
                for (Integer cPid : all) {
                    long[] c = span.get(cPid);
                    if (!cPid.equals(aPid) && !cPid.equals(bPid) && c[0] > aLast && c[1] < bFirst) {
                        covered = true;
                        break;
                    }
                }
                if (!covered) {
                    edges.add(new long[] {aLast, bFirst, aPid, bPid});
                }
            }
        }
        // every task meets its barriers in one global order: the lowest pending barrier always has both
        // of its tasks at it, so the replay cannot deadlock on them
        edges.sort(java.util.Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
        int n = 0;
        for (long[] e : edges) {
            String name = "after_" + (++n);
            after.computeIfAbsent((int) e[2], k -> new ArrayList<>()).add(name);
            before.computeIfAbsent((int) e[3], k -> new ArrayList<>()).add(name);
        }
    }

    /** A task name: 1-15 of letters, digits, '_', '.', '-', from the process name and the thread id. */
    static String taskName(String comm, int pid) {
        String c = comm.replaceAll("[^A-Za-z0-9_.-]", "");
        String id = "_" + pid;
        if (c.isEmpty()) {
            c = "pid";
        }
        return c.substring(0, Math.min(c.length(), 15 - id.length())) + id;
    }

    /** A path as a workload token, or null if it has characters the language cannot write. */
    static String path(String p) {
        return p.isEmpty() || p.chars().anyMatch(ch -> Character.isWhitespace(ch) || ch == '#') ? null : p;
    }

    /** The open statement for these open flags. */
    static String open(String handle, String path, int flags) {
        StringBuilder b = new StringBuilder("open ").append(handle).append(' ').append(path);
        if ((flags & File.O_CREAT) != 0) {
            b.append(" create");
        }
        if ((flags & File.O_EXCL) != 0) {
            b.append(" excl");
        }
        if ((flags & File.O_TRUNC) != 0) {
            b.append(" trunc");
        }
        if ((flags & File.O_APPEND) != 0) {
            b.append(" append");
        }
        int acc = flags & File.O_ACCMODE;
        b.append(acc == File.O_RDONLY ? " rdonly" : acc == File.O_WRONLY ? " wronly" : " rdwr");
        if ((flags & File.O_DIRECT) != 0) {
            b.append(" direct");
        }
        if ((flags & File.O_SYNC) == File.O_SYNC) {
            b.append(" sync");
        } else if ((flags & File.O_DSYNC) != 0) {
            b.append(" dsync");
        }
        return b.toString();
    }

    /** How many callers and statements were recorded (for the summary line). */
    public String summary() {
        long n = byCaller.values().stream().mapToLong(ConcurrentLinkedQueue::size).sum();
        return String.format(Locale.ROOT, "%d task%s, %d statements", order.size(), order.size() == 1 ? "" : "s", n);
    }

    /** The callers in the order they first called (for tests). */
    List<String> tasks() {
        List<String> l = new ArrayList<>();
        for (Integer p : order) {
            l.add(names.get(p));
        }
        return l;
    }
}
