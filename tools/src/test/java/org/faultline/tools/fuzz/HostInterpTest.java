package org.faultline.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Test
    void onlyStatementsAllowedToRunOutOfSpaceMayEndDifferently() {
        StepResult ours = new StepResult(9, "expect-error write h1 0 8192 seed=3 ENOSPC|ok", -28, null);
        assertTrue(HostInterp.spaceOutcomes(ours, new StepResult(9, ours.text(), 4096, null)), "a short write");
        assertTrue(HostInterp.spaceOutcomes(new StepResult(9, ours.text(), 8192, null), new StepResult(9, ours.text(), -28,
                null)), "ENOSPC on the host");
        assertFalse(HostInterp.spaceOutcomes(new StepResult(9, ours.text(), -5, null), new StepResult(9, ours.text(), 8192,
                null)), "EIO is not a space outcome");
        StepResult plain = new StepResult(9, "write h1 0 8192 seed=3", -28, null);
        assertFalse(HostInterp.spaceOutcomes(plain, new StepResult(9, plain.text(), 8192, null)),
                "a statement the workload does not allow to fail");
        StepResult other = new StepResult(9, "expect-error fsync h1 EIO|ok", -5, null);
        assertFalse(HostInterp.spaceOutcomes(other, new StepResult(9, other.text(), 0, null)), "ENOSPC not allowed");
    }

    @Test
    void filesAreFollowedThroughHandlesMappingsAndRenames() {
        FileTracker t = new FileTracker();
        t.apply("mkdir /d", 0);
        t.apply("open h0 /d/a create rdwr", 3);
        t.apply("open h1 /b create rdwr", 4);
        t.apply("mmap m0 h0 0 8192 shared rw", 0);
        assertEquals(List.of(0), t.files("store m0 10 20 byte=0x1"));
        assertEquals(List.of(1, 0), t.files("write h1 0 100 from m0+4096"));
        t.apply("expect-error open h2 /nothing rdonly ENOENT", -2);
        assertEquals(List.of(), t.files("read h2 0 10"), "a failed open binds nothing");
        t.apply("rename /d /e", 0);
        t.apply("open h3 /e/a rdonly", 5);
        assertEquals(List.of(0), t.files("expect-error read h3 0 10 ENOSPC|ok"), "the same file after the rename");
        t.apply("rename /b /e/a", 0);
        t.apply("close h0", 0);
        assertEquals(java.util.Map.of(1, "/e/a"), t.pathsNow(), "the replaced file has no path");
        t.markChanged("expect-error write h1 100 50 seed=2 ENOSPC|ok");
        assertTrue(t.changed(1) && t.changed(1, 100) && t.changed(1, 149));
        assertFalse(t.changed(1, 99) || t.changed(1, 150) || t.changed(0), "only the bytes the write could change");
        t.apply("open h4 /e/a append wronly", 6);
        t.markChanged("expect-error write h4 0 10 zero ENOSPC|ok");
        assertTrue(t.changed(1, 1 << 20), "an O_APPEND write may have landed anywhere");
        assertEquals(List.of(1), t.files("stat /e/a"), "a statement naming the file by path");
    }
}
