package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ControlledSchedulerTest {

    /** Three tasks contending on a mutex and a bit lock, with timers: enough choices to differ by seed. */
    static void contended(Kernel k, List<String> order) {
        Mutex m = new Mutex(k, "m");
        BitWord w = new BitWord(7);
        BitWait bw = new BitWait(k, 7);
        for (int i = 0; i < 3; i++) {
            String name = "t" + i;
            k.spawn(name, TaskKind.USER, () -> {
                for (int j = 0; j < 4; j++) {
                    m.mutexLock();
                    order.add(name + ":" + j);
                    k.trace(name + " in " + j);
                    m.mutexUnlock();
                    bw.lockBit(w, 0);
                    k.sched().point("work");
                    bw.unlockBit(w, 0);
                    if (j == 2) {
                        k.sched().msleep(5);
                    }
                }
            });
        }
    }

    @Test
    void sameSeedGivesIdenticalTraceAndSchedule() {
        List<String> o1 = new ArrayList<>();
        List<String> o2 = new ArrayList<>();
        RunResult a = Runs.controlled(new RandomWalk(42), "6.6", k -> contended(k, o1));
        RunResult b = Runs.controlled(new RandomWalk(42), "6.6", k -> contended(k, o2));
        assertTrue(a.ok(), () -> a.fatal().report());
        assertEquals(a.traceDigest(), b.traceDigest());
        assertEquals(a.schedule().encode(), b.schedule().encode());
        assertEquals(o1, o2);
        assertEquals(12, o1.size());
        assertTrue(a.decisions() > 10, "the scenario must offer choices: " + a.decisions());
    }

    @Test
    void differentSeedsExploreDifferentInterleavings() {
        Set<List<String>> seen = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            List<String> o = new ArrayList<>();
            Runs.controlled(new RandomWalk(seed), "6.6", k -> contended(k, o));
            seen.add(o);
        }
        assertTrue(seen.size() > 5, "random walk should find several orders, found " + seen.size());
    }

    @Test
    void recordedScheduleReplaysIdentically() {
        List<String> o1 = new ArrayList<>();
        RunResult a = Runs.controlled(new Pct(9, 3, 200), "6.6", k -> contended(k, o1));
        Schedule s = Schedule.decode(a.schedule().encode());
        List<String> o2 = new ArrayList<>();
        RunResult b = Runs.controlled(new Replay(s), "6.6", k -> contended(k, o2));
        assertEquals(o1, o2);
        assertEquals(a.traceDigest(), b.traceDigest());
        assertEquals(a.schedule().digest(), b.schedule().digest());
        assertEquals(a.schedule().encode(), b.schedule().encode());
    }

    @Test
    void replayOfAForeignScheduleReportsNondeterminism() {
        // a schedule that picks a pid that never exists
        Schedule bogus = new Schedule(0, new int[] {9, 9, 9}, new long[0], 0);
        RunResult r = Runs.controlled(new Replay(bogus), "6.6", k -> contended(k, new ArrayList<>()));
        assertNotNull(r.fatal());
        assertEquals(Failure.Kind.NONDETERMINISM, r.fatal().kind());
        assertTrue(r.fatal().title().contains("possible nondeterminism"), r.fatal().title());
    }

    @Test
    void nondeterminismCheckCatchesHostDependentBehaviour() {
        // The first run spawns an extra task; the second does not: the runnable sets differ.
        int[] runs = {0};
        NondeterminismCheck rec = NondeterminismCheck.record(new RandomWalk(3));
        Runs.controlled(rec, "6.6", k -> {
            contended(k, new ArrayList<>());
            if (runs[0]++ == 0) {
                k.spawn("extra", TaskKind.USER, () -> k.sched().point("x"));
            }
        });
        RunResult second = Runs.controlled(rec.checking(), "6.6", k -> {
            contended(k, new ArrayList<>());
            if (runs[0]++ == 0) {
                k.spawn("extra", TaskKind.USER, () -> k.sched().point("x"));
            }
        });
        assertNotNull(second.fatal());
        assertEquals(Failure.Kind.NONDETERMINISM, second.fatal().kind());
        // and an honest second run passes the check
        NondeterminismCheck rec2 = NondeterminismCheck.record(new RandomWalk(3));
        Runs.controlled(rec2, "6.6", k -> contended(k, new ArrayList<>()));
        assertNull(Runs.controlled(rec2.checking(), "6.6", k -> contended(k, new ArrayList<>())).fatal());
    }

    @Test
    void scheduleTextRoundTrips() {
        Schedule s = new Schedule(-5, new int[] {1, 1, 1, 2, 3, 3}, new long[] {0xdeadL, -1L}, 0x1234L);
        String body = "fl2:-5:0:1234:1*3.2.3*2:dead.ffffffffffffffff";
        assertEquals(body + ":" + Schedule.check(body), s.encode());
        assertEquals(s.encode(), Schedule.decode(s.encode()).encode());
        Schedule tagged = Schedule.decode(s.withTag(0xabcL).encode());
        assertEquals(0xabcL, tagged.tag());
        assertEquals(s.withTag(0xabcL).encode(), tagged.encode());
        String noRandoms = new Schedule(7, new int[] {4}, new long[0], 1).encode();
        assertEquals("fl2:7:0:1:4::" + Schedule.check("fl2:7:0:1:4:"), noRandoms);
        // one changed character, a cut, an older form: refused, never decoded as another schedule
        String enc = s.encode();
        for (int i = 0; i < enc.length(); i++) {
            char c = enc.charAt(i);
            String changed = enc.substring(0, i) + (char) (c == '1' ? '2' : c == 'f' ? 'e' : '1') + enc.substring(i + 1);
            assertThrows(IllegalArgumentException.class, () -> Schedule.decode(changed), changed);
        }
        assertThrows(IllegalArgumentException.class, () -> Schedule.decode(enc.substring(0, enc.length() - 20)));
        assertThrows(IllegalArgumentException.class, () -> Schedule.decode("fl1:-5:1234:1*3.2.3*2"));
    }

    @Test
    void virtualClockAdvancesOnlyWhenAllSleep() {
        long[] seen = new long[2];
        RunResult r = Runs.controlled(new RandomWalk(1), "6.6", k -> {
            k.spawn("sleeper", TaskKind.USER, () -> {
                k.sched().msleep(1000);
                seen[0] = k.sched().clockNs();
            });
            k.spawn("busy", TaskKind.USER, () -> {
                for (int i = 0; i < 50; i++) {
                    k.sched().point("spin");
                }
                seen[1] = k.sched().clockNs();
            });
        });
        assertTrue(r.ok());
        assertEquals(1_000_000_000L, seen[0], "woken exactly at its deadline, in virtual time");
        assertEquals(0L, seen[1], "busy work takes no virtual time");
    }

    @Test
    void kthreadsAreStoppedWhenUserTasksFinish() {
        boolean[] stopped = {false};
        RunResult r = Runs.controlled(new RandomWalk(5), "6.6", k -> {
            WaitQueue wq = new WaitQueue(k);
            Task[] kt = new Task[1];
            kt[0] = k.spawn("kworker", TaskKind.KTHREAD, () -> {
                wq.waitEvent(() -> kt[0].kthreadShouldStop(), () -> "idle");
                stopped[0] = true;
            });
            k.spawn("user", TaskKind.USER, () -> k.sched().point("work"));
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertTrue(stopped[0]);
    }

    @Test
    void bugOnPrintsKernelStyleOopsAndEndsTheRun() {
        RunResult r = Runs.controlled(new RandomWalk(1), "6.6", k -> k.spawn("victim", TaskKind.USER,
                () -> new FakeWriteback(k).doWritepages()));
        assertNotNull(r.fatal());
        assertEquals(Failure.Kind.BUG, r.fatal().kind());
        assertEquals(1, r.exitCode());
        assertEquals("kernel BUG at mm/page-writeback.c!", r.fatal().title());
        String rep = r.fatal().report();
        assertTrue(rep.contains("Comm: victim"), rep);
        assertTrue(rep.contains("RIP: write_cache_pages"), rep);
        assertTrue(rep.contains("Call Trace:\n write_cache_pages"), rep);
        assertTrue(rep.contains(" do_writepages"), rep);
        assertTrue(r.dmesg().contains("kernel BUG at mm/page-writeback.c!"));
    }

    @Test
    void warnOnOnceWarnsOnceAndContinues() {
        int[] after = {0};
        RunResult r = Runs.controlled(new RandomWalk(1), "6.6", k -> k.spawn("w", TaskKind.USER, () -> {
            FakeWriteback f = new FakeWriteback(k);
            for (int i = 0; i < 3; i++) {
                f.pageMkwrite();
                after[0]++;
            }
        }));
        assertTrue(r.ok());
        assertEquals(3, after[0]);
        assertEquals(1, r.warnings().size());
        assertTrue(r.warnings().get(0).report().contains("WARNING: CPU: 0 PID: 1 at fs/iomap/buffered-io.c page_mkwrite"),
                r.warnings().get(0).report());
    }

    @Test
    void sleepingUnderSpinlockIsAnInvariantViolation() {
        RunResult r = Runs.controlled(new RandomWalk(1), "6.6", k -> k.spawn("bad", TaskKind.USER, () -> {
            SpinLock l = new SpinLock(k, "tree_lock");
            l.spinLock();
            k.sched().msleep(1);
            l.spinUnlock();
        }));
        assertNotNull(r.fatal());
        assertEquals(Failure.Kind.INVARIANT, r.fatal().kind());
        assertEquals(4, r.exitCode());
        assertTrue(r.fatal().title().startsWith("BUG: scheduling while atomic: bad/1/"), r.fatal().title());
    }

    @Test
    void livelockIsBoundedByMaxDecisions() {
        Kernel k = Kernel.boot(BootParams.controlled(new RandomWalk(1)).withMaxDecisions(500));
        for (int i = 0; i < 2; i++) {
            k.spawn("spinner" + i, TaskKind.USER, () -> {
                for (;;) {
                    k.sched().point("spin");
                }
            });
        }
        RunResult r = k.run();
        assertNotNull(r.fatal());
        assertEquals(Failure.Kind.HANG, r.fatal().kind());
        assertEquals(3, r.exitCode());
        assertNotEquals(0, r.decisions());
    }

    /** A stand-in for kernel files, so traces have names to recover. */
    @KernelSource("mm/page-writeback.c")
    static final class FakeWriteback {
        private final Kernel k;

        FakeWriteback(Kernel k) {
            this.k = k;
        }

        void doWritepages() {
            writeCachePages();
        }

        private void writeCachePages() {
            k.bugOn(true);
        }

        void pageMkwrite() {
            new FakeIomap(k).pageMkwrite();
        }
    }

    @KernelSource("fs/iomap/buffered-io.c")
    static final class FakeIomap {
        private final Kernel k;

        FakeIomap(Kernel k) {
            this.k = k;
        }

        void pageMkwrite() {
            k.warnOnOnce(true);
        }
    }
}
