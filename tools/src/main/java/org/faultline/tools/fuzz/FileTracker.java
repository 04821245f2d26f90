package org.faultline.tools.fuzz;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which file each statement of a straight-line workload acts on, followed from the statements' text
 * as they run: {@code open} binds a handle to the file at a path (a new file for a new path),
 * {@code mmap} a mapping to its handle's file, {@code rename} and {@code unlink} move and drop paths,
 * {@code link} gives a file a second path (the same number). Files are numbered in the order they
 * appear, so a file keeps its number across renames and under every name.
 *
 * <p>Used by the vs-host comparison to know which files a statement whose outcome legitimately
 * differs between two kernels (near ENOSPC) has made different, and so which later results and final
 * files are compared with the oracle instead of with each other.
 */
final class FileTracker {
    private final Map<String, Integer> paths = new TreeMap<>();
    private final Map<String, Integer> handles = new HashMap<>();
    private final Map<String, Boolean> append = new HashMap<>();
    private final Map<Integer, List<long[]>> changed = new TreeMap<>();
    private int next;

    /**
     * Records that statement {@code text} may have left its files different on the two kernels: the
     * bytes it wrote, zeroed or allocated ({@code write}/{@code fallocate} offset and length), or the
     * whole file for anything else (an {@code fsync}, a write through an O_APPEND handle).
     */
    void markChanged(String text) {
        List<String> w = words(text);
        long[] range = {0, Long.MAX_VALUE};
        if (w.size() >= 4 && (w.get(0).equals("write") || w.get(0).equals("fallocate"))
                && !append.getOrDefault(w.get(1), false) && w.get(2).matches("\\d+") && w.get(3).matches("\\d+")) {
            long off = Long.parseLong(w.get(2));
            range = new long[] {off, off + Long.parseLong(w.get(3))};
        }
        for (int id : files(text)) {
            changed.computeIfAbsent(id, k -> new ArrayList<>()).add(range);
        }
    }

    /**
     * Whether statement {@code text} lands where its file's size says — a write through an O_APPEND
     * handle — so that on a file whose size may differ between the two kernels it lands differently.
     */
    boolean landsAtSize(String text) {
        List<String> w = words(text);
        return w.size() >= 2 && w.get(0).equals("write") && append.getOrDefault(w.get(1), false);
    }

    /** Whether file {@code id} has been {@link #markChanged changed} anywhere. */
    boolean changed(int id) {
        return changed.containsKey(id);
    }

    /** Whether byte {@code pos} of file {@code id} lies in a range a statement {@link #markChanged changed}. */
    boolean changed(int id, long pos) {
        for (long[] r : changed.getOrDefault(id, List.of())) {
            if (pos >= r[0] && pos < r[1]) {
                return true;
            }
        }
        return false;
    }

    /**
     * The files statement {@code text} acts on — through its handles and mappings, or by path
     * ({@code stat}, {@code unlink}, {@code rename}) — before it runs.
     */
    List<Integer> files(String text) {
        List<Integer> out = new ArrayList<>();
        List<String> w = words(text);
        if (!w.isEmpty() && w.get(0).equals("symlink")) {
            w = w.subList(w.size() - 1, w.size()); // the link's path; its target is text, not a file
        }
        for (String tok : w) {
            Integer id = tok.startsWith("/") ? paths.get(tok) : handles.get(tok.replaceFirst("\\+.*", ""));
            if (id != null && !out.contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    /** Follows statement {@code text}, which returned {@code rc} (a negative errno when it failed). */
    void apply(String text, long rc) {
        List<String> w = words(text);
        if (w.isEmpty() || rc < 0) {
            return;
        }
        switch (w.get(0)) {
            case "open" -> {
                handles.put(w.get(1), paths.computeIfAbsent(w.get(2), p -> next++));
                append.put(w.get(1), w.contains("append"));
            }
            case "mmap" -> {
                Integer id = handles.get(w.get(2));
                if (id != null) {
                    handles.put(w.get(1), id);
                }
            }
            case "close", "munmap" -> handles.remove(w.get(1));
            case "unlink" -> paths.remove(w.get(1));
            case "link" -> {
                Integer id = paths.get(w.get(1));
                if (id != null) {
                    paths.put(w.get(2), id);
                }
            }
            case "rename" -> rename(w.get(1), w.get(2));
            default -> {
                // no change to the namespace or the handles
            }
        }
    }

    /** Every path a tracked file has now (all its hard links), and its file number. */
    Map<String, Integer> pathsNow() {
        return new TreeMap<>(paths);
    }

    private void rename(String from, String to) {
        if (paths.get(from) != null && paths.get(from).equals(paths.get(to))) {
            return; // two names of one file: rename(2) does nothing
        }
        paths.keySet().removeIf(p -> p.equals(to) || p.startsWith(to + "/"));
        for (String p : new TreeSet<>(paths.keySet())) {
            if (p.equals(from) || p.startsWith(from + "/")) {
                paths.put(to + p.substring(from.length()), paths.remove(p));
            }
        }
    }

    /** The statement's words, an {@code expect-error} wrapper and its errno list removed. */
    private static List<String> words(String text) {
        List<String> w = new ArrayList<>(List.of(text.strip().split("\\s+")));
        if (!w.isEmpty() && w.get(0).equals("expect-error")) {
            w.remove(0);
            if (!w.isEmpty()) {
                w.remove(w.size() - 1);
            }
        }
        return w;
    }
}
