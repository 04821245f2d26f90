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
    /**
     * Runs the single-task workload of {@code statements} (after {@code set ram 16M}, {@code set
     * image-size 32M}, {@code task t}) through every check, the host's included, and asserts it agrees.
     */
    private static void agreesWithTheHost(String name, String... statements) throws Exception {
        SequenceChecker.Result r = againstTheHost("6.6", 4096, name, statements);
        assertTrue(r.ok(), () -> r.findings().toString());
    }

    /** Runs the workload through every check on {@code kernel}, on an image of {@code blockSize}-byte blocks. */
    private static SequenceChecker.Result againstTheHost(String kernel, int blockSize, String name, String... statements)
            throws Exception {
        String wl = "set ram 16M\nset image-size 32M\ntask t\n" + String.join("\n", statements) + "\n";
        return onTheHost(KernelProfile.byName(kernel), false, blockSize, name, wl);
    }

    /**
     * Runs workload text {@code wl} through every check, the host's included, on {@code profile}, on an
     * image Faultline's mkfs or (with {@code hostMkfs}) the host's mkfs.ext4 makes with {@code blockSize}-byte
     * blocks; skipped where the host checks are impossible.
     */
    private static SequenceChecker.Result onTheHost(KernelProfile profile, boolean hostMkfs, int blockSize, String name,
                                                    String wl) throws Exception {
        Path scratch = Files.createDirectories(Path.of("target", "test-scratch", name).toAbsolutePath());
        String why = HostChecks.probeLoopMount(scratch);
        Assumptions.assumeTrue(why == null, () -> "host checks impossible here: " + why);
        Assumptions.assumeTrue(!hostMkfs || HostChecks.probeE2fsck() == null, "mkfs.ext4 not installed");
        SequenceChecker c = new SequenceChecker(new SequenceChecker.Options(profile, true, true, true,
                scratch, SequenceChecker.Options.HUNG_TASK_TIMEOUT_MS, hostMkfs, blockSize));
        return c.check(SequenceChecker.Input.ofFile(wl, name + ".wl"), null);
    }

    /** @return the text of a kept finding, src/test/resources/fuzz-findings/{@code file} */
    private static String finding(String file) throws Exception {
        return Files.readString(Path.of("src", "test", "resources", "fuzz-findings", file));
    }

    /**
     * fuzz-findings/dio-allocation-is-ordered-data-vs-host.wl on an image the host's mkfs.ext4 makes
     * (4 KiB blocks), where it differed: a direct write's new blocks past i_size are ordered data, so
     * the next commit writes back the mapping-dirtied page over them and zeroes it past EOF, as the host's
     * commit does.
     */
    @Test
    void aDirectWritesNewBlocksAreOrderedDataAsOnTheHost() throws Exception {
        SequenceChecker.Result r = onTheHost(KernelProfile.newest(), true, 4096, "dio-ordered",
                finding("dio-allocation-is-ordered-data-vs-host.wl"));
        assertTrue(r.ok(), () -> r.findings().toString());
    }

    /**
     * The punch-hole finding (fuzz-findings/punch-writes-back-first-before-6.15-vs-host.wl): 6.6 writes
     * the range back before punching, which zeroes what a mapping stored past EOF, and differs from the
     * host; 6.15 (43d0105e2c75) does not, and agrees (KnownFindingsTest replays it on the newest profile).
     */
    @Test
    void onlyBefore615DoesPunchHoleWriteBackFirst() throws Exception {
        String wl = finding("punch-writes-back-first-before-6.15-vs-host.wl");
        SequenceChecker.Result old = onTheHost(KernelProfile.byName("6.6"), false, 4096, "punch-66", wl);
        assertFalse(old.ok(), "6.6 writes back first and differs from the host");
        assertTrue(old.findings().toString().contains("vs-host"), () -> old.findings().toString());
        SequenceChecker.Result now = onTheHost(KernelProfile.byName("6.6")
                .with(List.of("+ext4-punch-hole-no-writeback", "+ext4-remove-writable-mappings-before-truncate")), false,
                4096, "punch-66-patched", wl);
        assertTrue(now.ok(), () -> "6.6 with the two 6.15 patches agrees: " + now.findings());
    }

    /**
     * Bytes a shared mapping stored past EOF, then i_size grown by truncate, by a write past EOF and by
     * fallocate: the host (6.13 and later: c7fc0366c656 in ext4, 52aecaee1c26 in mm) reads zeros
     * there, and so does the 6.13 profile, with 4 KiB and with 1 KiB blocks; 6.6 exposes the stored
     * bytes (no writeback zeroed the EOF page's tail in between), so its reads differ from the host's.
     */
    @Test
    void growingTheSizeZeroesWhatAMappingStoredPastEofAsTheHostKernelDoes() throws Exception {
        String[] wl = {
            "open a /a create rdwr", "write a 0 512 seed=1", "mmap ma a 0 4096 shared rw", "store ma 1000 100 seed=2",
            "truncate a 8192", "read a 0 8192",
            "open b /b create rdwr", "write b 0 512 seed=3", "mmap mb b 0 4096 shared rw", "store mb 1000 100 seed=4",
            "write b 6000 10 seed=5", "read b 0 8192",
            "open c /c create rdwr", "write c 0 512 seed=6", "mmap mc c 0 4096 shared rw", "store mc 1000 100 seed=7",
            "fallocate c 0 8192", "read c 0 8192"};
        for (int bs : new int[] {4096, 1024}) {
            SequenceChecker.Result now = againstTheHost("6.13", bs, "vs-host-eof-zero-" + bs, wl);
            assertTrue(now.ok(), () -> bs + ": " + now.findings());
            SequenceChecker.Result old = againstTheHost("6.6", bs, "vs-host-eof-zero-66-" + bs, wl);
            assertFalse(old.ok(), bs + ": 6.6 exposes the stored bytes");
            String found = old.findings().toString();
            assertTrue(found.contains("read a 0 8192: byte 1000"), () -> bs + ": the first difference is the first stored byte: " + found);
        }
    }

    @Test
    void theSameSystemCallsOnTheHostGiveTheSameResults() throws Exception {
        agreesWithTheHost("vs-host",
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
                "  munmap m");
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
        assertEquals(java.util.Map.of("/e/a", 1), t.pathsNow(), "the replaced file has no path");
        t.markChanged("expect-error write h1 100 50 seed=2 ENOSPC|ok");
        assertTrue(t.changed(1) && t.changed(1, 100) && t.changed(1, 149));
        assertFalse(t.changed(1, 99) || t.changed(1, 150) || t.changed(0), "only the bytes the write could change");
        t.apply("open h4 /e/a append wronly", 6);
        t.markChanged("expect-error write h4 0 10 zero ENOSPC|ok");
        assertTrue(t.changed(1, 1 << 20), "an O_APPEND write may have landed anywhere");
        assertEquals(List.of(1), t.files("stat /e/a"), "a statement naming the file by path");
    }

    @Test
    void linksSymlinksModesAndOwnersAgreeWithTheHost() throws Exception {
        agreesWithTheHost("vs-host-links",
                "  mkdir /d",
                "  open f /d/a create rdwr",
                "  write f 0 10000 seed=1",
                "  link /d/a /b",
                "  write f 5000 100 byte=0x42",
                "  stat /b",
                "  rename /b /d/a",                          // two names of one file: nothing happens
                "  stat /d/a",
                "  chmod /d/a 6755",
                "  chown /b 100000 -1",                      // loses set-user-ID (set-group-ID: group-executable)
                "  stat /d/a",
                "  chmod /d 2770",
                "  chown /d -1 65536",
                "  open g /d/new create rdwr",               // the set-group-ID directory's group
                "  mkdir /d/sub",                            // and its bit
                "  stat /d/sub",
                "  symlink a /d/rel",                        // relative, to a file: not a second file
                "  symlink /d/a /abs",
                "  symlink x//y/ /odd",                      // kept byte for byte
                "  symlink " + "q".repeat(59) + " /fast",
                "  symlink " + "q".repeat(60) + " /slow",
                "  link /slow /slow2",
                "  rename /abs /odd",
                "  unlink /d/a",
                "  close f",
                "  read g 0 100");
    }

    /** Attributes in the inode, in the block, shared by two names, on a directory, replaced and removed. */
    @Test
    void extendedAttributesAgreeWithTheHost() throws Exception {
        agreesWithTheHost("vs-host-xattrs",
                "  mkdir /d",
                "  open f /d/a create rdwr",
                "  setxattr /d/a user.small 10 seed=1",
                "  setxattr /d/a user.big 3000 seed=2 create",       // the external block
                "  expect-error setxattr /d/a user.big 1 create EEXIST",
                "  link /d/a /b",
                "  setxattr /b user.small 0 replace",               // an empty value, through the other name
                "  getxattr /d/a user.small",
                "  getxattr /d/a user.big",
                "  expect-error setxattr /d/a user.huge 70000 E2BIG",
                "  expect-error setxattr /d/a user.toobig 5000 ENOSPC",
                "  setxattr /d trusted.t 100 byte=0x5a",
                "  setxattr / user.root 7",
                "  removexattr /d/a user.big",
                "  expect-error removexattr /d/a user.big ENODATA",
                "  expect-error getxattr /d/a user.big ENODATA",
                "  close f");
    }

    private static TreeMeta.Node node(char type, int perm, int nlink, String target, long ino) {
        return new TreeMeta.Node(type, perm, 0, 0, nlink, target, ino, new java.util.TreeMap<>());
    }

    @Test
    void treesDifferInModeOwnerLinksOrTarget() {
        java.util.Map<String, TreeMeta.Node> f = new java.util.TreeMap<>(java.util.Map.of(
                "/", node('d', 0755, 3, null, 2), "/a", node('f', 0644, 2, null, 12), "/b", node('f', 0644, 2, null, 12),
                "/s", node('l', 0777, 1, "a//", 13)));
        java.util.Map<String, TreeMeta.Node> h = new java.util.TreeMap<>(f);
        assertNull(TreeMeta.compare(f, h));
        h.put("/s", node('l', 0777, 1, "a/", 13));
        assertEquals("/s: symlink mode 0777 uid 0 gid 0 nlink 1 -> 'a//' on Faultline's image, symlink mode 0777 uid 0 gid 0 "
                + "nlink 1 -> 'a/' on the host's", TreeMeta.compare(f, h));
        h = new java.util.TreeMap<>(f);
        h.put("/a", new TreeMeta.Node('f', 0644, 0, 65536, 2, null, 12, new java.util.TreeMap<>()));
        assertTrue(TreeMeta.compare(f, h).startsWith("/a: file mode 0644 uid 0 gid 0 nlink 2 on Faultline's image"));
        h = new java.util.TreeMap<>(f);
        h.put("/a", node('f', 04644, 2, null, 12));
        assertTrue(TreeMeta.compare(f, h).contains("mode 4644 uid 0 gid 0 nlink 2 on the host's"));
        h = new java.util.TreeMap<>(f);
        h.put("/b", node('f', 0644, 2, null, 40)); // the right counts, but /b is another inode
        h.put("/c", node('f', 0644, 2, null, 12));
        assertEquals("/c (file mode 0644 uid 0 gid 0 nlink 2) is on the host's image, not on Faultline's", TreeMeta.compare(f, h));
        f.put("/c", node('f', 0644, 2, null, 14));
        assertEquals("/a: one inode with [/a, /b] on Faultline's image, with [/a, /c] on the host's", TreeMeta.compare(f, h));
    }

    @Test
    void treesDifferInExtendedAttributes() {
        java.util.TreeMap<String, byte[]> xa = new java.util.TreeMap<>(java.util.Map.of("user.a", new byte[] {1, 2, 3}));
        java.util.Map<String, TreeMeta.Node> f = new java.util.TreeMap<>(java.util.Map.of(
                "/", node('d', 0755, 3, null, 2), "/a", new TreeMeta.Node('f', 0644, 0, 0, 1, null, 12, xa)));
        java.util.Map<String, TreeMeta.Node> h = new java.util.TreeMap<>(f);
        assertNull(TreeMeta.compare(f, h));
        h.put("/a", new TreeMeta.Node('f', 0644, 0, 0, 1, null, 12,
                new java.util.TreeMap<>(java.util.Map.of("user.a", new byte[] {1, 9, 3}))));
        assertEquals("/a: user.a byte 1: 0x02 on Faultline's image, 0x09 on the host's", TreeMeta.compare(f, h));
        h.put("/a", new TreeMeta.Node('f', 0644, 0, 0, 1, null, 12,
                new java.util.TreeMap<>(java.util.Map.of("user.a", new byte[] {1, 2}))));
        assertEquals("/a: user.a of 3 bytes on Faultline's image, 2 on the host's", TreeMeta.compare(f, h));
        h.put("/", new TreeMeta.Node('d', 0755, 0, 0, 3, null, 2,
                new java.util.TreeMap<>(java.util.Map.of("trusted.t", new byte[0]))));
        assertEquals("/: extended attributes [] on Faultline's image, [trusted.t] on the host's", TreeMeta.compare(f, h));
    }

    @Test
    void statsDifferInSizeModeLinksOrOwner() {
        byte[] a = StepResult.statData(false, 100, 0100644, 2, 0, 0);
        assertNull(HostInterp.differ(new StepResult(4, "stat /a", 0, a), new StepResult(4, "stat /a", 0,
                StepResult.statData(false, 100, 0100644, 2, 0, 0))));
        assertEquals("Faultline's stat size 100 mode 0100644 nlink 2 uid 0 gid 0, the host's size 100 mode 0100644 nlink 1 "
                + "uid 0 gid 0", HostInterp.differ(new StepResult(4, "stat /a", 0, a), new StepResult(4, "stat /a", 0,
                StepResult.statData(false, 100, 0100644, 1, 0, 0))));
        assertEquals("Faultline's stat size -1 mode 040755 nlink 2 uid 0 gid 4294967294, the host's size -1 mode 042755 nlink 2 "
                + "uid 0 gid 4294967294", HostInterp.differ(new StepResult(4, "stat /d", 0,
                StepResult.statData(true, 4096, 040755, 2, 0, -2)), new StepResult(4, "stat /d", 0,
                StepResult.statData(true, 4096, 042755, 2, 0, -2))));
    }

    @Test
    void hardLinksAreOneFileAndSymlinkTargetsNoFile() {
        FileTracker t = new FileTracker();
        t.apply("open h0 /a create rdwr", 3);
        t.apply("link /a /b", 0);
        assertEquals(List.of(0), t.files("stat /b"), "the second name of file 0");
        t.apply("rename /a /b", 0);
        assertEquals(List.of(0), t.files("stat /a"), "a rename between two names of one file moves nothing");
        assertEquals(List.of(), t.files("symlink /a /s"), "a target is text, not a file");
        assertEquals(java.util.Map.of("/a", 0, "/b", 0), t.pathsNow(), "both names of file 0");
        t.apply("unlink /a", 0);
        assertEquals(List.of(0), t.files("stat /b"));
    }
}
