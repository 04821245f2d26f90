package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shape of the tree the architecture asks for, over every module's main sources: kernel/ names
 * no layer above it and no filesystem (patches and configuration come from the layers' providers);
 * fs/ext4 is split along the kernel's files (no file above {@value #EXT4_MAX_LINES} lines); the
 * offline ext4 path API (file operations by path: the image tools' {@code Ext4Image}) lives only in
 * images/ and tools/ (the VFS walks paths of its own, outside any filesystem); every package has a
 * package-info.java.
 */
class LayoutRulesTest {
    static final int EXT4_MAX_LINES = 900;
    private static final Pattern UPWARD_IN_KERNEL =
            Pattern.compile("org\\.faultline\\.(mm|block|fs|images|tools)\\b|(?i)\\b(ext[234]|iomap|ramfs|xfs|btrfs)\\b");
    /** A path-API method: a public file operation taking a String path. */
    private static final Pattern PATH_API = Pattern.compile(
            "public \\S+ (lookup|mkdir|create|unlink|rmdir|rename|readAll|readdir|stat|symlink|link|truncate|write)"
                    + "\\(String (path|from|existing|target)\\b");

    static List<String> violations(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        java.util.Set<Path> packages = new java.util.TreeSet<>();
        for (var e : SourceRulesTest.mainSources(root).entrySet()) {
            for (Path f : e.getValue()) {
                check(out, e.getKey(), f);
                packages.add(f.getParent());
            }
        }
        for (Path dir : packages) { // each package says what it models and how it locks
            if (!Files.exists(dir.resolve("package-info.java"))) {
                out.add(dir + ": a package without package-info.java");
            }
        }
        return out;
    }

    private static void check(List<String> out, String module, Path f) throws IOException {
        List<String> lines = Files.readAllLines(f);
        if (f.toString().contains("/org/faultline/fs/ext4/") && lines.size() > EXT4_MAX_LINES) {
            out.add(f + ": " + lines.size() + " lines, more than " + EXT4_MAX_LINES + " (split it along fs/ext4)");
        }
        boolean offline = module.equals("images") || module.equals("tools");
        for (int i = 0; i < lines.size(); i++) {
            String code = SourceRulesTest.code(lines.get(i));
            if (module.equals("kernel") && UPWARD_IN_KERNEL.matcher(code).find()) {
                out.add(f + ":" + (i + 1) + ": kernel/ names a layer above it or a filesystem: " + code.strip());
            }
            if (!offline && f.toString().contains("/ext4/") && PATH_API.matcher(code).find()) {
                out.add(f + ":" + (i + 1) + ": the offline path API belongs in images/: " + code.strip());
            }
        }
    }

    @Test
    void theTreeHasTheLayoutTheArchitectureAsksFor() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(root.resolve("fs/src/main/java")), "run from the kernel module: " + root);
        assertEquals(List.of(), violations(root));
    }

    @Test
    void eachRuleCatchesAViolation() throws IOException {
        Path root = Files.createDirectories(Path.of("target", "layout-fixture"));
        Path k = Files.createDirectories(root.resolve("kernel/src/main/java"));
        Files.writeString(k.resolve("Bad.java"), "class Bad { String f = \"ext4\"; org.faultline.mm.Page p; }\n");
        Path e = Files.createDirectories(root.resolve("fs/src/main/java/org/faultline/fs/ext4"));
        Files.writeString(e.resolve("Big.java"), "class Big {\n" + "\n".repeat(EXT4_MAX_LINES) + "}\n");
        Files.writeString(e.resolve("Path.java"), "class Path { public long lookup(String path) { return 0; } }\n");
        Files.writeString(e.resolve("package-info.java"), "package org.faultline.fs.ext4;\n");
        List<String> v = violations(root); // kernel/src/main/java has Bad.java and no package-info
        assertEquals(4, v.size(), v.toString());
    }
}
