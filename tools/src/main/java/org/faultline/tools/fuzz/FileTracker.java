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
 * {@code mmap} a mapping to its handle's file, {@code rename} and {@code unlink} move and drop paths.
 * Files are numbered in the order they appear, so a file keeps its number across renames.
 *
 * <p>Used by the vs-host comparison to know which files a statement whose outcome legitimately
 * differs between two kernels (near ENOSPC) has made different, and so which later results and final
 * files are compared with the oracle instead of with each other.
 */
final class FileTracker {
    private final Map<String, Integer> paths = new TreeMap<>();
    private final Map<String, Integer> handles = new HashMap<>();
    private int next;

    /** The files statement {@code text} acts on (through its handles and mappings), before it runs. */
    List<Integer> files(String text) {
        List<Integer> out = new ArrayList<>();
        for (String tok : words(text)) {
            Integer id = handles.get(tok.replaceFirst("\\+.*", ""));
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
            case "open" -> handles.put(w.get(1), paths.computeIfAbsent(w.get(2), p -> next++));
            case "mmap" -> {
                Integer id = handles.get(w.get(2));
                if (id != null) {
                    handles.put(w.get(1), id);
                }
            }
            case "close", "munmap" -> handles.remove(w.get(1));
            case "unlink" -> paths.remove(w.get(1));
            case "rename" -> rename(w.get(1), w.get(2));
            default -> {
                // no change to the namespace or the handles
            }
        }
    }

    /** The path each tracked file has now, by file number. */
    Map<Integer, String> pathsNow() {
        Map<Integer, String> out = new TreeMap<>();
        paths.forEach((p, id) -> out.put(id, p));
        return out;
    }

    private void rename(String from, String to) {
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
