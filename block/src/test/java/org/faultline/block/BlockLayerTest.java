package org.faultline.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Completion;
import org.faultline.kernel.Failure;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.MemMap;
import org.faultline.mm.Page;
import org.junit.jupiter.api.Test;

class BlockLayerTest {

    static Kernel controlled(long seed) {
        return Kernel.boot(BootParams.controlled(new RandomWalk(seed)));
    }

    @Test
    void writeThenReadRoundTripsThroughRamDiskInBothModes() {
        for (Kernel k : new Kernel[] {Kernel.boot(BootParams.free()), controlled(3)}) {
            try (MemMap mem = new MemMap(16)) {
                MemDiskDriver disk = new MemDiskDriver(1 << 20);
                BlockDevice bdev = BlockDevice.addDisk(k, "ram0", disk, QueueLimits.defaults(), 2);
                boolean[] ok = {false};
                k.spawn("io", TaskKind.USER, () -> {
                    Bio w = Bio.bioAlloc(bdev, Bio.Op.WRITE, Bio.REQ_SYNC, 8, 4);
                    for (int i = 0; i < 4; i++) {
                        BlockTestSupport.fill(mem, mem.pfnToPage(i), (byte) i);
                        w.bioAddPage(mem.pfnToPage(i), Page.PAGE_SIZE, 0);
                    }
                    assertTrue(BlkCore.submitBioWait(w).ok());
                    Bio r = Bio.bioAlloc(bdev, Bio.Op.READ, 0, 8, 4);
                    for (int i = 0; i < 4; i++) {
                        r.bioAddPage(mem.pfnToPage(8 + i), Page.PAGE_SIZE, 0);
                    }
                    assertTrue(BlkCore.submitBioWait(r).ok());
                    boolean all = true;
                    for (int i = 0; i < 4; i++) {
                        all &= BlockTestSupport.matches(mem, mem.pfnToPage(8 + i), (byte) i);
                    }
                    ok[0] = all;
                });
                RunResult res = k.run();
                assertTrue(res.ok(), () -> res.fatal().report());
                assertTrue(ok[0], "read back what was written, " + (k.sched().controlled() ? "controlled" : "free"));
                byte[] onDisk = new byte[Page.PAGE_SIZE];
                disk.bytes().get(8 * 512L + Page.PAGE_SIZE, onDisk, 0, onDisk.length);
                assertEquals((byte) 1, onDisk[0], "bytes reached the disk at sector 8 + 4 KiB");
                assertEquals(2, bdev.stats().requests());
            }
        }
    }

    /** Submits 32 contiguous 4 KiB write bios, with or without a plug. */
    static BlockStats contiguousWrites(boolean plugged, long seed) {
        Kernel k = controlled(seed);
        try (MemMap mem = new MemMap(32)) {
            BlockDevice bdev = BlockDevice.addDisk(k, "ram0", new MemDiskDriver(1 << 20), QueueLimits.defaults(), 1);
            k.spawn("writer", TaskKind.USER, () -> {
                Completion all = new Completion(k, "writes");
                int[] left = {32};
                Plug plug = plugged ? Plug.blkStartPlug(k) : null;
                for (int i = 0; i < 32; i++) {
                    Bio b = Bio.bioAlloc(bdev, Bio.Op.WRITE, 0, i * 8L, 1);
                    b.bioAddPage(mem.pfnToPage(i), Page.PAGE_SIZE, 0);
                    b.setEndIo(x -> {
                        if (--left[0] == 0) {
                            all.complete();
                        }
                    });
                    BlkCore.submitBio(b);
                }
                if (plug != null) {
                    plug.blkFinishPlug();
                }
                all.waitForCompletion();
            });
            RunResult r = k.run();
            assertTrue(r.ok(), () -> r.fatal().report());
            return bdev.stats();
        }
    }

    @Test
    void pluggedContiguousBiosMergeIntoFewRequests() {
        BlockStats s = contiguousWrites(true, 1);
        assertEquals(32, s.bios());
        // BLK_MAX_REQUEST_COUNT never triggers: all 32 merge into one request on the plug
        assertEquals(1, s.requests());
        assertEquals(31, s.merges());
        assertEquals(32L * Page.PAGE_SIZE, s.bytesWritten());
    }

    @Test
    void withoutAPlugBiosOnlyMergeWhileStillQueued() {
        long most = 0;
        for (long seed = 0; seed < 10; seed++) {
            BlockStats s = contiguousWrites(false, seed);
            assertEquals(32, s.bios());
            assertEquals(32, s.requests() + s.merges());
            most = Math.max(most, s.requests());
        }
        assertTrue(most > 1, "unplugged submission must dispatch separate requests in some schedule");
    }

    @Test
    void plugCallbackRunsFromScheduleWhenTheTaskSleeps() {
        Kernel k = controlled(1);
        List<String> calls = new ArrayList<>();
        Object owner = new Object();
        k.spawn("holder", TaskKind.USER, () -> {
            Plug p = Plug.blkStartPlug(k);
            Plug.blkCheckPlugged(k, owner, () -> new PlugCallback() {
                @Override
                public Object owner() {
                    return owner;
                }

                @Override
                public void unplug(boolean fromSchedule) {
                    calls.add("unplug fromSchedule=" + fromSchedule);
                }
            });
            // the same owner finds the same callback
            assertNotNull(Plug.blkCheckPlugged(k, owner, () -> {
                throw new AssertionError("second registration");
            }));
            k.sched().msleep(1); // sched_submit_work flushes the plug
            p.blkFinishPlug();
        });
        assertTrue(k.run().ok());
        assertEquals(List.of("unplug fromSchedule=true"), calls);
    }

    @Test
    void tagDepthBoundsRequestsInFlight() {
        Kernel k = Kernel.boot(BootParams.controlled(new RandomWalk(7)));
        int[] maxInFlight = {0};
        int[] inFlight = {0};
        BlockDriver counting = new BlockDriver() {
            final MemDiskDriver inner = new MemDiskDriver(1 << 20);

            @Override
            public long capacitySectors() {
                return inner.capacitySectors();
            }

            @Override
            public BlkStatus execute(Request rq) {
                maxInFlight[0] = Math.max(maxInFlight[0], ++inFlight[0]);
                k.sched().msleep(1); // service time, so requests overlap
                inFlight[0]--;
                return inner.execute(rq);
            }

            @Override
            public String describe() {
                return "counting";
            }

            @Override
            public void close() {
                inner.close();
            }
        };
        try (MemMap mem = new MemMap(8)) {
            BlockDevice bdev = BlockDevice.addDisk(k, "vda", counting, QueueLimits.defaults().withNrRequests(2), 4);
            for (int t = 0; t < 4; t++) {
                int id = t;
                k.spawn("w" + t, TaskKind.USER, () -> {
                    Bio b = Bio.bioAlloc(bdev, Bio.Op.WRITE, 0, id * 64L, 1);
                    b.bioAddPage(mem.pfnToPage(id), Page.PAGE_SIZE, 0);
                    assertTrue(BlkCore.submitBioWait(b).ok());
                });
            }
            RunResult r = k.run();
            assertTrue(r.ok(), () -> r.fatal().report());
            assertEquals(2, maxInFlight[0], "four IRQ tasks, but only nr_requests=2 tags");
            assertEquals(4, bdev.stats().requests());
        }
    }

    @Test
    void injectedFaultsFailMatchingRequestsAndAreTagged() {
        Kernel k = controlled(2);
        MemDiskDriver disk = new MemDiskDriver(1 << 20);
        FaultInjector inj = new FaultInjector(disk, List.of(
                new FaultInjector.Rule(Bio.Op.WRITE, 100, 200, 0, BlkStatus.IOERR),
                new FaultInjector.Rule(Bio.Op.READ, 0, Long.MAX_VALUE, 2, BlkStatus.MEDIUM)));
        List<BlkStatus> got = new ArrayList<>();
        try (MemMap mem = new MemMap(4)) {
            BlockDevice bdev = BlockDevice.addDisk(k, "vdb", inj, QueueLimits.defaults(), 1);
            k.spawn("io", TaskKind.USER, () -> {
                long[] sectors = {96, 200, 8};
                for (long s : sectors) {
                    Bio b = Bio.bioAlloc(bdev, Bio.Op.WRITE, 0, s, 1);
                    b.bioAddPage(mem.pfnToPage(0), Page.PAGE_SIZE, 0);
                    got.add(BlkCore.submitBioWait(b));
                }
                for (int i = 0; i < 3; i++) {
                    Bio b = Bio.bioAlloc(bdev, Bio.Op.READ, 0, 0, 1);
                    b.bioAddPage(mem.pfnToPage(1), Page.PAGE_SIZE, 0);
                    got.add(BlkCore.submitBioWait(b));
                }
            });
            RunResult r = k.run();
            assertTrue(r.ok());
            // sectors 96..103 overlap [100,200): fails; 200.. does not; 8 does not
            assertEquals(List.of(BlkStatus.IOERR.asInjected(), BlkStatus.OK, BlkStatus.OK,
                    BlkStatus.OK, BlkStatus.MEDIUM.asInjected(), BlkStatus.OK), got);
            assertEquals(2, bdev.stats().errors());
            assertTrue(r.dmesg().contains("injected I/O error, dev vdb, sector 96"), r.dmesg());
        }
    }

    @Test
    void accessBeyondEndOfDeviceFails() {
        Kernel k = controlled(0);
        BlkStatus[] st = new BlkStatus[1];
        try (MemMap mem = new MemMap(1)) {
            BlockDevice bdev = BlockDevice.addDisk(k, "vdc", new MemDiskDriver(64 * 1024), QueueLimits.defaults(), 1);
            k.spawn("io", TaskKind.USER, () -> {
                Bio b = Bio.bioAlloc(bdev, Bio.Op.WRITE, 0, 124, 1);
                b.bioAddPage(mem.pfnToPage(0), Page.PAGE_SIZE, 0);
                st[0] = BlkCore.submitBioWait(b);
            });
            RunResult r = k.run();
            assertEquals(BlkStatus.IOERR, st[0]);
            assertTrue(r.dmesg().contains("attempt to access beyond end of device"), r.dmesg());
        }
    }

    @Test
    void sleepingInBioEndIoIsSchedulingWhileAtomic() {
        Kernel k = controlled(0);
        try (MemMap mem = new MemMap(1)) {
            BlockDevice bdev = BlockDevice.addDisk(k, "vdd", new MemDiskDriver(1 << 20), QueueLimits.defaults(), 1);
            k.spawn("io", TaskKind.USER, () -> {
                Bio b = Bio.bioAlloc(bdev, Bio.Op.WRITE, 0, 0, 1);
                b.bioAddPage(mem.pfnToPage(0), Page.PAGE_SIZE, 0);
                b.setEndIo(x -> k.sched().msleep(1));
                BlkCore.submitBio(b);
                k.sched().msleep(10);
            });
            RunResult r = k.run();
            assertNotNull(r.fatal());
            assertEquals(Failure.Kind.INVARIANT, r.fatal().kind());
            assertTrue(r.fatal().title().startsWith("BUG: scheduling while atomic: irq/vdd-0/"), r.fatal().title());
        }
    }

    @Test
    void controlledIoIsDeterministic() {
        long[] digests = new long[2];
        for (int run = 0; run < 2; run++) {
            Kernel k = controlled(11);
            try (MemMap mem = new MemMap(16)) {
                BlockDevice bdev = BlockDevice.addDisk(k, "ram0", new MemDiskDriver(1 << 20), QueueLimits.defaults(), 3);
                for (int t = 0; t < 3; t++) {
                    int id = t;
                    k.spawn("w" + t, TaskKind.USER, () -> {
                        for (int i = 0; i < 4; i++) {
                            Bio b = Bio.bioAlloc(bdev, Bio.Op.WRITE, 0, (id * 4 + i) * 8L, 1);
                            b.bioAddPage(mem.pfnToPage(id * 4 + i), Page.PAGE_SIZE, 0);
                            BlkCore.submitBioWait(b);
                        }
                    });
                }
                RunResult r = k.run();
                assertTrue(r.ok());
                digests[run] = r.traceDigest();
            }
        }
        assertEquals(digests[0], digests[1]);
    }

    @Test
    void hostImageWritesReallyReachTheFileBufferedAndDirect() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "block-test"));
        for (boolean direct : new boolean[] {false, true}) {
            Path img = dir.resolve(direct ? "direct.img" : "buffered.img");
            Files.deleteIfExists(img);
            Files.write(img, new byte[1 << 20]);
            Kernel k = Kernel.boot(BootParams.free());
            try (MemMap mem = new MemMap(4);
                 HostFileDriver drv = HostFileDriver.open(img, direct, false)) {
                BlockDevice bdev = BlockDevice.addDisk(k, "sda", drv, QueueLimits.defaults(), 2);
                k.spawn("io", TaskKind.USER, () -> {
                    Bio b = Bio.bioAlloc(bdev, Bio.Op.WRITE, Bio.REQ_SYNC | Bio.REQ_FUA, 16, 2);
                    for (int i = 0; i < 2; i++) {
                        BlockTestSupport.fill(mem, mem.pfnToPage(i), (byte) (7 + i));
                        b.bioAddPage(mem.pfnToPage(i), Page.PAGE_SIZE, 0);
                    }
                    assertTrue(BlkCore.submitBioWait(b).ok());
                    Bio flush = Bio.bioAlloc(bdev, Bio.Op.FLUSH, Bio.REQ_PREFLUSH, 0, 0);
                    assertTrue(BlkCore.submitBioWait(flush).ok());
                });
                assertTrue(k.run().ok());
                assertEquals(1, bdev.stats().requests() - 1, "one data request and one flush");
                assertEquals(2, bdev.stats().flushes());
            }
            byte[] file = Files.readAllBytes(img);
            assertEquals((byte) 7, file[16 * 512]);
            assertEquals((byte) (8 + 31), file[16 * 512 + Page.PAGE_SIZE + 1]);
            assertEquals(0, file[16 * 512 - 1]);
            assertFalse(file[16 * 512 + 2 * Page.PAGE_SIZE] != 0);
        }
    }
}
