package org.faultline.tools.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.faultline.images.ext4.Ext4Image;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.kernel.Errno;
import org.faultline.tools.workload.Oracle;
import org.faultline.tools.workload.StepResult;
import org.faultline.tools.workload.Workload;

/**
 * The vs-host check: the same workload through {@link org.faultline.tools.workload.HostInterp} on a
 * fresh image (the same mkfs, the same seed) loop-mounted read-write by the host kernel, compared
 * statement by statement with Faultline's results and file by file with Faultline's unmounted image:
 * the same counts and errnos, O_DIRECT reads at EOF included. The host's files are read from its
 * image unmounted and mounted again (read-only): image against image. (Read through the first
 * mount they would be the host's page cache, which can hold what never reaches its disk: with blocks
 * smaller than a page, bytes a shared mapping stored past EOF in a block that had no disk block stay
 * cached after a direct write extends the file, and are dropped at writeback — Faultline does the
 * same.)
 */
final class HostInterp {
    private HostInterp() {
    }

    /**
     * What the comparison found: the first difference (null if none) and how many statements ended
     * differently near ENOSPC within the documented deviation ({@link #spaceOutcomes}).
     */
    record Comparison(Finding finding, int tolerated) {
    }

    /**
     * Compares the host's run with Faultline's. A statement the workload allows to fail with ENOSPC
     * ({@code expect-error ... ENOSPC|...}) may end differently on the two kernels — one returns
     * ENOSPC or a shorter count where the other goes on: the allocators place blocks differently
     * (Faultline's is not mballoc) and the host's own placement depends on its CPUs and writeback
     * timing, so the last free blocks run out a few blocks apart (docs/testing.md). Such a statement
     * is tolerated; so is the extent of one that ended in ENOSPC on either side (a filling fallocate
     * gets a block more or less before it). The files it acted on are then compared only where it
     * cannot have made them differ: their later results are not compared (Faultline's are checked by
     * the oracle), nor their sizes, and their final bytes only outside the ranges such statements
     * wrote or allocated.
     */
    static Comparison compare(Workload w, SequenceChecker.Input in, Path faultlineImage, SequenceChecker.Options opts,
                              List<StepResult> ours, Map<String, Oracle.ExpectedFile> expected) throws IOException {
        Path scratch = opts.scratch();
        if (w.tasks().size() != 1) {
            return new Comparison(null, 0); // single-task workloads only
        }
        String umask = umaskProblem();
        if (umask != null) {
            return new Comparison(new Finding(Finding.Kind.INTERNAL, umask, ""), 0);
        }
        Path img = Files.createTempFile(scratch, "host", ".img");
        Files.delete(img);
        org.faultline.tools.workload.HostInterp.Result[] res = new org.faultline.tools.workload.HostInterp.Result[1];
        List<Map<String, byte[]>> hostFiles = new ArrayList<>();
        List<Map<String, TreeMeta.Node>> hostTree = new ArrayList<>();
        try {
            opts.makeImage(img, in.imageBytes(), in.seed());
            HostChecks.withMount(img, false, scratch, dir -> res[0] = org.faultline.tools.workload.HostInterp.run(w, dir));
            HostChecks.withMount(img, true, scratch, dir -> {
                hostFiles.add(org.faultline.tools.workload.HostInterp.readFiles(dir));
                hostTree.add(TreeMeta.ofMount(dir));
            });
        } finally {
            Files.deleteIfExists(img);
        }
        List<StepResult> host = res[0].steps();
        FileTracker files = new FileTracker();
        int tolerated = 0;
        for (int i = 0; i < Math.min(ours.size(), host.size()); i++) {
            StepResult s = ours.get(i);
            StepResult h = host.get(i);
            String d = differ(s, h);
            List<Integer> touched = files.files(s.text());
            boolean spaceDiffers = d != null && spaceOutcomes(s, h);
            // how much a fallocate got before ENOSPC can differ too, with the same errno on both sides
            if (spaceDiffers || allowsEnospc(s) && (s.rc() == -Errno.ENOSPC || h.rc() == -Errno.ENOSPC)
                    || files.landsAtSize(s.text()) && touched.stream().anyMatch(files::changed)) {
                // an append to a file a near-ENOSPC statement changed lands at a size that may differ
                files.markChanged(s.text());
            }
            if (spaceDiffers) {
                tolerated++;
            } else if (d != null && touched.stream().noneMatch(files::changed)) {
                return new Comparison(new Finding(Finding.Kind.VS_HOST, w.fileName() + ":" + s.line() + ": " + s.text()
                        + ": " + d, "statement " + (i + 1) + " of " + ours.size() + " executed"), tolerated);
            }
            files.apply(s.text(), s.rc());
        }
        if (ours.size() != host.size()) {
            return new Comparison(new Finding(Finding.Kind.VS_HOST, "Faultline executed " + ours.size()
                    + " statements, the host " + host.size(), ""), tolerated);
        }
        Map<String, Integer> changed = new java.util.TreeMap<>();
        files.pathsNow().forEach((p, id) -> { // every name of a file, hard links included
            if (files.changed(id)) {
                changed.put(p, id);
            }
        });
        return new Comparison(compareFiles(faultlineImage, hostFiles.get(0), hostTree.get(0), expected, changed, files),
                tolerated);
    }

    /**
     * Whether two different results of one statement are both outcomes the workload allows near a
     * full file system: it is wrapped in {@code expect-error} with ENOSPC among its errnos, and each
     * side returned ENOSPC or a count (a short write, a fallocate that got its blocks).
     */
    static boolean spaceOutcomes(StepResult f, StepResult h) {
        return allowsEnospc(f) && f.text().equals(h.text()) && spaceOutcome(f.rc()) && spaceOutcome(h.rc());
    }

    /** Whether the workload allows the statement to fail with ENOSPC ({@code expect-error ... ENOSPC|...}). */
    static boolean allowsEnospc(StepResult f) {
        String t = f.text().strip();
        return t.startsWith("expect-error ") && t.substring(t.lastIndexOf(' ') + 1).contains("ENOSPC");
    }

    private static boolean spaceOutcome(long rc) {
        return rc >= 0 || rc == -Errno.ENOSPC;
    }

    /**
     * Every file on Faultline's image equals the host's, byte for byte, and both trees hold the same
     * files; a file in {@code changed} (path to tracked file) is compared only outside the ranges
     * tolerated statements changed, and not in size. Then every name in both trees — directories and
     * symbolic links too — must agree in type, mode, owner, group, link count, target and which names
     * are one inode ({@link TreeMeta}).
     */
    private static Finding compareFiles(Path faultlineImage, Map<String, byte[]> hostFiles,
                                        Map<String, TreeMeta.Node> hostTree,
                                        Map<String, Oracle.ExpectedFile> expected, Map<String, Integer> changed,
                                        FileTracker files) throws IOException {
        TreeSet<String> paths = new TreeSet<>(expected.keySet());
        for (String p : hostFiles.keySet()) {
            if (!p.startsWith("/lost+found/")) {
                paths.add(p);
            }
        }
        try (Ext4Image v = Ext4Image.openImage(faultlineImage, Ext4Volume.Options.readOnlyMode())) {
            for (String p : paths) {
                byte[] h = hostFiles.get(p);
                if (h == null) {
                    return new Finding(Finding.Kind.VS_HOST, p + " is on Faultline's image, not on the host's", "");
                }
                byte[] f;
                try {
                    f = v.readAll(p);
                } catch (IOException e) {
                    return new Finding(Finding.Kind.VS_HOST, p + " is on the host's image, not on Faultline's ("
                            + HostChecks.oneLine(e.getMessage()) + ")", "");
                }
                Integer id = changed.get(p);
                Finding d = id == null ? compareBytes(p, f, h) : compareOutside(p, f, h, files, id);
                if (d != null) {
                    return d;
                }
            }
            String d = TreeMeta.compare(TreeMeta.ofImage(v), hostTree);
            if (d != null) {
                return new Finding(Finding.Kind.VS_HOST, d, "");
            }
        }
        return null;
    }

    /** Bytes below both sizes and outside the ranges near-ENOSPC statements changed must agree. */
    private static Finding compareOutside(String p, byte[] f, byte[] h, FileTracker files, int id) {
        for (int i = 0; i < Math.min(f.length, h.length); i++) {
            if (f[i] != h[i] && !files.changed(id, i)) {
                return new Finding(Finding.Kind.VS_HOST, String.format(Locale.ROOT, "%s offset %d: Faultline's image "
                        + "0x%02x, the host's 0x%02x (outside what near-ENOSPC statements changed)", p, i, f[i] & 0xff,
                        h[i] & 0xff), "");
            }
        }
        return null;
    }

    private static Finding compareBytes(String p, byte[] f, byte[] h) {
        if (f.length != h.length) {
            return new Finding(Finding.Kind.VS_HOST, p + ": size " + f.length + " on Faultline's image, "
                    + h.length + " on the host's", "");
        }
        for (int i = 0; i < f.length; i++) {
            if (f[i] != h[i]) {
                int n = 0;
                for (int j = i; j < f.length; j++) {
                    n += f[j] != h[j] ? 1 : 0;
                }
                return new Finding(Finding.Kind.VS_HOST, String.format(Locale.ROOT,
                        "%s offset %d: Faultline's image 0x%02x, the host's 0x%02x (%d bytes differ)", p, i,
                        f[i] & 0xff, h[i] & 0xff, n), "");
            }
        }
        return null;
    }

    private static String rc(long v) {
        return v < 0 ? Errno.name(v) : Long.toString(v);
    }

    /** How two results of one statement differ, or null. */
    static String differ(StepResult f, StepResult h) {
        if (!f.text().equals(h.text())) {
            return "the interpreters diverged (host at " + h.text() + ")";
        }
        long n = h.rc();
        if (f.rc() != n) {
            return "returned " + rc(f.rc()) + ", the host " + rc(n);
        }
        if (f.data() != null && h.data() != null && isStat(f.text())) {
            return java.util.Arrays.equals(f.data(), h.data()) ? null
                    : "Faultline's stat " + StepResult.describeStat(f.data()) + ", the host's " + StepResult.describeStat(h.data());
        }
        if (f.data() != null && h.data() != null) {
            int len = Math.min(f.data().length, h.data().length);
            for (int i = 0; i < len; i++) {
                if (f.data()[i] != h.data()[i]) {
                    return String.format(Locale.ROOT, "byte %d of the result: Faultline 0x%02x, the host 0x%02x", i,
                            f.data()[i] & 0xff, h.data()[i] & 0xff);
                }
            }
        }
        return null;
    }

    /**
     * Why the host's modes of new files cannot be compared with Faultline's, or null: the workload
     * creates files with mode 0644 and directories with 0755, and Faultline applies no umask (its tasks'
     * is 0), so a host umask that clears any of those bits ({@code /proc/self/status}) would make every
     * new name differ.
     */
    private static String umaskProblem() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Umask:")) {
                    int u = Integer.parseInt(l.substring(6).strip(), 8);
                    return (u & 0755) == 0 ? null : String.format(Locale.ROOT,
                            "the host's umask %04o clears mode bits of the files the workload creates (run with umask 022)", u);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // an older kernel: assume the usual 022
        }
        return null;
    }

    private static boolean isStat(String text) {
        String t = text.strip();
        return t.startsWith("stat ") || t.startsWith("expect-error stat ");
    }

    static List<StepResult> list() {
        return java.util.Collections.synchronizedList(new ArrayList<>());
    }
}
