package org.faultline.tools.workload;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.faultline.fs.File;
import org.faultline.fs.Syscalls;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Patches;

/**
 * The workload parser: one statement per line, {@code #} starts a comment, indentation is for the
 * reader only. Checks everything that can be checked before running: statement names and arguments,
 * numbers, that every handle and mapping was opened earlier in its task, loop nesting, barriers.
 */
final class Parser {
    /** The longest read, write, store or load one statement may do. */
    static final long MAX_IO = 64L << 20;

    private static final Map<String, String> USAGE = usage();
    static final Map<String, Integer> ERRNOS = errnos();

    private enum Kind { FILE, MAP }

    private final String file;
    private final Map<String, List<String>> settingValues = new LinkedHashMap<>();
    private final Map<String, Integer> settingLines = new LinkedHashMap<>();
    private final Map<String, Workload.MemcgDecl> memcgs = new LinkedHashMap<>();
    private final Map<String, Integer> memcgWithoutLimit = new LinkedHashMap<>();
    private final List<Workload.TaskDecl> tasks = new ArrayList<>();
    private final Map<String, List<String>> barrierTasks = new TreeMap<>();
    private final Map<String, Integer> barrierLines = new TreeMap<>();

    // the task being parsed
    private String taskName;
    private String taskMemcg;
    private int taskLine;
    /** Deepest loop nesting accepted (the interpreter recurses once per level). */
    static final int MAX_LOOP_DEPTH = 32;

    private final Deque<Frame> frames = new ArrayDeque<>();
    private final Map<String, Kind> names = new LinkedHashMap<>();
    private int line;

    /** A statement list being filled: the task body, or an open loop. */
    private static final class Frame {
        final List<Stmt> body = new ArrayList<>();
        final int line;
        final String text;
        final Expr count;
        final String var;

        Frame(int line, String text, Expr count, String var) {
            this.line = line;
            this.text = text;
            this.count = count;
            this.var = var;
        }
    }

    // param NAME DEFAULT: values after overrides, where each was declared, overrides not yet used
    private final Map<String, Long> params = new LinkedHashMap<>();
    private final Map<String, Integer> paramLines = new LinkedHashMap<>();
    private final Map<String, String> overrides;

    Parser(String file) {
        this(file, Map.of());
    }

    /** @param overrides parameter values given from outside (name → expression), replacing defaults */
    Parser(String file, Map<String, String> overrides) {
        this.file = file;
        this.overrides = new LinkedHashMap<>(overrides);
    }

    Workload parse(String text) throws WorkloadException {
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            line = i + 1;
            String l = stripComment(lines[i]).trim();
            if (l.isEmpty()) {
                continue;
            }
            String[] tok = l.split("\\s+");
            String kw = tok[0];
            switch (kw) {
                case "set" -> set(tok);
                case "param" -> param(tok);
                case "memcg" -> memcg(tok);
                case "task" -> task(tok);
                case "end" -> end(tok);
                case "loop" -> loop(tok);
                default -> {
                    if (taskName == null) {
                        if (USAGE.containsKey(kw)) {
                            throw err("'" + kw + "' outside a task (start one with 'task NAME')");
                        }
                        throw err("unknown statement '" + kw + "'");
                    }
                    frames.peek().body.add(stmt(tok, 0));
                }
            }
        }
        finishTask();
        if (!overrides.isEmpty()) {
            throw new WorkloadException(file, 0, "no parameter '" + overrides.keySet().iterator().next() + "' ("
                    + (params.isEmpty() ? "this workload has none" : "its parameters: " + String.join(", ", params.keySet())) + ")");
        }
        if (tasks.isEmpty()) {
            throw new WorkloadException(file, 0, "no tasks (start one with 'task NAME')");
        }
        for (Map.Entry<String, Integer> e : memcgWithoutLimit.entrySet()) {
            String lim = settingValues.containsKey("memcg-limit") ? settingValues.get("memcg-limit").get(0) : null;
            if (lim == null) {
                throw new WorkloadException(file, e.getValue(), "memcg " + e.getKey()
                        + ": no LIMIT given and no 'set memcg-limit SIZE'");
            }
            Workload.MemcgDecl d = memcgs.get(e.getKey());
            memcgs.put(d.name(), new Workload.MemcgDecl(d.name(), size(lim), d.v2(), d.line()));
        }
        Map<String, List<String>> barriers = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : barrierTasks.entrySet()) {
            if (e.getValue().size() < 2) {
                throw new WorkloadException(file, barrierLines.get(e.getKey()), "barrier " + e.getKey()
                        + " is named only by task " + e.getValue().get(0) + " (a barrier orders two or more tasks)");
            }
            barriers.put(e.getKey(), e.getValue());
        }
        return new Workload(file, settingValues, settingLines, new ArrayList<>(memcgs.values()), tasks, barriers, params,
                dataFile());
    }

    /**
     * The {@code set data FILE} file, mapped read-only: FILE relative to the workload file's directory
     * (to the working directory for a workload without one, such as a capture's).
     */
    private java.nio.ByteBuffer dataFile() throws WorkloadException {
        List<String> v = settingValues.get("data");
        if (v == null) {
            return null;
        }
        java.nio.file.Path f = java.nio.file.Path.of(v.get(0));
        java.nio.file.Path dir = java.nio.file.Path.of(file).toAbsolutePath().getParent();
        if (!f.isAbsolute() && dir != null && java.nio.file.Files.isRegularFile(java.nio.file.Path.of(file))) {
            f = dir.resolve(f);
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                throw new WorkloadException(file, settingLines.get("data"), "set data " + v.get(0) + ": larger than 2 GiB");
            }
            return ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, ch.size()).asReadOnlyBuffer();
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            throw new WorkloadException(file, settingLines.get("data"), "set data " + v.get(0) + ": cannot read "
                    + f + " (" + (e instanceof java.nio.file.NoSuchFileException ? "No such file or directory" : e.getMessage()) + ")");
        }
    }

    private static String stripComment(String l) {
        for (int i = 0; i < l.length(); i++) {
            if (l.charAt(i) == '#' && (i == 0 || Character.isWhitespace(l.charAt(i - 1)))) {
                return l.substring(0, i);
            }
        }
        return l;
    }

    private WorkloadException err(String reason) {
        return new WorkloadException(file, line, reason);
    }

    // ---------------------------------------------------------------- top level

    private void set(String[] tok) throws WorkloadException {
        if (taskName != null) {
            throw err("'set' must come before the first task");
        }
        if (tok.length < 3) {
            throw err("usage: set KEY VALUE");
        }
        String key = tok[1];
        String value = String.join(" ", Arrays.copyOfRange(tok, 2, tok.length));
        if (value.contains("$")) { // a size from the parameters: kept as the number it evaluates to
            try {
                value = Long.toString(constant(value));
            } catch (IllegalArgumentException e) {
                throw err("set " + key + ": " + e.getMessage());
            }
        }
        String kind = Workload.SETTINGS.get(key);
        if (kind == null) {
            throw err("unknown setting '" + key + "' (known: " + String.join(", ", Workload.SETTINGS.keySet()) + ")");
        }
        boolean repeatable = key.equals("patch") || key.equals("fail-write");
        if (!repeatable && settingValues.containsKey(key)) {
            throw err("setting '" + key + "' already set at line " + settingLines.get(key));
        }
        try {
            switch (key) {
                case "ram", "image-size", "memcg-limit" -> {
                    if (size(value) <= 0) {
                        throw new IllegalArgumentException("must be positive");
                    }
                }
                case "seed" -> size(value);
                case "hw-queues" -> {
                    long n = size(value);
                    if (n < 1 || n > 64) {
                        throw new IllegalArgumentException("must be between 1 and 64");
                    }
                }
                case "kernel" -> KernelProfile.byName(value);
                case "patch" -> {
                    for (String p : value.split("[,\\s]+")) {
                        if (!p.isEmpty()) {
                            Patches.byId(p.startsWith("+") || p.startsWith("-") ? p.substring(1) : p);
                        }
                    }
                }
                case "iomap", "final-check", "debug-vm", "journal" -> bool(value);
                case "strategy" -> {
                    if (!value.equals("random") && !value.equals("pct")) {
                        throw new IllegalArgumentException("expected random or pct");
                    }
                }
                case "depth" -> {
                    long n = size(value);
                    if (n < 1 || n > 64) {
                        throw new IllegalArgumentException("must be between 1 and 64");
                    }
                }
                case "iterations" -> {
                    if (size(value) < 1) {
                        throw new IllegalArgumentException("must be positive");
                    }
                }
                case "fail-write" -> FailWrite.parse(value, ERRNOS);
                case "data" -> {
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("expected a file name");
                    }
                }
                case "lkdtm" -> org.faultline.kernel.Lkdtm.parse(value);
                default -> {
                }
            }
        } catch (IllegalArgumentException e) {
            throw err("set " + key + ": " + e.getMessage());
        }
        settingValues.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        settingLines.putIfAbsent(key, line);
    }

    /**
     * {@code param NAME DEFAULT}: a constant the statements name as {@code $NAME}; DEFAULT is an
     * expression over earlier parameters. A value given from outside (a benchmark's {@code --size},
     * {@code --param NAME=VALUE}) replaces the default.
     */
    private void param(String[] tok) throws WorkloadException {
        if (taskName != null) {
            throw err("'param' must come before the first task");
        }
        if (tok.length != 3) {
            throw err("usage: param NAME DEFAULT");
        }
        String name = tok[1];
        checkName(name, "parameter");
        if (params.containsKey(name)) {
            throw err("parameter '" + name + "' already declared at line " + paramLines.get(name));
        }
        String given = overrides.remove(name);
        String text = given != null ? given : tok[2];
        try {
            params.put(name, constant(text));
        } catch (IllegalArgumentException e) {
            throw given != null
                    ? new WorkloadException(file, 0, "parameter " + name + "=" + given + ": " + e.getMessage())
                    : err("param " + name + ": " + e.getMessage());
        }
        paramLines.put(name, line);
    }

    /** A constant expression over sizes and the parameters declared so far. */
    private long constant(String s) {
        Long v = Expr.parse(s.trim(), Set.of(), params).constant();
        if (v == null) {
            throw new IllegalArgumentException("'" + s + "' overflows");
        }
        return v;
    }

    /** A constant size or number: {@code 64M}, {@code 4096}, {@code 0x10}. */
    static long size(String s) {
        Long v = Expr.parse(s.trim(), Set.of()).constant();
        if (v == null) {
            throw new IllegalArgumentException("bad number '" + s + "'");
        }
        return v;
    }

    static boolean bool(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "on", "yes", "true", "1" -> true;
            case "off", "no", "false", "0" -> false;
            default -> throw new IllegalArgumentException("expected on or off, got '" + s + "'");
        };
    }

    private void memcg(String[] tok) throws WorkloadException {
        if (taskName != null) {
            throw err("'memcg' must come before the first task");
        }
        if (tok.length < 2 || tok.length > 4) {
            throw err("usage: memcg NAME [LIMIT] [v1|v2]");
        }
        String name = tok[1];
        checkName(name, "memcg");
        if (memcgs.containsKey(name)) {
            throw err("memcg " + name + " already declared at line " + memcgs.get(name).line());
        }
        long limit = -1;
        boolean v2 = false;
        boolean sawVersion = false;
        for (int i = 2; i < tok.length; i++) {
            String t = tok[i];
            if (t.equals("v1") || t.equals("v2")) {
                if (sawVersion) {
                    throw err("memcg " + name + ": version given twice");
                }
                sawVersion = true;
                v2 = t.equals("v2");
            } else if (limit < 0 && i == 2) {
                try {
                    limit = constant(t);
                } catch (IllegalArgumentException e) {
                    throw err("memcg " + name + ": bad LIMIT '" + t + "'");
                }
                if (limit < 4096) {
                    throw err("memcg " + name + ": LIMIT must be at least 4k, got " + t);
                }
            } else {
                throw err("usage: memcg NAME [LIMIT] [v1|v2]");
            }
        }
        if (limit < 0) {
            memcgWithoutLimit.put(name, line);
        }
        memcgs.put(name, new Workload.MemcgDecl(name, limit, v2, line));
    }

    private void task(String[] tok) throws WorkloadException {
        finishTask();
        if (tok.length != 2 && !(tok.length == 5 && tok[2].equals("in") && tok[3].equals("memcg"))) {
            throw err("usage: task NAME [in memcg MEMCG]");
        }
        String name = tok[1];
        if (!name.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw err("bad task name '" + name + "' (1-15 letters, digits, '_', '.', '-')");
        }
        if (name.equals("epilogue")) {
            throw err("task name 'epilogue' is reserved for the runner's last task");
        }
        for (Workload.TaskDecl t : tasks) {
            if (t.name().equals(name)) {
                throw err("task " + name + " already defined at line " + t.line());
            }
        }
        String mc = null;
        if (tok.length == 5) {
            mc = tok[4];
            if (!memcgs.containsKey(mc)) {
                throw err("unknown memcg '" + mc + "' (declare it with 'memcg " + mc + " LIMIT' before the first task)");
            }
        }
        taskName = name;
        taskMemcg = mc;
        taskLine = line;
        names.clear();
        frames.clear();
        frames.push(new Frame(line, "task " + name, null, null));
    }

    private void finishTask() throws WorkloadException {
        if (taskName == null) {
            return;
        }
        if (frames.size() > 1) {
            Frame f = frames.peek();
            throw new WorkloadException(file, f.line, "'loop' without 'end' (task " + taskName + ")");
        }
        tasks.add(new Workload.TaskDecl(taskName, taskMemcg, taskLine, List.copyOf(frames.pop().body)));
        taskName = null;
    }

    private void loop(String[] tok) throws WorkloadException {
        if (taskName == null) {
            throw err("'loop' outside a task (start one with 'task NAME')");
        }
        if (tok.length < 2 || tok.length > 3) {
            throw err("usage: " + USAGE.get("loop"));
        }
        Expr count = expr(tok[1], "loop", "COUNT");
        Long c = count.constant();
        if (c != null && c < 0) {
            throw err("loop: COUNT must not be negative, got " + tok[1]);
        }
        String var = tok.length == 3 ? tok[2] : "i";
        if (tok.length == 3) {
            String v = var.startsWith("$") ? var.substring(1) : var;
            checkName(v, "loop variable");
            var = v;
        }
        if (vars().contains(var)) {
            throw err("loop: variable $" + var + " is already used by an enclosing loop (name this one: 'loop "
                    + tok[1] + " j')");
        }
        if (frames.size() > MAX_LOOP_DEPTH) { // frames: the task body, then one per open loop
            throw err("nesting deeper than " + MAX_LOOP_DEPTH + " loops");
        }
        frames.push(new Frame(line, String.join(" ", tok), count, var));
    }

    private void end(String[] tok) throws WorkloadException {
        if (tok.length != 1) {
            throw err("usage: end");
        }
        if (frames.size() < 2) {
            throw err("'end' without 'loop'");
        }
        Frame f = frames.pop();
        frames.peek().body.add(new Stmt.Loop(f.line, f.text, f.count, f.var, List.copyOf(f.body)));
    }

    private Set<String> vars() {
        Set<String> s = new LinkedHashSet<>();
        for (Frame f : frames) {
            if (f.var != null) {
                s.add(f.var);
            }
        }
        return s;
    }

    // ---------------------------------------------------------------- statements

    private Stmt stmt(String[] all, int start) throws WorkloadException {
        String[] tok = Arrays.copyOfRange(all, start, all.length);
        String kw = tok[0];
        String text = String.join(" ", tok);
        int n = tok.length;
        int ln = line;
        switch (kw) {
            case "open": {
                need(kw, n >= 3);
                String h = tok[1];
                checkName(h, "handle");
                define(h, Kind.FILE);
                Stmt.PathT path = path(tok[2], kw);
                int flags = 0;
                int access = -1;
                for (int i = 3; i < n; i++) {
                    int f = switch (tok[i]) {
                        case "create" -> File.O_CREAT;
                        case "excl" -> File.O_EXCL;
                        case "trunc" -> File.O_TRUNC;
                        case "append" -> File.O_APPEND;
                        case "direct" -> File.O_DIRECT;
                        case "sync" -> File.O_SYNC;
                        case "dsync" -> File.O_DSYNC;
                        case "rdonly", "wronly", "rdwr" -> 0;
                        default -> throw err("open: unknown flag '" + tok[i]
                                + "' (flags: create excl trunc append rdonly wronly rdwr direct sync dsync)");
                    };
                    if (tok[i].equals("rdonly") || tok[i].equals("wronly") || tok[i].equals("rdwr")) {
                        if (access >= 0) {
                            throw err("open: more than one of rdonly, wronly, rdwr");
                        }
                        access = tok[i].equals("rdonly") ? File.O_RDONLY : tok[i].equals("wronly") ? File.O_WRONLY : File.O_RDWR;
                    }
                    flags |= f;
                }
                flags |= access < 0 ? File.O_RDWR : access;
                return new Stmt.Open(ln, text, h, path, flags);
            }
            case "close":
                need(kw, n == 2);
                return new Stmt.Close(ln, text, use(tok[1], Kind.FILE));
            case "read": {
                need(kw, n == 4 || n == 6 && tok[4].equals("into"));
                String h = use(tok[1], Kind.FILE);
                Expr off = expr(tok[2], kw, "OFFSET");
                Expr len = length(tok[3], kw);
                Stmt.MapRef into = n == 6 ? mapRef(tok[5], kw) : null;
                return new Stmt.Read(ln, text, h, off, len, into);
            }
            case "write", "write-unchecked": {
                boolean unchecked = kw.equals("write-unchecked");
                need(kw, n >= 4 && n <= 6);
                String h = use(tok[1], Kind.FILE);
                Expr off = expr(tok[2], kw, "OFFSET");
                Expr len = length(tok[3], kw);
                if (n == 6 || n == 5 && tok[4].equals("from")) {
                    need(kw, !unchecked && n == 6 && tok[4].equals("from"));
                    return new Stmt.Write(ln, text, h, off, len, null, mapRef(tok[5], kw), false);
                }
                Stmt.Pattern p = n == 5 ? pattern(tok[4], kw) : new Stmt.Seeded(Expr.of(0));
                return new Stmt.Write(ln, text, h, off, len, p, null, unchecked);
            }
            case "fsync", "fdatasync":
                need(kw, n == 2);
                return new Stmt.Fsync(ln, text, use(tok[1], Kind.FILE), kw.equals("fdatasync"));
            case "sync":
                need(kw, n == 1);
                return new Stmt.Sync(ln, text);
            case "measure":
                need(kw, n == 1);
                return new Stmt.Measure(ln, text);
            case "truncate": {
                need(kw, n == 3);
                String h = use(tok[1], Kind.FILE);
                Expr len = expr(tok[2], kw, "LENGTH");
                Long c = len.constant();
                if (c != null && c < 0) {
                    throw err("truncate: LENGTH must not be negative, got " + tok[2]);
                }
                return new Stmt.Truncate(ln, text, h, len);
            }
            case "fallocate": {
                need(kw, n >= 4 && n <= 6);
                String h = use(tok[1], Kind.FILE);
                Expr off = expr(tok[2], kw, "OFFSET");
                Expr len = length(tok[3], kw);
                int mode = 0;
                for (int i = 4; i < n; i++) {
                    int bit = switch (tok[i]) {
                        case "keep-size" -> Syscalls.FALLOC_FL_KEEP_SIZE;
                        case "punch" -> Syscalls.FALLOC_FL_PUNCH_HOLE | Syscalls.FALLOC_FL_KEEP_SIZE;
                        case "zero-range" -> Syscalls.FALLOC_FL_ZERO_RANGE;
                        default -> throw err("fallocate: unknown mode '" + tok[i] + "' (modes: keep-size punch zero-range)");
                    };
                    mode |= bit;
                }
                if ((mode & Syscalls.FALLOC_FL_PUNCH_HOLE) != 0 && (mode & Syscalls.FALLOC_FL_ZERO_RANGE) != 0) {
                    throw err("fallocate: punch and zero-range exclude each other");
                }
                return new Stmt.Fallocate(ln, text, h, off, len, mode);
            }
            case "mmap": {
                need(kw, n >= 5 && n <= 7);
                String m = tok[1];
                checkName(m, "mapping");
                String h = use(tok[2], Kind.FILE);
                define(m, Kind.MAP);
                Expr off = expr(tok[3], kw, "OFFSET");
                Long c = off.constant();
                if (c != null && (c < 0 || c % 4096 != 0)) {
                    throw err("mmap: OFFSET must be a multiple of 4k, got " + tok[3]);
                }
                Expr len = length(tok[4], kw);
                Boolean shared = null;
                Boolean rw = null;
                for (int i = 5; i < n; i++) {
                    switch (tok[i]) {
                        case "shared", "private" -> {
                            if (shared != null) {
                                throw err("mmap: shared or private given twice");
                            }
                            shared = tok[i].equals("shared");
                        }
                        case "rw", "ro" -> {
                            if (rw != null) {
                                throw err("mmap: rw or ro given twice");
                            }
                            rw = tok[i].equals("rw");
                        }
                        default -> throw err("mmap: unknown option '" + tok[i] + "' (options: shared private rw ro)");
                    }
                }
                return new Stmt.Mmap(ln, text, m, h, off, len, shared == null || shared, rw == null || rw);
            }
            case "anon": {
                need(kw, n == 3 || n == 4 && tok[3].equals("notouch"));
                String m = tok[1];
                checkName(m, "mapping");
                define(m, Kind.MAP);
                return new Stmt.Anon(ln, text, m, length(tok[2], kw), n == 3);
            }
            case "store": {
                need(kw, n == 4 || n == 5);
                String m = use(tok[1], Kind.MAP);
                Expr off = expr(tok[2], kw, "OFFSET");
                Expr len = length(tok[3], kw);
                Stmt.Pattern p = n == 5 ? pattern(tok[4], kw) : new Stmt.Seeded(Expr.of(0));
                return new Stmt.Store(ln, text, m, off, len, p);
            }
            case "load":
                need(kw, n == 4);
                return new Stmt.Load(ln, text, use(tok[1], Kind.MAP), expr(tok[2], kw, "OFFSET"), length(tok[3], kw));
            case "msync":
                need(kw, n == 2 || n == 3 && tok[2].equals("async"));
                return new Stmt.Msync(ln, text, use(tok[1], Kind.MAP), n == 2);
            case "munmap":
                need(kw, n == 2);
                return new Stmt.Munmap(ln, text, use(tok[1], Kind.MAP));
            case "mkdir", "rmdir", "unlink":
                need(kw, n == 2);
                return new Stmt.PathOp(ln, text, kw, path(tok[1], kw));
            case "rename":
                need(kw, n == 3);
                return new Stmt.Rename(ln, text, path(tok[1], kw), path(tok[2], kw));
            case "link":
                need(kw, n == 3);
                return new Stmt.Link(ln, text, path(tok[1], kw), path(tok[2], kw));
            case "symlink":
                need(kw, n == 3);
                return new Stmt.Symlink(ln, text, tok[1], path(tok[2], kw));
            case "chmod": {
                need(kw, n == 3);
                if (!tok[2].matches("[0-7]{1,4}")) {
                    throw err("chmod: MODE must be octal (0644, 755), got '" + tok[2] + "'");
                }
                return new Stmt.Chmod(ln, text, path(tok[1], kw), Integer.parseInt(tok[2], 8));
            }
            case "chown": {
                need(kw, n == 4);
                int[] ids = new int[2];
                for (int i = 0; i < 2; i++) {
                    String t = tok[2 + i];
                    if (!t.matches("-1|[0-9]{1,10}") || Long.parseLong(t) > 0xFFFFFFFEL) {
                        throw err("chown: " + (i == 0 ? "UID" : "GID") + " must be a number (or -1: unchanged), got '" + t + "'");
                    }
                    ids[i] = (int) Long.parseLong(t);
                }
                return new Stmt.Chown(ln, text, path(tok[1], kw), ids[0], ids[1]);
            }
            case "setxattr": {
                need(kw, n >= 4 && n <= 6);
                Expr len = expr(tok[3], kw, "LEN");
                Long c = len.constant();
                if (c != null && (c < 0 || c > MAX_IO)) {
                    throw err("setxattr: LEN must be 0.." + MAX_IO + ", got " + tok[3]);
                }
                Stmt.Pattern p = new Stmt.Seeded(Expr.of(0));
                int flags = 0;
                boolean patternSeen = false;
                for (int i = 4; i < n; i++) {
                    if (tok[i].equals("create") || tok[i].equals("replace")) {
                        if (flags != 0) {
                            throw err("setxattr: create or replace given twice");
                        }
                        flags = tok[i].equals("create") ? 1 : 2;
                    } else if (!patternSeen && flags == 0) {
                        p = pattern(tok[i], kw);
                        patternSeen = true;
                    } else {
                        throw err("setxattr: unknown option '" + tok[i] + "' (usage: " + USAGE.get(kw) + ")");
                    }
                }
                return new Stmt.Setxattr(ln, text, path(tok[1], kw), tok[2], len, p, flags);
            }
            case "getxattr":
                need(kw, n == 3);
                return new Stmt.Getxattr(ln, text, path(tok[1], kw), tok[2]);
            case "removexattr":
                need(kw, n == 3);
                return new Stmt.Removexattr(ln, text, path(tok[1], kw), tok[2]);
            case "stat": {
                need(kw, n >= 2 && n <= 4);
                Stmt.PathT p = path(tok[1], kw);
                Expr size = null;
                Boolean dir = null;
                for (int i = 2; i < n; i++) {
                    if (tok[i].startsWith("size=") && size == null) {
                        size = expr(tok[i].substring(5), kw, "size");
                    } else if ((tok[i].equals("file") || tok[i].equals("dir")) && dir == null) {
                        dir = tok[i].equals("dir");
                    } else {
                        throw err("stat: unknown check '" + tok[i] + "' (usage: " + USAGE.get(kw) + ")");
                    }
                }
                return new Stmt.Stat(ln, text, p, size, dir);
            }
            case "sleep":
                need(kw, n == 2);
                return new Stmt.Sleep(ln, text, duration(tok[1]));
            case "yield":
                need(kw, n == 1);
                return new Stmt.Yield(ln, text);
            case "barrier": {
                need(kw, n == 2);
                checkName(tok[1], "barrier");
                List<String> ts = barrierTasks.computeIfAbsent(tok[1], k -> new ArrayList<>());
                if (!ts.contains(taskName)) {
                    ts.add(taskName);
                }
                barrierLines.putIfAbsent(tok[1], ln);
                return new Stmt.Barrier(ln, text, tok[1]);
            }
            case "log":
                need(kw, n >= 2);
                return new Stmt.Log(ln, text, String.join(" ", Arrays.copyOfRange(tok, 1, n)));
            case "drop-caches":
                need(kw, n == 1);
                return new Stmt.DropCaches(ln, text);
            case "expect-error": {
                need(kw, n >= 3);
                Set<Integer> errs = new TreeSet<>();
                boolean ok = false;
                for (String e : tok[n - 1].split("\\|")) {
                    if (e.equals("ok")) {
                        ok = true;
                        continue;
                    }
                    Integer v = ERRNOS.get(e.toUpperCase(Locale.ROOT));
                    if (v == null) {
                        throw err("expect-error: unknown errno '" + e + "' (known: " + String.join(" ", ERRNOS.keySet())
                                + ", or ok)");
                    }
                    errs.add(v);
                }
                if (errs.isEmpty()) {
                    throw err("expect-error: name at least one errno, e.g. 'expect-error fsync f EIO'");
                }
                String[] inner = Arrays.copyOfRange(all, start + 1, all.length - 1);
                String ikw = inner[0];
                if (!USAGE.containsKey(ikw) && !ikw.equals("loop") && !ikw.equals("end")) {
                    throw err("unknown statement '" + ikw + "'");
                }
                Set<String> notSyscalls = Set.of("loop", "end", "barrier", "sleep", "yield", "log", "drop-caches",
                        "write-unchecked", "expect-error");
                if (notSyscalls.contains(ikw)) {
                    throw err("expect-error: '" + ikw + "' is not a system call");
                }
                Stmt s = stmt(inner, 0);
                return new Stmt.ExpectError(ln, text, s, errs, ok);
            }
            default:
                throw err("unknown statement '" + kw + "'");
        }
    }

    private void need(String kw, boolean ok) throws WorkloadException {
        if (!ok) {
            throw err("usage: " + USAGE.get(kw));
        }
    }

    private void checkName(String name, String what) throws WorkloadException {
        if (name.isEmpty() || !Expr.isNameChar(name.charAt(0), true)
                || !name.chars().allMatch(c -> Expr.isNameChar((char) c, false))) {
            throw err("bad " + what + " name '" + name + "' (letters, digits and '_', not starting with a digit)");
        }
    }

    private void define(String name, Kind k) throws WorkloadException {
        Kind old = names.get(name);
        if (old != null && old != k) {
            throw err("'" + name + "' is already a " + (old == Kind.FILE ? "file handle" : "mapping") + " in task " + taskName);
        }
        names.put(name, k);
    }

    private String use(String name, Kind k) throws WorkloadException {
        Kind old = names.get(name);
        if (old == null) {
            throw err("undefined " + (k == Kind.FILE ? "handle '" + name + "' (no 'open " + name : "mapping '" + name
                    + "' (no 'mmap " + name + "' or 'anon " + name) + "' earlier in task " + taskName + ")");
        }
        if (old != k) {
            throw err("'" + name + "' is a " + (old == Kind.FILE ? "file handle" : "mapping") + ", not a "
                    + (k == Kind.FILE ? "file handle" : "mapping"));
        }
        return name;
    }

    private Expr expr(String s, String kw, String what) throws WorkloadException {
        try {
            return Expr.parse(s, vars(), params);
        } catch (IllegalArgumentException e) {
            throw err(kw + ": " + what + ": " + e.getMessage());
        }
    }

    private Expr length(String s, String kw) throws WorkloadException {
        Expr e = expr(s, kw, "LENGTH");
        Long c = e.constant();
        if (c != null && (c <= 0 || c > MAX_IO)) {
            throw err(kw + ": LENGTH must be between 1 and 64M, got " + s);
        }
        return e;
    }

    private Stmt.PathT path(String s, String kw) throws WorkloadException {
        if (!s.startsWith("/")) {
            throw err(kw + ": paths are absolute, got '" + s + "'");
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '$') {
                int j = i + 1;
                while (j < s.length() && Expr.isNameChar(s.charAt(j), j == i + 1)) {
                    j++;
                }
                String v = s.substring(i + 1, j);
                if (v.isEmpty() || !vars().contains(v)) {
                    throw err(kw + ": undefined variable $" + v + " in path " + s);
                }
            }
        }
        return new Stmt.PathT(s);
    }

    private Stmt.MapRef mapRef(String s, String kw) throws WorkloadException {
        int plus = s.indexOf('+');
        String m = plus < 0 ? s : s.substring(0, plus);
        use(m, Kind.MAP);
        Expr off = plus < 0 ? Expr.of(0) : expr(s.substring(plus + 1), kw, "mapping offset");
        return new Stmt.MapRef(m, off);
    }

    private Stmt.Pattern pattern(String s, String kw) throws WorkloadException {
        if (s.equals("zero")) {
            return new Stmt.Fill(Expr.of(0));
        }
        if (s.startsWith("seed=")) {
            return new Stmt.Seeded(expr(s.substring(5), kw, "seed"));
        }
        if (s.startsWith("data=")) {
            if (!settingValues.containsKey("data")) {
                throw err(kw + ": data=OFFSET needs a 'set data FILE' line before it (the file holding the bytes)");
            }
            return new Stmt.Recorded(expr(s.substring(5), kw, "data offset"));
        }
        if (s.startsWith("byte=")) {
            Expr b = expr(s.substring(5), kw, "byte");
            Long c = b.constant();
            if (c != null && (c < 0 || c > 255)) {
                throw err(kw + ": byte must be 0..255, got " + s.substring(5));
            }
            return new Stmt.Fill(b);
        }
        throw err(kw + ": unknown data '" + s + "' (seed=N, byte=B, zero or data=OFFSET)");
    }

    private Expr duration(String s) throws WorkloadException {
        String num;
        long mul;
        if (s.endsWith("ms")) {
            num = s.substring(0, s.length() - 2);
            mul = 1;
        } else if (s.endsWith("s") && !s.endsWith("us") && !s.endsWith("ns")) {
            num = s.substring(0, s.length() - 1);
            mul = 1000;
        } else if (!s.isEmpty() && Character.isDigit(s.charAt(s.length() - 1))) {
            num = s;
            mul = 1;
        } else {
            throw err("sleep: bad duration '" + s + "' (milliseconds or seconds: 10ms, 2s)");
        }
        Expr e = expr(num, "sleep", "duration");
        Long c = e.constant();
        if (c != null && c < 0) {
            throw err("sleep: duration must not be negative, got " + s);
        }
        return mul == 1 ? e : Expr.parse("(" + num + ")*" + mul, vars(), params);
    }

    // ---------------------------------------------------------------- tables

    private static Map<String, String> usage() {
        Map<String, String> u = new LinkedHashMap<>();
        u.put("open", "open HANDLE PATH [create] [excl] [trunc] [append] [rdonly|wronly|rdwr] [direct] [sync] [dsync]");
        u.put("close", "close HANDLE");
        u.put("read", "read HANDLE OFFSET LENGTH [into MAP[+OFFSET]]");
        u.put("write", "write HANDLE OFFSET LENGTH [seed=N|byte=B|zero|data=OFFSET|from MAP[+OFFSET]]");
        u.put("write-unchecked", "write-unchecked HANDLE OFFSET LENGTH [seed=N|byte=B|zero|data=OFFSET]");
        u.put("fsync", "fsync HANDLE");
        u.put("fdatasync", "fdatasync HANDLE");
        u.put("sync", "sync");
        u.put("measure", "measure");
        u.put("truncate", "truncate HANDLE LENGTH");
        u.put("fallocate", "fallocate HANDLE OFFSET LENGTH [keep-size] [punch|zero-range]");
        u.put("mmap", "mmap MAP HANDLE OFFSET LENGTH [shared|private] [rw|ro]");
        u.put("anon", "anon MAP LENGTH [notouch]");
        u.put("store", "store MAP OFFSET LENGTH [seed=N|byte=B|zero|data=OFFSET]");
        u.put("load", "load MAP OFFSET LENGTH");
        u.put("msync", "msync MAP [async]");
        u.put("munmap", "munmap MAP");
        u.put("mkdir", "mkdir PATH");
        u.put("rmdir", "rmdir PATH");
        u.put("unlink", "unlink PATH");
        u.put("rename", "rename FROM TO");
        u.put("link", "link FROM TO");
        u.put("symlink", "symlink TARGET PATH");
        u.put("chmod", "chmod PATH MODE");
        u.put("chown", "chown PATH UID GID");
        u.put("stat", "stat PATH [size=N] [file|dir]");
        u.put("setxattr", "setxattr PATH NAME LEN [seed=N|byte=B|zero] [create|replace]");
        u.put("getxattr", "getxattr PATH NAME");
        u.put("removexattr", "removexattr PATH NAME");
        u.put("sleep", "sleep DURATION (10ms, 2s)");
        u.put("yield", "yield");
        u.put("barrier", "barrier NAME");
        u.put("loop", "loop COUNT [VAR]");
        u.put("log", "log TEXT");
        u.put("drop-caches", "drop-caches");
        u.put("expect-error", "expect-error STATEMENT ERRNO[|ERRNO...][|ok]");
        return u;
    }

    private static Map<String, Integer> errnos() {
        Map<String, Integer> m = new TreeMap<>();
        for (Field f : Errno.class.getFields()) {
            if (f.getType() == int.class && Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("E")) {
                try {
                    m.put(f.getName(), f.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return m;
    }
}
