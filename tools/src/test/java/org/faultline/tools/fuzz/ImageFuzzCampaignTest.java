package org.faultline.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.faultline.tools.Faultline;
import org.junit.jupiter.api.Test;

/**
 * A short corrupt-image campaign (the long one is {@code faultline fuzz images}): every mutation class
 * on a few images, each command in-process with a timeout. No command may exit 1, hang, print a stack
 * trace, or change the image when it only reads it.
 */
class ImageFuzzCampaignTest {
    static final int IMAGES = 2 * ImageFuzz.classes() + 6; // 50: every class at least twice
    static final long SEED = 20261206L;

    @Test
    void mutationsAreDeterministic() throws IOException {
        List<ImageFuzz.Base> bases = ImageFuzz.makeBases(scratch("fuzz-determinism"), false);
        for (int i = 0; i < ImageFuzz.classes(); i++) {
            ImageFuzz.Case a = ImageFuzz.mutate(bases, 5, i);
            ImageFuzz.Case b = ImageFuzz.mutate(bases, 5, i);
            assertEquals(a.what(), b.what());
            assertArrayEquals(a.bytes(), b.bytes());
        }
    }

    @Test
    void corruptImagesNeverCrashHangOrChange() throws Exception {
        Path dir = scratch("fuzz-campaign");
        boolean host = Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")) || Files.isExecutable(Path.of("/sbin/mkfs.ext4"));
        List<ImageFuzz.Base> bases = ImageFuzz.makeBases(dir.resolve("base"), host);
        List<String> failures = new ArrayList<>();
        Map<String, Integer> exits = new TreeMap<>();
        for (int i = 0; i < IMAGES; i++) {
            ImageFuzz.Case c = ImageFuzz.mutate(bases, SEED, i);
            Path img = dir.resolve("image.img");
            Files.write(img, c.bytes());
            Path out = Files.createDirectories(dir.resolve("cp-out"));
            long largest = 0;
            for (ImageFuzz.Check ch : ImageFuzz.CHECKS) {
                if (ch.name().equals("boot") ? i % 2 == 1 : !ch.readOnly() && i % 2 == 0) {
                    continue; // boot on even images, the other writers on odd ones: well under a minute
                }
                if ((ch.name().equals("cat") || ch.name().equals("cp")) && largest > ImageFuzz.LARGE_FILE) {
                    continue; // a damaged but valid size of gigabytes: in-process, cat would fill the heap
                }
                byte[] before = Files.readAllBytes(img);
                String[] args = ch.argsFor(img, out, dir.resolve("base").resolve("src")).toArray(String[]::new);
                ImageFuzz.Outcome o;
                try {
                    o = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run(args));
                } catch (org.opentest4j.AssertionFailedError timeout) {
                    o = new ImageFuzz.Outcome(-1, true, "", "");
                }
                exits.merge(ch.name() + " exit " + o.exit(), 1, Integer::sum);
                boolean changed = ch.readOnly() && !java.util.Arrays.equals(before, Files.readAllBytes(img));
                if (ch.name().equals("stat")) {
                    largest = ImageFuzz.largestSize(o.stdout());
                }
                String why = ImageFuzz.slowNotHung(ch, o, largest) ? null : ImageFuzz.judge(ch, o, changed);
                if (why != null) {
                    failures.add(String.format("image %d (%s on %s: %s): %s: %s%n%s", i, c.mutationName(), c.base(),
                            c.what(), ch.name(), why, o.stderr().lines().limit(8).reduce("", (a, b) -> a + "  " + b + "\n")));
                }
            }
        }
        System.out.println("image fuzz campaign: " + IMAGES + " images, " + exits);
        assertTrue(failures.isEmpty(), failures.size() + " failing commands:\n" + String.join("\n", failures));
    }

    private static ImageFuzz.Outcome run(String[] args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            code = Faultline.run(args, out, err);
        }
        return new ImageFuzz.Outcome(code, false, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private static Path scratch(String name) throws IOException {
        Path d = Path.of("target", "test-scratch", name).toAbsolutePath();
        if (Files.exists(d)) {
            try (Stream<Path> s = Files.walk(d)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(d);
    }
}
