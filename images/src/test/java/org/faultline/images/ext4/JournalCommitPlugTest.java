package org.faultline.images.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.faultline.block.BlkStatus;
import org.faultline.block.BlockDriver;
import org.faultline.block.Bio;
import org.faultline.block.CowMemDisk;
import org.faultline.block.CrashStates;
import org.faultline.block.MemDiskDriver;
import org.faultline.block.Request;
import org.faultline.block.WriteLogDriver;
import org.faultline.fs.File;
import org.faultline.fs.Machine;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Vfs;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.fs.jbd2.JournalDescriptor;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.nativeio.AlignedMemory;
import org.junit.jupiter.api.Test;

/**
 * jbd2's commit writes its log blocks as {@code jbd2_journal_commit_transaction} does: under a plug,
 * without waiting for each, so the descriptor and the metadata blocks after it merge into fewer
 * requests than blocks; the commit block follows alone, with PREFLUSH and FUA, once they completed.
 * The block write log still holds each log block as its own entry (per bio, as dm-log-writes logs), so
 * a crash checker can keep or lose each — and every such state recovers and checks clean.
 */
class JournalCommitPlugTest {
    /** A request as the device saw it: its first sector and how many bios it carried. */
    private record Seen(Bio.Op op, long sector, int bios) {
    }

    /** A pass-through driver that remembers every request (below the write log, as the device sees them). */
    private static final class RequestRecorder implements BlockDriver {
        final BlockDriver inner;
        final List<Seen> seen = java.util.Collections.synchronizedList(new ArrayList<>());

        RequestRecorder(BlockDriver inner) {
            this.inner = inner;
        }

        @Override
        public long capacitySectors() {
            return inner.capacitySectors();
        }

        @Override
        public BlkStatus execute(Request rq) {
            seen.add(new Seen(rq.op(), rq.sector(), rq.bios().size()));
            return inner.execute(rq);
        }

        @Override
        public void rawTransfer(boolean write, long offset, AlignedMemory buf, int len) throws IOException {
            inner.rawTransfer(write, offset, buf, len);
        }

        @Override
        public String describe() {
            return "recorder";
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static byte[] image() throws Exception {
        long bytes = 32L << 20;
        MemDiskDriver d = new MemDiskDriver(bytes);
        try (DriverBlockIo io = new DriverBlockIo(d, 4096, true)) {
            Mkfs.format(io, "sda", Mkfs.Options.seeded(4).withJournal(Mkfs.Options.DEFAULT_JOURNAL).withMetadataCsum(true));
            byte[] t = new byte[(int) bytes];
            d.bytes().get(0, t, 0, t.length);
            return t;
        }
    }

    private static long u32(byte[] b, int off) {
        return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFFL) << 16) | ((b[off + 2] & 0xFFL) << 8) | (b[off + 3] & 0xFFL);
    }

    private static boolean isJournalBlock(WriteLogDriver.Entry e, int type) {
        return e.op() == Bio.Op.WRITE && e.data().length >= 12 && u32(e.data(), 0) == JournalDescriptor.JBD2_MAGIC_NUMBER
                && u32(e.data(), 4) == type;
    }

    @Test
    void aCommitsLogBlocksMergeIntoFewRequestsYetAreLoggedAndCrashedOneByOne() throws Exception {
        byte[] image = image();
        RequestRecorder recorder = new RequestRecorder(new CowMemDisk(image));
        WriteLogDriver disk = new WriteLogDriver(recorder);
        BootParams bp = BootParams.controlled(new RandomWalk(11)).withProfile(KernelProfile.byName("6.6"));
        RunResult r;
        try (Machine m = Machine.boot(new Machine.Spec(bp, 4096, disk, 2, false, false))) {
            m.kernel().spawn("workload", TaskKind.USER, () -> {
                assertEquals(0, Syscalls.mkdir("/d", 0755));
                byte[] data = new byte[6000];
                for (int i = 0; i < 6; i++) {
                    int fd = Syscalls.open("/d/f" + i, File.O_CREAT | File.O_RDWR, 0644);
                    assertEquals(data.length, Syscalls.write(fd, data, 0, data.length));
                    Syscalls.close(fd);
                }
                int fd = Syscalls.open("/d/f0", File.O_RDWR, 0);
                assertEquals(0, Syscalls.fsync(fd)); // one commit with the directory, inodes, bitmaps...
                Syscalls.close(fd);
                Syscalls.exit();
                assertEquals(0, Vfs.of(m.kernel()).umountRoot());
            });
            r = m.run();
        }
        assertTrue(r.ok(), () -> r.fatal().report() + "\n" + r.dmesg());

        List<WriteLogDriver.Entry> log = disk.entries();
        // the fsync's commit: its descriptor block, then the commit block that follows it in the log
        int desc = -1;
        for (int i = 0; i < log.size() && desc < 0; i++) {
            desc = isJournalBlock(log.get(i), JournalDescriptor.JBD2_DESCRIPTOR_BLOCK) ? i : -1;
        }
        assertTrue(desc >= 0, "no descriptor block in the log");
        int commit = desc + 1;
        while (commit < log.size() && !isJournalBlock(log.get(commit), JournalDescriptor.JBD2_COMMIT_BLOCK)) {
            commit++;
        }
        assertTrue(commit < log.size(), "no commit block after the descriptor");
        WriteLogDriver.Entry cb = log.get(commit);
        assertEquals(Bio.REQ_PREFLUSH | Bio.REQ_FUA, cb.flags() & (Bio.REQ_PREFLUSH | Bio.REQ_FUA),
                "the commit block is the one PREFLUSH|FUA write");

        // each log block is an entry of its own: the descriptor and its metadata blocks, consecutive
        int blocks = commit - desc;
        assertTrue(blocks >= 4, "a commit of several metadata blocks: " + blocks);
        long first = log.get(desc).sector();
        for (int i = 0; i < blocks; i++) {
            WriteLogDriver.Entry e = log.get(desc + i);
            assertEquals(first + 8L * i, e.sector(), "log block " + i + " at its own sector");
            assertEquals(4096, e.data().length, "log block " + i + ": one block per entry");
            assertEquals(0, e.flags() & (Bio.REQ_PREFLUSH | Bio.REQ_FUA), "log block " + i + " is a plain write");
        }

        // yet the device saw them in fewer requests than blocks
        int requests = 0;
        int bios = 0;
        for (Seen s : List.copyOf(recorder.seen)) {
            if (s.op() == Bio.Op.WRITE && s.sector() >= first && s.sector() < first + 8L * blocks) {
                requests++;
                bios += s.bios();
            }
        }
        assertEquals(blocks, bios, "every log block went down in a request covering the log");
        assertTrue(requests < blocks, "the plug merged the log blocks: " + blocks + " blocks in " + requests + " requests");

        // a crash just before the commit block completes: each log block is in flight by itself
        List<Integer> flying = CrashStates.inFlight(log, commit - 1);
        for (int i = desc; i < commit; i++) {
            assertTrue(flying.contains(i), "log block " + (i - desc) + " in flight before the commit block");
        }
        // keep all but one log block, for each: a torn log is not replayed, and the disk checks clean
        for (int drop = desc; drop < commit; drop++) {
            BitSet keep = new BitSet();
            keep.set(0, flying.size());
            keep.clear(flying.indexOf(drop));
            byte[] state = image.clone();
            CrashStates.apply(log, commit - 1, keep, (sector, data) -> System.arraycopy(data, 0, state, (int) (sector << 9), data.length));
            try (DriverBlockIo io = new DriverBlockIo(new CowMemDisk(state), 4096, true)) {
                try (Ext4Image v = Ext4Image.open(io, "sda", Ext4Volume.Options.readWrite())) { // recovery
                    assertTrue(v.readdir("/").size() >= 2, "the root directory reads");
                }
                Fsck.Report f = Fsck.check(io, "sda");
                assertEquals(0, f.exitCode(), "without log block " + (drop - desc) + ": " + f.problems());
            }
        }
    }
}
