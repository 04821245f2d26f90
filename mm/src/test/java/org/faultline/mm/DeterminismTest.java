package org.faultline.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.Replay;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Schedule;
import org.faultline.kernel.Strategy;
import org.faultline.kernel.TaskKind;
import org.junit.jupiter.api.Test;

/** A controlled run is a pure function of its schedule, for a workload that exercises most of mm. */
class DeterminismTest {
    private static final int PS = Page.PAGE_SIZE;

    /** Two writers, an mmap storer, fsyncs, and reclaim pressure (96 pages of RAM). */
    static RunResult workload(Strategy s, long[] pgsteal) {
        MmFixture fx = new MmFixture(s, "5.10", Mm.Params.ofPages(96));
        fx.fs.ioDelayMs = 1;
        RunResult r = fx.run("main", f -> {
            TestFs.TestFile a = f.fs.create("a");
            TestFs.TestFile b = f.fs.create("b");
            TestFs.TestFile c = f.fs.create("c");
            c.write(0, new byte[8 * PS]);
            c.fsync();
            f.k.spawn("writer-a", TaskKind.USER, () -> {
                byte[] page = new byte[PS];
                for (int i = 0; i < 48; i++) {
                    page[0] = (byte) i;
                    a.write((long) i * PS, page);
                    if (i % 12 == 11) {
                        a.fsync();
                    }
                }
            });
            f.k.spawn("writer-b", TaskKind.USER, () -> {
                byte[] page = new byte[PS];
                for (int i = 0; i < 48; i++) {
                    page[1] = (byte) i;
                    b.write((long) i * PS, page);
                }
                b.fsync();
            });
            f.k.spawn("storer", TaskKind.USER, () -> {
                MmStruct as = new MmStruct(f.mm, "storer");
                long addr = c.mmapShared(as, 8 * PS);
                byte[] one = new byte[1];
                for (int i = 0; i < 32; i++) {
                    one[0] = (byte) i;
                    Memory.access(as, addr + (long) (i % 8) * PS + i, one, 0, 1, true);
                    if (i % 8 == 7) {
                        Mmap.msync(as, addr, true);
                    }
                }
                Mmap.doMunmap(as, addr);
            });
        });
        pgsteal[0] = fx.mm.vmscan().pgsteal();
        return r;
    }

    @Test
    void theSameSeedGivesTheSameTraceAndSchedule() {
        long[] steal = new long[1];
        RunResult r1 = workload(new RandomWalk(7), steal);
        RunResult r2 = workload(new RandomWalk(7), new long[1]);
        assertTrue(r1.ok(), () -> r1.fatal().report());
        assertTrue(r2.ok(), () -> r2.fatal().report());
        assertTrue(steal[0] > 0, "the workload did put reclaim to work");
        assertTrue(r1.decisions() > 100, "and interleaved its tasks: " + r1.decisions());
        assertEquals(r1.schedule().encode(), r2.schedule().encode());
        assertEquals(r1.traceDigest(), r2.traceDigest());
        assertEquals(r1.dmesg(), r2.dmesg());
    }

    @Test
    void replayingTheRecordedScheduleGivesTheSameTrace() {
        RunResult r1 = workload(new RandomWalk(8), new long[1]);
        assertTrue(r1.ok(), () -> r1.fatal().report());
        String text = r1.schedule().encode();
        RunResult r2 = workload(new Replay(Schedule.decode(text)), new long[1]);
        assertTrue(r2.ok(), () -> r2.fatal().report());
        assertEquals(r1.traceDigest(), r2.traceDigest());
        assertEquals(text, r2.schedule().encode(), "the replay took the same decisions");
    }

    @Test
    void differentSeedsGiveDifferentExecutions() {
        Set<Long> digests = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            RunResult r = workload(new RandomWalk(seed), new long[1]);
            long s = seed;
            assertTrue(r.ok(), () -> "seed " + s + ": " + r.fatal().report());
            digests.add(r.traceDigest());
        }
        assertTrue(digests.size() >= 2, "10 seeds, " + digests.size() + " distinct traces");
    }
}
