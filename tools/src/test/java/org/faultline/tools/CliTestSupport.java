package org.faultline.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Runs the CLI in-process and keeps scratch files under target/ (not /tmp: tmpfs behaves differently). */
final class CliTestSupport {
    private CliTestSupport() {
    }

    /** What one command line did. */
    record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** The command line with the process environment, its capture store under target/ (never ~/.faultline). */
    static Run run(String... args) {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.putIfAbsent("FAULTLINE_STORE", Path.of("target", "test-scratch", "default-store").toAbsolutePath().toString());
        return run(env, args);
    }

    static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            code = Faultline.run(args, out, err, env);
        }
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** A fresh directory under target/test-scratch/. */
    /**
     * A {@code faultline} command line run in a new JVM, as the launcher runs it (with its flags), for tests that signal or kill the process.
     */
    static ProcessBuilder process(String... args) {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String f : System.getProperty("faultline.jvm.flags", "").trim().split("\\s+")) { // the pom's, as surefire's argLine
            if (!f.isEmpty()) {
                cmd.add(f);
            }
        }
        cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), Faultline.class.getName()));
        cmd.addAll(java.util.List.of(args));
        return new ProcessBuilder(cmd);
    }

    static Path scratch(String name) throws IOException {
        Path d = Path.of("target", "test-scratch", name).toAbsolutePath();
        deleteTree(d);
        return Files.createDirectories(d);
    }

    static void deleteTree(Path d) throws IOException {
        if (!Files.exists(d)) {
            return;
        }
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** A sparse image of {@code bytes}. */
    static Path image(Path dir, String name, long bytes) throws IOException {
        Path p = dir.resolve(name);
        try (var ch = Files.newByteChannel(p, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.position(bytes - 1);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0}));
        }
        return p;
    }

    /** A field of a command's one-line JSON result. */
    static com.google.gson.JsonPrimitive jsonField(String json, String key) {
        com.google.gson.JsonElement e = com.google.gson.JsonParser.parseString(json.strip()).getAsJsonObject().get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new AssertionError("no \"" + key + "\" in " + json);
        }
        return e.getAsJsonPrimitive();
    }

    /** A numeric field of a command's one-line JSON result. */
    static double jsonNumber(String json, String key) {
        return jsonField(json, key).getAsDouble();
    }

    /** Lines of text, without a trailing empty one. */
    static String[] lines(String s) {
        return s.isEmpty() ? new String[0] : s.split("\\R");
    }
}
