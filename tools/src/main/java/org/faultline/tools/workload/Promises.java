package org.faultline.tools.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.faultline.kernel.HostLock;

/**
 * What a run's workload was promised about durability, for crash checking ({@code faultline crash}):
 * when {@code fsync} or {@code fdatasync} of a file returns, its data and size as the oracle knows
 * them, and the blocks it has ({@code st_blocks}: preallocated blocks past EOF included, as xfstests'
 * generic/468 checks); when {@code sync} returns, every file's data and size. Each promise is stamped with the block write log's
 * length when it was made ({@code position}, e.g. {@code WriteLogDriver} entries): a crash after
 * that many log entries (write bios and flushes) completed must leave those contents.
 *
 * <p>A promise about a file stops applying to a crash state once the file may have changed since: a
 * write, store, truncate or fallocate of it, or an unlink or rename of its path, that had not
 * finished when the fsync began and had begun before the last log entry the state holds — the file
 * may then hold either contents (the CrashMonkey rule: only files not modified after their last
 * persistence point are checked).
 *
 * <p>Instrumentation like the {@link Oracle}: guarded by a host lock held briefly, no preemption point.
 */
public final class Promises {
    /**
     * One promise: what was synced, when (the statement's start as an event number, the log's
     * length at its return), and the files it covers as the oracle had them then.
     */
    public record Promise(long seqStart, long posEnd, String what, List<Oracle.ExpectedFile> files, long ino, long blocks) {
        /** The blocks (512-byte units, {@code st_blocks}) an fsync'd or fdatasync'd file had, or -1. */
        public long blocksOf(Oracle.ExpectedFile f) {
            return f.ino() == ino ? blocks : -1;
        }
    }

    /** A change of a file (by inode, or of the paths of a rename or unlink). */
    private record Change(long seqEnd, long posStart, long ino, String path1, String path2) {
        boolean touches(Oracle.ExpectedFile f) {
            return (ino >= 0 && ino == f.ino()) || f.path().equals(path1) || f.path().equals(path2)
                    || (path1 != null && f.path().startsWith(path1 + "/")) || (path2 != null && f.path().startsWith(path2 + "/"));
        }
    }

    /** A file to check in a crash state, and the promise that covers it. */
    public record Check(Oracle.ExpectedFile file, Promise promise) {
    }

    private final HostLock lock = new HostLock();
    private final LongSupplier position;
    private long seq;
    private final Map<String, long[]> running = new TreeMap<>(); // task -> {seqStart, posStart}
    private final List<Promise> promises = new ArrayList<>();
    private final List<Change> changes = new ArrayList<>();

    /** @param position the length of the write log now */
    public Promises(LongSupplier position) {
        this.position = position;
    }

    /** A statement of {@code task} begins. */
    void begin(String task) {
        lock.lock();
        try {
            running.put(task, new long[] {++seq, position.getAsLong()});
        } finally {
            lock.unlock();
        }
    }

    /** A file-changing statement of {@code task} ended (successful or not). */
    void changed(String task, long ino, String path1, String path2) {
        lock.lock();
        try {
            long[] r = running.get(task);
            changes.add(new Change(++seq, r == null ? 0 : r[1], ino, path1, path2));
        } finally {
            lock.unlock();
        }
    }

    /**
     * A successful fsync/fdatasync ({@code ino}, which had {@code blocks} then) or sync ({@code ino} -1)
     * of {@code task} returned.
     */
    void synced(String task, long ino, long blocks, String what, Oracle o) {
        List<Oracle.ExpectedFile> files = new ArrayList<>();
        for (Oracle.ExpectedFile f : o.expectedFiles().values()) {
            if (ino < 0 || f.ino() == ino) {
                files.add(f);
            }
        }
        lock.lock();
        try {
            long[] r = running.get(task);
            promises.add(new Promise(r == null ? 0 : r[0], position.getAsLong(), what, List.copyOf(files), ino, blocks));
            ++seq;
        } finally {
            lock.unlock();
        }
    }

    /** Every promise made, in order. */
    public List<Promise> promises() {
        lock.lock();
        try {
            return List.copyOf(promises);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The files a crash state must hold as promised: for each path, the latest promise made by the
     * crash that still applies. The crash came after {@code entries} entries of the log completed;
     * the state holds entries up to index {@code lastIncluded} at most (a change that began after
     * that cannot be in it, so it leaves the promise standing).
     */
    public List<Check> checksAt(long entries, long lastIncluded) {
        lock.lock();
        try {
            Map<String, Check> latest = new TreeMap<>();
            for (Promise p : promises) {
                if (p.posEnd() > entries) {
                    continue;
                }
                for (Oracle.ExpectedFile f : p.files()) {
                    latest.put(f.path(), new Check(f, p));
                }
            }
            List<Check> out = new ArrayList<>();
            for (Check c : latest.values()) {
                boolean stale = false;
                for (Change ch : changes) {
                    if (ch.seqEnd() > c.promise().seqStart() && ch.posStart() <= lastIncluded && ch.touches(c.file())) {
                        stale = true;
                        break;
                    }
                }
                if (!stale) {
                    out.add(c);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }
}
