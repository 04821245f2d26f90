package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.images.ext4.Ext4Image;
import org.faultline.tools.fuzz.HostChecks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The images users make: {@code faultline boot} of the default workload on an image the host's
 * {@code mkfs.ext4} made with its default features (4 KiB blocks), and with each feature turned off in
 * turn; and on the 1 KiB-block image {@code mkfs.ext4} makes by default for a 128 MiB file, and one of
 * 2 KiB blocks. Each boot must end clean (its oracle read every file back, its fsck found nothing);
 * then {@code e2fsck -fn} must pass and the host kernel's loop mount must read every file byte for
 * byte as Faultline reads it (so as the oracle expects).
 */
class HostImagesBootTest {

    @ParameterizedTest(name = "mkfs.ext4 -O {0}")
    @ValueSource(strings = {"defaults", "^metadata_csum", "^64bit", "^flex_bg", "^has_journal", "^resize_inode",
        "^dir_index", "^huge_file", "^dir_nlink", "^extra_isize", "-I 128"})
    void bootOnAHostMadeImageIsCleanForE2fsckAndTheHostKernel(String features) throws Exception {
        Path dir = CliTestSupport.scratch("host-images-" + features.replace("^", "no-").replace(" ", ""));
        Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "e2fsprogs not installed");
        Path img = dir.resolve("img");
        List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-F", "-q", "-b", "4096"));
        if (features.startsWith("-")) { // another option than a feature: 128-byte inodes
            mkfs.addAll(List.of(features.split(" ")));
        } else if (!features.equals("defaults")) {
            mkfs.addAll(List.of("-O", features));
        }
        mkfs.addAll(List.of(img.toString(), "128M"));
        assertEquals(0, exec(mkfs), "mkfs.ext4 " + mkfs);
        bootThenCompareWithTheHost(dir, img);
    }

    @ParameterizedTest(name = "mkfs.ext4 {0}")
    @ValueSource(strings = {"(defaults: 1 KiB blocks)", "-b 2048"})
    void bootOnAnImageOfSmallBlocksIsCleanForE2fsckAndTheHostKernel(String option) throws Exception {
        Path dir = CliTestSupport.scratch("host-images-" + (option.startsWith("-b") ? "2k" : "1k"));
        Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "e2fsprogs not installed");
        Path img = dir.resolve("img");
        List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-F", "-q"));
        if (option.startsWith("-b")) {
            mkfs.addAll(List.of(option.split(" ")));
        }
        mkfs.addAll(List.of(img.toString(), "128M"));
        assertEquals(0, exec(mkfs), "mkfs.ext4 " + mkfs);
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            assertEquals(option.startsWith("-b") ? 2048 : 1024, v.blockSize());
        }
        bootThenCompareWithTheHost(dir, img);
    }

    /** faultline boot of the default workload on {@code img}: clean; then e2fsck -fn and the host's loop mount agree. */
    private static void bootThenCompareWithTheHost(Path dir, Path img) throws Exception {
        CliTestSupport.Run r = CliTestSupport.run("boot", "--image", img.toString(), "--no-capture");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("fsck       clean"), r.out());
        assertTrue(r.out().contains("every file read back from the image matches"), r.out());
        assertEquals(0, exec(List.of("e2fsck", "-fn", img.toString())), "e2fsck -fn after boot");

        String why = HostChecks.probeLoopMount(dir);
        Assumptions.assumeTrue(why == null, why);
        TreeMap<String, byte[]> host = new TreeMap<>();
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        assertEquals(0, exec(List.of("mount", "-t", "ext4", "-o", "loop,ro", img.toString(), mnt.toString())));
        try (Stream<Path> files = Files.walk(mnt)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                host.put("/" + mnt.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        } finally {
            exec(List.of("umount", mnt.toString()));
        }
        assertTrue(host.size() >= 7, "the default workload's files: " + host.keySet());
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            for (var e : host.entrySet()) {
                assertArrayEquals(v.readAll(e.getKey()), e.getValue(), e.getKey() + ": the host kernel reads other bytes");
            }
        }
    }

    private static int exec(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            System.err.println(String.join(" ", argv) + ": exit " + rc + "\n" + out);
        }
        return rc;
    }
}
