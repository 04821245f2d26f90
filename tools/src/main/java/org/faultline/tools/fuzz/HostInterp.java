package org.faultline.tools.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.faultline.fs.Errno;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.fs.ext4.Mkfs;
import org.faultline.tools.workload.Oracle;
import org.faultline.tools.workload.StepResult;
import org.faultline.tools.workload.Workload;

/**
 * The vs-host check: the same workload through {@link org.faultline.tools.workload.HostInterp} on a
 * fresh image (the same mkfs, the same seed) loop-mounted read-write by the host kernel, compared
 * statement by statement with Faultline's results and file by file with Faultline's unmounted image:
 * the same counts and errnos, O_DIRECT reads at EOF included.
 */
final class HostInterp {
    private HostInterp() {
    }

    /** The first difference, or null. */
    static Finding compare(Workload w, SequenceChecker.Input in, Path faultlineImage, Path scratch, List<StepResult> ours,
                           Map<String, Oracle.ExpectedFile> expected) throws IOException {
        if (w.tasks().size() != 1) {
            return null; // single-task workloads only
        }
        Path img = Files.createTempFile(scratch, "host", ".img");
        Files.delete(img);
        org.faultline.tools.workload.HostInterp.Result[] res = new org.faultline.tools.workload.HostInterp.Result[1];
        try {
            Mkfs.createImage(img, in.imageBytes(), Mkfs.Options.seeded(in.seed()));
            HostChecks.withMount(img, false, scratch, dir -> res[0] = org.faultline.tools.workload.HostInterp.run(w, dir));
        } finally {
            Files.deleteIfExists(img);
        }
        List<StepResult> host = res[0].steps();
        for (int i = 0; i < Math.min(ours.size(), host.size()); i++) {
            String d = differ(ours.get(i), host.get(i));
            if (d != null) {
                StepResult s = ours.get(i);
                return new Finding(Finding.Kind.VS_HOST, w.fileName() + ":" + s.line() + ": " + s.text() + ": " + d,
                        "statement " + (i + 1) + " of " + ours.size() + " executed");
            }
        }
        if (ours.size() != host.size()) {
            return new Finding(Finding.Kind.VS_HOST, "Faultline executed " + ours.size() + " statements, the host "
                    + host.size(), "");
        }
        TreeSet<String> paths = new TreeSet<>(expected.keySet());
        for (String p : res[0].files().keySet()) {
            if (!p.startsWith("/lost+found/")) {
                paths.add(p);
            }
        }
        try (Ext4Volume v = Ext4Volume.openImage(faultlineImage, Ext4Volume.Options.readOnlyMode())) {
            for (String p : paths) {
                byte[] h = res[0].files().get(p);
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

    static List<StepResult> list() {
        return java.util.Collections.synchronizedList(new ArrayList<>());
    }
}
