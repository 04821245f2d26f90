package org.faultline.tools.captured;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.faultline.tools.Reproducer;
import org.junit.jupiter.api.Test;

/**
 * Capture b90af1b2 (explore, pct seed 34 depth 3, faultline 0.1.0-SNAPSHOT): DEADLOCK deadlock: wait-for cycle between kworker/u8:sda:4, faulter:5
 * on fault-vs-writepages-memcg-deadlock, kernel 4.20.
 *
 * <p>Exported by {@code faultline captures export b90af1b2 --junit}: replays the captured schedule
 * and asserts the captured signature. A change to the emulator's preemption points makes the
 * schedule diverge; export the capture again then.
 */
class Captureb90af1b2Test {
    static final String NAME = "fault-vs-writepages-memcg-deadlock";
    static final String KERNEL = "4.20";
    static final List<String> PATCHES = List.of();
    static final String WORKLOAD = String.join("",
            "# Bug 3 (Liu Bo, Jan Kara, Dave Chinner, Michal Hocko, 2018): a page fault deadlocks with\n",
            "# ext4_writepages under legacy memcg reclaim.\n",
            "#\n",
            "# faulter, in a v1 memcg near its limit, rewrites /data (dirty again, blocks already allocated) and\n",
            "# faults on its pages while sync makes the flusher write them back. The flusher, in\n",
            "# mpage_prepare_extent_to_map, puts page A under writeback into its private bio (not yet submitted)\n",
            "# and blocks in lock_page(B); the fault holds B locked (filemap_fault) and allocates a page table\n",
            "# (pte_alloc_one, charged to the memcg); the charge reclaims and, legacy memcg, waits for A's\n",
            "# writeback. Neither moves: the wait-for graph prints the cycle through the unsubmitted bio.\n",
            "set kernel 4.20\n",
            "set ram 8M\n",
            "set image-size 8M\n",
            "set strategy pct\n",
            "set depth 3\n",
            "set iterations 2000\n",
            "memcg app 160k v1\n",
            "task faulter in memcg app\n",
            "  open f /data create rdwr\n",
            "  loop 24\n",
            "    write f $i*4k 4k seed=$i\n",
            "  end\n",
            "  fsync f\n",
            "  loop 24\n",
            "    write f $i*4k 4k seed=100+$i\n",
            "  end\n",
            "  mmap m f 0 96k shared ro\n",
            "  barrier ready\n",
            "  # the first fault allocates the page table (pte_alloc_one): at the last page, so that the flusher\n",
            "  # can hold the pages before it in its bio; a fault that fails (memcg OOM) stops the loads\n",
            "  expect-error load m 92k 1 EFAULT|ok\n",
            "  expect-error load m 0 92k EFAULT|ok\n",
            "  munmap m\n",
            "  barrier done\n",
            "task sync\n",
            "  barrier ready\n",
            "  sync\n",
            "task hog in memcg app\n",
            "  barrier ready\n",
            "  expect-error anon a 120k EFAULT|ok\n",
            "  barrier done\n");
    static final String SCHEDULE = "fl2:34:0:c0a536b8b6717ab7:2.6.7.8.3.4.1.3*179.6*6.7*926.4*339.5*49.7*74::69566bb9";

    @Test
    void replaysToTheCapturedFailure() {
        Reproducer.Result r = Reproducer.replay(NAME, WORKLOAD, KERNEL, PATCHES, SCHEDULE, 200000L);
        assertEquals("DEADLOCK", r.kind(), r::report);
        assertEquals("deadlock: wait-for cycle between kworker/u8:sda:4, faulter:5", r.title(), r::report);
    }
}
