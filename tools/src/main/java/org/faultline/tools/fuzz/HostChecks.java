package org.faultline.tools.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.faultline.images.ext4.Mkfs;
import org.faultline.tools.workload.Oracle;

/**
 * The host kernel's view of an image: loop-mount it (read-only, or read-write for the host
 * interpreter) with {@code mount -o loop}, and {@code e2fsck -fn}. Each mount is on a private temporary
 * directory and is always unmounted again ({@code -o loop} detaches the loop device on unmount).
 */
public final class HostChecks {
    private HostChecks() {
    }

    /** A command's exit code and output (stdout and stderr together). */
    record Cmd(int exit, String output) {
    }

    static Cmd run(List<String> argv) throws IOException {
        Process p = org.faultline.kernel.ForkGuard.start(new ProcessBuilder(argv).redirectErrorStream(true));
        p.getOutputStream().close();
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(bo);
        }
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Cmd(-1, String.join(" ", argv) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Cmd(-1, String.join(" ", argv) + ": interrupted");
        }
        return new Cmd(p.exitValue(), bo.toString(StandardCharsets.UTF_8).strip());
    }

    /**
     * Whether this host can loop-mount an image: null if it can, else the reason (one line). Tries it
     * on a small image made in {@code scratch}.
     */
    public static String probeLoopMount(Path scratch) {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "loop mounts need root (running as " + System.getProperty("user.name") + ")";
        }
        if (!Files.exists(Path.of("/dev/loop-control")) && !Files.exists(Path.of("/dev/loop0"))) {
            return "no loop device (/dev/loop-control is missing)";
        }
        Path img = scratch.resolve("probe.img");
        try {
            Files.createDirectories(scratch);
            Files.deleteIfExists(img);
            Mkfs.createImage(img, 4L << 20, Mkfs.Options.seeded(0));
            String[] err = new String[1];
            withMount(img, true, scratch, dir -> {
                if (!Files.isDirectory(dir.resolve("lost+found"))) {
                    err[0] = "the probe image mounted without its lost+found";
                }
            });
            return err[0];
        } catch (Exception e) {
            return "cannot loop-mount an image: " + oneLine(e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(img);
            } catch (IOException e) {
                // left behind in the scratch directory
            }
        }
    }

    /** Whether {@code e2fsck} runs: null if so, else why not. */
    public static String probeE2fsck() {
        try {
            Cmd c = run(List.of("e2fsck", "-V"));
            return c.exit() == 0 ? null : "e2fsck -V exited " + c.exit();
        } catch (IOException e) {
            return "e2fsck not found (" + oneLine(e.getMessage()) + ")";
        }
    }

    /** Something to do with a mounted tree. */
    @FunctionalInterface
    public interface MountedBody {
        void accept(Path dir) throws IOException;
    }

    /**
     * Mounts {@code img} on a fresh directory under {@code scratch}, runs {@code body}, and unmounts.
     *
     * @throws IOException if the mount fails (message: mount's output) or the body throws
     */
    public static void withMount(Path img, boolean readOnly, Path scratch, MountedBody body) throws IOException {
        Path dir = Files.createTempDirectory(scratch, "mnt");
        try {
            Cmd c = run(List.of("mount", "-t", "ext4", "-o", readOnly ? "loop,ro" : "loop", img.toString(), dir.toString()));
            if (c.exit() != 0) {
                throw new IOException("mount -o loop " + img + ": " + oneLine(c.output()));
            }
            try {
                body.accept(dir);
            } finally {
                Cmd u = run(List.of("umount", dir.toString()));
                if (u.exit() != 0) {
                    run(List.of("umount", "-l", dir.toString()));
                }
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    /**
     * Reads every file of the loop-mounted image and compares it with the oracle's expectation (bytes
     * the oracle marks unknown are skipped); a regular file the oracle does not expect is a difference
     * too.
     *
     * @return one line per difference
     */
    public static List<String> compareMounted(Path img, Map<String, Oracle.ExpectedFile> expected, Path scratch)
            throws IOException {
        List<String> diffs = new ArrayList<>();
        withMount(img, true, scratch, dir -> {
            for (Oracle.ExpectedFile ef : expected.values()) {
                Path p = dir.resolve(ef.path().substring(1));
                if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    diffs.add(ef.path() + ": missing on the host's mount");
                    continue;
                }
                ef.compare(Files.readAllBytes(p)).ifPresent(d -> diffs.add("host read " + d));
            }
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted().toList()) {
                    String rel = "/" + dir.relativize(p).toString().replace('\\', '/');
                    if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !expected.containsKey(rel)) {
                        diffs.add(rel + ": on the host's mount, but the workload left no such file");
                    }
                }
            }
        });
        return diffs;
    }

    /** {@link #mkfsExt4(Path, long, long, int)} with 4 KiB blocks. */
    public static void mkfsExt4(Path img, long bytes, long seed) throws IOException {
        mkfsExt4(img, bytes, seed, 4096);
    }

    /**
     * Makes {@code img} ({@code bytes} long) with the host's {@code mkfs.ext4} and its default features
     * (journal, metadata_csum, 64bit, flex_bg, ...), blocks of {@code blockSize} bytes, the UUID and
     * directory hash seed drawn from {@code seed} so the same sequence gets the same image.
     *
     * @throws IOException mkfs.ext4 missing or failing (its output in the message)
     */
    public static void mkfsExt4(Path img, long bytes, long seed, int blockSize) throws IOException {
        java.util.Random r = new java.util.Random(seed);
        String uuid = new java.util.UUID(r.nextLong(), r.nextLong()).toString();
        String hash = new java.util.UUID(r.nextLong(), r.nextLong()).toString();
        Cmd c = run(List.of("mkfs.ext4", "-F", "-q", "-b", Integer.toString(blockSize), "-U", uuid, "-E", "hash_seed=" + hash,
                img.toString(), (bytes >> 10) + "k"));
        if (c.exit() != 0) {
            throw new IOException("mkfs.ext4 " + img + ": " + oneLine(c.output()));
        }
    }

    /** {@code e2fsck -fn img}: null if clean, else its exit code and first complaints. */
    public static String e2fsck(Path img) throws IOException {
        Cmd c = run(List.of("e2fsck", "-fn", img.toString()));
        if (c.exit() == 0) {
            return null;
        }
        List<String> lines = new ArrayList<>();
        for (String l : c.output().split("\\R")) {
            String s = l.strip();
            if (s.isEmpty() || s.startsWith("e2fsck ") || s.startsWith("Pass ") || s.contains("files, ")
                    || s.startsWith("WARNING") || s.contains("was not cleanly unmounted")) {
                continue;
            }
            lines.add(s);
            if (lines.size() == 3) {
                break;
            }
        }
        return "e2fsck -fn exited " + c.exit() + ": " + String.join("; ", lines);
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
