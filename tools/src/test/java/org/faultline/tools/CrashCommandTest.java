package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.faultline.tools.fuzz.HostChecks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code faultline crash}: an fsync-heavy workload keeps every promise over more than a thousand crash
 * states with today's kernel; each modelled historical fdatasync bug is found without its fix (exit 4,
 * the crash image written) and not with it; bad input is one line and exit 2.
 */
class CrashCommandTest {
    private static final Path EXAMPLES = Path.of("..", "docs", "examples");

    /** A journaled image made by 'faultline mkfs' or, with {@code host}, by the host's mkfs.ext4 (its defaults). */
    private static Path journaledImage(String name, boolean host) throws Exception {
        Path dir = CliTestSupport.scratch(name);
        Path img = dir.resolve("img");
        Files.deleteIfExists(img);
        if (host) {
            Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "e2fsprogs not installed");
            HostChecks.mkfsExt4(img, 32L << 20, 7);
        } else {
            assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "32M").code());
        }
        return img;
    }

    @ParameterizedTest(name = "host mkfs.ext4: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void anFsyncHeavyWorkloadKeepsEveryPromiseOverAThousandStates(boolean host) throws Exception {
        Path img = journaledImage("crash-fsync-" + host, host);
        byte[] before = Files.readAllBytes(img);
        CliTestSupport.Run r = CliTestSupport.run("crash", EXAMPLES.resolve("crash-fsync.wl").toString(), "--image",
                img.toString(), "--out", img.getParent().toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        assertTrue(CliTestSupport.jsonNumber(r.out(), "states") >= 1000, r.out());
        assertTrue(CliTestSupport.jsonNumber(r.out(), "promises") >= 50, r.out());
        assertTrue(CliTestSupport.jsonNumber(r.out(), "files_checked") >= 1000, r.out());
        assertEquals(0, CliTestSupport.jsonNumber(r.out(), "violations"), r.out());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(img)), "the image was written");
    }

    /**
     * An overwrite of blocks the file already has changes no metadata fdatasync waits for: the
     * transaction it waits on is committed, or commits nothing, and the data is durable only through a
     * flush of its own (needs_barrier). Without it every crash after the sync call lost the overwrite.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"fdatasync a", "fsync a", "sync"})
    void anOverwriteIsDurableAfterTheSyncCall(String call) throws Exception {
        Path img = journaledImage("crash-overwrite-" + call.replace(' ', '-'), false);
        Path wl = img.getParent().resolve("overwrite.wl");
        Files.writeString(wl, "set ram 32M\nset image-size 32M\ntask t\n  open a /a create rdwr\n  write a 0 3000 seed=1\n"
                + "  fsync a\n  write a 100 50 seed=6\n  " + call + "\n");
        CliTestSupport.Run r = CliTestSupport.run("crash", wl.toString(), "--image", img.toString(), "--out",
                img.getParent().toString(), "--json", "--no-capture");
        assertEquals(0, r.code(), r.toString());
        assertEquals(0, CliTestSupport.jsonNumber(r.out(), "violations"), r.out());
        assertTrue(CliTestSupport.jsonNumber(r.out(), "promises") >= 2, r.out());
    }

    @ParameterizedTest(name = "{0} without {1}")
    @CsvSource({"crash-fallocate.wl, ext4-fdatasync-after-fallocate, blocks",
        "crash-punch.wl, ext4-fdatasync-after-extent-manipulation, expected 0x00"})
    void eachModelledFdatasyncBugIsFoundWithoutItsFixAndNotWithIt(String workload, String fix, String symptom)
            throws Exception {
        Path img = journaledImage("crash-" + fix, false);
        Path out = Files.createDirectories(img.getParent().resolve("out"));
        String wl = EXAMPLES.resolve(workload).toString();
        CliTestSupport.Run fixed = CliTestSupport.run("crash", wl, "--image", img.toString(), "--out", out.toString());
        assertEquals(0, fixed.code(), fixed.toString());
        CliTestSupport.Run broken = CliTestSupport.run("crash", wl, "--image", img.toString(), "--out", out.toString(),
                "--patch", "-" + fix);
        assertEquals(4, broken.code(), broken.toString());
        assertTrue(broken.out().contains("VIOLATIONS") && broken.out().contains("after fdatasync")
                && broken.out().contains(symptom), broken.out());
        Path first;
        try (var files = Files.list(out)) {
            first = files.filter(p -> p.getFileName().toString().endsWith(".img")).sorted().findFirst().orElseThrow();
            assertEquals(Files.size(img), Files.size(first));
        }
        // captured: the crash image is the capture's disk at the failure; replay says how to find it again
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("captured ([0-9a-f]{8})").matcher(broken.out());
        assertTrue(m.find(), broken.out());
        Path exported = out.resolve("exported.img");
        Files.deleteIfExists(exported);
        CliTestSupport.Run ex = CliTestSupport.run("captures", "export", m.group(1), "--image", exported.toString());
        assertEquals(0, ex.code(), ex.toString());
        byte[] crashImage = Files.readAllBytes(Path.of(broken.out().lines().filter(l -> l.startsWith("image "))
                .findFirst().orElseThrow().split("\\s+")[1]));
        assertTrue(java.util.Arrays.equals(crashImage, Files.readAllBytes(exported)), "the capture's disk is the crash image");
        CliTestSupport.Run rp = CliTestSupport.run("replay", m.group(1));
        assertEquals(2, rp.code(), rp.toString());
        assertTrue(rp.err().contains("--patch -" + fix), rp.err());
    }

    @Test
    void anImageWithoutAJournalOrNotAnImageIsRefusedInOneLine() throws Exception {
        Path dir = CliTestSupport.scratch("crash-bad");
        Path plain = dir.resolve("plain.img");
        Files.deleteIfExists(plain);
        assertEquals(0, CliTestSupport.run("mkfs", plain.toString(), "--size", "16M", "-O", "^has_journal").code());
        String wl = EXAMPLES.resolve("crash-fsync.wl").toString();
        CliTestSupport.Run r = CliTestSupport.run("crash", wl, "--image", plain.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("has no journal") && r.err().strip().lines().count() == 1, r.err());
        Path junk = dir.resolve("junk.img");
        Files.write(junk, new byte[1 << 20]);
        r = CliTestSupport.run("crash", wl, "--image", junk.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("not an ext4 image"), r.err());
        r = CliTestSupport.run("crash", wl, "--image", dir.resolve("missing.img").toString());
        assertEquals(2, r.code(), r.toString());
        r = CliTestSupport.run("crash", wl, "--image", plain.toString(), "--states", "0");
        assertEquals(2, r.code(), r.toString());
    }
}
