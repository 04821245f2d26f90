package org.faultline.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.faultline.kernel.KernelProfile;
import org.faultline.tools.workload.StepResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The vs-host check: the host interpreter agrees with Faultline on a workload both get right. */
class HostInterpTest {
    @Test
    void theSameSystemCallsOnTheHostGiveTheSameResults() throws Exception {
        Path scratch = Files.createDirectories(Path.of("target", "test-scratch", "vs-host").toAbsolutePath());
        String why = HostChecks.probeLoopMount(scratch);
        Assumptions.assumeTrue(why == null, () -> "host checks impossible here: " + why);
        String wl = String.join("\n",
                "set ram 16M",
                "set image-size 32M",
                "task t",
                "  mkdir /d",
                "  open f /d/a create rdwr",
                "  write f 0 100000 seed=1",
                "  read f 0 200000",
                "  mmap m f 0 64k shared rw",
                "  store m 100 5000 byte=0x41",
                "  load m 0 64k",
                "  msync m",
                "  truncate f 70000",
                "  stat /d/a",
                "  expect-error stat /d/nothing ENOENT",
                "  open d /d/b create rdwr direct",
                "  write d 0 64k from m+0",
                "  read d 0 128k",
                "  anon a 256k",
                "  store a 10 100 seed=4",
                "  read f 0 8192 into a+4096",
                "  load a 0 16k",
                "  rename /d/b /c",
                "  expect-error open g /d/b rdonly ENOENT",
                "  fallocate f 200000 8192",
                "  fsync f",
                "  drop-caches",
                "  read f 0 300000",
                "  munmap m",
                "");
        SequenceChecker c = new SequenceChecker(new SequenceChecker.Options(KernelProfile.byName("6.6"), true, true, true,
                scratch));
        SequenceChecker.Result r = c.check(SequenceChecker.Input.ofFile(wl, "vs-host.wl"), null);
        assertTrue(r.ok(), () -> r.findings().toString());
    }

    @Test
    void resultsDifferInCountErrnoOrBytes() {
        StepResult f = new StepResult(3, "read d 0 4096", 4608, new byte[4608]);
        StepResult h = new StepResult(3, "read d 0 4096", 4415, new byte[4415]);
        assertEquals("returned 4608, the host 4415", HostInterp.differ(f, h), "O_DIRECT at EOF: the same count");
        assertNull(HostInterp.differ(h, new StepResult(3, "read d 0 4096", 4415, new byte[4415])));
        assertEquals("returned 0, the host ENOSPC", HostInterp.differ(new StepResult(4, "fallocate f 0 1G", 0, null),
                new StepResult(4, "fallocate f 0 1G", -28, null)));
        byte[] b = new byte[10];
        b[7] = 1;
        assertEquals("byte 7 of the result: Faultline 0x01, the host 0x00",
                HostInterp.differ(new StepResult(5, "load m 0 10", 10, b), new StepResult(5, "load m 0 10", 10,
                        new byte[10])));
    }
}
