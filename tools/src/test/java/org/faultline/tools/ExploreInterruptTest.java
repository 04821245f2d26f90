package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** SIGTERM during a search prints where it stopped and the command that resumes it, with the same options. */
class ExploreInterruptTest {
    @Test
    void anInterruptedSearchSaysHowToResume() throws Exception {
        Path d = CliTestSupport.scratch("explore-interrupt");
        Process p = CliTestSupport.process("explore",
                "fault-vs-writepages-memcg-deadlock", "--patch", "+memcg-prealloc-pte", "--iterations", "1000000",
                "--seed", "7", "--jobs", "2", "--no-capture", "--out", d.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(d.resolve("stderr").toFile()).start();
        Thread.sleep(4000); // some schedules run (the fixed kernel never fails)
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String err = java.nio.file.Files.readString(d.resolve("stderr"), StandardCharsets.UTF_8);
        assertEquals(143, p.exitValue(), err);
        Matcher m = Pattern.compile("resume with: faultline explore fault-vs-writepages-memcg-deadlock --patch "
                + "\\+memcg-prealloc-pte --jobs 2 --no-capture --out \\S+ --seed (\\d+) --iterations (\\d+)").matcher(err);
        assertTrue(m.find(), err);
        long seed = Long.parseLong(m.group(1));
        assertTrue(seed > 7 && seed - 7 + Long.parseLong(m.group(2)) == 1_000_000, err);
        assertTrue(err.contains("every seed before " + seed + " was explored"), err);
    }
}
