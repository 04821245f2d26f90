package org.faultline.images.capture;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.util.List;

/**
 * What a capture records (stored as JSON in the {@code captures} database; docs/captures.md): what
 * ran, how it failed, and where its texts, disk and write log are in the store (digests of objects).
 * The capture's id is the digest of this JSON without {@link #capturedAtMs}, so the same failure
 * captured twice is one capture.
 *
 * @param format       {@link #FORMAT}
 * @param faultline    the Faultline version that captured it
 * @param capturedAtMs host wall clock at capture (not part of the id)
 * @param command      the runner: {@code explore}, {@code replay}, {@code boot}
 * @param kind         the failure kind (BUG, WARN, DEADLOCK, HANG, CORRUPTION, INVARIANT, ...)
 * @param exitCode     the run's exit code
 * @param title        the signature line (the report's first line)
 * @param scenario     the built-in scenario's name, or the workload file's name
 * @param workload     digest of the workload's text
 * @param profile      the kernel profile asked for (the scenario's, or {@code --kernel})
 * @param patches      the patch overrides asked for on top of it and the scenario's ({@code +id}/{@code -id})
 * @param kernel       the effective kernel, as reports name it (profile and every patch change)
 * @param strategy     {@code random} or {@code pct}
 * @param seed         the strategy's seed
 * @param depth        PCT depth (0 for random)
 * @param schedule     the recorded schedule ({@code fl2:...})
 * @param maxSteps     the scheduling decisions a run was allowed before a livelock is reported
 * @param step         the scheduler step of the failure
 * @param report       digest of the failure report (and the other failures' reports after it)
 * @param log          digest of the whole kernel log
 * @param traceDigest  the run's trace digest (64-bit FNV-1a of every event, hex): the whole trace is
 *                     not stored but made again by replaying the schedule, and must have this digest
 * @param traceEvents  events in the trace
 * @param diskBytes    the disk's size
 * @param baseMap      digest of the disk map at boot
 * @param finalMap     digest of the disk map at the failure, or null when the boot map plus the write log
 *                     gives it ({@code logComplete})
 * @param writeLog     digest of the block write log since boot
 * @param writes       entries in the write log
 * @param logComplete  whether the base plus the log rebuilds the final disk (checked at capture)
 */
public record Manifest(int format, String faultline, long capturedAtMs, String command, String kind, int exitCode,
                       String title, String scenario, String workload, String profile, List<String> patches,
                       String kernel, String strategy, long seed, int depth, String schedule, long maxSteps, long step, String report, String log,
                       String traceDigest, long traceEvents, long diskBytes, String baseMap, String finalMap,
                       String writeLog, long writes, boolean logComplete) {
    /** The manifest format. */
    public static final int FORMAT = 1;
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    public Manifest {
        patches = patches == null ? List.of() : List.copyOf(patches);
        kernel = kernel == null ? profile : kernel;
    }

    /** @return the JSON stored */
    public String toJson() {
        return GSON.toJson(this);
    }

    /** @return the JSON the id is the digest of: without the capture time */
    String idJson() {
        return GSON.toJson(withCapturedAt(0));
    }

    /** @return this manifest captured at {@code ms} */
    public Manifest withCapturedAt(long ms) {
        return new Manifest(format, faultline, ms, command, kind, exitCode, title, scenario, workload, profile, patches,
                kernel, strategy, seed, depth, schedule, maxSteps, step, report, log, traceDigest, traceEvents, diskBytes, baseMap, finalMap,
                writeLog, writes, logComplete);
    }

    /**
     * @throws CaptureStoreException if {@code json} is not a manifest this Faultline reads
     */
    static Manifest fromJson(String json) throws CaptureStoreException {
        Manifest m;
        try {
            m = GSON.fromJson(json, Manifest.class);
        } catch (JsonParseException e) {
            throw new CaptureStoreException("capture store: a manifest is not readable (" + e.getMessage() + ")", e);
        }
        if (m == null || m.format() != FORMAT || m.schedule() == null || m.workload() == null) {
            throw new CaptureStoreException("capture store: a manifest of another format (this Faultline reads format "
                    + FORMAT + ")");
        }
        return m;
    }
}
