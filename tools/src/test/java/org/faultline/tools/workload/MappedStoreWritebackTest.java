package org.faultline.tools.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A store through a shared mapping while another task writes the page back (fsync): the store lands
 * either before page_mkclean write-protects the PTE (then the PTE is dirty and the page is written
 * again later) or faults after it (->page_mkwrite dirties the page again). Never after the PTE was
 * cleaned: on a CPU the TLB flush waits for a store through the old entry. Every one of 400 PCT
 * interleavings must leave the last store on the disk (before the fix, seed 188 left a page of the
 * one before: the store copied its bytes after fsync's writeback had cleaned the PTE and written the
 * page; fuzz ops --seed 300889 found it free-running).
 */
class MappedStoreWritebackTest {
    static final String STORES = """
            task a
              open f /x create rdwr
              write f 0 8k byte=0x11
              mmap m f 0 8k shared rw
              store m 0 8k byte=0x22
              barrier go
              loop 16
                store m 0 8k seed=$i+1
              end
              barrier done
              munmap m
            task b
              barrier go
              open g /x rdwr
              loop 16
                fsync g
              end
              barrier done
            """;

    @Test
    void theLastStoreReachesTheDiskWhateverTheWritebackInterleaving() throws Exception {
        List<String> lost = new ArrayList<>();
        for (long seed = 1; seed <= 400; seed++) {
            Ext4Boot.Outcome out = Ext4Boot.run("mapped-store", STORES,
                    org.faultline.kernel.BootParams.controlled(new org.faultline.kernel.Pct(seed, 4, 1500)), 2048);
            assertTrue(out.result().ok(), out::why);
            assertEquals(8 << 10, out.oracle().expectedFiles().get("/x").knownBytes(), "seed " + seed);
            List<String> d = out.oracle().verifyImage(out.image());
            if (!d.isEmpty()) {
                lost.add("seed " + seed + ": " + d.get(0));
            }
        }
        assertEquals(List.of(), lost);
    }
}
