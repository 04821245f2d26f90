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
 * checks (skipped where loop mounts are impossible). They are replayed on images of 4 KiB blocks
 * (Faultline's mkfs), and again with blocks smaller than a page: 1 KiB (the host's mkfs.ext4 and its
 * default features) and 2 KiB (Faultline's mkfs).
 */
class KnownFindingsTest {
    private static final Path DIR = Path.of("src", "test", "resources", "fuzz-findings");

    @TestFactory
    Stream<DynamicTest> everyFindingIsFixed() throws IOException {
        return replayAll("findings", false, 4096);
    }

    @TestFactory
    Stream<DynamicTest> everyFindingIsFixedWithOneKilobyteBlocks() throws IOException {
        Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "mkfs.ext4 not installed");
        return replayAll("findings-1k", true, 1024);
    }

    @TestFactory
    Stream<DynamicTest> everyFindingIsFixedWithTwoKilobyteBlocks() throws IOException {
        return replayAll("findings-2k", false, 2048);
    }

    /** Each finding replayed with every check on images the host's mkfs or Faultline's make with {@code bs}-byte blocks. */
    private static Stream<DynamicTest> replayAll(String dir, boolean hostMkfs, int bs) throws IOException {
        Path scratch = Files.createDirectories(Path.of("target", "test-scratch", dir).toAbsolutePath());
        String why = HostChecks.probeLoopMount(scratch);
        boolean e2fsck = why == null && HostChecks.probeE2fsck() == null;
        SequenceChecker checker = new SequenceChecker(new SequenceChecker.Options(KernelProfile.newest(), why == null,
                e2fsck, why == null, scratch, SequenceChecker.Options.HUNG_TASK_TIMEOUT_MS, hostMkfs, bs));
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
            assertTrue(r.ok(), () -> p.getFileName() + " still fails with " + bs + "-byte blocks: " + r.findings() + "\n" + text);
        }));
    }
}
