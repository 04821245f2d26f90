package org.faultline.tools;

import static org.faultline.tools.CliTestSupport.image;
import static org.faultline.tools.CliTestSupport.jsonField;
import static org.faultline.tools.CliTestSupport.jsonNumber;
import static org.faultline.tools.CliTestSupport.lines;
import static org.faultline.tools.CliTestSupport.run;
import static org.faultline.tools.CliTestSupport.scratch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import org.faultline.tools.CliTestSupport.Run;
import org.junit.jupiter.api.Test;

class FaultlineCliTest {
    private static final long MIB = 1 << 20;

    /** Bad input: exit 2, exactly one line on stderr naming the problem, no stack trace, nothing on stdout. */
    private static void assertOneLineError(Run r, String... mentions) {
        assertEquals(2, r.code(), r::toString);
        String[] err = lines(r.err());
        assertEquals(1, err.length, () -> "want one stderr line\n" + r);
        assertTrue(err[0].startsWith("faultline: "), r::toString);
        assertNoStackTrace(r);
        for (String m : mentions) {
            assertTrue(err[0].contains(m), () -> "stderr should mention '" + m + "'\n" + r);
        }
    }

    /** Usage error: exit 2, the problem on one line and a --help hint on the next. */
    private static void assertUsageError(Run r, String mention) {
        assertEquals(2, r.code(), r::toString);
        String[] err = lines(r.err());
        assertEquals(2, err.length, r::toString);
        assertTrue(err[0].startsWith("faultline: ") && err[0].contains(mention), r::toString);
        assertTrue(err[1].startsWith("Try 'faultline") && err[1].contains("--help"), r::toString);
        assertNoStackTrace(r);
    }

    private static void assertNoStackTrace(Run r) {
        String all = r.out() + r.err();
        assertFalse(all.contains("\tat ") || all.contains("Exception"), () -> "stack trace leaked\n" + r);
    }

    @Test
    void helpListsTheSubcommands() {
        Run r = run("--help");
        assertEquals(0, r.code(), r::toString);
        for (String c : new String[] {"bench", "boot", "patches", "profiles"}) {
            assertTrue(r.out().contains("  " + c + " "), () -> "help should list " + c + "\n" + r);
        }
        assertEquals("", r.err());
        Run b = run("bench", "block", "--help");
        assertEquals(0, b.code(), b::toString);
        assertTrue(b.out().contains("--pattern") && b.out().contains("--vs-fio"), b::toString);
    }

    @Test
    void aCommandLineNamingASubcommandBuildsOnlyThatOneAndHelpListsThemAll() {
        picocli.CommandLine one = new picocli.CommandLine(new Faultline());
        Faultline.addSubcommands(one, new String[] {"fsck", "x.img"});
        assertEquals(java.util.Set.of("fsck"), one.getSubcommands().keySet());
        picocli.CommandLine all = new picocli.CommandLine(new Faultline());
        Faultline.addSubcommands(all, new String[] {"help", "fsck"});
        assertEquals(Faultline.SUBCOMMANDS.size(), all.getSubcommands().size());
        assertEquals("boot", all.getSubcommands().keySet().iterator().next()); // --help's order
        Run r = run("help", "fsck");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("Usage: faultline fsck"), r::toString);
    }

    @Test
    void versionPrintsTheProjectVersion() {
        Run r = run("--version");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("faultline 0."), r::toString);
    }

    @Test
    void noOrUnknownCommandIsAUsageError() {
        Run none = run();
        assertEquals(2, none.code(), none::toString);
        assertTrue(none.err().contains("Usage: faultline"), none::toString);
        assertUsageError(run("frobnicate"), "unknown command 'frobnicate'");
        assertUsageError(run("bench", "block", "--size", "1M", "--image", "x.img", "--bogus"), "--bogus");
    }

    @Test
    void benchWritesThenReadsAndCountsEveryByte() throws IOException {
        Path d = scratch("bench-ok");
        Path img = d.resolve("disk.img");
        Run w = run("bench", "block", "--image", img.toString(), "--create", "--size", "8M", "--bs", "64k",
                "--pattern", "write", "--json");
        assertEquals(0, w.code(), w::toString);
        assertEquals(8 * MIB, Files.size(img), "--create makes an image of --size");
        String[] out = lines(w.out());
        assertEquals(1, out.length, w::toString);
        assertEquals(8 * MIB, (long) jsonNumber(w.out(), "bytes"), w::toString);
        assertEquals(128, (long) jsonNumber(w.out(), "bios"), w::toString);
        assertTrue(jsonNumber(w.out(), "requests") > 0, w::toString);
        assertTrue(jsonNumber(w.out(), "mb_per_s") > 0 && jsonNumber(w.out(), "iops") > 0, w::toString);
        assertTrue(jsonField(w.out(), "pattern").getAsString().equals("write")
                && !jsonField(w.out(), "direct").getAsBoolean(), w::toString);

        Run rd = run("bench", "block", "--image", img.toString(), "--size", "8M", "--bs", "64k",
                "--pattern", "read", "--jobs", "2", "--json");
        assertEquals(0, rd.code(), rd::toString);
        assertEquals(2 * 8 * MIB, (long) jsonNumber(rd.out(), "bytes"), "each job covers --size");
        assertEquals(2, (long) jsonNumber(rd.out(), "jobs"));
        assertTrue(jsonNumber(rd.out(), "requests") >= 256, rd::toString);

        Run text = run("bench", "block", "--image", img.toString(), "--size", "1M", "--pattern", "randwrite");
        assertEquals(0, text.code(), text::toString);
        assertTrue(text.out().contains("MB/s") && text.out().contains("IOPS") && text.out().contains("merges"),
                text::toString);
    }

    @Test
    void benchOnAMissingImageCreatesNothing() throws IOException {
        Path d = scratch("bench-missing");
        Path img = d.resolve("missing.img");
        Run r = run("bench", "block", "--image", img.toString(), "--size", "1M");
        assertOneLineError(r, img.toString(), "No such file or directory (ENOENT)");
        assertFalse(Files.exists(img), "the image must not be created without --create");
    }

    @Test
    void benchOnATooSmallImageLeavesItUntouched() throws IOException {
        Path d = scratch("bench-small");
        Path img = image(d, "small.img", MIB);
        byte[] marker = "do not touch".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (var ch = Files.newByteChannel(img, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(marker));
        }
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(img, old);
        for (String[] extra : new String[][] {{}, {"--create"}, {"--vs-fio"}}) {
            String[] args = new String[6 + extra.length];
            System.arraycopy(new String[] {"bench", "block", "--image", img.toString(), "--size", "1G"}, 0, args, 0, 6);
            System.arraycopy(extra, 0, args, 6, extra.length);
            Run r = run(args);
            assertOneLineError(r, "image is 1048576 bytes, smaller than --size 1073741824");
            assertEquals(MIB, Files.size(img));
            assertEquals(old, Files.getLastModifiedTime(img));
        }
        byte[] head = new byte[marker.length];
        try (var in = Files.newInputStream(img)) {
            assertEquals(marker.length, in.read(head));
        }
        assertArrayEquals(marker, head);
    }

    @Test
    void benchRejectsBadOptionValues() throws IOException {
        Path d = scratch("bench-bad");
        String img = image(d, "disk.img", MIB).toString();
        assertOneLineError(run("bench", "block", "--image", img, "--size", "1M", "--pattern", "sideways"), "--pattern");
        assertOneLineError(run("bench", "block", "--image", img, "--size", "12q"), "--size", "'12q' is not a size");
        assertUsageError(run("bench", "block", "--size", "1M"), "--image");
        assertOneLineError(run("bench", "block", "--image", img, "--size", "1M", "--bs", "1000"), "--bs");
        assertOneLineError(run("bench", "block", "--image", img, "--size", "1M", "--bs", "2M"), "--bs");
        assertOneLineError(run("bench", "block", "--image", img, "--size", "100k", "--bs", "64k"), "not a multiple");
        assertOneLineError(run("bench", "block", "--image", img, "--size", "1M", "--jobs", "0"), "--jobs");
        assertOneLineError(run("bench", "block", "--image", d.toString(), "--size", "1M"), "Is a directory (EISDIR)");
    }

    @Test
    void vsFioWithoutFioSaysSoBeforeRunning() throws IOException {
        Path d = scratch("bench-nofio");
        Path img = image(d, "disk.img", MIB);
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(img, old);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PATH", d.resolve("no-bin").toString());
        Run r = CliTestSupport.run(env, "bench", "block", "--image", img.toString(), "--size", "1M", "--vs-fio");
        assertOneLineError(r, "fio");
        assertEquals(old, Files.getLastModifiedTime(img), "nothing may be written when fio is missing");
    }

    @Test
    void vsFioReportsFiosFiguresAndTheRatio() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Fio.find(System.getenv()) != null, "fio is not installed");
        Path d = scratch("bench-fio");
        Path img = d.resolve("disk.img");
        Run r = run("bench", "block", "--image", img.toString(), "--create", "--size", "4M", "--bs", "64k",
                "--vs-fio", "--json");
        assertEquals(0, r.code(), r::toString);
        assertTrue(jsonNumber(r.out(), "fio_mb_per_s") > 0 && jsonNumber(r.out(), "fio_iops") > 0, r::toString);
        double ratio = jsonNumber(r.out(), "ratio");
        assertEquals(jsonNumber(r.out(), "mb_per_s") / jsonNumber(r.out(), "fio_mb_per_s"), ratio, 0.01, r::toString);
        assertTrue(jsonField(r.out(), "image_was_sparse").getAsBoolean(), "a freshly created image is sparse\n" + r);
        assertEquals(4 * MIB, Files.size(img), "fio must not grow the image");
    }

    @Test
    void bootRunsTheDefaultWorkloadOnExt4AndVerifiesTheImage() throws IOException {
        Path d = scratch("boot-ok");
        Path img = d.resolve("disk.img");
        assertEquals(0, run("mkfs", img.toString(), "--size", "32M").code());
        Run r = run("boot", "--image", img.toString(), "--size", "1M", "--ram", "16M", "--kernel", "4.20",
                "--patch", "+memcg-prealloc-pte", "--patch", "-page-wait-recheck", "--seed", "3");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("kernel 4.20 +memcg-prealloc-pte -page-wait-recheck"), r::toString);
        assertTrue(r.out().contains("fsck       clean"), r::toString);
        assertTrue(r.out().contains("every file read back from the image matches (7 files)"), r::toString);
        assertTrue(r.out().contains("4 tasks (writer, mapper, dio, hog)"), r::toString);
        assertTrue(r.out().contains("result     ok"), r::toString);
        Process p = new ProcessBuilder("e2fsck", "-fn", img.toString()).redirectErrorStream(true).start();
        String fsck = new String(p.getInputStream().readAllBytes());
        try {
            assertEquals(0, p.waitFor(), fsck);
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }

    @Test
    void theDefaultWorkloadIsAWorkloadFileThatBootShowsAndRunsAsOne() throws IOException {
        Path d = scratch("boot-show");
        Run show = run("boot", "--show", "--size", "1M", "--ram", "16M", "--memcg-limit", "64M");
        assertEquals(0, show.code(), show::toString);
        assertTrue(show.out().contains("memcg workload 67108864 v1") && show.out().contains("task writer in memcg workload")
                && show.out().contains("read h 0 131072") && !show.out().contains("@"), show::toString);
        Path wl = d.resolve("default.wl");
        Files.writeString(wl, show.out());
        Path img = d.resolve("disk.img");
        assertEquals(0, run("mkfs", img.toString(), "--size", "32M").code());
        Run r = run("boot", "--image", img.toString(), "--ram", "16M", wl.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("4 tasks (writer, mapper, dio, hog)") && r.out().contains("(7 files)"), r::toString);
        assertFalse(Files.exists(d.resolve("nothing")), "--show touches no image");
    }

    @Test
    void bootRunsAWorkloadFileAndRejectsABadOneWithFileAndLine() throws IOException {
        Path d = scratch("boot-wl");
        Path img = d.resolve("disk.img");
        assertEquals(0, run("mkfs", img.toString(), "--size", "16M").code());
        Path good = d.resolve("good.wl");
        Files.writeString(good, "set ram 16M\ntask w\n  open f /a create rdwr\n  write f 0 64k seed=3\n  fsync f\n"
                + "  read f 0 64k\n");
        Run r = run("boot", "--image", img.toString(), good.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("1 tasks"), r::toString);
        assertTrue(r.out().contains("every file read back from the image matches (1 file)"), r::toString);
        Path bad = d.resolve("bad.wl");
        Files.writeString(bad, "task w\n  open f /a create rdwr\n  frobnicate f\n");
        assertOneLineError(run("boot", "--image", img.toString(), bad.toString()), "bad.wl:3:");
    }

    @Test
    void exploreSavesAScheduleThatReplaysFromTheFileAndFromItsString() throws IOException {
        Path d = scratch("explore");
        Run e = run("explore", "mkwrite-not-uptodate-after-eio", "--strategy", "random", "--iterations", "3",
                "--out", d.toString());
        assertEquals(4, e.code(), e::toString);
        Path sched = d.resolve("mkwrite-not-uptodate-after-eio-seed0.schedule");
        assertTrue(Files.exists(sched), e::toString);
        Run r = run("replay", sched.toString());
        assertEquals(4, r.code(), r::toString);
        assertTrue(r.out().contains("same failure as recorded"), r::toString);
        String text = Files.readAllLines(sched).stream().filter(l -> l.startsWith("schedule ")).findFirst().orElseThrow()
                .substring("schedule ".length());
        Run s = run("replay", "mkwrite-not-uptodate-after-eio", "--schedule", text);
        assertEquals(4, s.code(), s::toString);
        assertTrue(s.out().contains("iomap_page_mkwrite_actor"), s::toString);
        // the patch changes the code path: the recorded choices no longer apply, and replay says so
        Run fixed = run("replay", "mkwrite-not-uptodate-after-eio", "--schedule", text, "--patch", "+iomap-keep-uptodate-on-error");
        assertEquals(2, fixed.code(), fixed::toString);
        assertTrue(fixed.err().contains("replay diverged") && fixed.err().contains(
                "faultline explore mkwrite-not-uptodate-after-eio --patch +iomap-keep-uptodate-on-error"), fixed::toString);
        assertOneLineError(run("replay", "no-such-scenario", "--schedule", text), "unknown scenario");
        assertOneLineError(run("replay", d.resolve("missing.schedule").toString()), "ENOENT");
    }

    @Test
    void aUsersWorkloadFileIsExploredAndReplayedAndAnEditedOneIsRefused() throws IOException {
        Path d = scratch("explore-file");
        // a built-in scenario, printed, saved and explored as the user's own file
        Run show = run("scenarios", "--show", "mkwrite-not-uptodate-after-eio");
        assertEquals(0, show.code(), show::toString);
        assertTrue(show.out().contains("set fail-write /f nth=2 EIO"), show::toString);
        Path wl = d.resolve("mine.wl");
        Files.writeString(wl, show.out());
        Run e = run("explore", wl.toString(), "--iterations", "2", "--out", d.toString());
        assertEquals(4, e.code(), e::toString);
        assertTrue(e.out().contains("iomap_page_mkwrite_actor"), e::toString);
        Path sched = d.resolve("mine-seed0.schedule");
        assertTrue(Files.readString(sched).contains("scenario " + wl), e::toString);
        Run r = run("replay", sched.toString());
        assertEquals(4, r.code(), r::toString);
        assertTrue(r.out().contains("same failure as recorded"), r::toString);
        // the file changes: the schedule no longer applies, and replay says why
        Files.writeString(wl, show.out().replace("seed=3", "seed=4"));
        assertOneLineError(run("replay", sched.toString()), "changed since this schedule was saved");
        // without the injected error there is no bug to find
        Files.writeString(wl, show.out().replace("set fail-write /f nth=2 EIO\n", "").replace("expect-error fsync f EIO\n", "fsync f\n"));
        Run clean = run("explore", wl.toString(), "--iterations", "3", "--out", d.toString());
        assertEquals(0, clean.code(), clean::toString);
        assertTrue(clean.out().contains("no failure in 3 schedules"), clean::toString);
        Path bad = d.resolve("bad.wl");
        Files.writeString(bad, "set fail-write /f nth=0\ntask t\n  open f /f create rdwr\n");
        assertOneLineError(run("explore", bad.toString()), "bad.wl:1:", "nth=0");
        assertOneLineError(run("explore", d.resolve("none.wl").toString()), "ENOENT");
        assertOneLineError(run("scenarios", "--show", "nope"), "unknown scenario");
    }

    @Test
    void bootCreatesTheDefaultImageUnderFaultlineHome() throws IOException {
        Path home = scratch("boot-home").resolve("home");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("FAULTLINE_HOME", home.toString());
        Run r = CliTestSupport.run(env, "boot", "--size", "1M", "--ram", "16M");
        assertEquals(0, r.code(), r::toString);
        Path img = home.resolve("default.img");
        assertEquals(64 * MIB, Files.size(img));
        assertTrue(r.out().contains(img.toString()), r::toString);
        assertEquals(0, run("fsck", img.toString()).code());
    }

    @Test
    void bootRejectsBadProfilesPatchesAndImages() throws IOException {
        Path d = scratch("boot-bad");
        String raw = image(d, "raw.img", 8 * MIB).toString();
        byte[] before = Files.readAllBytes(Path.of(raw));
        assertOneLineError(run("boot", "--image", raw, "--kernel", "9.9"), "unknown kernel profile '9.9'", "6.6");
        assertOneLineError(run("boot", "--image", raw, "--patch", "+no-such"), "unknown patch 'no-such'");
        assertOneLineError(run("boot", "--image", raw, "--patch", "-no-such"), "unknown patch 'no-such'");
        assertOneLineError(run("boot", "--image", raw, "--kernel", "4.20", "--patch", "+dio-uses-pins"),
                "patch dio-uses-pins requires gup-pin-tracking");
        assertOneLineError(run("boot", "--image", raw, "--patch", "+memcg-v2"), "'memcg-v2' is configuration, not a patch");
        assertOneLineError(run("boot", "--image", raw, "--ram", "4k"), "--ram");
        assertOneLineError(run("boot", "--image", raw), "bad superblock magic");
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(Path.of(raw))), "a refused image is not written");
        assertOneLineError(run("boot", "--image", d.resolve("nope.img").toString()), "ENOENT");
        assertFalse(Files.exists(d.resolve("nope.img")));
    }

    @Test
    void patchesListsIdsWithTheirUpstreamCommits() {
        Run r = run("patches");
        assertEquals(0, r.code(), r::toString);
        String row = null;
        for (String l : lines(r.out())) {
            if (l.startsWith("memcg-prealloc-pte ")) {
                row = l;
            }
        }
        assertTrue(row != null && row.contains("merged 5.0") && row.contains("mm/memory.c") && row.contains(" 5.8 "),
                r::toString);
        assertTrue(r.out().contains("  memcg-prealloc-pte: 63f3655f9501 (\"mm, memcg: fix reclaim deadlock with writeback\")"),
                r::toString);
        assertTrue(lines(r.out())[0].startsWith("ID "), r::toString);
        int n = org.faultline.kernel.Patches.all().size();
        assertEquals(2 * n + 3, lines(r.out()).length, r::toString);
    }

    @Test
    void profilesListsEveryEraAndItsPatches() {
        Run r = run("profiles");
        assertEquals(0, r.code(), r::toString);
        for (var p : org.faultline.kernel.KernelProfile.builtIn()) {
            assertTrue(java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(p.name()) + "( \\(default\\))?[:,]")
                    .matcher(r.out()).find(), () -> p.name() + "\n" + r);
        }
        assertTrue(r.out().contains("6.6 (default)"), r::toString);
        assertTrue(r.out().contains("wait-on-page-writeback-loops"), r::toString);
        assertTrue(r.out().contains("4.20, also 4.16: "), "an alias is shown with its profile: " + r);
        assertTrue(r.out().contains("since 5.8: -page-wait-recheck +end-page-writeback-get-page")
                || r.out().contains("since 5.8: +end-page-writeback-get-page -page-wait-recheck"), r::toString);
    }
}
