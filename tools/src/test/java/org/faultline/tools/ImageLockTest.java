package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.faultline.nativeio.ErrnoException;
import org.faultline.nativeio.HostFile;
import org.faultline.nativeio.LibC;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two users of one image: a command finding the image locked by another open file (another process,
 * or here another descriptor: flock locks belong to the open file description) is refused in one
 * line, exit 2, and leaves the image byte for byte as it was. Readers share; a writer excludes all.
 */
class ImageLockTest {
    private static Path dir;
    private static Path img;

    @BeforeAll
    static void image() throws IOException {
        dir = CliTestSupport.scratch("image-lock");
        img = dir.resolve("a.img");
        CliTestSupport.Run r = CliTestSupport.run("mkfs", img.toString(), "--size", "16M");
        assertEquals(0, r.code(), r.toString());
        assertEquals(0, CliTestSupport.run("mkdir", img + ":/d").code());
    }

    private static HostFile holder(boolean exclusive) throws ErrnoException {
        HostFile f = HostFile.open(img, LibC.O_RDONLY, 0);
        assertTrue(f.tryLock(exclusive));
        return f;
    }

    private static byte[] sha(Path p) throws IOException {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertRefused(String... args) throws IOException {
        byte[] before = sha(img);
        CliTestSupport.Run r = CliTestSupport.run(args);
        assertEquals(2, r.code(), r.toString());
        assertEquals("faultline: " + img + ": image is in use by another faultline process (it holds the lock); "
                + "wait for it to finish\n", r.err(), r.toString());
        assertArrayEquals(before, sha(img), "the image changed");
    }

    @Test
    void aWriterExcludesEveryOtherUser() throws Exception {
        try (HostFile held = holder(true)) {
            for (List<String> cmd : List.of(
                    List.of("boot", "--image", img.toString(), "--size", "256k"),
                    List.of("mkdir", img + ":/x"),
                    List.of("rm", "-r", img + ":/d"),
                    List.of("mkfs", "-F", img.toString(), "--size", "16M"),
                    List.of("ls", img + ":/"),
                    List.of("stat", img + ":/d"),
                    List.of("cat", img + ":/d"),
                    List.of("fsck", img.toString()),
                    List.of("cp", img + ":/d", dir.resolve("out").toString()),
                    List.of("bench", "block", "--image", img.toString(), "--size", "1M", "--pattern", "write"),
                    List.of("bench", "block", "--image", img.toString(), "--size", "1M", "--pattern", "read"))) {
                assertRefused(cmd.toArray(String[]::new));
            }
        }
    }

    @Test
    void readersShareButExcludeWriters() throws Exception {
        try (HostFile held = holder(false)) {
            CliTestSupport.Run ls = CliTestSupport.run("ls", img + ":/");
            assertEquals(0, ls.code(), ls.toString());
            assertTrue(ls.out().contains("d"));
            assertEquals(0, CliTestSupport.run("fsck", img.toString()).code());
            assertRefused("mkdir", img + ":/y");
            assertRefused("boot", "--image", img.toString(), "--size", "256k");
            assertRefused("mkfs", "-F", img.toString(), "--size", "16M");
        }
        // released: a writer may go now
        assertEquals(0, CliTestSupport.run("mkdir", img + ":/z").code());
    }

    @Test
    void theDefaultImageIsLockedToo() throws Exception {
        Path home = CliTestSupport.scratch("image-lock-home");
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("FAULTLINE_HOME", home.toString());
        Path def = home.resolve("default.img");
        Files.createFile(def); // empty: the first boot formats it under the lock
        try (HostFile held = HostFile.open(def, LibC.O_RDONLY, 0)) {
            assertTrue(held.tryLock(true));
            CliTestSupport.Run r = CliTestSupport.run(env, "boot", "--size", "256k");
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("image is in use by another faultline process"), r.toString());
            assertEquals(0, Files.size(def), "formatted while another process held it");
        }
    }
}
