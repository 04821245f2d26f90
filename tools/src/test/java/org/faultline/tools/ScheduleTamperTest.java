package org.faultline.tools;

import static org.faultline.tools.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A saved schedule is what it says or it is refused: every single-byte change of a schedule file
 * explore saved, and of the schedule string in it, is refused in one line with exit 2 — never
 * replayed as another run.
 */
class ScheduleTamperTest {
    private static final Path SAVED = Path.of("src/test/resources/schedules/mkwrite-not-uptodate-after-eio.schedule");

    /** Another byte in place of {@code b}: a different printable character, or a newline. */
    private static byte other(byte b, int variant) {
        byte[] choices = {'0', '7', 'a', 'f', ':', ' ', '\n', 'x'};
        byte c = choices[variant % choices.length];
        return c == b ? choices[(variant + 1) % choices.length] : c;
    }

    @Test
    void everySingleByteChangeOfAScheduleFileIsRefused() throws Exception {
        byte[] orig = Files.readAllBytes(SAVED);
        CliTestSupport.Run untouched = run("replay", SAVED.toString());
        assertEquals(4, untouched.code(), untouched::toString); // bug 2's corruption, as recorded
        Path dir = CliTestSupport.scratch("tamper");
        Path f = dir.resolve("t.schedule");
        for (int i = 0; i < orig.length; i++) {
            byte[] b = orig.clone();
            b[i] = other(orig[i], i);
            Files.write(f, b);
            CliTestSupport.Run r = run("replay", f.toString());
            int at = i;
            assertEquals(2, r.code(), () -> "byte " + at + " changed: " + r);
            assertEquals(1, r.err().strip().lines().count(), r::toString);
        }
        Files.write(f, java.util.Arrays.copyOf(orig, orig.length - 20));
        assertEquals(2, run("replay", f.toString()).code());
    }

    @Test
    void everySingleByteChangeOfAScheduleStringIsRefused() throws Exception {
        String line = Files.readAllLines(SAVED).stream().filter(l -> l.startsWith("schedule ")).findFirst().orElseThrow()
                .substring("schedule ".length());
        CliTestSupport.Run ok = run("replay", "mkwrite-not-uptodate-after-eio", "--schedule", line);
        assertTrue(ok.code() == 4, ok::toString); // the untouched string replays bug 2's corruption
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            String changed = line.substring(0, i) + (char) other((byte) c, i) + line.substring(i + 1);
            CliTestSupport.Run r = run("replay", "mkwrite-not-uptodate-after-eio", "--schedule", changed);
            assertEquals(2, r.code(), () -> changed + "\n" + r);
        }
        CliTestSupport.Run wrong = run("replay", "writeback-stale-wake-bug-on", "--schedule", line);
        assertEquals(2, wrong.code(), wrong::toString);
        assertTrue(wrong.err().contains("recorded on another workload"), wrong::toString);
    }

    @Test
    void exploreChecksItsOutputDirectoryBeforeExploring() throws Exception {
        Path missing = CliTestSupport.scratch("tamper-out").resolve("no-such-dir");
        CliTestSupport.Run r = run("explore", "mkwrite-not-uptodate-after-eio", "--out", missing.toString());
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("not a writable directory") && r.out().isEmpty(), r::toString);
    }
}
