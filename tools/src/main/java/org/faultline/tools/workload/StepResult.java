package org.faultline.tools.workload;

/**
 * What one executed statement returned, for comparing two interpreters of the same workload
 * (Faultline's {@link WorkloadRunner} and {@link HostInterp} on the host kernel): its result (a count,
 * 0, or a negative errno; for {@code expect-error} the wrapped statement's) and, for reads, loads and
 * stats, the data (the bytes read, or a stat's size as 8 little-endian bytes).
 *
 * @param line       the statement's line
 * @param text       the statement, with loop variables ({@code " [i=3]"})
 * @param rc         the result
 * @param data       bytes returned (null for statements that return none)
 */
public record StepResult(int line, String text, long rc, byte[] data) {
}
