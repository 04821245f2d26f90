package org.faultline.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.faultline.kernel.KernelProfile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The minimal workloads the differential campaigns found (src/test/resources/fuzz-findings/, one
 * per cause; docs/testing.md), replayed with every check: each passes once its bug is fixed, and
 * stays as a regression test. A file whose first line names a {@code vs-host} finding needs the host
 * checks (skipped where loop mounts are impossible).
 */
class KnownFindingsTest {
    private static final Path DIR = Path.of("src", "test", "resources", "fuzz-findings");

    @TestFactory
    Stream<DynamicTest> everyFindingIsFixed() throws IOException {
        Path scratch = Files.createDirectories(Path.of("target", "test-scratch", "findings").toAbsolutePath());
        String why = HostChecks.probeLoopMount(scratch);
        boolean e2fsck = why == null && HostChecks.probeE2fsck() == null;
        SequenceChecker checker = new SequenceChecker(new SequenceChecker.Options(KernelProfile.byName("6.6"), why == null,
                e2fsck, why == null, scratch));
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".wl")).sorted().toList();
        }
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            String text = Files.readString(p, StandardCharsets.UTF_8);
            if (text.startsWith("# vs-host")) {
                Assumptions.assumeTrue(why == null, () -> "needs the host checks: " + why);
            }
            SequenceChecker.Result r = checker.check(SequenceChecker.Input.ofFile(text, p.getFileName().toString()), null);
            assertTrue(r.ok(), () -> p.getFileName() + " still fails: " + r.findings() + "\n" + text);
        }));
    }
}
