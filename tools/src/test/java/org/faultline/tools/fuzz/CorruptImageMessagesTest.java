package org.faultline.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.faultline.tools.Faultline;
import org.junit.jupiter.api.Test;

/** What a corrupt image looks like to the user: the kernel's EXT4-fs error text, EUCLEAN, exit 2. */
class CorruptImageMessagesTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            code = Faultline.run(args, out, err);
        }
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aDeletedInodeStillLinkedIsAnExt4ErrorAndTheToolCarriesOn() throws IOException {
        Path dir = Files.createDirectories(Path.of("target", "test-scratch", "corrupt-messages").toAbsolutePath());
        Path img = dir.resolve("a.img");
        Files.deleteIfExists(img);
        Path src = dir.resolve("f.txt");
        Files.writeString(src, "hello\n");
        // without metadata_csum: the damage below would be a bad inode checksum first (ChecksumErrorTest)
        assertEquals(0, run("mkfs", img.toString(), "--size", "8M", "-O", "^metadata_csum").code());
        assertEquals(0, run("cp", src.toString(), img + ":/f").code());
        assertEquals(0, run("cp", src.toString(), img + ":/g").code());
        Run ls = run("ls", "-l", img + ":/");
        long ino = ls.out().lines().filter(l -> l.endsWith(" f")).map(l -> Long.parseLong(l.trim().split("\\s+")[2]))
                .findFirst().orElseThrow();
        byte[] b = Files.readAllBytes(img);
        Ext4Image im = new Ext4Image(b);
        im.put16(im.inode(ino) + 26, 0); // i_links_count 0, still in the root directory
        Files.write(img, b);

        Run r = run("ls", "-l", img + ":/");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.out().contains(" g"), "the listing carries on: " + r.out());
        assertTrue(r.err().contains("faultline ls: cannot access '/f': Structure needs cleaning (EUCLEAN)"), r.err());
        assertTrue(r.err().matches("(?s).*EXT4-fs error \\(device sda\\): ext4_lookup:\\d+: comm ls: deleted inode "
                + "referenced: " + ino + "\n.*"), r.err());
        assertFalse(r.err().contains("internal error") || r.err().contains("Exception"), r.err());
        assertArrayEquals(b, Files.readAllBytes(img), "ls changed the image");

        Run fsck = run("fsck", img.toString());
        assertEquals(4, fsck.code(), fsck.out());
        Run boot = run("boot", "--image", img.toString(), "--size", "256k");
        assertEquals(2, boot.code(), boot.err());
        assertTrue(boot.err().contains("the image is inconsistent before the run"), boot.err());
        assertArrayEquals(b, Files.readAllBytes(img), "a refused boot changed the image");
    }
}
