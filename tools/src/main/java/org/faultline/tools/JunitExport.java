package org.faultline.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.faultline.images.capture.CaptureStore;
import org.faultline.images.capture.Manifest;

/**
 * {@code captures export ID --junit DIR}: a JUnit 5 test class holding the capture's workload and
 * schedule in its source, which replays them through {@link Reproducer} and asserts the signature.
 */
final class JunitExport {
    /** A Java string constant must stay under 65,535 bytes: long texts are joined from pieces. */
    private static final int PIECE = 16_000;

    private JunitExport() {
    }

    /** Writes {@code DIR/<package path>/Capture<ID>Test.java} (never overwriting one); @return its path. */
    static Path write(Path dir, String pkg, CaptureStore.Stored s, String workload) throws IOException {
        if (!pkg.matches("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*")) {
            throw new CliError("--package " + pkg + ": not a Java package name (lower case, dot-separated)");
        }
        Manifest m = s.manifest();
        String cls = "Capture" + s.shortId() + "Test";
        Path d = dir.resolve(pkg.replace('.', '/'));
        Files.createDirectories(d);
        Path f = d.resolve(cls + ".java");
        StringBuilder j = new StringBuilder();
        j.append("package ").append(pkg).append(";\n\n");
        j.append("import static org.junit.jupiter.api.Assertions.assertEquals;\n\n");
        j.append("import java.util.List;\nimport org.faultline.tools.Reproducer;\nimport org.junit.jupiter.api.Test;\n\n");
        j.append("/**\n * Capture ").append(s.shortId()).append(" (").append(m.command()).append(", ").append(m.strategy())
                .append(" seed ").append(m.seed()).append(m.depth() > 0 ? " depth " + m.depth() : "")
                .append(", faultline ").append(m.faultline()).append("): ").append(javadoc(m.kind() + " " + m.title()))
                .append("\n * on ").append(javadoc(m.scenario())).append(", kernel ").append(javadoc(m.kernel()))
                .append(".\n *\n * <p>Exported by {@code faultline captures export ").append(s.shortId())
                .append(" --junit}: replays the captured schedule\n * and asserts the captured signature. A change to the "
                        + "emulator's preemption points makes the\n * schedule diverge; export the capture again then.\n */\n");
        j.append("class ").append(cls).append(" {\n");
        j.append("    static final String NAME = ").append(literal(m.scenario())).append(";\n");
        j.append("    static final String KERNEL = ").append(literal(m.profile())).append(";\n");
        j.append("    static final List<String> PATCHES = List.of(");
        for (int i = 0; i < m.patches().size(); i++) {
            j.append(i == 0 ? "" : ", ").append(literal(m.patches().get(i)));
        }
        j.append(");\n");
        j.append("    static final String WORKLOAD = ").append(joined(workload)).append(";\n");
        j.append("    static final String SCHEDULE = ").append(joined(m.schedule())).append(";\n\n");
        j.append("    @Test\n    void replaysToTheCapturedFailure() {\n");
        j.append("        Reproducer.Result r = Reproducer.replay(NAME, WORKLOAD, KERNEL, PATCHES, SCHEDULE, ")
                .append(m.maxSteps()).append("L);\n");
        j.append("        assertEquals(").append(literal(m.kind())).append(", r.kind(), r::report);\n");
        j.append("        assertEquals(").append(literal(m.title())).append(", r.title(), r::report);\n");
        j.append("    }\n}\n");
        try {
            Files.writeString(f, j, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new CliError(f + ": exists; the export never overwrites a file");
        }
        return f;
    }

    private static String javadoc(String s) {
        return s.replace("*/", "*&#47;").replace("@", "&#64;").replace("\n", " ");
    }

    /** A Java string literal of {@code s}. */
    static String literal(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** {@code s} as a Java expression: one literal, or {@code String.join} of pieces (one a line for text). */
    private static String joined(String s) {
        List<String> pieces = new ArrayList<>();
        if (s.contains("\n")) {
            for (String line : s.split("(?<=\n)")) {
                pieces.add(line);
            }
        } else {
            for (int i = 0; i < s.length(); i += PIECE) {
                pieces.add(s.substring(i, Math.min(s.length(), i + PIECE)));
            }
        }
        if (pieces.size() == 1) {
            return literal(pieces.get(0));
        }
        StringBuilder b = new StringBuilder("String.join(\"\",");
        for (int i = 0; i < pieces.size(); i++) {
            b.append("\n            ").append(literal(pieces.get(i))).append(i + 1 < pieces.size() ? "," : ")");
        }
        return b.toString();
    }
}
