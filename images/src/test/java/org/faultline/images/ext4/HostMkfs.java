package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the host's mkfs.ext4 with the feature set this layer supports, dropping -O names it does not know. */
final class HostMkfs {
    private HostMkfs() {
    }

    static final List<String> OFF = List.of("has_journal", "metadata_csum", "64bit", "flex_bg", "resize_inode",
            "dir_index", "huge_file", "dir_nlink", "extra_isize", "orphan_file", "metadata_csum_seed");

    private static List<String> known;

    /** The -O ^names this mke2fs accepts (probed once). */
    static List<String> knownOff() throws IOException, InterruptedException {
        if (known == null) {
            Path probe = E2fs.scratch("mkfs-probe").resolve("p.img");
            List<String> ok = new ArrayList<>();
            for (String f : OFF) {
                Files.deleteIfExists(probe);
                E2fs.Run r = E2fs.run("mkfs.ext4", "-F", "-q", "-O", "^" + f, probe.toString(), "2M");
                if (r.exit() == 0) {
                    ok.add(f);
                }
            }
            known = ok;
        }
        return known;
    }

    /** mkfs.ext4 -F -q -b 4096 -I 256 -O ^... -E lazy_itable_init=0,lazy_journal_init=0 IMG SIZE, minus {@code keep}. */
    static E2fs.Run supported(Path img, String size, String... keep) throws IOException, InterruptedException {
        return withOptions(img, size, "4096", "256", keep);
    }

    static E2fs.Run withOptions(Path img, String size, String blockSize, String inodeSize, String... keep)
            throws IOException, InterruptedException {
        StringBuilder o = new StringBuilder();
        for (String f : knownOff()) {
            if (List.of(keep).contains(f)) {
                continue;
            }
            if (o.length() > 0) {
                o.append(',');
            }
            o.append('^').append(f);
        }
        E2fs.Run r = E2fs.run("mkfs.ext4", "-F", "-q", "-b", blockSize, "-I", inodeSize, "-O", o.toString(),
                "-E", "lazy_itable_init=0,lazy_journal_init=0", img.toString(), size);
        if (r.exit() != 0) {
            throw new IOException("mkfs.ext4 failed: " + r.out());
        }
        return r;
    }
}
