package org.faultline.tools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.faultline.tools.workload.Workload;
import org.faultline.tools.workload.WorkloadException;

/**
 * The default workload of {@code faultline boot}: the workload file {@code workloads/default.wl}
 * (a resource), its sizes filled in from {@code --size}, {@code --ram} and {@code --memcg-limit}.
 */
final class DefaultWorkload {
    static final String NAME = "default.wl";

    private DefaultWorkload() {
    }

    /**
     * The text for a run writing {@code size} bytes (a multiple of 64k: eight parts, six of them
     * written) on {@code ram} bytes of memory, its tasks in a v1 memcg of {@code memcgLimit} if not null.
     */
    static String text(long size, long ram, Long memcgLimit) {
        long part = size / 8;
        String t = template();
        t = t.replace("@MEMCG@", memcgLimit == null ? "" : "memcg workload " + memcgLimit + " v1");
        t = t.replace("@IN_MEMCG@", memcgLimit == null ? "" : " in memcg workload");
        t = t.replace("@PART@", Long.toString(part)).replace("@CHUNK@", Long.toString(part / 8))
                .replace("@PAGES@", Long.toString(part / 4096)).replace("@TARGET@", Long.toString(Math.min(part, 1 << 20)))
                .replace("@HOG@", Long.toString(ram * 7 / 8 / 4096 * 4096));
        return t;
    }

    /** The parsed workload; see {@link #text}. */
    static Workload of(long size, long ram, Long memcgLimit) {
        try {
            return Workload.parse(text(size, ram, memcgLimit), NAME);
        } catch (WorkloadException e) {
            throw new IllegalStateException("the default workload does not parse: " + e.getMessage(), e);
        }
    }

    private static String template() {
        try (InputStream in = DefaultWorkload.class.getResourceAsStream("/workloads/" + NAME)) {
            if (in == null) {
                throw new IllegalStateException("resource /workloads/" + NAME + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /workloads/" + NAME, e);
        }
    }
}
