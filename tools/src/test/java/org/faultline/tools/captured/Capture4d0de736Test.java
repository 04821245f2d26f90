package org.faultline.tools.captured;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.faultline.tools.Reproducer;
import org.junit.jupiter.api.Test;

/**
 * Capture 4d0de736 (explore, pct seed 50 depth 3, faultline 0.1.0-SNAPSHOT): INVARIANT page dirtied without page_mkwrite since it was cleaned: page pfn 0 (index 0 of ino 12 (sda)), flags 0x2029(locked|uptodate|lru|private)
 * on gup-dio-redirty-no-reclaim, kernel 4.16.
 *
 * <p>Exported by {@code faultline captures export 4d0de736 --junit}: replays the captured schedule
 * and asserts the captured signature. A change to the emulator's preemption points makes the
 * schedule diverge; export the capture again then.
 */
class Capture4d0de736Test {
    static final String NAME = "gup-dio-redirty-no-reclaim";
    static final String KERNEL = "4.16";
    static final List<String> PATCHES = List.of();
    static final String WORKLOAD = String.join("",
            "# Bug 1, second variant (Jan Kara, 2018): no reclaim, no crash \u2014 and still wrong.\n",
            "#\n",
            "# As in gup-dio-dirty-no-buffers, dio reads /file2 with O_DIRECT into a MAP_SHARED mapping of\n",
            "# /file1, but nothing presses on memory. sync's writeback cleans the pages and write-protects their\n",
            "# mappings while the read is in flight; the read's completion then dirties them with\n",
            "# set_page_dirty_lock, behind the filesystem's back: no page_mkwrite ran since they were cleaned, so\n",
            "# no blocks were reserved and no journal credits taken. Nothing crashes; the invariant checker\n",
            "# reports the page dirtied without page_mkwrite since it was cleaned.\n",
            "set kernel 4.16\n",
            "set debug-vm on\n",
            "set ram 16M\n",
            "set image-size 8M\n",
            "set strategy pct\n",
            "set depth 3\n",
            "set iterations 2000\n",
            "task dio\n",
            "  open f1 /file1 create rdwr\n",
            "  write f1 0 16k zero\n",
            "  open f2 /file2 create rdwr\n",
            "  write f2 0 16k seed=2\n",
            "  fsync f1\n",
            "  fsync f2\n",
            "  close f2\n",
            "  open d /file2 rdonly direct\n",
            "  mmap m f1 0 16k shared rw\n",
            "  barrier ready\n",
            "  read d 0 16k into m\n",
            "  munmap m\n",
            "  fsync f1\n",
            "  drop-caches\n",
            "  read f1 0 16k\n",
            "task sync\n",
            "  barrier ready\n",
            "  loop 3\n",
            "    sync\n",
            "  end\n");
    static final String SCHEDULE = "fl2:50:0:7d9962ad28148bde:2.1.6.5*13.4.7.5*742.6*6.5*96.4*65.2*14.4*8.6*7.4*5.6*9.4*5.6*7.4*5.6*9.4*5.6*7.4*5.6*5.4*3.7.3*54.7*56.3*6.7*27.3*6.7*27.3*6.7*27.3*6.7*7.4*19.7*6.4*8.7*6.4*3.7*4.2*3.1::9e39f20b";

    @Test
    void replaysToTheCapturedFailure() {
        Reproducer.Result r = Reproducer.replay(NAME, WORKLOAD, KERNEL, PATCHES, SCHEDULE, 200000L);
        assertEquals("INVARIANT", r.kind(), r::report);
        assertEquals("page dirtied without page_mkwrite since it was cleaned: page pfn 0 (index 0 of ino 12 (sda)), flags 0x2029(locked|uptodate|lru|private)", r.title(), r::report);
    }
}
