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
 * recording saw. Calls the workload language has no statement for (utimensat, chown) are not
 * recorded, nor are lookups, stats and directory reads.
 *
 * <p>The calls of different callers keep the order they were served in: where the recording passes
 * from one caller's call to another's, the two meet at a barrier (the first's task after its call,
 * the second's before), so a shell's commands and its own writes replay in the order they ran. Every
 * task meets its barriers in the one global order, so the replay cannot deadlock on them; what is
 * left to interleave is each call with the kernel's own work (the flusher, reclaim, completions).
 *
 * <p>FUSE's threads record concurrently: each statement is queued with its number in one global
 * sequence (taken when its call has returned: a valid order of the calls as served), and the file is
 * made from the queue, sorted, when the mount ends.
 */
public final class Recorder implements AutoCloseable {
    /** One recorded statement: its place in the global order, its caller. */
    private record Entry(long seq, int pid, String line) {
    }

    private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();
    private final Map<Integer, String> names = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Integer> order = new ConcurrentLinkedQueue<>(); // first call order
    private final AtomicLong seeds = new AtomicLong(1);
    private final AtomicLong seq = new AtomicLong();
    private final java.nio.channels.FileChannel data;  // --record-data: the bytes written, or null
    private final String dataName;
    private final AtomicLong dataEnd = new AtomicLong();
    private volatile java.io.IOException dataError;

    /** A recorder of the I/O's shape (patterns). */
    public Recorder() {
        this.data = null;
        this.dataName = null;
    }

    /**
     * A recorder that keeps the bytes written in {@code dataFile} (created or truncated), which the
     * workload names as written by {@code name}.
     *
     * @throws java.io.IOException if the file cannot be created
     */
    public Recorder(java.nio.file.Path dataFile, String name) throws java.io.IOException {
        this.data = java.nio.channels.FileChannel.open(dataFile, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        this.dataName = name;
    }

    /**
     * A write's data: its bytes appended to the data file ({@code data=OFFSET}), or a fresh pattern seed
     * ({@code seed=N}) when the bytes are not kept. Positional writes at reserved offsets: FUSE's
     * threads append at once.
     */
    String dataOf(byte[] b, int len) {
        String seed = nextSeed();
        if (data == null) {
            return seed;
        }
        long at = dataEnd.getAndAdd(len);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b, 0, len);
        try {
            for (long p = at; buf.hasRemaining(); ) {
                p += data.write(buf, p);
            }
        } catch (java.io.IOException e) {
            dataError = e;
        }
        return MARK + seed + MARK + "data=" + at + MARK; // which of the two: text(), when the file is made
    }

    /** Brackets a write's two data forms in a recorded line: {@code MARK seed=N MARK data=P MARK}. */
    private static final String MARK = "\u0001";
    private static final java.util.regex.Pattern BOTH = java.util.regex.Pattern.compile(MARK + "([^" + MARK + "]*)" + MARK
            + "([^" + MARK + "]*)" + MARK);

    /** The first error writing the data file, or null. */
    public java.io.IOException dataError() {
        return dataError;
    }

    /** Closes the data file. */
    @Override
    public void close() throws java.io.IOException {
        if (data != null) {
            data.close();
        }
    }

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
        if (names.putIfAbsent(pid, "") == null) {
            names.put(pid, taskName(comm.get(), pid));
            order.add(pid);
        }
        entries.add(new Entry(seq.incrementAndGet(), pid, line));
    }

    /** A write's pattern: a fresh seed each time, so every write's bytes differ. */
    String nextSeed() {
        return "seed=" + seeds.getAndIncrement();
    }

    /**
     * The workload file's text.
     *
     * @param kernel  the profile's name (without overrides)
     * @param patches the overrides ({@code +ID}, {@code -ID}), each a {@code set patch} line
     * @param lkdtm   the armed crash point ({@code set lkdtm}), or null
     * @param data    whether the writes name the data file's bytes (a recorder made with one), or patterns
     *                (the workload a capture keeps, which must not depend on a file beside it)
     */
    public String text(String kernel, List<String> patches, String image, String lkdtm, boolean data) {
        boolean withData = data && dataName != null;
        List<Entry> all = new ArrayList<>(entries);
        all.sort(java.util.Comparator.comparingLong(Entry::seq));
        Map<Integer, List<String>> lines = new java.util.HashMap<>();
        int barriers = 0;
        Integer last = null;
        for (Entry e : all) {
            if (last != null && last != e.pid()) { // the next call is another caller's: it waits for this one
                String b = "barrier order_" + (++barriers);
                lines.computeIfAbsent(last, k -> new ArrayList<>()).add(b);
                lines.computeIfAbsent(e.pid(), k -> new ArrayList<>()).add(b);
            }
            lines.computeIfAbsent(e.pid(), k -> new ArrayList<>()).add(e.line());
            last = e.pid();
        }
        StringBuilder b = new StringBuilder();
        b.append("# Recorded by 'faultline mount --record' from the programs run on ").append(image).append(".\n");
        b.append("# Replay on a copy of the image as it was before the mount: faultline boot THIS.wl --image COPY\n");
        b.append("set kernel ").append(kernel).append('\n');
        for (String p : patches) {
            b.append("set patch ").append(p).append('\n');
        }
        if (lkdtm != null) {
            b.append("set lkdtm ").append(lkdtm).append('\n');
        }
        if (withData) {
            b.append("set data ").append(dataName).append('\n');
        }
        for (Integer pid : order) {
            b.append("task ").append(names.get(pid)).append('\n');
            for (String l : lines.getOrDefault(pid, List.of())) {
                b.append("  ").append(l.indexOf(MARK) < 0 ? l : BOTH.matcher(l).replaceAll(withData ? "$2" : "$1")).append('\n');
            }
        }
        return b.toString();
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
        long n = entries.size();
        return String.format(Locale.ROOT, "%d task%s, %d statements", order.size(), order.size() == 1 ? "" : "s", n);
    }
}
