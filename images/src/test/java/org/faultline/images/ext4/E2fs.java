package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test helpers: running e2fsprogs, scratch files under fs/target, hashing. */
final class E2fs {
    private E2fs() {
    }

    /** A finished command. */
    record Run(int exit, String out) {
    }

    static Path tool(String name) {
        for (String dir : new String[] {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Skips the calling test unless e2fsck, debugfs, dumpe2fs and mkfs.ext4 are installed. */
    static void assumeInstalled() {
        for (String t : new String[] {"e2fsck", "debugfs", "dumpe2fs", "mkfs.ext4"}) {
            assumeTrue(tool(t) != null, t + " not installed (e2fsprogs)");
        }
    }

    static Run run(String... cmd) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(cmd));
        Path t = tool(c.get(0));
        if (t != null) {
            c.set(0, t.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(c).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("E2FSCK_CONFIG", "/dev/null");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timeout: " + c);
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static Run e2fsck(Path img) throws IOException, InterruptedException {
        return run("e2fsck", "-fn", img.toString());
    }

    static Run debugfs(Path img, String request) throws IOException, InterruptedException {
        return run("debugfs", "-R", request, img.toString());
    }

    static Run debugfsW(Path img, String request) throws IOException, InterruptedException {
        return run("debugfs", "-w", "-R", request, img.toString());
    }

    /** A fresh scratch directory fs/target/ext4-test/NAME (emptied). */
    static Path scratch(String name) throws IOException {
        Path d = Path.of("target", "ext4-test", name).toAbsolutePath();
        if (Files.exists(d)) {
            try (var s = Files.walk(d)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(d);
    }

    /** Writes an in-memory device to an image file, leaving all-zero blocks as holes. */
    static void writeImage(DriverBlockIo io, Path img) throws IOException {
        Files.deleteIfExists(img);
        byte[] b = new byte[io.blockSize()];
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(io.blocks() * io.blockSize());
            for (long i = 0; i < io.blocks(); i++) {
                io.read(i, b);
                boolean zero = true;
                for (byte x : b) {
                    if (x != 0) {
                        zero = false;
                        break;
                    }
                }
                if (!zero) {
                    f.seek(i * io.blockSize());
                    f.write(b);
                }
            }
        }
    }

    static String sha256(Path f) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(f)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
