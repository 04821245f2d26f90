package org.faultline.tools.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: the host kernel as the oracle's second reader. Loop-mounts an unmounted image
 * read-only and compares every file the oracle expects, byte for byte (bytes the oracle does not
 * know are skipped).
 */
final class HostReadBack {
    private HostReadBack() {
    }

    /** Why loop mounts cannot be used here, or null if they can. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "loop mounts need root";
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            return "no /dev/loop-control";
        }
        return null;
    }

    /** The differences the host kernel sees between the image and the oracle; empty if none. */
    static List<String> compare(Path image, Map<String, Oracle.ExpectedFile> expected) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("faultline-hostread");
        List<String> diffs = new ArrayList<>();
        run("mount", "-o", "loop,ro", image.toAbsolutePath().toString(), dir.toString());
        try {
            for (Oracle.ExpectedFile ef : expected.values()) {
                Path f = dir.resolve(ef.path().substring(1));
                if (!Files.isRegularFile(f)) {
                    diffs.add(ef.path() + ": missing on the host");
                    continue;
                }
                byte[] got = Files.readAllBytes(f);
                if (ef.sizeKnown() && got.length != ef.size()) {
                    diffs.add(ef.path() + ": host size " + got.length + ", expected " + ef.size());
                }
                int n = Math.min(got.length, ef.data().length);
                for (int i = 0; i < n; i++) {
                    if (got[i] != ef.data()[i] && !ef.unknown().get(i)) {
                        diffs.add(String.format("%s offset %d: host reads 0x%02x, expected 0x%02x",
                                ef.path(), i, got[i] & 0xff, ef.data()[i] & 0xff));
                        break;
                    }
                }
            }
        } finally {
            run("umount", dir.toString());
            Files.deleteIfExists(dir);
        }
        return diffs;
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": timed out");
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.strip());
        }
    }
}
