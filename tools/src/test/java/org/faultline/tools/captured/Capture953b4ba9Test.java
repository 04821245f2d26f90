package org.faultline.tools.captured;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.faultline.tools.Reproducer;
import org.junit.jupiter.api.Test;

/**
 * Capture 953b4ba9 (explore, pct seed 0 depth 3, faultline 0.1.0-SNAPSHOT): CORRUPTION data corruption: /f offset 0: expected 0x4f got 0xaf
 * on mkwrite-not-uptodate-after-eio, kernel 5.8.
 *
 * <p>Exported by {@code faultline captures export 953b4ba9 --junit}: replays the captured schedule
 * and asserts the captured signature. A change to the emulator's preemption points makes the
 * schedule diverge; export the capture again then.
 */
class Capture953b4ba9Test {
    static final String NAME = "mkwrite-not-uptodate-after-eio";
    static final String KERNEL = "5.8";
    static final List<String> PATCHES = List.of();
    static final String WORKLOAD = String.join("",
            "# Bug 2 (Willy, Dave Chinner, 2020): page_mkwrite on a page that is no longer Uptodate.\n",
            "#\n",
            "# mapper writes /f and fsyncs it, maps it shared and stores to it. The next writeback fails at\n",
            "# submission (fail-write: the second block mapping of /f in writeback returns -EIO); iomap's error\n",
            "# path discards the page \u2014 clears PG_uptodate \u2014 and leaves it mapped. The next store faults into\n",
            "# iomap_page_mkwrite on the !Uptodate page (WARN_ON_ONCE on 5.8) and dirties it anyway. read() then\n",
            "# re-reads the old block from the disk: the data the mapping showed teleports backwards, and the\n",
            "# oracle reports the read.\n",
            "set kernel 5.8\n",
            "set iomap on\n",
            "set ram 16M\n",
            "set image-size 8M\n",
            "set fail-write /f nth=2 EIO\n",
            "set strategy pct\n",
            "set depth 3\n",
            "set iterations 2000\n",
            "task mapper\n",
            "  open f /f create rdwr\n",
            "  write f 0 4k seed=1\n",
            "  fsync f\n",
            "  mmap m f 0 4k shared rw\n",
            "  store m 0 4 seed=2\n",
            "  expect-error fsync f EIO\n",
            "  expect-error store m 0 4 seed=3 EFAULT|ok\n",
            "  read f 0 4\n");
    static final String SCHEDULE = "fl2:0:0:871a5c8d8a4f1f82:4.2.1.3.6.3*30.5*194::73fac075";

    @Test
    void replaysToTheCapturedFailure() {
        Reproducer.Result r = Reproducer.replay(NAME, WORKLOAD, KERNEL, PATCHES, SCHEDULE, 200000L);
        assertEquals("CORRUPTION", r.kind(), r::report);
        assertEquals("data corruption: /f offset 0: expected 0x4f got 0xaf", r.title(), r::report);
    }
}
