package org.faultline.tools.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.faultline.kernel.BootParams;
import org.junit.jupiter.api.Test;

/**
 * Free-running, a direct I/O made of many bios completes on several IRQ tasks at once; every
 * completion must be counted (dio_bio_end_io under the dio's bio_lock in the kernel). A lost count
 * left the submitter waiting for ever in do_chunk — the hung task found by fuzzing {@code boot}.
 */
class FreeRunningDirectIoTest {
    /** Two readers of fragmented files: each 256 KiB O_DIRECT read is 64 bios over four hardware queues. */
    private static final String FRAGMENTED_READS = """
            set hw-queues 4
            task t
              open a /a create rdwr
              open b /b create rdwr
              loop 64
                write a $i*4k 4k seed=1
                fsync a
                write b $i*4k 4k seed=2
                fsync b
              end
              open d /a rdwr direct
              loop 600
                read d 0 256k
              end
            task u
              open c /c create rdwr
              loop 64
                write c $i*4k 4k seed=3
                fsync c
              end
              open e /c rdonly direct
              loop 600
                read e 0 256k
              end
            """;

    @Test
    void manyBioDirectReadsOnSeveralIrqTasksAllComplete() throws Exception {
        Ext4Boot.Outcome out = Ext4Boot.run("free-dio", FRAGMENTED_READS,
                BootParams.free().withHungTaskTimeoutMs(10_000), 4096);
        assertTrue(out.result().ok(), out::why);
        assertEquals(List.of(), out.oracle().verifyImage(out.image()));
    }
}
