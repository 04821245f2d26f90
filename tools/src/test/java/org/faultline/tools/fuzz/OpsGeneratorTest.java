package org.faultline.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.faultline.kernel.KernelProfile;
import org.faultline.tools.workload.Workload;
import org.junit.jupiter.api.Test;

class OpsGeneratorTest {
    private final OpsGenerator gen = new OpsGenerator(OpsGenerator.Options.defaults().withFillPercent(50));

    @Test
    void theSameSeedGivesTheSameSequenceAndNearbySeedsDiffer() {
        assertEquals(gen.generate(7).text(), gen.generate(7).text());
        assertNotEquals(gen.generate(7).ops().subList(0, 10), gen.generate(8).ops().subList(0, 10));
    }

    @Test
    void everySequenceParsesIsValidAndUsesEveryKind() throws Exception {
        Set<Op.Kind> seen = EnumSet.noneOf(Op.Kind.class);
        boolean direct512 = false;
        boolean fill = false;
        for (long s = 0; s < 40; s++) {
            OpsSequence q = gen.generate(s);
            assertEquals(100, q.ops().size(), "seed " + s);
            Workload.parse(q.text(), "seed" + s + ".wl");
            assertEquals(q.ops(), Model.normalize(q.ops()), "every statement valid where it stands, seed " + s);
            for (Op op : q.ops()) {
                seen.add(op.kind());
                direct512 |= op.kind() == Op.Kind.WRITE && op.off() % 4096 != 0 && op.off() % 512 == 0 && op.len() % 512 == 0;
                fill |= "ENOSPC|ok".equals(op.expect());
            }
        }
        Set<Op.Kind> want = EnumSet.allOf(Op.Kind.class);
        want.remove(Op.Kind.WRITE_UNCHECKED); // a debugging aid, never generated
        want.remove(Op.Kind.BARRIER); // several tasks only
        assertEquals(want, seen);
        assertTrue(direct512, "512-aligned (not 4k-aligned) writes");
        assertTrue(fill, "near-full phases");
    }

    private static Op op(Op.Kind k, String path, String path2) {
        return new Op(k, null, null, path, path2, 0, 0, -1, 0, null, null);
    }

    private static Op open(String h, String path, int bits) {
        return new Op(Op.Kind.OPEN, h, null, path, null, 0, 0, -1, bits, null, null);
    }

    private static Op symlink(String target, String path) {
        return new Op(Op.Kind.SYMLINK, null, null, path, null, 0, 0, -1, 0, target, null);
    }

    @Test
    void theModelKnowsHardLinksShareAFileAndSymlinksAreNeverWalked() {
        List<Op> ops = List.of(
                open("h0", "/f0", Op.O_CREATE),
                new Op(Op.Kind.WRITE, "h0", null, null, null, 0, 10000, -1, 0, "seed=1", null),
                op(Op.Kind.LINK, "/f0", "/f1"),
                op(Op.Kind.UNLINK, "/f0", null),
                open("h1", "/f1", 0),                   // the file lives on as /f1
                new Op(Op.Kind.MMAP, "h1", "m0", null, null, 0, 8192, -1, Op.MAP_SHARED, null, null),
                new Op(Op.Kind.LOAD, null, "m0", null, null, 7000, 100, -1, 0, null, null), // below the EOF written via /f0
                op(Op.Kind.LINK, "/f1", "/f2"),
                op(Op.Kind.RENAME, "/f1", "/f2"),       // two names of one file: nothing moves
                open("h2", "/f1", Op.O_RDONLY),         // so /f1 is still there
                symlink("f2", "/s0"),
                open("h3", "/s0", Op.O_RDONLY),         // never through a symlink
                op(Op.Kind.STAT, "/s0", null),
                new Op(Op.Kind.CHMOD, null, null, "/s0", null, 0, 0, -1, 0600, null, null),
                op(Op.Kind.LINK, "/s0", "/s1"),         // link(2) does not follow: a second name of the link
                op(Op.Kind.RENAME, "/s1", "/f2"),       // a symlink replaces a file name
                open("h4", "/f2", 0),                   // which is no longer a file
                op(Op.Kind.UNLINK, "/f2", null),
                op(Op.Kind.UNLINK, "/s0", null),
                symlink("", "/s2"),                     // an empty target is not a word of the workload
                new Op(Op.Kind.CHOWN, null, null, "/", null, 1000, -1, -1, 0, null, null));
        List<Op> kept = Model.normalize(ops);
        List<Op> dropped = new ArrayList<>(ops);
        dropped.removeAll(kept);
        assertEquals(List.of(ops.get(11), ops.get(12), ops.get(13), ops.get(16), ops.get(19)), dropped);

        // dropping the symlink drops what names it; dropping the link drops what uses the second name
        List<Op> noSymlink = new ArrayList<>(ops);
        noSymlink.remove(10);
        assertTrue(Model.normalize(noSymlink).stream().noneMatch(o -> "/s0".equals(o.path()) || "/s1".equals(o.path())));
        List<Op> noLink = new ArrayList<>(ops);
        noLink.remove(2);
        List<Op> n = Model.normalize(noLink);
        assertTrue(n.stream().noneMatch(o -> o.kind() == Op.Kind.OPEN && "/f1".equals(o.path())), n::toString);
        assertTrue(n.stream().noneMatch(o -> o.kind() == Op.Kind.LOAD), "the mapping's handle was never opened");
    }

    @Test
    void newKindsAreWrittenInTheWorkloadFormat() throws Exception {
        OpsSequence q = new OpsSequence(1, 16L << 20, 32L << 20, List.of(
                open("h0", "/f0", Op.O_CREATE),
                op(Op.Kind.LINK, "/f0", "/f1"),
                symlink("../x//y/", "/s0"),
                new Op(Op.Kind.CHMOD, null, null, "/f1", null, 0, 0, -1, 04755, null, null),
                new Op(Op.Kind.CHOWN, null, null, "/f1", null, -1, 4294967294L, -1, 0, null, null),
                new Op(Op.Kind.SETXATTR, null, "user.a", "/f1", null, 0, 300, -1, Op.XATTR_CREATE, "seed=3", null),
                new Op(Op.Kind.SETXATTR, null, "trusted.t", "/", null, 0, 70000, -1, 0, "zero", "E2BIG"),
                new Op(Op.Kind.GETXATTR, null, "user.a", "/f0", null, 0, 0, -1, 0, null, null),
                new Op(Op.Kind.REMOVEXATTR, null, "user.a", "/f0", null, 0, 0, -1, 0, null, null)));
        assertEquals("""
                set ram 16M
                set image-size 32M
                task t
                  open h0 /f0 create rdwr
                  link /f0 /f1
                  symlink ../x//y/ /s0
                  chmod /f1 4755
                  chown /f1 -1 4294967294
                  setxattr /f1 user.a 300 seed=3 create
                  expect-error setxattr / trusted.t 70000 zero E2BIG
                  getxattr /f0 user.a
                  removexattr /f0 user.a
                """, q.text());
        Workload.parse(q.text(), "new-kinds.wl");
    }

    /**
     * Sequences heavy in links, symlinks, chmod and chown run clean through Faultline, its fsck and the
     * offline image read-back (the checks that need no root; the host's checks run in
     * {@link HostInterpTest} where loop mounts are possible, and in {@code fuzz ops --vs-host}).
     */
    @Test
    void sequencesWithLinksAndModesRunCleanOnFaultline() throws Exception {
        Map<Op.Kind, Integer> mix = new EnumMap<>(OpsGenerator.defaultMix());
        for (Op.Kind k : List.of(Op.Kind.LINK, Op.Kind.SYMLINK, Op.Kind.CHMOD, Op.Kind.CHOWN, Op.Kind.RENAME,
                Op.Kind.UNLINK, Op.Kind.STAT, Op.Kind.MKDIR)) {
            mix.put(k, 8);
        }
        OpsGenerator g = new OpsGenerator(OpsGenerator.Options.defaults().withOps(80).withMix(mix).withFillPercent(0));
        Path scratch = Files.createDirectories(Path.of("target", "test-scratch", "links").toAbsolutePath());
        SequenceChecker checker = new SequenceChecker(new SequenceChecker.Options(KernelProfile.byName("6.6"), false, false,
                false, scratch));
        Set<String> shapes = new java.util.TreeSet<>();
        for (long s = 0; s < 6; s++) {
            OpsSequence q = g.generate(s);
            assertEquals(q.ops(), Model.normalize(q.ops()), "seed " + s);
            shapes.addAll(List.of(q.shape().split(" ")));
            SequenceChecker.Result r = checker.check(q);
            assertTrue(r.ok(), () -> "seed " + q.seed() + ": " + r.findings() + "\n" + q.text());
        }
        assertTrue(shapes.containsAll(List.of("link", "symlink", "symlink-slow", "chmod", "chmod-special", "chown")),
                shapes::toString);
    }

    /**
     * Sequences heavy in extended attributes (set, replace, create, get, remove; values in the inode,
     * in the block, too large) parse, are what the model allows, and run clean through Faultline.
     */
    @Test
    void sequencesWithXattrsRunCleanOnFaultline() throws Exception {
        Map<Op.Kind, Integer> mix = new EnumMap<>(OpsGenerator.defaultMix());
        for (Op.Kind k : List.of(Op.Kind.SETXATTR, Op.Kind.GETXATTR, Op.Kind.REMOVEXATTR, Op.Kind.MKDIR, Op.Kind.LINK,
                Op.Kind.RENAME)) {
            mix.put(k, 10);
        }
        OpsGenerator g = new OpsGenerator(OpsGenerator.Options.defaults().withOps(80).withMix(mix).withFillPercent(0));
        Path scratch = Files.createDirectories(Path.of("target", "test-scratch", "xattrs").toAbsolutePath());
        SequenceChecker checker = new SequenceChecker(new SequenceChecker.Options(KernelProfile.byName("6.6"), false, false,
                false, scratch));
        Set<String> shapes = new java.util.TreeSet<>();
        for (long s = 0; s < 5; s++) {
            OpsSequence q = g.generate(s);
            assertEquals(q.ops(), Model.normalize(q.ops()), "seed " + s);
            Workload.parse(q.text(), "seed" + s + ".wl");
            shapes.addAll(List.of(q.shape().split(" ")));
            SequenceChecker.Result r = checker.check(q);
            assertTrue(r.ok(), () -> "seed " + q.seed() + ": " + r.findings() + "\n" + q.text());
        }
        assertTrue(shapes.containsAll(List.of("setxattr", "setxattr-create", "setxattr-replace", "setxattr-big?", "getxattr",
                "removexattr", "setxattr?", "getxattr?", "removexattr?")), shapes::toString);
    }

    @Test
    void multiTaskSequencesParseWithBarriersAndDisjointDirectories() throws Exception {
        OpsGenerator g = new OpsGenerator(OpsGenerator.Options.defaults().withTasks(3));
        for (long s = 0; s < 20; s++) {
            OpsSequence q = g.generate(s);
            Workload w = Workload.parse(q.text(), "mt" + s + ".wl");
            assertEquals(3, w.tasks().size());
            assertEquals(java.util.Set.of("phase1", "phase2"), w.barriers().keySet());
            assertEquals(q.ops(), Model.normalize(q.ops()), "seed " + s);
            for (Op op : q.ops()) {
                assertTrue(op.path() == null || op.path().startsWith("/t" + op.task()), op::text);
                assertTrue(op.expect() == null || !op.expect().contains("ENOSPC") || op.kind() == Op.Kind.SETXATTR,
                        "no near-full phase with several tasks (a setxattr's value may not fit its inode)");
            }
            // dropping a task's barrier drops it from every task (a barrier one task names does not parse)
            var l = new java.util.ArrayList<>(q.ops());
            l.removeIf(o -> o.kind() == Op.Kind.BARRIER && o.task() == 1 && o.h().equals("phase1"));
            Workload.parse(q.withOps(Model.normalize(l)).text(), "mt" + s + "-shrunk.wl");
        }
    }

    @Test
    void normalizeDropsTheDependentsOfADroppedOpen() {
        OpsSequence q = gen.generate(3);
        Op firstOpen = q.ops().stream().filter(o -> o.kind() == Op.Kind.OPEN).findFirst().orElseThrow();
        var without = new java.util.ArrayList<>(q.ops());
        without.remove(firstOpen);
        for (Op o : Model.normalize(without)) {
            if (firstOpen.h().equals(o.h()) && o.kind() != Op.Kind.OPEN) {
                // a later open of the same handle name may have made it valid again
                assertTrue(Model.normalize(without).stream().anyMatch(x -> x.kind() == Op.Kind.OPEN && x.h().equals(o.h())));
            }
        }
    }
}
