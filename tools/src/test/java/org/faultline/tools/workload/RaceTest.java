package org.faultline.tools.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.faultline.kernel.Failure;
import org.junit.jupiter.api.Test;

/**
 * Tasks racing on the same bytes without barriers: the oracle must never report a difference it
 * cannot know (no false positives), yet still check what barriers order.
 */
class RaceTest {
    static final String RACES = """
            task a
              open f /x create rdwr
              loop 6
                write f ($i%3)*4k 12k seed=$i
                read f 0 24k
                truncate f 20k-$i*1k
              end
              barrier sync1
              write f 0 24k seed=100
              barrier sync2
            task b
              open f /x create rdwr
              mmap m f 0 32k shared rw
              loop 6
                expect-error store m $i*2k 6k seed=50+$i EFAULT|ok
                expect-error load m 0 16k EFAULT|ok
                fallocate f 8k 4k punch
              end
              barrier sync1
              barrier sync2
              load m 0 24k
              munmap m
            task c
              open f /x create rdwr direct
              loop 6
                read f 0 16k
                write f 16k 4k seed=70
              end
              open g /x rdonly
              stat /x
              read g 0 32k
              barrier sync1
              barrier sync2
              read g 0 24k
              stat /x size=24k
            """;

    @Test
    void racingWritersNeverYieldFalseCorruption() throws Exception {
        long checked = 0;
        for (long seed = 1; seed <= 6; seed++) {
            Ext4Boot.Outcome out = Ext4Boot.run("race" + seed, RACES, seed, 2048);
            assertTrue(out.result().ok(), out::why);
            Oracle.ExpectedFile x = out.oracle().expectedFiles().get("/x");
            assertEquals(24 << 10, x.size(), "seed " + seed);
            assertEquals(x.size(), x.knownBytes(), "seed " + seed + ": the ordered last write makes everything known");
            assertEquals(java.util.List.of(), out.oracle().verifyImage(out.image()), "seed " + seed);
            checked += out.oracle().verifiedBytes();
        }
        // after the barriers, b and c each check all 24k, and the final check does
        assertTrue(checked >= 6 * 3 * (24 << 10), "checked " + checked);
    }

    @Test
    void racingWritersUnderTheFreeRunningSchedulerToo() throws Exception {
        // real parallel threads: interleavings the controlled runs above may not reach
        for (int run = 0; run < 10; run++) {
            Ext4Boot.Outcome out = Ext4Boot.run("racefree", RACES, org.faultline.kernel.BootParams.free(), run % 2 == 0 ? 2048 : 300);
            assertTrue(out.result().ok(), out::why);
            assertEquals(java.util.List.of(), out.oracle().verifyImage(out.image()), "run " + run);
        }
    }

    @Test
    void afterTheBarriersDamageIsStillCaught() throws Exception {
        String damaged = RACES.replace("  write f 0 24k seed=100\n", "  write f 0 24k seed=100\n  write-unchecked f 20000 1 byte=0x99\n");
        for (long seed = 1; seed <= 2; seed++) {
            Ext4Boot.Outcome out = Ext4Boot.run("racebad" + seed, damaged, seed, 2048);
            assertEquals(Failure.Kind.CORRUPTION, out.result().fatal().kind(), out::why);
            assertTrue(out.result().fatal().title().startsWith("data corruption: /x offset 20000: expected"),
                    out.result().fatal().title());
        }
    }
}
