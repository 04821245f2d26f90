package org.faultline.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.faultline.kernel.KernelProfile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A short differential campaign in every build: {@link #COUNT} random sequences of {@link #OPS}
 * statements from seed {@link #SEED}, each checked by the oracle, fsck, the image offline, the host
 * kernel's loop mount and e2fsck -fn. Needs root and a loop device (skipped otherwise). Change the
 * seed range or the statement mix ({@link #MIX}) here; a failure prints the minimal workloads.
 */
class OpsCampaignTest {
    static final long SEED = 1000;
    static final int COUNT = 40;
    static final int OPS = 100;
    static final Map<Op.Kind, Integer> MIX = OpsGenerator.defaultMix();

    @Test
    void randomSequencesMatchTheOracleAndTheHostKernel() throws Exception {
        Path scratch = Files.createDirectories(Path.of("target", "test-scratch", "campaign").toAbsolutePath());
        String why = HostChecks.probeLoopMount(scratch);
        Assumptions.assumeTrue(why == null, () -> "host checks impossible here: " + why);
        boolean e2fsck = HostChecks.probeE2fsck() == null;
        SequenceChecker checker = new SequenceChecker(new SequenceChecker.Options(KernelProfile.newest(), true, e2fsck,
                false, scratch));
        OpsGenerator.Options g = OpsGenerator.Options.defaults().withOps(OPS).withMix(MIX);
        Path out = scratch.resolve("minimal");
        Campaign.Summary s = new Campaign(new Campaign.Options(SEED, COUNT, 2, g, 3, 80, out), checker).run(
                new Campaign.Listener() {
                    @Override
                    public void checked(long done, long failing) {
                    }

                    @Override
                    public void note(String line) {
                    }
                });
        StringBuilder sb = new StringBuilder();
        sb.append(s.failing().size()).append(" of ").append(COUNT).append(" sequences mismatch: ").append(s.byKind());
        for (Campaign.Failing f : s.failing()) {
            sb.append("\n  seed ").append(f.seed()).append(": ").append(f.result().first());
        }
        for (Campaign.Minimal m : s.minimal()) {
            sb.append("\n\n").append(m.text());
        }
        assertTrue(s.failing().isEmpty(), sb.toString());
    }
}
