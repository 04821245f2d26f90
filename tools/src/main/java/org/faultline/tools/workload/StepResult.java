package org.faultline.tools.workload;

/**
 * What one executed statement returned, for comparing two interpreters of the same workload
 * (Faultline's {@link WorkloadRunner} and {@link HostInterp} on the host kernel): its result (a count,
 * 0, or a negative errno; for {@code expect-error} the wrapped statement's) and, for reads, loads and
 * stats, the data (the bytes read, or what a stat returned: {@link #statData}).
 *
 * @param line       the statement's line
 * @param text       the statement, with loop variables ({@code " [i=3]"})
 * @param rc         the result
 * @param data       bytes returned (null for statements that return none)
 */
public record StepResult(int line, String text, long rc, byte[] data) {
    /**
     * A stat's data: its size (-1 for a directory) as 8 little-endian bytes, then {@code st_mode},
     * {@code st_nlink}, {@code st_uid} and {@code st_gid}, 4 each.
     */
    public static byte[] statData(boolean dir, long size, int mode, int nlink, int uid, int gid) {
        return java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(dir ? -1 : size)
                .putInt(mode).putInt(nlink).putInt(uid).putInt(gid).array();
    }

    /** {@link #statData} as text: "size 4096 mode 0100644 nlink 1 uid 0 gid 0". */
    public static String describeStat(byte[] d) {
        if (d == null || d.length < 24) {
            return String.valueOf(d == null ? null : d.length + " bytes");
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return "size " + b.getLong(0) + " mode 0" + Integer.toOctalString(b.getInt(8)) + " nlink " + b.getInt(12)
                + " uid " + Integer.toUnsignedString(b.getInt(16)) + " gid " + Integer.toUnsignedString(b.getInt(20));
    }
}
