package org.faultline.tools.captured;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.faultline.tools.Reproducer;
import org.junit.jupiter.api.Test;

/**
 * Capture 9ea24cd7 (explore, pct seed 4 depth 3, faultline 0.1.0-SNAPSHOT): BUG kernel BUG at fs/ext4/inode.c!
 * on gup-dio-dirty-no-buffers, kernel 4.16.
 *
 * <p>Exported by {@code faultline captures export 9ea24cd7 --junit}: replays the captured schedule
 * and asserts the captured signature. A change to the emulator's preemption points makes the
 * schedule diverge; export the capture again then.
 */
class Capture9ea24cd7Test {
    static final String NAME = "gup-dio-dirty-no-buffers";
    static final String KERNEL = "4.16";
    static final List<String> PATCHES = List.of();
    static final String WORKLOAD = String.join("",
            "# Bug 1 (Jan Kara, 2018): a dirty page without buffers reaches ext4 writeback.\n",
            "#\n",
            "# dio maps /file1 MAP_SHARED and reads /file2 with O_DIRECT into that mapping: get_user_pages faults\n",
            "# file1's pages in for write (page_mkwrite attaches buffers) and holds references. Meanwhile sync\n",
            "# cleans and write-protects them, and hog's memory pressure makes reclaim write them back and strip\n",
            "# their buffers, but not free them (the direct I/O still holds them). The read's completion dirties\n",
            "# them again with set_page_dirty_lock: dirty pages without buffers. The next writeback of /file1\n",
            "# meets page_buffers() on one: kernel BUG at fs/ext4/inode.c. If the crash is turned into a warning,\n",
            "# the data read into /file1 is lost, and the read-back after drop-caches sees it.\n",
            "#\n",
            "# The report was of a production kernel, without CONFIG_DEBUG_VM: with its checks on, the invariant\n",
            "# \"page dirtied without page_mkwrite since it was cleaned\" fires first, at the read's completion \u2014\n",
            "# the root cause, which gup-dio-redirty-no-reclaim shows on its own.\n",
            "set kernel 4.16\n",
            "set debug-vm off\n",
            "set ram 4M\n",
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
            "  barrier done\n",
            "task sync\n",
            "  barrier ready\n",
            "  loop 3\n",
            "    sync\n",
            "  end\n",
            "  barrier done\n",
            "task hog\n",
            "  barrier ready\n",
            "  expect-error anon a 4000k EFAULT|ok\n",
            "  barrier done\n");
    static final String SCHEDULE = "fl2:4:0:aa22e91bc42f7861:7.5*11.1.3*5.4.2.6.8.3*78.5*89.7*19167.1*14.6*4.4*8.6*6.4*8.6*8.4*8.6*6.4*8.6*8.4*8.6*6.4*8.6*5.5*38.1*396.4*103.2*20.5*4.1*426.5*64::8ffb17c6";

    @Test
    void replaysToTheCapturedFailure() {
        Reproducer.Result r = Reproducer.replay(NAME, WORKLOAD, KERNEL, PATCHES, SCHEDULE, 200000L);
        assertEquals("BUG", r.kind(), r::report);
        assertEquals("kernel BUG at fs/ext4/inode.c!", r.title(), r::report);
    }
}
