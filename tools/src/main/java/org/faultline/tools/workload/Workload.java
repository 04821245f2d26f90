package org.faultline.tools.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed workload file (docs/workloads.md): boot settings ({@code set KEY VALUE}), memory cgroups
 * ({@code memcg NAME LIMIT [v1|v2]}) and tasks, each a list of {@link Stmt statements} with their
 * source lines. Immutable; {@link WorkloadRunner#spawn} runs it on a booted kernel.
 *
 * <p>Typical use:
 * <pre>
 *   Workload w = Workload.parse(Files.readString(p), p.toString());   // WorkloadException: exit 2
 *   long ram = w.sizeSetting("ram", 64L &lt;&lt; 20);
 *   ... boot a kernel with it, mount the root filesystem ...
 *   Oracle o = new Oracle();
 *   WorkloadRunner.spawn(k, w, o);
 *   RunResult r = k.run();
 * </pre>
 */
public final class Workload {
    /**
     * Settings the parser accepts, with the value each takes. The runner reads {@code final-check};
     * every other one is for the boot layer, which interprets it (the parser only checks its form).
     */
    public static final Map<String, String> SETTINGS = settingsTable();

    /** A {@code memcg NAME LIMIT [v1|v2]} declaration. */
    public record MemcgDecl(String name, long limitBytes, boolean v2, int line) {
    }

    /** A {@code task NAME [in memcg MEMCG]} and its statements; {@code memcg} is null for the root memcg. */
    public record TaskDecl(String name, String memcg, int line, List<Stmt> body) {
    }

    private final String fileName;
    private final Map<String, Long> params;
    private final Map<String, String> settings;
    private final Map<String, List<String>> settingValues;
    private final Map<String, Integer> settingLines;
    private final List<MemcgDecl> memcgs;
    private final List<TaskDecl> tasks;
    private final Map<String, List<String>> barriers;
    private final java.nio.ByteBuffer data; // set data FILE, mapped read-only; never repositioned (absolute gets only)

    Workload(String fileName, Map<String, List<String>> settingValues, Map<String, Integer> settingLines,
             List<MemcgDecl> memcgs, List<TaskDecl> tasks, Map<String, List<String>> barriers, Map<String, Long> params,
             java.nio.ByteBuffer data) {
        this.fileName = fileName;
        this.data = data;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        Map<String, String> s = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : settingValues.entrySet()) {
            s.put(e.getKey(), String.join(e.getKey().equals("patch") ? "," : "; ", e.getValue()));
        }
        this.settings = Collections.unmodifiableMap(s);
        Map<String, List<String>> sv = new LinkedHashMap<>();
        settingValues.forEach((k, v) -> sv.put(k, List.copyOf(v)));
        this.settingValues = Collections.unmodifiableMap(sv);
        this.settingLines = Collections.unmodifiableMap(new LinkedHashMap<>(settingLines));
        this.memcgs = List.copyOf(memcgs);
        this.tasks = List.copyOf(tasks);
        Map<String, List<String>> b = new LinkedHashMap<>();
        barriers.forEach((k, v) -> b.put(k, List.copyOf(v)));
        this.barriers = Collections.unmodifiableMap(b);
    }

    /**
     * Parses a workload.
     *
     * @param text     the file's contents
     * @param fileName the name used in messages ({@code fileName:line: reason})
     * @throws WorkloadException at the first error
     */
    public static Workload parse(String text, String fileName) throws WorkloadException {
        return new Parser(fileName).parse(text);
    }

    /**
     * Parses a workload with parameter values given from outside ({@code name → expression}), which
     * replace the defaults of its {@code param} lines; a name it does not declare is an error.
     */
    public static Workload parse(String text, String fileName, Map<String, String> params) throws WorkloadException {
        return new Parser(fileName, params).parse(text);
    }

    /** The {@code param} values the statements used, in declaration order (overrides applied). */
    public Map<String, Long> params() {
        return params;
    }

    /** Reads and parses a workload file (UTF-8); messages name it as given. */
    public static Workload load(Path file) throws IOException, WorkloadException {
        return parse(TextFiles.read(file, "workload", TextFiles.MAX_WORKLOAD_BYTES), file.toString());
    }

    public String fileName() {
        return fileName;
    }

    /** The {@code set data} file's bytes (read with absolute gets only: tasks share it), or null. */
    public java.nio.ByteBuffer data() {
        return data;
    }

    /**
     * Every {@code set} in file order: key → value as written. A repeated key ({@code patch},
     * {@code fail-write}) maps to its values joined with {@code ","} for {@code patch} and
     * {@code "; "} otherwise; {@link #settingValues} has them apart.
     */
    public Map<String, String> settings() {
        return settings;
    }

    /** The {@code fail-write} settings, parsed (their form was checked when the file was parsed). */
    public List<FailWrite> failWrites() {
        List<FailWrite> l = new java.util.ArrayList<>();
        for (String v : settingValues("fail-write")) {
            l.add(FailWrite.parse(v, Parser.ERRNOS));
        }
        return l;
    }

    /** Each value given for {@code key}, in order; empty if never set. */
    public List<String> settingValues(String key) {
        return settingValues.getOrDefault(key, List.of());
    }

    /** The line of the first {@code set key}, or 0, for the boot layer's own messages. */
    public int settingLine(String key) {
        return settingLines.getOrDefault(key, 0);
    }

    /** A WorkloadException at the line that set {@code key}, for a value the boot layer rejects. */
    public WorkloadException settingError(String key, String reason) {
        return new WorkloadException(fileName, settingLine(key), reason);
    }

    /** A size setting in bytes ({@code ram}, {@code image-size}, {@code memcg-limit}), or {@code dflt}. */
    public long sizeSetting(String key, long dflt) {
        String v = settings.get(key);
        return v == null ? dflt : Parser.size(v);
    }

    /** A number setting ({@code seed}), or {@code dflt}. */
    public long longSetting(String key, long dflt) {
        String v = settings.get(key);
        return v == null ? dflt : Parser.size(v);
    }

    /** An on/off setting ({@code iomap}, {@code final-check}), or {@code dflt}. */
    public boolean boolSetting(String key, boolean dflt) {
        String v = settings.get(key);
        return v == null ? dflt : Parser.bool(v);
    }

    /** A word setting ({@code kernel}), or {@code dflt}. */
    public String stringSetting(String key, String dflt) {
        return settings.getOrDefault(key, dflt);
    }

    /** The memcgs to create, in declaration order. */
    public List<MemcgDecl> memcgs() {
        return memcgs;
    }

    /** The tasks, in file order (the order they are spawned). */
    public List<TaskDecl> tasks() {
        return tasks;
    }

    /** Barrier name → the tasks that name it, in file order. */
    public Map<String, List<String>> barriers() {
        return barriers;
    }

    private static Map<String, String> settingsTable() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ram", "SIZE: memory of the emulated machine");
        m.put("image-size", "SIZE: bytes of the disk image to create");
        m.put("memcg-limit", "SIZE: default limit of a memcg declared without one");
        m.put("seed", "N: scheduler seed");
        m.put("kernel", "PROFILE: kernel era (faultline profiles)");
        m.put("patch", "+ID,-ID...: patches on top of the profile (repeatable)");
        m.put("fail-write", FailWrite.USAGE + ": the file's writeback fails at submission (repeatable)");
        m.put("data", "FILE: the bytes data=OFFSET names (a recording's, faultline mount --record-data); relative to the "
                + "workload file's directory");
        m.put("lkdtm", "POINT:TYPE[:COUNT]: provoke a crash every COUNTth time a crash point is reached (lkdtm's "
                + "cpoint_name/cpoint_type/cpoint_count; points FS_SUBMIT_BH, VFS_WRITE; types BUG, WARNING)");
        m.put("iomap", "on|off: ext4 buffered I/O through iomap");
        m.put("journal", "on|off: the image explore makes has a journal and metadata_csum, as faultline mkfs makes it "
                + "(default off)");
        m.put("hw-queues", "N: hardware queues of the disk, each completing requests in its own IRQ task (default 2)");
        m.put("debug-vm", "on|off: CONFIG_DEBUG_VM invariant checks (default: on when explored, off when booted)");
        m.put("final-check", "on|off: read every file back before unmounting (default on)");
        m.put("strategy", "random|pct: how explore searches this workload's interleavings (the command line overrides)");
        m.put("depth", "D: PCT bug depth explore uses (1..64; the command line overrides)");
        m.put("iterations", "N: schedules explore tries (the command line overrides)");
        return Collections.unmodifiableMap(m);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "workload %s: %d tasks, %d memcgs, %d settings", fileName, tasks.size(),
                memcgs.size(), settings.size());
    }
}
