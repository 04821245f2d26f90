package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.faultline.tools.fuzz.HostChecks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A byte flipped in a checksummed structure of a metadata_csum image (made by the host's mkfs.ext4):
 * the operation that reads it fails with the kernel's {@code EXT4-fs error} line or mount message and
 * {@code EBADMSG} (exit 2, bad input), and the image is left byte for byte as it was.
 */
class ChecksumErrorTest {
    private Path dir;
    private Path clean;

    @BeforeEach
    void image() throws Exception {
        Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "e2fsprogs not installed");
        dir = CliTestSupport.scratch("csum-errors");
        clean = dir.resolve("clean.img");
        assertEquals(0, exec("mkfs.ext4", "-F", "-q", "-b", "4096", clean.toString(), "64M").rc);
        Path hello = Files.writeString(dir.resolve("hello"), "hello, checksums\n");
        assertEquals(0, CliTestSupport.run("cp", hello.toString(), clean + ":/hello").code());
        assertEquals(0, CliTestSupport.run("mkdir", clean + ":/d").code());
        assertEquals(0, CliTestSupport.run("cp", hello.toString(), clean + ":/d/inner").code());
        Path sparse = dir.resolve("sparse"); // eight separate blocks: eight extents, a leaf block under the inode
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            for (int i = 0; i < 8; i++) {
                f.seek(i * 65536L);
                byte[] data = new byte[4096];
                java.util.Arrays.fill(data, (byte) ('A' + i));
                f.write(data);
            }
        }
        assertEquals(0, CliTestSupport.run("cp", sparse.toString(), clean + ":/sparse").code());
    }

    /** A copy of the clean image with one byte at {@code off} inverted. */
    private Path flipped(String name, long off) throws IOException {
        Path img = dir.resolve(name + ".img");
        Files.copy(clean, img, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(off);
            int b = f.read();
            f.seek(off);
            f.write(~b);
        }
        return img;
    }

    private void failsUnchanged(Path img, String expect, String... args) throws Exception {
        String before = sha(img);
        CliTestSupport.Run r = CliTestSupport.run(args);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(expect), "expected '" + expect + "':\n" + r);
        assertEquals(before, sha(img), "the image changed: " + String.join(" ", args));
    }

    @Test
    void aFlippedInodeFailsItsIgetAndNothingElse() throws Exception {
        long off = inodeOffset("/hello");
        Path img = flipped("inode", off + 0x10); // i_mtime
        failsUnchanged(img, "__ext4_iget:0: inode #12: comm cat: iget: checksum invalid", "cat", img + ":/hello");
        failsUnchanged(img, "Bad message (EBADMSG)", "cp", dir.resolve("hello").toString(), img + ":/hello");
        assertEquals(0, CliTestSupport.run("cat", img + ":/d/inner").code(), "other files still read");
    }

    @Test
    void aFlippedDirectoryBlockFailsItsReadsAndAdds() throws Exception {
        long blk = firstBlock("/d");
        Path img = flipped("dirblock", blk * 4096 + 20);
        failsUnchanged(img, "__ext4_read_dirblock:0: inode #13: block 0: comm ls: Directory block failed checksum",
                "ls", img + ":/d");
        failsUnchanged(img, "Directory block failed checksum", "cp", dir.resolve("hello").toString(), img + ":/d/new");
    }

    @Test
    void aFlippedBlockBitmapFailsTheAllocationWhichWritesNothing() throws Exception {
        long bb = blockBitmapOfGroup0();
        Path img = flipped("bitmap", bb * 4096 + 100);
        byte[] data = new byte[1 << 20];
        new java.util.Random(1).nextBytes(data); // not zeros: cp leaves those as holes, allocating nothing
        Path big = Files.write(dir.resolve("big"), data);
        byte[] bitmapBefore = block(img, bb);
        CliTestSupport.Run r = CliTestSupport.run("cp", big.toString(), img + ":/big");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("ext4_validate_block_bitmap:0: comm cp: bg 0: bad block bitmap checksum"), r.toString());
        assertTrue(r.err().contains("'/big': Bad message (EBADMSG)"), r.toString());
        assertEquals(1, r.err().lines().filter(l -> l.contains("bad block bitmap checksum") && l.contains("comm cp")).count(),
                "a message repeated by writeback's retries shows once:\n" + r);
        // the create before the allocation stands, as on the kernel; the allocation itself wrote nothing
        assertTrue(java.util.Arrays.equals(bitmapBefore, block(img, bb)), "the damaged bitmap was rewritten");
        String fsck = exec("e2fsck", "-fn", img.toString()).out;
        assertTrue(fsck.contains("Block bitmap differences:  +(800--807)"), fsck);
        assertTrue(!fsck.contains("Inode") && !fsck.contains("Entry"), "only the flipped bits are wrong:\n" + fsck);
    }

    private static byte[] block(Path img, long b) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            byte[] out = new byte[4096];
            f.seek(b * 4096);
            f.readFully(out);
            return out;
        }
    }

    @Test
    void aFlippedExtentBlockFailsReadsAndTheTruncateOfACopy() throws Exception {
        long leaf = Long.parseLong(exec("debugfs", "-R", "ex /sparse", clean.toString()).out.lines()
                .filter(l -> l.trim().startsWith("0/ 1")).findFirst().orElseThrow().trim().split("\\s+")[7]);
        Path img = flipped("extent", leaf * 4096 + 16); // the first extent's ee_block
        String msg = "ext4_find_extent:0: inode #15: comm cat: pblk " + leaf + " bad header/extent: extent tree "
                + "corrupted - magic f30a, entries 8, max 340(340), depth 0(0)";
        failsUnchanged(img, msg, "cat", img + ":/sparse");
        // cp over it truncates, which fails at the extent block: nothing but the journal's log is written
        byte[] before = Files.readAllBytes(img);
        CliTestSupport.Run r = CliTestSupport.run("cp", dir.resolve("hello").toString(), img + ":/sparse");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("bad header/extent: extent tree corrupted") && r.err().contains("Bad message (EBADMSG)"),
                r.toString());
        java.util.Set<Long> journal = new java.util.HashSet<>();
        for (String l : exec("debugfs", "-R", "blocks <8>", img.toString()).out.strip().split("\\s+")) {
            if (l.matches("\\d+")) {
                journal.add(Long.parseLong(l));
            }
        }
        byte[] after = Files.readAllBytes(img);
        // the superblock's times, its count of kilobytes written and its checksum change with any
        // read-write mount and unmount (the machine's wall clock is the host's): not part of the claim
        for (int[] field : new int[][] {{0x2C, 4}, {0x30, 4}, {0x178, 8}, {0x3FC, 4}}) {
            for (int i = 0; i < field[1]; i++) {
                after[1024 + field[0] + i] = before[1024 + field[0] + i];
            }
        }
        for (long b = 0; b < before.length / 4096; b++) {
            if (!journal.contains(b)) {
                assertTrue(java.util.Arrays.equals(before, (int) b * 4096, (int) b * 4096 + 4096, after, (int) b * 4096,
                        (int) b * 4096 + 4096), "block " + b + " changed (it is not the journal's)");
            }
        }
    }

    @Test
    void aFlippedHtreeRootFailsTheLookupAndTheAdd() throws Exception {
        Path img = dir.resolve("htree.img");
        Files.copy(clean, img, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (org.faultline.images.ext4.Ext4Image v = org.faultline.images.ext4.Ext4Image.openImage(img,
                org.faultline.fs.ext4.Ext4Volume.Options.readWrite())) {
            v.mkdir("/big", 0755);
            for (int i = 0; i < 300; i++) { // past one block of entries: an indexed directory
                v.create("/big/entry-with-a-longish-name-" + i, 0644);
            }
        }
        String ino = exec("debugfs", "-R", "stat /big", img.toString()).out.lines().filter(l -> l.startsWith("Inode:"))
                .findFirst().orElseThrow().split("\\s+")[1];
        assertTrue(exec("debugfs", "-R", "htree /big", img.toString()).out.contains("Root node dump"), "indexed");
        long root = firstBlockOf(img, "/big");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) { // the first dx entry's hash
            long off = root * 4096 + 0x20 + 8;
            f.seek(off);
            int b = f.read();
            f.seek(off);
            f.write(~b);
        }
        failsUnchanged(img, "__ext4_read_dirblock:0: inode #" + ino + ": block 0: comm cat: Directory index failed checksum",
                "cat", img + ":/big/entry-with-a-longish-name-7");
        failsUnchanged(img, "Directory index failed checksum", "cp", dir.resolve("hello").toString(), img + ":/big/new");
    }

    private static long firstBlockOf(Path img, String path) throws Exception {
        String[] lines = exec("debugfs", "-R", "blocks " + path, img.toString()).out.strip().split("\n");
        return Long.parseLong(lines[lines.length - 1].strip().split("\\s+")[0]);
    }

    @Test
    void aFlippedInodeBitmapFailsTheCreateWhichWritesNothing() throws Exception {
        Matcher m = Pattern.compile("Inode bitmap at (\\d+)").matcher(exec("dumpe2fs", clean.toString()).out);
        assertTrue(m.find());
        long ib = Long.parseLong(m.group(1));
        Path img = flipped("ibitmap", ib * 4096 + 1);
        failsUnchanged(img, "ext4_read_inode_bitmap:0: comm cp: Corrupt inode bitmap - block_group = 0, inode_bitmap = "
                + ib, "cp", dir.resolve("hello").toString(), img + ":/new");
    }

    @Test
    void aFlippedGroupDescriptorOrSuperblockRefusesTheMount() throws Exception {
        Path gd = flipped("gd", 4096 + 0x0C); // group 0's bg_free_blocks_count_lo
        failsUnchanged(gd, "ext4_check_descriptors: Checksum for group 0 failed", "cp", dir.resolve("hello").toString(),
                gd + ":/x");
        Path sb = flipped("sb", 1024 + 0x78); // s_volume_name
        failsUnchanged(sb, "invalid superblock checksum", "ls", sb + ":/");
    }

    private long inodeOffset(String path) throws Exception {
        Matcher m = Pattern.compile("located at block (\\d+), offset 0x([0-9a-f]+)")
                .matcher(exec("debugfs", "-R", "imap " + path, clean.toString()).out);
        assertTrue(m.find());
        return Long.parseLong(m.group(1)) * 4096 + Long.parseLong(m.group(2), 16);
    }

    private long firstBlock(String path) throws Exception {
        String[] lines = exec("debugfs", "-R", "blocks " + path, clean.toString()).out.strip().split("\n");
        return Long.parseLong(lines[lines.length - 1].strip().split("\\s+")[0]); // after debugfs's banner
    }

    private long blockBitmapOfGroup0() throws Exception {
        Matcher m = Pattern.compile("Block bitmap at (\\d+)").matcher(exec("dumpe2fs", clean.toString()).out);
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    private record Out(int rc, String out) {
    }

    private static Out exec(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Out(p.waitFor(), out);
    }

    private static String sha(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
