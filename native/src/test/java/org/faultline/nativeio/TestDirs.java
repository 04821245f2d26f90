package org.faultline.nativeio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch directories under the module's target/ (a disk filesystem, unlike a tmpfs /tmp). */
final class TestDirs {

    private TestDirs() {
    }

    static Path create() throws IOException {
        Path target = Path.of(System.getProperty("basedir", "."), "target").toAbsolutePath();
        Files.createDirectories(target);
        return Files.createTempDirectory(target, "nativeio-");
    }

    static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deterministic non-zero test pattern. */
    static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        int x = seed * 0x9E3779B9 + 1;
        for (int i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            b[i] = (byte) (x | 1);
        }
        return b;
    }

    static int rw() {
        return LibC.O_RDWR | LibC.O_CREAT;
    }
}
