package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.faultline.tools.fuzz.HostChecks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code faultline mount}: real programs on the emulated kernel through FUSE — {@code cp -a} of a
 * source tree and {@code diff -r}, {@code git init/add/commit} then {@code git fsck}, {@code sqlite3}
 * with a transaction and {@code PRAGMA integrity_check}, fio with {@code verify=crc32c} — on profiles
 * 6.6 and 4.20; after {@code fusermount -u} the command exits 0 and the image is {@code e2fsck -fn}
 * clean. Skipped, with the reason, where the machine cannot serve FUSE (no /dev/fuse, no fusermount,
 * not root) or a program is missing.
 */
class MountTest {
    private static boolean has(String cmd) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, cmd))) {
                return true;
            }
        }
        return false;
    }

    private static String sh(Path cwd, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), String.join(" ", cmd) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    /** Starts {@code faultline ARGS} (a mount of {@code mnt}) in the background; returns once the mount is up. */
    private static CompletableFuture<CliTestSupport.Run> serve(Path mnt, String... args) throws Exception {
        CompletableFuture<CliTestSupport.Run> served = CompletableFuture.supplyAsync(() -> CliTestSupport.run(args));
        for (int i = 0; i < 300 && !mounted(mnt) && !served.isDone(); i++) {
            Thread.sleep(100);
        }
        assertTrue(mounted(mnt), "not mounted: " + (served.isDone() ? served.get() : "still starting"));
        return served;
    }

    private static void assumeFuse() {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse on this machine");
        Assumptions.assumeTrue(has("fusermount"), "fusermount not installed (Debian: fuse)");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "FUSE mounts here need root");
    }

    /** fusermount -u; lazily if something still holds the mount (a failure above is the one to see). */
    private static void unmount(Path cwd, Path mnt) throws IOException, InterruptedException {
        if (!mounted(mnt)) {
            return;
        }
        Process p = new ProcessBuilder("fusermount", "-u", mnt.toString()).directory(cwd.toFile()).inheritIO().start();
        if (p.waitFor() != 0) {
            new ProcessBuilder("fusermount", "-u", "-z", mnt.toString()).directory(cwd.toFile()).inheritIO().start().waitFor();
        }
    }

    private static boolean mounted(Path dir) throws IOException {
        return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.split(" ")[1].equals(dir.toString()));
    }

    @ParameterizedTest(name = "kernel {0}")
    @ValueSource(strings = {"6.6", "4.20"})
    void realProgramsRunOnTheMountAndLeaveACleanImage(String kernel) throws Exception {
        assumeFuse();
        Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "e2fsprogs not installed");
        Path d = CliTestSupport.scratch("mount-" + kernel);
        Path img = d.resolve("img");
        Path mnt = Files.createDirectories(d.resolve("mnt"));
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "256M").code());
        CompletableFuture<CliTestSupport.Run> served = serve(mnt, "mount", img.toString(), mnt.toString(), "--kernel", kernel);
        try {
            Path src = Path.of("..", "kernel", "src").toAbsolutePath().normalize();
            sh(d, "cp", "-a", src.toString(), mnt.resolve("src").toString());
            sh(d, "diff", "-r", src.toString(), mnt.resolve("src").toString());
            // cp -a kept the times (utimensat → ext4_setattr), to the second the disk keeps
            assertEquals(sh(d, "stat", "-c", "%Y", src.resolve("main").toString()).strip(),
                    sh(d, "stat", "-c", "%Y", mnt.resolve("src/main").toString()).strip());
            // links, the kernel's way (ext4_link, ext4_symlink), and statfs
            sh(mnt, "ln", "-s", "src/main", mnt.resolve("fast").toString());
            sh(mnt, "ln", "-s", "a/".repeat(40) + "long-target", mnt.resolve("slow").toString());
            assertEquals("src/main", sh(mnt, "readlink", mnt.resolve("fast").toString()).strip());
            assertEquals("a/".repeat(40) + "long-target", sh(mnt, "readlink", mnt.resolve("slow").toString()).strip());
            Path any;
            try (var files = Files.walk(mnt.resolve("src"))) { // closed: an open directory keeps the mount busy
                any = files.filter(Files::isRegularFile).findFirst().orElseThrow();
            }
            sh(mnt, "ln", any.toString(), mnt.resolve("hard").toString());
            assertEquals("2", sh(mnt, "stat", "-c", "%h", mnt.resolve("hard").toString()).strip());
            sh(mnt, "cmp", any.toString(), mnt.resolve("hard").toString());
            String df = sh(mnt, "df", "-k", mnt.toString());
            assertTrue(df.matches("(?s).*faultline +2621\\d\\d +\\d+ +\\d+ .*"), "256 MiB of blocks, some used: " + df);
            if (has("git")) {
                Path repo = mnt.resolve("repo");
                sh(mnt, "git", "init", "-q", repo.toString());
                sh(d, "cp", "-r", Path.of("..", "docs").toAbsolutePath().normalize().toString(), repo.resolve("docs").toString());
                sh(repo, "git", "add", "-A");
                sh(repo, "git", "-c", "user.email=t@faultline", "-c", "user.name=t", "commit", "-qm", "on the emulated ext4");
                sh(repo, "git", "fsck", "--full");
            }
            if (has("sqlite3")) {
                String ok = sh(mnt, "sqlite3", mnt.resolve("t.db").toString(), "create table t(a, b); begin; "
                        + "insert into t values (1, 'x'); insert into t select a + 1, b || 'y' from t; "
                        + "insert into t select a + 2, b || 'z' from t; commit; pragma integrity_check;");
                assertTrue(ok.strip().endsWith("ok"), ok);
            }
            if (has("fio")) {
                String out = sh(d, "fio", "--name=verify", "--directory=" + mnt, "--rw=randwrite", "--bs=4k", "--size=4M",
                        "--verify=crc32c", "--do_verify=1", "--fsync=16", "--ioengine=psync");
                assertTrue(out.contains("err= 0"), out);
            }
        } finally {
            unmount(d, mnt);
        }
        CliTestSupport.Run r = served.get(120, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("unmounted (clean); fsck clean"), r.toString());
        String fsck = HostChecks.e2fsck(img);
        assertEquals(null, fsck, "the host's e2fsck -fn after the unmount");
    }

    /** --record: the programs' calls become a workload file that boot repeats on a copy of the image. */
    @org.junit.jupiter.api.Test
    void whatTheProgramsDidIsRecordedAsAWorkloadThatBootRepeats() throws Exception {
        assumeFuse();
        Path d = CliTestSupport.scratch("mount-record");
        Path img = d.resolve("img");
        Path mnt = Files.createDirectories(d.resolve("mnt"));
        Path wl = d.resolve("rec.wl");
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "64M").code());
        Files.copy(img, d.resolve("before.img"));
        CompletableFuture<CliTestSupport.Run> served = serve(mnt, "mount", img.toString(), mnt.toString(), "--record", wl.toString());
        try {
            sh(mnt, "mkdir", mnt.resolve("dir").toString());
            sh(mnt, "dd", "if=/dev/zero", "of=" + mnt.resolve("dir/a"), "bs=64k", "count=16", "conv=fsync");
            sh(mnt, "mv", mnt.resolve("dir/a").toString(), mnt.resolve("b").toString());
            sh(mnt, "truncate", "-s", "100000", mnt.resolve("b").toString());
            sh(mnt, "cat", mnt.resolve("b").toString());
            sh(mnt, "ln", mnt.resolve("b").toString(), mnt.resolve("c").toString());
            sh(mnt, "ln", "-s", "b", mnt.resolve("s").toString());
            sh(mnt, "chmod", "600", mnt.resolve("b").toString());
        } finally {
            unmount(d, mnt);
        }
        CliTestSupport.Run r = served.get(120, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("recorded"), r.toString());
        String text = Files.readString(wl);
        assertTrue(text.contains("mkdir /dir") && text.contains("rename /dir/a /b") && text.contains("fsync f")
                && text.matches("(?s).*\\n  truncate f\\d+ 100000\\n.*") && text.contains("link /b /c")
                && text.contains("symlink b /s") && text.contains("chmod /b 600")
                && text.matches("(?s).*\\n  write f\\d+ 0 \\d+ seed=\\d+\\n.*"), text);
        // the calls keep the order they were served in: the next caller waits for the one before (a barrier)
        assertTrue(text.contains("  mkdir /dir\n  barrier order_1\n")
                && text.matches("(?s).*\\ntask dd_\\d+\\n  barrier order_1\\n.*"), text);
        CliTestSupport.Run boot = CliTestSupport.run("boot", wl.toString(), "--image", d.resolve("before.img").toString());
        assertEquals(0, boot.code(), boot + "\n" + text);
    }

    /**
     * --record-data: the bytes a program wrote are kept beside the workload, and boot's replay writes
     * them again — the file on the replayed image is the program's, byte for byte (debugfs reads it).
     */
    @org.junit.jupiter.api.Test
    void recordDataKeepsTheBytesAndBootWritesThemAgain() throws Exception {
        assumeFuse();
        Assumptions.assumeTrue(has("debugfs"), "debugfs not installed (e2fsprogs)");
        Path d = CliTestSupport.scratch("mount-record-data");
        Path img = d.resolve("img");
        Path mnt = Files.createDirectories(d.resolve("mnt"));
        Path wl = d.resolve("rec.wl");
        byte[] src = new byte[300_001];
        new java.util.Random(7).nextBytes(src);
        Files.write(d.resolve("src.bin"), src);
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "64M").code());
        Files.copy(img, d.resolve("before.img"));
        CompletableFuture<CliTestSupport.Run> served = serve(mnt, "mount", img.toString(), mnt.toString(),
                "--record", wl.toString(), "--record-data", "--no-capture");
        try {
            sh(d, "cp", d.resolve("src.bin").toString(), mnt.resolve("copy.bin").toString());
        } finally {
            unmount(d, mnt);
        }
        assertEquals(0, served.get(120, TimeUnit.SECONDS).code());
        String text = Files.readString(wl);
        assertTrue(text.contains("set data rec.wl.data") && text.matches("(?s).*\\n  write f\\d+ 0 \\d+ data=0\\n.*")
                && !text.contains("seed="), text);
        assertEquals(src.length, Files.size(d.resolve("rec.wl.data")), "every byte written, once");
        Path replayed = d.resolve("before.img");
        CliTestSupport.Run boot = CliTestSupport.run("boot", wl.toString(), "--image", replayed.toString());
        assertEquals(0, boot.code(), boot + "\n" + text);
        Process p = new ProcessBuilder("debugfs", "-R", "cat /copy.bin", replayed.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] back = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        assertTrue(java.util.Arrays.equals(src, back), "the replayed image holds the program's bytes");
        CliTestSupport.Run bad = CliTestSupport.run("mount", img.toString(), mnt.toString(), "--record-data");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("needs --record"), bad.toString());
    }

    /** bench fio: the user's job on the mount, per kernel, every run's figures; a job with absolute paths refused. */
    @org.junit.jupiter.api.Test
    void aFioJobRunsOnTheMountForEachKernel() throws Exception {
        assumeFuse();
        Assumptions.assumeTrue(has("fio"), "fio not installed");
        Path d = CliTestSupport.scratch("bench-fio");
        Path job = d.resolve("rw.fio");
        Files.writeString(job, "[global]\nioengine=psync\nsize=4M\nbs=4k\nfsync=16\nverify=crc32c\n[w]\nrw=randwrite\n");
        CliTestSupport.Run r = CliTestSupport.run("bench", "fio", job.toString(), "--image", d.resolve("x.img").toString(),
                "--image-size", "64M", "--compare", "6.6", "4.20", "--runs", "2", "--json");
        assertEquals(0, r.code(), r.toString());
        com.google.gson.JsonObject j = com.google.gson.JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(2, j.getAsJsonArray("kernels").size(), r.out());
        for (var k : j.getAsJsonArray("kernels")) {
            var runs = k.getAsJsonObject().getAsJsonArray("runs_mb_s");
            assertEquals(2, runs.size(), r.out());
            runs.forEach(x -> assertTrue(x.getAsDouble() > 0, r.out()));
        }
        assertTrue(j.getAsJsonArray("verdicts").size() == 2, r.out());
        assertTrue(!Files.exists(d.resolve("x.img.mnt")), "the mount point is removed");
        Files.writeString(job, "[w]\nfilename=/tmp/elsewhere\nrw=write\nsize=1M\n");
        CliTestSupport.Run bad = CliTestSupport.run("bench", "fio", job.toString(), "--image", d.resolve("y.img").toString());
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("absolute filename"), bad.toString());
    }

    /** Bad input is one line and exit 2, and nothing is mounted. */
    @org.junit.jupiter.api.Test
    void badInputIsOneLineAndMountsNothing() throws Exception {
        assumeFuse();
        Path d = CliTestSupport.scratch("mount-bad");
        Path mnt = Files.createDirectories(d.resolve("mnt"));
        Path full = Files.createDirectories(d.resolve("full"));
        Files.writeString(full.resolve("x"), "x");
        Path junk = d.resolve("junk.img");
        Files.write(junk, new byte[1 << 20]);
        Path img = d.resolve("img");
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "32M").code());
        String[][] cases = {
            {junk.toString(), mnt.toString(), "not an ext2/3/4 filesystem"},
            {d.resolve("none.img").toString(), mnt.toString(), "No such file"},
            {img.toString(), full.toString(), "not empty"},
            {img.toString(), d.resolve("nodir").toString(), "not a directory"},
        };
        for (String[] c : cases) {
            CliTestSupport.Run r = CliTestSupport.run("mount", c[0], c[1]);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains(c[2]) && CliTestSupport.lines(r.err()).length == 1, r.toString());
            assertTrue(!mounted(mnt) && !mounted(full), "nothing mounted");
        }
    }

    /** --fail-write: an injected writeback error reaches a real program's fsync as EIO; other files are unharmed. */
    @org.junit.jupiter.api.Test
    void anInjectedWritebackErrorReachesAProgramsFsyncAsEio() throws Exception {
        assumeFuse();
        Path d = CliTestSupport.scratch("mount-fail-write");
        Path img = d.resolve("img");
        Path mnt = Files.createDirectories(d.resolve("mnt"));
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "32M").code());
        CompletableFuture<CliTestSupport.Run> served = serve(mnt, "mount", img.toString(), mnt.toString(),
                "--fail-write", "/bad count=1000");
        String failed;
        try {
            Process p = new ProcessBuilder("dd", "if=/dev/zero", "of=" + mnt.resolve("bad"), "bs=64k", "count=4", "conv=fsync")
                    .redirectErrorStream(true).start();
            failed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(1, p.waitFor(), failed);
            sh(d, "dd", "if=/dev/zero", "of=" + mnt.resolve("good"), "bs=64k", "count=4", "conv=fsync");
        } finally {
            unmount(d, mnt);
        }
        assertTrue(failed.contains("fsync failed") && failed.contains("Input/output error"), failed);
        assertEquals(0, served.get(120, TimeUnit.SECONDS).code());
    }

    /**
     * Mounts {@code img} at {@code mnt} (no capture), runs {@code script} there with sh, unmounts, and
     * asserts the mount ended with exit 0; the script's exit code and output.
     */
    private static String[] scriptOnMount(Path d, Path img, Path mnt, String script) throws Exception {
        CompletableFuture<CliTestSupport.Run> served = serve(mnt, "mount", img.toString(), mnt.toString(), "--no-capture");
        String[] out;
        try {
            out = shell(mnt, script);
        } finally {
            unmount(d, mnt);
        }
        CliTestSupport.Run r = served.get(120, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.toString());
        return out;
    }

    /** Runs {@code sh -c script} in {@code cwd}; its exit code and output. */
    private static String[] shell(Path cwd, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", script).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), script + " timed out");
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    /**
     * An oops in the emulated kernel while it serves a program's write (lkdtm's BUG at the second
     * write) fails that write with EIO, taints the kernel, and leaves the mount refusing writes (EROFS)
     * while it still serves reads; the mount ends with exit 1, the report, a capture whose workload
     * (the recording, with the crash point) explore turns into the same BUG, and a clean image.
     */
    @org.junit.jupiter.api.Test
    void anOopsFailsItsRequestTaintsTheKernelAndIsCaptured() throws Exception {
        assumeFuse();
        Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "e2fsprogs not installed");
        Path d = CliTestSupport.scratch("mount-oops");
        Path img = d.resolve("img");
        Path mnt = Files.createDirectories(d.resolve("mnt"));
        String store = d.resolve("store").toString();
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "32M").code());
        CompletableFuture<CliTestSupport.Run> served = serve(mnt, "mount", img.toString(), mnt.toString(),
                "--lkdtm", "VFS_WRITE:BUG:2", "--store", store);
        String[] first;
        String[] oops;
        String[] refused;
        String[] mkdir;
        String[] read;
        try {
            first = shell(mnt, "printf first > a");
            oops = shell(mnt, "printf second > b");
            refused = shell(mnt, "printf third > c");
            mkdir = shell(mnt, "mkdir d");
            read = shell(mnt, "cat a; ls");
        } finally {
            unmount(d, mnt);
        }
        assertEquals("0", first[0], first[1]);
        assertTrue(!oops[0].equals("0") && oops[1].matches("(?s).*(Input/output|I/O) error.*"), oops[1]);
        assertTrue(!refused[0].equals("0") && refused[1].contains("Read-only file system"), refused[1]);
        assertTrue(!mkdir[0].equals("0") && mkdir[1].contains("Read-only file system"), mkdir[1]);
        assertEquals("0", read[0], read[1]);
        assertTrue(read[1].startsWith("first") && read[1].contains("a\n") && !read[1].contains("c\n"), read[1]);
        CliTestSupport.Run r = served.get(120, TimeUnit.SECONDS);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("kernel BUG at drivers/misc/lkdtm/bugs.c!"), r.toString());
        assertTrue(r.err().contains("tainted (D)") && r.err().contains("refuses writes"), r.toString());
        assertTrue(r.out().contains("fsck clean"), r.toString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("captured ([0-9a-f]{8})").matcher(r.out());
        assertTrue(m.find(), r.toString());
        String id = m.group(1);
        CliTestSupport.Run show = CliTestSupport.run("captures", "show", id, "--store", store);
        assertTrue(show.out().contains("set lkdtm VFS_WRITE:BUG:2") && show.out().contains("kernel oopsed in this call"),
                show.toString());
        CliTestSupport.Run explored = CliTestSupport.run("explore", id, "--store", store, "--iterations", "20", "--out", d.toString());
        assertEquals(1, explored.code(), explored.toString());
        assertTrue(explored.out().contains("kernel BUG at drivers/misc/lkdtm/bugs.c!"), explored.toString());
        assertEquals(null, HostChecks.e2fsck(img), "e2fsck -fn after the oops");
    }

    /**
     * Owners, permissions and fallocate against the host kernel: the same script (root chowns and
     * chmods, a set-ID file loses its bits to chown, an unprivileged user creates in its directory, is
     * refused elsewhere and cannot give a file away, fallocate grows and punches) gives the same
     * owners, modes, sizes and refusals on the mount as on the host's own filesystem.
     */
    @org.junit.jupiter.api.Test
    void ownersPermissionsAndFallocateMatchTheHostKernel() throws Exception {
        assumeFuse();
        Assumptions.assumeTrue(has("setpriv") && has("fallocate"), "setpriv or fallocate not installed (util-linux)");
        Path d = CliTestSupport.scratch("mount-owners");
        Path img = d.resolve("img");
        Path mnt = Files.createDirectories(d.resolve("mnt"));
        Path host = Files.createDirectories(d.resolve("host"));
        Files.setPosixFilePermissions(host, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "32M").code());
        String script = String.join("; ",
                "umask 022", "mkdir u", "chown 1000:1000 u", "touch s", "chmod 6775 s", "chown 5:6 s",
                "setpriv --reuid 1000 --regid 1000 --clear-groups sh -c 'echo hi > u/mine; mkdir u/sub; "
                        + "echo no > r 2>/dev/null || echo refused-create; chown 0 u/mine 2>/dev/null || echo refused-chown; "
                        + "chmod 640 u/mine; chmod 600 s 2>/dev/null || echo refused-chmod'",
                "fallocate -l 1M f", "fallocate -n -o 1M -l 64k f", "fallocate -p -o 4096 -l 8192 f",
                "stat -c '%n %u %g %a %s %F' u u/mine u/sub s f", "du -k f | cut -f1");
        String[] ours = scriptOnMount(d, img, mnt, script);
        String[] theirs = shell(host, script);
        assertEquals(theirs[0] + "\n" + theirs[1], ours[0] + "\n" + ours[1], "the mount against the host's filesystem");
        assertTrue(ours[1].contains("refused-create") && ours[1].contains("u/mine 1000 1000 640 3"), ours[1]);
        assertTrue(ours[1].contains("s 5 6 775 "), "chown cleared set-user-ID and set-group-ID: " + ours[1]);
        assertEquals(null, HostChecks.e2fsck(img), "e2fsck -fn");
    }

    /** A shell fragment printing {@code n} copies of {@code c} (a value of that many bytes). */
    private static String bytes(int n, char c) {
        return "\"$(head -c " + n + " /dev/zero | tr '\\0' " + c + ")\"";
    }

    /**
     * The xattr script both filesystems run: small values (in the inode), large ones (the block), many,
     * replace, remove, XATTR_CREATE/XATTR_REPLACE (python's os.setxattr), a value neither holds
     * (ENOSPC) and one past 64 KiB (E2BIG), listing, trusted.* and security.* as root, and as an
     * unprivileged user (setpriv) who can neither see nor set trusted.*. Errors go to stdout, so the
     * comparison covers them.
     */
    private static String xattrScript() {
        String py = "python3 -c 'import os,sys\ntry:\n os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4])); print(\"ok\")\n"
                + "except OSError as e:\n print(os.strerror(e.errno))' ";
        return String.join("\n", "exec 2>&1", "umask 022", "touch f g", "mkdir d", "chown 1000:1000 g",
                "setfattr -n user.small -v hello f", "setfattr -n user.empty f", "setfattr -n user.mid -v " + bytes(60, 'm') + " f",
                "setfattr -n user.block -v " + bytes(2000, 'y') + " f", "setfattr -n user.big -v " + bytes(300, 'x') + " f",
                "getfattr -d f", "getfattr -n user.big --only-values f | wc -c",
                "for i in $(seq 40 -1 1); do setfattr -n user.many$i -v value$i d; done",
                "setfattr -n user.many41 -v " + bytes(3500, 'q') + " d || echo many41-refused",
                "getfattr -d d | md5sum", "getfattr -d d | wc -l",
                "setfattr -n user.small -v replaced f", "setfattr -n user.mid -v " + bytes(61, 'n') + " f",
                "setfattr -n user.block -v " + bytes(1000, 'z') + " f",
                "setfattr -x user.big f", "setfattr -x user.many7 d", "setfattr -x user.absent f",
                "getfattr -n user.absent f", "getfattr -d f", "getfattr -d d | md5sum",
                py + "f user.small v 1", py + "f user.newc v 1", py + "f user.newr v 2", py + "f user.small r 2",
                "getfattr -n user.small -n user.newc f",
                "setfattr -n user.huge -v " + bytes(5000, 'h') + " f", "setfattr -n user.huger -v " + bytes(70000, 'h') + " f",
                "setfattr -n user.s3 -v " + bytes(2500, 's') + " f || echo s3-refused",
                "setfattr -n trusted.t -v root-only f", "setfattr -n security.s -v sec f", "setfattr -n trusted.g -v tg g",
                "setfattr -n nosuch.x -v 1 f", "getfattr -d -m - f g",
                "setpriv --reuid 1000 --regid 1000 --clear-groups sh -c 'exec 2>&1; setfattr -n user.mine -v 1 g; "
                        + "setfattr -n trusted.u -v 2 g; setfattr -n security.u -v 2 g; setfattr -n user.x -v 1 f; "
                        + "getfattr -d -m - g; getfattr -n trusted.g g; getfattr -d f'",
                "setfattr -x trusted.t f", "setfattr -x security.s f", "getfattr -d -m - f g d | md5sum",
                "for n in $(getfattr -m - f 2>/dev/null | grep -v '^#' | grep .); do setfattr -x $n f; done",
                "getfattr -d -m - f; echo end");
    }

    /**
     * Extended attributes on the mount against the host kernel's ext4 (a loop-mounted image mkfs.ext4 made
     * with the same geometry: 4 KiB blocks, 256-byte inodes): the same script gives the same output, byte
     * for byte, errors included; then the image is e2fsck -fn clean, and debugfs lists the same attributes
     * in the same places (in-inode, then the block) on both images.
     */
    @org.junit.jupiter.api.Test
    void xattrsMatchTheHostKernel() throws Exception {
        assumeFuse();
        Assumptions.assumeTrue(has("setfattr") && has("getfattr"), "setfattr/getfattr not installed (Debian: attr)");
        Assumptions.assumeTrue(has("setpriv") && has("python3") && has("debugfs"), "setpriv, python3 or debugfs missing");
        Path d = CliTestSupport.scratch("mount-xattr");
        String why = HostChecks.probeLoopMount(d);
        Assumptions.assumeTrue(why == null, why);
        Path img = d.resolve("img");
        Path hostImg = d.resolve("host.img");
        Path mnt = Files.createDirectories(d.resolve("mnt"));
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "32M").code());
        sh(d, "mkfs.ext4", "-q", "-F", "-b", "4096", "-I", "256", hostImg.toString(), "32M");
        String script = xattrScript();
        String[] ours = scriptOnMount(d, img, mnt, script);
        String[][] theirs = new String[1][];
        HostChecks.withMount(hostImg, false, d, dir -> {
            try {
                theirs[0] = shell(dir, script);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        });
        assertEquals(theirs[0][1], ours[1], "the mount against the host kernel's ext4");
        assertTrue(ours[1].contains("user.block=\"yyyy") && ours[1].contains("No space left on device")
                && ours[1].contains("Argument list too long") && ours[1].contains("File exists")
                && ours[1].contains("No such attribute") && ours[1].contains("trusted.t=\"root-only\"")
                && ours[1].contains("Operation not permitted"), ours[1]);
        assertEquals(null, HostChecks.e2fsck(img), "e2fsck -fn");
        String eaOurs = sh(d, "debugfs", "-R", "ea_list /d", img.toString());
        String eaHost = sh(d, "debugfs", "-R", "ea_list /d", hostImg.toString());
        assertTrue(eaOurs.contains("user.many40 (7) = \"value40\""), eaOurs);
        assertEquals(eaHost, eaOurs, "debugfs ea_list /d");
        assertEquals(sh(d, "debugfs", "-R", "ea_list /g", hostImg.toString()), sh(d, "debugfs", "-R", "ea_list /g", img.toString()));
    }

    /**
     * What Faultline wrote, the host kernel reads: after the mount ends, the image loop-mounted read-only
     * on the host gives the same {@code getfattr -d -m -} of every file as the mount did.
     */
    @org.junit.jupiter.api.Test
    void theHostKernelReadsBackTheXattrsWritten() throws Exception {
        assumeFuse();
        Assumptions.assumeTrue(has("setfattr") && has("getfattr"), "setfattr/getfattr not installed (Debian: attr)");
        Path d = CliTestSupport.scratch("mount-xattr-readback");
        String why = HostChecks.probeLoopMount(d);
        Assumptions.assumeTrue(why == null, why);
        Path img = d.resolve("img");
        Path mnt = Files.createDirectories(d.resolve("mnt"));
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "32M").code());
        String dump = "getfattr -R -d -m - -e hex . | grep -v '^# file: \\.$'";
        String script = String.join("\n", "exec 2>&1", "mkdir -p a/b", "touch a/f a/b/g h",
                "setfattr -n user.one -v 1 a/f", "setfattr -n user.big -v " + bytes(1500, 'b') + " a/f",
                "setfattr -n trusted.t -v " + bytes(200, 't') + " a/b", "setfattr -n security.s -v sec a/b/g",
                "for i in $(seq 1 25); do setfattr -n user.k$i -v v$i h; done", "setfattr -x user.k3 h",
                "setfattr -n user.k4 -v " + bytes(900, 'r') + " h", dump);
        String[] ours = scriptOnMount(d, img, mnt, script);
        assertTrue(ours[1].contains("user.k25=0x763235") && ours[1].contains("trusted.t=0x7474"), ours[1]);
        String[] host = new String[1];
        HostChecks.withMount(img, true, d, dir -> {
            try {
                host[0] = shell(dir, "exec 2>&1\n" + dump)[1];
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        });
        assertEquals(ours[1], host[0], "getfattr on the host's read-only loop mount of the image");
        assertEquals(null, HostChecks.e2fsck(img), "e2fsck -fn");
    }
}
