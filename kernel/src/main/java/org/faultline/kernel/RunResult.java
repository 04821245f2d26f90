package org.faultline.kernel;

import java.util.List;

/**
 * What one run produced.
 *
 * @param fatal       the failure that ended the run, or null
 * @param failures    every failure reported, warnings included, in order
 * @param schedule    the recorded schedule (controlled runs), or null
 * @param decisions   scheduling decisions taken (controlled runs)
 * @param points      preemption points reached (controlled runs)
 * @param traceDigest FNV digest of every trace event: equal runs have equal digests
 * @param lastEvents  the last trace events, oldest first
 * @param dmesg       the kernel log
 * @param profile     the kernel profile the run booted, with overrides
 */
public record RunResult(Failure fatal, List<Failure> failures, Schedule schedule, long decisions, long points,
                        long traceDigest, List<String> lastEvents, String dmesg, String profile) {

    /** True when nothing fatal happened. */
    public boolean ok() {
        return fatal == null;
    }

    /** The command line's exit code: 0, or the fatal failure's. */
    public int exitCode() {
        return fatal == null ? 0 : fatal.kind().exitCode;
    }

    /** Every failure reported besides the one that decided the run (warnings, invariant reports), in order. */
    public List<Failure> others() {
        return failures.stream().filter(f -> f != fatal).toList();
    }

    /** Warnings reported (WARN_ON), in order. */
    public List<Failure> warnings() {
        return failures.stream().filter(f -> f.kind() == Failure.Kind.WARN).toList();
    }
}
