package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The determinism rules of the codebase, enforced over every module's main sources: only kernel/
 * may use host threads, monitors, java.util.concurrent locks or the host clock, and nobody may use
 * Math.random or unseeded randomness. (A controlled run must be a pure function of its schedule.)
 */
class SourceRulesTest {
    private static final List<Pattern> BANNED_OUTSIDE_KERNEL = List.of(
            Pattern.compile("\\bsynchronized\\b"),
            Pattern.compile("\\bnew Thread\\b|\\bextends Thread\\b|Thread\\.sleep|\\.join\\(\\)"),
            Pattern.compile("System\\.(currentTimeMillis|nanoTime)|Instant\\.now|LocalDateTime\\.now"),
            Pattern.compile("java\\.util\\.concurrent\\.locks|\\bReentrantLock\\b|\\bCountDownLatch\\b|LockSupport"),
            Pattern.compile("\\bExecutorService\\b|\\bExecutors\\."));
    private static final List<Pattern> BANNED_EVERYWHERE = List.of(
            Pattern.compile("Math\\.random|ThreadLocalRandom|new Random\\(\\)|new SplittableRandom\\(\\)"),
            Pattern.compile("identityHashCode"));

    /** Every module's main Java sources below {@code root}, by module name, modules and files sorted. */
    static java.util.Map<String, List<Path>> mainSources(Path root) throws IOException {
        java.util.Map<String, List<Path>> out = new java.util.LinkedHashMap<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path mod : modules.sorted().toList()) {
                Path src = mod.resolve("src/main/java");
                if (Files.isDirectory(src)) {
                    try (Stream<Path> files = Files.walk(src)) {
                        out.put(mod.getFileName().toString(),
                                files.filter(p -> p.toString().endsWith(".java")).sorted().toList());
                    }
                }
            }
        }
        return out;
    }

    /** A source line without its comments (line, block and Javadoc continuation lines). */
    static String code(String line) {
        return line.replaceAll("//.*|^\\s*\\*.*|/\\*.*?\\*/", "");
    }

    static List<String> violations(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        for (var e : mainSources(root).entrySet()) {
            if (e.getKey().equals("native")) {
                continue; // native/ wraps host calls; it has no emulated state
            }
            boolean kernel = e.getKey().equals("kernel");
            for (Path f : e.getValue()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String code = code(lines.get(i));
                    check(out, f, i, code, BANNED_EVERYWHERE);
                    if (!kernel) {
                        check(out, f, i, code, BANNED_OUTSIDE_KERNEL);
                    }
                }
            }
        }
        return out;
    }

    private static void check(List<String> out, Path f, int i, String code, List<Pattern> rules) {
        for (Pattern p : rules) {
            if (p.matcher(code).find()) {
                out.add(f + ":" + (i + 1) + ": " + code.strip());
            }
        }
    }

    @Test
    void onlyKernelTouchesHostConcurrencyAndTime() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(root.resolve("block/src/main/java")), "run from the kernel module: " + root);
        assertEquals(List.of(), violations(root));
    }

    @Test
    void theRuleCatchesAViolation() throws IOException {
        Path root = Files.createDirectories(Path.of("target", "rules-fixture"));
        Path f = Files.createDirectories(root.resolve("mm/src/main/java")).resolve("Bad.java");
        Files.writeString(f, "class Bad { void f() { synchronized (this) { long t = System.nanoTime(); } } }\n");
        assertEquals(2, violations(root).size());
    }
}
