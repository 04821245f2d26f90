package org.faultline.tools.explore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.KernelProfile;
import org.faultline.tools.workload.Workload;

/**
 * A reproduction scenario: a workload in the public format (docs/workloads.md) — its tasks, and in
 * its {@code set} lines the machine it runs on: kernel profile and patches, RAM, image size, mount
 * options, memcgs, fault injection. Nothing in the kernel knows about it; failures are found by the
 * generic detectors and the workload's data oracle.
 *
 * @param name        the id users pass to explore ({@code mkwrite-not-uptodate-after-eio}), or the
 *                    path of a workload file
 * @param description one line
 * @param bug         the reference bug it reproduces (1..4), or 0
 * @param workload    the parsed workload
 * @param text        the workload's text, as written
 */
public record Scenario(String name, String description, int bug, Workload workload, String text) {
    /** Default RAM of a scenario that does not set it. */
    public static final long DEFAULT_RAM = 4L << 20;
    /** Default image size of a scenario that does not set it. */
    public static final long DEFAULT_IMAGE = 8L << 20;
    /** The search of a workload that sets none (docs/reproducing.md: it finds all six reference bugs). */
    public static final String DEFAULT_STRATEGY = "pct";
    public static final String DEFAULT_DEPTH = "3";
    public static final String DEFAULT_ITERATIONS = "2000";

    /** FNV-1a of the workload's text: a saved schedule replays only on the same text. */
    public String digest() {
        return digest(text);
    }

    /** {@link #digest()} as a number: the tag a schedule recorded on this scenario carries. */
    public long digestValue() {
        return Long.parseUnsignedLong(digest(), 16);
    }

    /** The kernel profile it names ({@code set kernel}), or 6.6. */
    public String profile() {
        return workload.stringSetting("kernel", "6.6");
    }

    /** Its {@code set patch} overrides, in order. */
    public List<String> patches() {
        List<String> l = new ArrayList<>();
        for (String v : workload.settingValues("patch")) {
            for (String p : v.split("[,\\s]+")) {
                if (!p.isEmpty()) {
                    l.add(p);
                }
            }
        }
        return l;
    }

    /** The profile a run boots: {@code kernel} (or the scenario's), the scenario's patches, then {@code extra}. */
    public KernelProfile kernel(String kernel, List<String> extra) {
        return KernelProfile.byName(kernel == null ? profile() : kernel).with(patches()).with(extra);
    }

    /** How {@code explore} searches it: {@code set strategy}, else {@link #DEFAULT_STRATEGY}. */
    public String strategy() {
        return workload.stringSetting("strategy", DEFAULT_STRATEGY);
    }

    /** The PCT depth: {@code set depth}, else {@link #DEFAULT_DEPTH}. */
    public int depth() {
        return (int) workload.longSetting("depth", Long.parseLong(DEFAULT_DEPTH));
    }

    /** The schedules {@code explore} tries: {@code set iterations}, else {@link #DEFAULT_ITERATIONS}. */
    public long iterations() {
        return workload.longSetting("iterations", Long.parseLong(DEFAULT_ITERATIONS));
    }

    public int ramPages() {
        return (int) (workload.sizeSetting("ram", DEFAULT_RAM) / 4096);
    }

    public long imageBytes() {
        return workload.sizeSetting("image-size", DEFAULT_IMAGE);
    }

    public boolean iomap() {
        return workload.boolSetting("iomap", false);
    }

    /** Whether the scenario's image has a journal and metadata_csum ({@code set journal on}). */
    public boolean journal() {
        return workload.boolSetting("journal", false);
    }

    /** The mkfs options of the scenario's image. */
    public org.faultline.images.ext4.Mkfs.Options mkfsOptions() {
        org.faultline.images.ext4.Mkfs.Options o = org.faultline.images.ext4.Mkfs.Options.seeded(1);
        return journal() ? o.withJournal(org.faultline.images.ext4.Mkfs.Options.DEFAULT_JOURNAL).withMetadataCsum(true) : o;
    }

    static String digest(String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return String.format("%016x", h);
    }
}
