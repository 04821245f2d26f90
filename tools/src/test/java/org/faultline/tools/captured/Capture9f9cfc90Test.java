package org.faultline.tools.captured;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.faultline.tools.Reproducer;
import org.junit.jupiter.api.Test;

/**
 * Capture 9f9cfc90 (explore, pct seed 49 depth 3, faultline 0.1.0-SNAPSHOT): BUG kernel BUG at mm/page-writeback.c!
 * on writeback-stale-wake-bug-on, kernel 5.10.
 *
 * <p>Exported by {@code faultline captures export 9f9cfc90 --junit}: replays the captured schedule
 * and asserts the captured signature. A change to the emulator's preemption points makes the
 * schedule diverge; export the capture again then.
 */
class Capture9f9cfc90Test {
    static final String NAME = "writeback-stale-wake-bug-on";
    static final String KERNEL = "5.10";
    static final List<String> PATCHES = List.of();
    static final String WORKLOAD = String.join("",
            "# Bug 4 (Linus, 2021): BUG_ON(PageWriteback) in write_cache_pages after wait_on_page_writeback.\n",
            "#\n",
            "# Two tasks rewrite the first page of /f and fsync it, six times each. One writeback's\n",
            "# end_page_writeback clears PG_writeback, and before its wake-up another task starts a new writeback\n",
            "# of the page; an fsync (write_cache_pages, WB_SYNC_ALL) waiting on the page is then woken by the\n",
            "# stale wake-up and, on 5.10, does not recheck the bit: kernel BUG at mm/page-writeback.c.\n",
            "set kernel 5.10\n",
            "set iomap on\n",
            "set ram 4M\n",
            "set image-size 8M\n",
            "set strategy pct\n",
            "set depth 3\n",
            "set iterations 2000\n",
            "task fsync0\n",
            "  open f /f create rdwr\n",
            "  barrier created\n",
            "  loop 6\n",
            "    write f 0 4k seed=$i\n",
            "    fsync f\n",
            "  end\n",
            "task fsync1\n",
            "  barrier created\n",
            "  open f /f rdwr\n",
            "  loop 6\n",
            "    write f 0 4k seed=16+$i\n",
            "    fsync f\n",
            "  end\n");
    static final String SCHEDULE = "fl2:49:0:9bcaef028255691a:2.7.3.4.1.5*11.3*5.5*12.3*5.5*73.3*5.5*22.3*9.5*17.3*5.5*12.3*5.5*12.3*5.5*12.3*5.5*12.3*5.5*12.3*5.5*12.3*5.5*9.3*5.5*57.3*9.5*64.3*9.5*64.3*8.5*67.6*35.3.6*2::f5caf84b";

    @Test
    void replaysToTheCapturedFailure() {
        Reproducer.Result r = Reproducer.replay(NAME, WORKLOAD, KERNEL, PATCHES, SCHEDULE, 200000L);
        assertEquals("BUG", r.kind(), r::report);
        assertEquals("kernel BUG at mm/page-writeback.c!", r.title(), r::report);
    }
}
