package org.faultline.tools;

import static org.faultline.tools.CliTestSupport.run;
import static org.faultline.tools.CliTestSupport.scratch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.faultline.tools.CliTestSupport.Run;
import org.junit.jupiter.api.Test;

/** {@code faultline fuzz ops}: usage, --show, a short run, --replay. */
class FuzzCliTest {
    @Test
    void fuzzIsAGroupAndBadOptionsAreUsageErrors() {
        Run none = run("fuzz");
        assertEquals(2, none.code(), none::toString);
        assertTrue(none.err().contains("ops"), none::toString);
        for (String[] args : new String[][] {{"fuzz", "ops", "--count", "0"}, {"fuzz", "ops", "--jobs", "0"},
            {"fuzz", "ops", "--kernel", "9.9"}, {"fuzz", "ops", "--no-host", "--vs-host"}, {"fuzz", "ops", "--bogus"},
            {"fuzz", "ops", "--image-size", "1M"}, {"fuzz", "ops", "--mkfs", "host:512"}, {"fuzz", "ops", "--mkfs", "other"}}) {
            Run r = run(args);
            assertEquals(2, r.code(), r::toString);
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("faultline: ")).count(), r::toString);
        }
    }

    @Test
    void mkfsTakesABlockSize() throws IOException {
        Path d = scratch("fuzz-cli-mkfs");
        for (String mkfs : new String[] {"faultline:1024", "faultline:2048"}) {
            Run r = run("fuzz", "ops", "--count", "2", "--ops", "40", "--seed", "11", "--no-host", "--mkfs", mkfs,
                    "--scratch", d.resolve("s").toString());
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().contains("images by mkfs " + mkfs), r::toString);
            assertTrue(r.out().contains("sequences  2 (80 statements)"), r::toString);
        }
    }

    @Test
    void showPrintsTheSameWorkloadForTheSameSeed() {
        Run a = run("fuzz", "ops", "--seed", "42", "--count", "2", "--ops", "30", "--show");
        Run b = run("fuzz", "ops", "--seed", "42", "--count", "2", "--ops", "30", "--show");
        assertEquals(0, a.code(), a::toString);
        assertEquals(a.out(), b.out());
        assertEquals(2, a.out().lines().filter(l -> l.equals("task t")).count(), a::toString);
    }

    @Test
    void aShortRunPrintsASummaryAndReplayChecksAFile() throws IOException {
        Path d = scratch("fuzz-cli");
        Run r = run("fuzz", "ops", "--count", "2", "--ops", "20", "--seed", "7", "--no-host", "--shrink", "1",
                "--shrink-checks", "20", "--out", d.resolve("out").toString(), "--scratch", d.resolve("s").toString());
        assertTrue(r.code() == 0 || r.code() == 4, r::toString);
        assertTrue(r.out().contains("sequences  2 (40 statements)"), r::toString);
        assertTrue(r.out().contains("result     " + (r.code() == 0 ? "ok" : "MISMATCH")), r::toString);

        Path wl = d.resolve("clean.wl");
        Files.writeString(wl, "set image-size 16M\ntask t\n  open f /a create rdwr\n  write f 0 10000 seed=3\n  read f 0 10000\n");
        Run ok = run("fuzz", "ops", "--replay", wl.toString(), "--no-host", "--scratch", d.resolve("s").toString());
        assertEquals(0, ok.code(), ok::toString);
        assertTrue(ok.out().contains(wl + ": ok"), ok::toString);

        Path bad = d.resolve("bad.wl");
        Files.writeString(bad, "task t\n  open f /a create rdwr\n  write-unchecked f 0 100 seed=3\n");
        Run b = run("fuzz", "ops", "--replay", bad.toString(), "--no-host", "--scratch", d.resolve("s").toString());
        assertEquals(4, b.code(), b::toString);
        assertTrue(b.out().contains("data-corruption: data corruption: /a"), b::toString);
    }
}
