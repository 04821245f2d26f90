package org.faultline.tools.explore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.faultline.tools.workload.TextFiles;
import org.faultline.tools.workload.Workload;
import org.faultline.tools.workload.WorkloadException;

/**
 * The built-in scenarios: workload files in the public format, shipped as resources under
 * {@code /scenarios/NAME.wl} (tools/src/main/resources/scenarios), each with the settings of the
 * machine it needs. The kernel knows nothing about them. A user's own workload file is a scenario
 * too ({@link #resolve}).
 */
public final class Scenarios {
    private Scenarios() {
    }

    /** One built-in: its id, the bug it reproduces and a line saying how. */
    private record Entry(String name, int bug, String description) {
    }

    private static final List<Entry> BUILT_IN = List.of(
            new Entry("gup-dio-dirty-no-buffers", 1,
                    "bug 1: O_DIRECT read into a MAP_SHARED file mapping under writeback and reclaim (4.16)"),
            new Entry("gup-dio-redirty-no-reclaim", 1,
                    "bug 1, second variant: the same read while writeback cleans the page, no reclaim (4.16)"),
            new Entry("mkwrite-not-uptodate-after-eio", 2,
                    "bug 2: store to a mapped page after a writeback submission error (iomap, 5.8)"),
            new Entry("fault-vs-writepages-memcg-deadlock", 3,
                    "bug 3: page fault in a v1 memcg at its limit vs ext4_writepages (4.20)"),
            new Entry("writeback-stale-wake-bug-on", 4,
                    "bug 4: fsync vs a stale end_page_writeback wake-up (write_cache_pages, 5.10)"),
            new Entry("writeback-stale-wake-page-reuse", 4,
                    "bug 4, page-reuse variant: the frame is freed and reused between clear and wake (5.10-rc)"));

    /** Every built-in scenario, by bug. */
    public static List<Scenario> all() {
        List<Scenario> l = new ArrayList<>();
        for (Entry e : BUILT_IN) {
            l.add(load(e));
        }
        return l;
    }

    /** The built-in names, in order. */
    public static List<String> names() {
        return BUILT_IN.stream().map(Entry::name).toList();
    }

    /**
     * Looks a built-in scenario up.
     *
     * @throws IllegalArgumentException naming the known scenarios
     */
    public static Scenario byName(String name) {
        for (Entry e : BUILT_IN) {
            if (e.name().equals(name)) {
                return load(e);
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + name + "' (known: " + String.join(", ", names())
                + "; or give a workload file)");
    }

    /**
     * A built-in scenario by name, or else a workload file by path: the command line's
     * {@code SCENARIO|WORKLOAD-FILE}.
     *
     * @throws IllegalArgumentException for an unknown name, a missing or unreadable file, or a workload
     *                                  that does not parse (one line: {@code file:line: reason})
     */
    public static Scenario resolve(String nameOrPath) {
        if (names().contains(nameOrPath)) {
            return byName(nameOrPath);
        }
        Path p = Path.of(nameOrPath);
        if (!Files.isRegularFile(p)) {
            if (Files.exists(p)) { // a directory, FIFO, socket or device: say what it is, never ENOENT
                throw new IllegalArgumentException(nameOrPath + ": " + (Files.isDirectory(p) ? "Is a directory (EISDIR)"
                        : "not a regular file") + "; give a workload file (docs/workloads.md) or a scenario name "
                        + "(faultline scenarios)");
            }
            if (nameOrPath.contains("/") || nameOrPath.endsWith(".wl")) {
                throw new IllegalArgumentException(nameOrPath + ": No such file or directory (ENOENT); give a workload "
                        + "file or a scenario name (faultline scenarios)");
            }
            return byName(nameOrPath); // the unknown-name message, listing the built-ins
        }
        String text;
        try {
            text = TextFiles.read(p, "workload", TextFiles.MAX_WORKLOAD_BYTES);
        } catch (IOException e) {
            throw new IllegalArgumentException(nameOrPath + ": " + org.faultline.tools.HostErrors.describe(e));
        }
        try {
            Workload w = Workload.parse(text, nameOrPath);
            return new Scenario(nameOrPath, "workload file " + nameOrPath, 0, w, text);
        } catch (WorkloadException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /**
     * A scenario from its workload text, as a capture keeps it: the built-in of that name if its text
     * is the same, else a workload named {@code name}.
     *
     * @throws IllegalArgumentException if the text does not parse
     */
    public static Scenario fromText(String name, String text) {
        if (names().contains(name) && byName(name).text().equals(text)) {
            return byName(name);
        }
        try {
            return new Scenario(name, "captured workload " + name, 0, Workload.parse(text, name), text);
        } catch (WorkloadException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private static Scenario load(Entry e) {
        String res = "/scenarios/" + e.name() + ".wl";
        String text;
        try (InputStream in = Scenarios.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalStateException("built-in scenario " + res + " is missing from the build");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        try {
            return new Scenario(e.name(), e.description(), e.bug(), Workload.parse(text, e.name() + ".wl"), text);
        } catch (WorkloadException ex) {
            throw new IllegalStateException("built-in scenario " + res + " does not parse: " + ex.getMessage(), ex);
        }
    }
}
