package org.faultline.tools.captured;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.faultline.tools.Reproducer;
import org.junit.jupiter.api.Test;

/**
 * Capture 092ecb09 (explore, pct seed 8 depth 3, faultline 0.1.0-SNAPSHOT): INVARIANT page dirtied without page_mkwrite since it was cleaned: page pfn 0 (index 0 of ino 12 (sda)), flags 0x2029(locked|uptodate|lru|private)
 * on gup-dio-redirty-no-reclaim, kernel 4.16.
 *
 * <p>Exported by {@code faultline captures export 092ecb09 --junit}: replays the captured schedule
 * and asserts the captured signature. A change to the emulator's preemption points makes the
 * schedule diverge; export the capture again then.
 */
class Capture092ecb09Test {
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
    static final String SCHEDULE = "fl2:8:0:f507f44e3393fa99:2.7.4.3.6.1.3*128.6*4.4*8.6*6.4*8.5*71.6*8.4*36.6*2.4*31.2*14.4*11.6*5.4*8.6*8.4*8.6*6.4*8.6*5.7.6.3*41.7*111.3*6.7*12.3*2.7*12.3*2.7*12.3*2.7*9.4*16.7*7.4*5.7*9.4*3.2*3.3*3::0212e628";

    @Test
    void replaysToTheCapturedFailure() {
        Reproducer.Result r = Reproducer.replay(NAME, WORKLOAD, KERNEL, PATCHES, SCHEDULE, 200000L);
        assertEquals("INVARIANT", r.kind(), r::report);
        assertEquals("page dirtied without page_mkwrite since it was cleaned: page pfn 0 (index 0 of ino 12 (sda)), flags 0x2029(locked|uptodate|lru|private)", r.title(), r::report);
    }
}
