package org.faultline.tools.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.faultline.kernel.Prng;
import org.faultline.tools.Faultline;

/**
 * The corrupt-image campaign's pieces, shared by {@code faultline fuzz images} (each command in a
 * child process with a timeout) and the short JUnit campaign (in-process): the base images, the
 * mutated image for an index, the commands run on it, and how an outcome is judged.
 *
 * <p>Judging: a command on a corrupt image may succeed (0), refuse it or report what it found (2;
 * fsck: 4), and boot may report the damage it ran into (4); never exit 1 (an internal error or an
 * oops of the emulator on bad metadata), never hang (timeout, or exit 3: a hung task), never print a
 * Java stack trace, never change a byte of the image when it only reads it.
 */
public final class ImageFuzz {
    private ImageFuzz() {
    }

    /** Paths every base image holds (made by {@link #makeBases}). */
    static final String[] FILES = {"/small.txt", "/mid.bin", "/frag.bin", "/d/sub/deep.txt"};

    /** One command of the campaign, {@code IMG} and {@code OUT} standing for the image and a scratch directory. */
    public record Check(String name, boolean readOnly, List<String> args) {
        /**
         * The argument list for {@code image}, with {@code out} as the scratch directory and {@code src}
         * the directory of the base images' host files ({@code base/src}).
         */
        public List<String> argsFor(Path image, Path out, Path src) {
            List<String> l = new ArrayList<>();
            for (String a : args) {
                l.add(a.replace("IMG", image.toString()).replace("OUT", out.toString()).replace("SRC", src.toString()));
            }
            return l;
        }
    }

    /** The commands run on every mutated image, in order: the readers, then the writers. */
    public static final List<Check> CHECKS = List.of(
            new Check("ls", true, List.of("ls", "-l", "IMG:/", "IMG:/d", "IMG:/d/sub")),
            new Check("stat", true, List.of("stat", "IMG:/", "IMG:/small.txt", "IMG:/mid.bin", "IMG:/d", "IMG:/frag.bin",
                    "IMG:/d/sub/deep.txt")),
            new Check("cat", true, List.of("cat", "IMG:/small.txt", "IMG:/mid.bin", "IMG:/frag.bin", "IMG:/d/sub/deep.txt")),
            new Check("fsck", true, List.of("fsck", "IMG")),
            new Check("cp", true, List.of("cp", "IMG:/mid.bin", "IMG:/frag.bin", "OUT")),
            // writers on the damaged metadata: allocation from corrupt bitmaps, unlinking through bad entries
            new Check("cp-in", false, List.of("cp", "SRC/mid.bin", "SRC/small.txt", "IMG:/d")),
            new Check("rm", false, List.of("rm", "-r", "IMG:/d/sub", "IMG:/frag.bin")),
            new Check("boot", false, List.of("boot", "--image", "IMG", "--size", "256k", "--ram", "16M", "--no-capture")));

    /** Files larger than this (a damaged but valid i_size) may take cat and cp longer than the timeout. */
    public static final long LARGE_FILE = 256L << 20;

    /** The largest {@code Size:} that {@code stat}'s output shows, or 0. */
    public static long largestSize(String statOutput) {
        long max = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Size: (\\d+)").matcher(statOutput);
        while (m.find()) {
            max = Math.max(max, Long.parseLong(m.group(1)));
        }
        return max;
    }

    /**
     * A timeout that is not a hang: cat or cp out reading a file whose (damaged, yet valid) size is
     * {@code largest} bytes, more than they can copy within the timeout.
     */
    public static boolean slowNotHung(Check c, Outcome o, long largest) {
        return o.timedOut() && (c.name().equals("cat") || c.name().equals("cp")) && largest > LARGE_FILE;
    }

    /** What one command did. */
    public record Outcome(int exit, boolean timedOut, String stdout, String stderr) {
    }

    /**
     * The failure class of an outcome, or null if it is acceptable.
     *
     * @param changed a read-only command changed the image's bytes
     */
    public static String judge(Check c, Outcome o, boolean changed) {
        if (o.timedOut()) {
            return "hang (timeout)";
        }
        if (o.stderr().contains("Exception") || o.stderr().contains("\tat org.") || o.stderr().contains("\tat java.")) {
            return "stack trace";
        }
        if (c.readOnly() && changed) {
            return "image changed by a read-only command";
        }
        return switch (o.exit()) {
            case 0, 2 -> null;
            case 4 -> c.name().equals("fsck") || c.name().equals("boot") ? null : "exit 4 from " + c.name();
            case 1 -> "exit 1 (" + firstLine(o.stderr().contains("faultline") ? o.stderr() : o.stdout() + o.stderr()) + ")";
            case 3 -> "exit 3 (hung task or deadlock)";
            default -> "exit " + o.exit() + " (JVM crash?)";
        };
    }

    /** The line that names the error ({@code faultline...} or {@code FAILED...}), shortened for a summary. */
    static String firstLine(String s) {
        for (String l : s.split("\\R")) {
            if (l.startsWith("faultline") || l.startsWith("FAILED")) {
                return squash(l);
            }
        }
        for (String l : s.split("\\R")) {
            if (!l.isBlank()) {
                return squash(l);
            }
        }
        return "";
    }

    /** Drops numbers and paths so like errors group together. */
    static String squash(String l) {
        String s = l.replaceAll("/[^ :']*", "/…").replaceAll("\\d+", "N");
        return s.length() > 140 ? s.substring(0, 140) + "…" : s;
    }

    // ---------------------------------------------------------------- base images

    /** One base image: its bytes and how it was made. */
    public record Base(String name, byte[] bytes) {
    }

    /**
     * Makes the base images in {@code dir}: Faultline's mkfs filled through Faultline's cp and mkdir
     * (16M and 8M), and, if mkfs.ext4 is installed, the host's mkfs with the features Faultline
     * accepts, filled the same way.
     *
     * @throws IOException if making one fails
     */
    public static List<Base> makeBases(Path dir, boolean hostMkfs) throws IOException {
        Files.createDirectories(dir);
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("small.txt"), "a small file, one extent of one block\n".repeat(3));
        Files.write(src.resolve("mid.bin"), pattern(1, 300 << 10));
        byte[] frag = new byte[4096 * 12];
        for (int i = 0; i < 12; i += 2) { // six islands of one block: six extents, a depth-1 tree
            System.arraycopy(pattern(10 + i, 4096), 0, frag, i * 4096, 4096);
        }
        Files.write(src.resolve("frag.bin"), frag);
        Files.writeString(src.resolve("deep.txt"), "deep\n");
        List<Path> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Path f = src.resolve("file-with-a-longish-name-" + i);
            Files.writeString(f, "f" + i + "\n");
            many.add(f);
        }
        List<Base> bases = new ArrayList<>();
        bases.add(base(dir, "faultline-16M", src, many, null, "16M"));
        bases.add(base(dir, "faultline-8M", src, many.subList(0, 5), null, "8M"));
        if (hostMkfs) {
            bases.add(base(dir, "mkfs.ext4-16M", src, many, "16M", null));
        }
        return bases;
    }

    private static Base base(Path dir, String name, Path src, List<Path> many, String hostSize, String size)
            throws IOException {
        Path img = dir.resolve(name + ".img");
        Files.deleteIfExists(img);
        if (hostSize != null) {
            hostMkfs(img, hostSize);
        } else {
            cli("mkfs", img.toString(), "--size", size);
        }
        cli("mkdir", "-p", img + ":/d/sub");
        cli("cp", src.resolve("small.txt").toString(), src.resolve("mid.bin").toString(),
                src.resolve("frag.bin").toString(), img + ":/");
        cli("cp", src.resolve("deep.txt").toString(), img + ":/d/sub/deep.txt");
        List<String> cp = new ArrayList<>(List.of("cp"));
        many.forEach(p -> cp.add(p.toString()));
        cp.add(img + ":/d");
        cli(cp.toArray(String[]::new));
        if (!cli("fsck", img.toString()).isEmpty()) {
            throw new IOException(name + ": the base image is not clean");
        }
        return new Base(name, Files.readAllBytes(img));
    }

    /** The features mkfs.ext4 must leave out for Faultline to mount the image. */
    static final List<String> HOST_OFF = List.of("has_journal", "metadata_csum", "64bit", "flex_bg", "resize_inode",
            "dir_index", "huge_file", "dir_nlink", "extra_isize", "orphan_file", "metadata_csum_seed");

    private static void hostMkfs(Path img, String size) throws IOException {
        List<String> off = new ArrayList<>();
        for (String f : HOST_OFF) { // drop names this mke2fs does not know
            Path probe = img.resolveSibling("probe.img");
            Files.deleteIfExists(probe);
            if (exec(List.of("mkfs.ext4", "-F", "-q", "-O", "^" + f, probe.toString(), "2M")) == 0) {
                off.add("^" + f);
            }
            Files.deleteIfExists(probe);
        }
        int rc = exec(List.of("mkfs.ext4", "-F", "-q", "-b", "4096", "-I", "256", "-O", String.join(",", off),
                "-E", "lazy_itable_init=0,lazy_journal_init=0", img.toString(), size));
        if (rc != 0) {
            throw new IOException("mkfs.ext4 failed (exit " + rc + ")");
        }
    }

    static int exec(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** Runs a faultline command line in-process for the setup; its stdout, or an IOException. */
    private static String cli(String... args) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            rc = Faultline.run(args, out, err);
        }
        if (rc != 0) {
            throw new IOException("faultline " + String.join(" ", args) + ": exit " + rc + ": "
                    + e.toString(StandardCharsets.UTF_8).strip());
        }
        String s = o.toString(StandardCharsets.UTF_8);
        return args[0].equals("fsck") ? (s.lines().count() > 1 ? s : "") : s;
    }

    static byte[] pattern(long seed, int len) {
        Prng p = new Prng(seed);
        byte[] b = new byte[len];
        for (int i = 0; i < len; i += 8) {
            long v = p.nextLong();
            for (int j = 0; j < 8 && i + j < len; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }

    // ---------------------------------------------------------------- mutated images

    /** Mutated image number {@code i} of a campaign with {@code seed}: base, class and bytes. */
    public record Case(int index, String base, Mutation mutation, String what, byte[] bytes) {
        public String mutationName() {
            return mutation.name();
        }
    }

    /** Image {@code i}: classes round-robin (every class equally often), bases and damage from the seed. */
    public static Case mutate(List<Base> bases, long seed, int i) {
        Mutation[] ms = Mutation.values();
        Mutation m = ms[i % ms.length];
        Prng r = new Prng(seed * 0x9E3779B97F4A7C15L + i);
        Base b = bases.get(r.nextInt(bases.size()));
        Mutation.Mutated mu = m.mutate(b.bytes(), r.nextLong());
        return new Case(i, b.name(), m, mu.what(), mu.bytes());
    }

    /** Number of mutation classes. */
    public static int classes() {
        return Mutation.values().length;
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path p) throws IOException {
        return sha256(Files.readAllBytes(p));
    }

    /** SHA-256 of bytes, hex. */
    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Clean (exit 0) or not, per checker, for the fsck/e2fsck agreement table. */
    public static boolean clean(int exit) {
        return exit == 0;
    }

    /** Counts into a map. */
    static void count(Map<String, Integer> m, String k) {
        m.merge(k, 1, Integer::sum);
    }
}
