package org.faultline.tools;

import static org.faultline.tools.CliTestSupport.jsonField;
import static org.faultline.tools.CliTestSupport.lines;
import static org.faultline.tools.CliTestSupport.run;
import static org.faultline.tools.CliTestSupport.scratch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.faultline.tools.CliTestSupport.Run;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A failure found by explore is captured, listed, replayed from the store with the identical report,
 * and its disk exported as an image that e2fsck and debugfs open: for bug 2, debugfs shows the stale
 * bytes the oracle reported.
 */
class CaptureCliTest {
    private static final Pattern CAPTURED = Pattern.compile("captured ([0-9a-f]{8}): faultline captures show \\1");

    private static String capturedId(Run r) {
        Matcher m = CAPTURED.matcher(r.out());
        assertTrue(m.find(), "the report ends with the capture line\n" + r);
        return m.group(1);
    }

    private static boolean onPath(String tool) {
        for (String d : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String host(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    @Test
    void bug2IsCapturedReplayedIdenticallyAndItsDiskShowsTheStaleBytes() throws Exception {
        Path d = scratch("capture-bug2");
        String store = d.resolve("store").toString();
        Run found = run("explore", "mkwrite-not-uptodate-after-eio", "--iterations", "100", "--out", d.toString(),
                "--store", store);
        assertEquals(4, found.code(), found::toString);
        String id = capturedId(found);

        Run list = run("captures", "--store", store, "--json");
        assertEquals(0, list.code(), list::toString);
        assertEquals(1, lines(list.out()).length, list::toString);
        assertEquals("CORRUPTION", jsonField(list.out(), "kind").getAsString());
        assertEquals("mkwrite-not-uptodate-after-eio", jsonField(list.out(), "scenario").getAsString());
        String title = jsonField(list.out(), "title").getAsString();

        for (int i = 0; i < 2; i++) {
            Run replay = run("replay", id, "--store", store);
            assertEquals(4, replay.code(), replay::toString);
            assertTrue(replay.out().contains("identical report to the capture's"), replay::toString);
        }

        Run show = run("captures", "show", id.substring(0, 5), "--store", store);
        assertEquals(0, show.code(), show::toString);
        assertTrue(show.out().contains(title) && show.out().contains("--- workload ---"), show::toString);
        Run trace = run("captures", "show", id, "--store", store, "--trace");
        assertTrue(lines(trace.out()).length > 20 && lines(trace.out())[0].startsWith("#"), "one event a line, step first");
        assertTrue(trace.out().contains("failure CORRUPTION"), "the whole trace, to the failure");

        Path pack = d.resolve("bug2.flpack");
        assertEquals(0, run("captures", "pack", id, "--store", store, "-o", pack.toString()).code());
        String elsewhere = d.resolve("elsewhere").toString(); // another machine's empty store
        for (int i = 0; i < 2; i++) {
            Run replay = run("replay", pack.toString(), "--store", elsewhere);
            assertEquals(4, replay.code(), replay::toString);
            assertTrue(replay.out().contains("identical report to the capture's"), replay::toString);
        }
        assertTrue(run("captures", "--store", elsewhere).out().contains(id), "the pack keeps the capture's id");
        byte[] p = Files.readAllBytes(pack);
        Path damaged = d.resolve("damaged.flpack");
        p[p.length / 2] ^= 0x40;
        Files.write(damaged, p);
        String fresh = d.resolve("fresh").toString();
        Run bad = run("captures", "unpack", damaged.toString(), "--store", fresh);
        assertEquals(2, bad.code(), bad::toString);
        assertEquals(1, lines(bad.err()).length, bad::toString);
        assertTrue(run("captures", "--store", fresh).out().contains("no captures"), "a damaged pack stores nothing");

        Path src = d.resolve("exported");
        Run junit = run("captures", "export", id, "--store", store, "--junit", src.toString(), "--package", "t.captured");
        assertEquals(0, junit.code(), junit::toString);
        Path source = src.resolve("t/captured/Capture" + id + "Test.java");
        assertTrue(Files.isRegularFile(source), junit::toString);
        javax.tools.JavaCompiler jc = javax.tools.ToolProvider.getSystemJavaCompiler();
        Path classes = Files.createDirectories(d.resolve("exported-classes"));
        assertEquals(0, jc.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                source.toString()), "the exported test compiles");
        try (java.net.URLClassLoader l = new java.net.URLClassLoader(new java.net.URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Class<?> t = l.loadClass("t.captured.Capture" + id + "Test");
            var ctor = t.getDeclaredConstructor();
            ctor.setAccessible(true);
            var test = t.getDeclaredMethod("replaysToTheCapturedFailure");
            test.setAccessible(true);
            test.invoke(ctor.newInstance()); // passes: the failure reproduces with its signature
        }

        Path img = d.resolve("at-failure.img");
        Run export = run("captures", "export", id, "--store", store, "--image", img.toString());
        assertEquals(0, export.code(), export::toString);
        Path boot = d.resolve("at-boot.img");
        assertEquals(0, run("captures", "export", id, "--store", store, "--image", boot.toString(), "--at-write", "0").code());
        assertEquals(2, run("captures", "export", id, "--store", store, "--image", img.toString()).code(),
                "an existing file is never overwritten");
        Assumptions.assumeTrue(onPath("e2fsck") && onPath("debugfs"), "e2fsprogs not installed");
        host("e2fsck", "-fn", img.toString());
        host("e2fsck", "-fn", boot.toString());
        // the oracle's "expected 0xEE got 0xGG" at offset 0: the stale byte is on the captured disk
        Matcher m = Pattern.compile("offset (\\d+): expected 0x([0-9a-f]{2}) got 0x([0-9a-f]{2})").matcher(title);
        assertTrue(m.find(), title);
        Path dumped = d.resolve("f.dump");
        host("debugfs", "-R", "dump /f " + dumped, img.toString());
        byte[] f = Files.readAllBytes(dumped);
        int off = Integer.parseInt(m.group(1));
        assertEquals(Integer.parseInt(m.group(3), 16), f[off] & 0xff, "debugfs reads the stale byte the oracle saw");
        assertTrue(!java.util.Arrays.equals(Files.readAllBytes(boot), Files.readAllBytes(img)), "writes happened");
    }

    @Test
    void aStoreThatCannotBeOpenedIsRefusedInOneLineBeforeTheSearch() throws Exception {
        Path d = scratch("capture-bad-store");
        Path notDir = Files.writeString(d.resolve("store"), "not a store");
        Run r = run("explore", "mkwrite-not-uptodate-after-eio", "--iterations", "5", "--out", d.toString(),
                "--store", notDir.toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, lines(r.err()).length, r::toString);
        assertTrue(r.err().contains("not a directory") && r.out().isEmpty(), r::toString);
        assertArrayEquals("not a store".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(notDir));
        Run ls = run("captures", "--store", notDir.toString());
        assertEquals(2, ls.code(), ls::toString);
        Run none = run("replay", "abcd1234", "--store", d.resolve("empty").toString());
        assertEquals(2, none.code(), none::toString);
        assertTrue(none.err().contains("no capture abcd1234"), none::toString);
    }

    /**
     * {@code --keep-going} buckets failures by signature: bug 2's scenario fails on every seed with
     * one signature, which is captured once and counted for all.
     */
    @Test
    void keepGoingCapturesEachBucketOnceAndCountsTheRest() throws Exception {
        Path d = scratch("capture-buckets");
        String store = d.resolve("store").toString();
        Run r = run("explore", "mkwrite-not-uptodate-after-eio", "--keep-going", "--iterations", "12", "--jobs", "2",
                "--out", d.toString(), "--store", store);
        assertEquals(4, r.code(), r::toString);
        long capturedLines = r.out().lines().filter(l -> l.matches("seed \\d+: .* captured [0-9a-f]{8}")).count();
        assertEquals(1, capturedLines, r::toString);
        Matcher m = Pattern.compile("12 schedules \\(.*\\), (\\d+) failing in 1 bucket\n\\s+(\\d+)  (.*)  \\(first: seed 0, captured ([0-9a-f]{8})\\)")
                .matcher(r.out());
        assertTrue(m.find(), r::toString);
        assertEquals(m.group(1), m.group(2), "the bucket counts every failure");
        assertTrue(Integer.parseInt(m.group(1)) >= 10, "bug 2 fails on (nearly) every seed: " + r);
        Run list = run("captures", "--store", store);
        assertEquals(1, lines(list.out()).length - 1, "one capture: " + list); // a header line, then one per capture
        assertTrue(list.out().contains(m.group(4)), list::toString);
    }
}
