package org.faultline.tools.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.faultline.block.CrashStates;
import org.faultline.fs.ext4.DirEntry;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.images.ext4.Ext4Image;
import org.faultline.kernel.KernelProfile;
import org.faultline.tools.explore.MemImage;
import org.faultline.tools.fuzz.HostChecks;
import org.faultline.tools.workload.Workload;
import org.faultline.images.ext4.Mkfs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The host kernel as the oracle of crash recovery: crash states of an fsync-heavy run, picked at
 * random (crash point and surviving in-flight writes), are recovered by the host kernel's mount and
 * by Faultline's; both must read back the same tree, byte for byte, and e2fsck must pass the host's.
 */
class CrashStatesHostTest {
    private static final int STATES = 12;

    @Test
    void hostAndFaultlineRecoverEveryCrashStateToTheSameFiles() throws Exception {
        Path scratch = Files.createDirectories(Path.of("target", "test-scratch", "crash-host"));
        String why = HostChecks.probeLoopMount(scratch);
        Assumptions.assumeTrue(why == null, why);
        Assumptions.assumeTrue(HostChecks.probeE2fsck() == null, "e2fsprogs not installed");
        byte[] image = new MemImage(32L << 20, Mkfs.Options.seeded(3).withJournal(Mkfs.Options.DEFAULT_JOURNAL)).template();
        Workload w = Workload.load(Path.of("..", "docs", "examples", "crash-fsync.wl"));
        CrashRun run = new CrashRun(image);
        CrashRun.Recording rec = run.record(w, 8192, KernelProfile.byName("6.6"), 0);
        assertTrue(rec.run().ok(), rec.run().toString());
        Random rnd = new Random(20261207);
        int recovered = 0;
        for (int i = 0; i < STATES; i++) {
            int p = rec.points().get(rnd.nextInt(rec.points().size()));
            int flying = CrashStates.inFlight(rec.log(), p).size();
            BitSet keep = new BitSet();
            for (int j = 0; j < flying; j++) {
                if (rnd.nextBoolean()) {
                    keep.set(j);
                }
            }
            byte[] state = run.stateImage(rec.log(), p, keep);
            recovered += (state[1024 + 0x60] & 0x4) != 0 ? 1 : 0; // needs_recovery
            Path host = scratch.resolve("state-" + i + ".img");
            Files.write(host, state);
            Map<String, byte[]> mine = faultlineRecovered(state);
            Map<String, byte[]> theirs = new TreeMap<>();
            HostChecks.withMount(host, false, scratch, dir -> readTree(dir, dir, theirs));
            assertEquals(theirs.keySet(), mine.keySet(), "state " + i + " (crash after log entry " + (p + 1) + ")");
            for (String f : mine.keySet()) {
                assertTrue(java.util.Arrays.equals(theirs.get(f), mine.get(f)), "state " + i + ": " + f + " differs");
            }
            String fsck = HostChecks.e2fsck(host);
            assertEquals(null, fsck, "state " + i + ": e2fsck after the host's recovery");
        }
        assertTrue(recovered > 0, "no state needed recovery: the test checks nothing");
    }

    private static Map<String, byte[]> faultlineRecovered(byte[] state) throws IOException {
        org.faultline.block.CowMemDisk d = new org.faultline.block.CowMemDisk(state);
        Map<String, byte[]> out = new TreeMap<>();
        try (org.faultline.images.ext4.DriverBlockIo io = new org.faultline.images.ext4.DriverBlockIo(d, 4096, true);
             Ext4Image v = Ext4Image.open(io, "sda", Ext4Volume.Options.readWrite())) {
            walk(v, "", out);
        }
        return out;
    }

    private static void walk(Ext4Image v, String dir, Map<String, byte[]> out) throws IOException {
        for (DirEntry e : v.readdir(dir.isEmpty() ? "/" : dir)) {
            String n = e.nameString();
            if (n.equals(".") || n.equals("..") || (dir.isEmpty() && n.equals("lost+found"))) {
                continue;
            }
            String path = dir + "/" + n;
            if (e.fileType() == 2) {
                out.put(path + "/", new byte[0]);
                walk(v, path, out);
            } else {
                out.put(path, v.readAll(path));
            }
        }
    }

    private static void readTree(Path root, Path dir, Map<String, byte[]> out) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.forEach(entries::add);
        }
        for (Path p : entries) {
            String rel = "/" + root.relativize(p).toString().replace('\\', '/');
            if (rel.equals("/lost+found")) {
                continue;
            }
            if (Files.isDirectory(p)) {
                out.put(rel + "/", new byte[0]);
                readTree(root, p, out);
            } else {
                out.put(rel, Files.readAllBytes(p));
            }
        }
    }
}
