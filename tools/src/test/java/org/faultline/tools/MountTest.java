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

    private static boolean mounted(Path dir) throws IOException {
        return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.split(" ")[1].equals(dir.toString()));
    }

    @ParameterizedTest(name = "kernel {0}")
    @ValueSource(strings = {"6.6", "4.20"})
    void realProgramsRunOnTheMountAndLeaveACleanImage(String kernel) throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse on this machine");
        Assumptions.assumeTrue(has("fusermount"), "fusermount not installed (Debian: fuse)");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "FUSE mounts here need root");
        Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "e2fsprogs not installed");
        Path d = CliTestSupport.scratch("mount-" + kernel);
        Path img = d.resolve("img");
        Path mnt = Files.createDirectories(d.resolve("mnt"));
        assertEquals(0, CliTestSupport.run("mkfs", img.toString(), "--size", "256M").code());
        CompletableFuture<CliTestSupport.Run> served = CompletableFuture.supplyAsync(
                () -> CliTestSupport.run("mount", img.toString(), mnt.toString(), "--kernel", kernel));
        try {
            for (int i = 0; i < 300 && !mounted(mnt) && !served.isDone(); i++) {
                Thread.sleep(100);
            }
            assertTrue(mounted(mnt), "not mounted: " + (served.isDone() ? served.get() : "still starting"));
            Path src = Path.of("..", "kernel", "src").toAbsolutePath().normalize();
            sh(d, "cp", "-a", src.toString(), mnt.resolve("src").toString());
            sh(d, "diff", "-r", src.toString(), mnt.resolve("src").toString());
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
            if (mounted(mnt)) {
                sh(d, "fusermount", "-u", mnt.toString());
            }
        }
        CliTestSupport.Run r = served.get(120, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("unmounted (clean); fsck clean"), r.toString());
        String fsck = HostChecks.e2fsck(img);
        assertEquals(null, fsck, "the host's e2fsck -fn after the unmount");
    }
}
