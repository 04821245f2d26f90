package org.faultline.tools.workload;

import java.util.Locale;
import java.util.Map;

/**
 * A {@code set fail-write PATH [nth=N] [count=C] [ERRNO]} line: the writeback of PATH fails at
 * submission — its {@code nth} (from 1) block mapping in writeback, and the {@code count - 1} after it,
 * fail with ERRNO (default EIO), as a failing {@code ->map_blocks} (iomap) or delayed allocation
 * (ext4's {@code mpage_map_and_submit_extent}) does. Armed when the workload first opens PATH, on the
 * inode it opens; counted per inode.
 *
 * @param path  the file, absolute
 * @param nth   the first failing mapping, from 1
 * @param count how many fail
 * @param errno the positive errno
 */
public record FailWrite(String path, int nth, int count, int errno) {
    /** The form, for messages. */
    public static final String USAGE = "PATH [nth=N] [count=C] [ERRNO]";

    /**
     * Parses the value of a {@code fail-write} setting.
     *
     * @param errnos errno names to numbers
     * @throws IllegalArgumentException with a one-line reason
     */
    static FailWrite parse(String spec, Map<String, Integer> errnos) {
        return parseWith(spec, errnos);
    }

    /** {@link #parse(String, Map)} with the workload language's errno names (for {@code mount --fail-write}). */
    public static FailWrite parse(String spec) {
        return parseWith(spec, Parser.ERRNOS);
    }

    private static FailWrite parseWith(String spec, Map<String, Integer> errnos) {
        String[] tok = spec.trim().split("\\s+");
        if (tok.length == 0 || !tok[0].startsWith("/")) {
            throw new IllegalArgumentException("expected " + USAGE + " with an absolute PATH, got '" + spec + "'");
        }
        int nth = 1;
        int count = 1;
        int errno = errnos.get("EIO");
        boolean sawErrno = false;
        for (int i = 1; i < tok.length; i++) {
            String t = tok[i];
            if (t.startsWith("nth=") || t.startsWith("count=")) {
                int v;
                try {
                    v = Integer.parseInt(t.substring(t.indexOf('=') + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad number in '" + t + "' (" + USAGE + ")");
                }
                if (v < 1) {
                    throw new IllegalArgumentException("'" + t + "' must be at least 1");
                }
                if (t.startsWith("nth=")) {
                    nth = v;
                } else {
                    count = v;
                }
            } else if (errnos.containsKey(t.toUpperCase(Locale.ROOT)) && !sawErrno) {
                errno = errnos.get(t.toUpperCase(Locale.ROOT));
                sawErrno = true;
            } else {
                throw new IllegalArgumentException("unexpected '" + t + "' (" + USAGE + "; errnos: "
                        + String.join(" ", errnos.keySet()) + ")");
            }
        }
        return new FailWrite(tok[0], nth, count, errno);
    }
}
