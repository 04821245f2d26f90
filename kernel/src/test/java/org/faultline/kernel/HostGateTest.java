package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Host callers through {@link HostGate} on a kernel without panic_on_oops: an oops kills only the
 * task serving the call (KILLED), which does its exit work in its own context; the kernel is tainted
 * and later reports say so and count the oops; the caller's next call gets a fresh task; calls on the
 * dead task's behalf are refused; the run still ends as the first oops (exit 1).
 */
class HostGateTest {
    /** The kernel's run on a thread of its own (the common pool may have a single, busy thread). */
    private static CompletableFuture<RunResult> runInBackground(Kernel k) {
        CompletableFuture<RunResult> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(k.run());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "kernel-run");
        t.setDaemon(true);
        t.start();
        return f;
    }

    private static long pid(int[] into, int i, long result) {
        into[i] = Task.current().pid();
        return result;
    }

    @Test
    void anOopsKillsOnlyTheServingTaskAndTheCallerGetsAFreshOne() throws Exception {
        Kernel k = Kernel.boot(BootParams.free().withPanicOnOops(false));
        List<Integer> exited = Collections.synchronizedList(new ArrayList<>());
        HostGate gate = new HostGate(k, () -> exited.add(Task.current().pid()));
        k.spawn("init", TaskKind.USER, gate::awaitClosed);
        CompletableFuture<RunResult> run = runInBackground(k);
        int[] pid = new int[3];
        assertEquals(7, gate.call(100, () -> "prog", () -> pid(pid, 0, 7)));
        long killed = gate.call(100, () -> "prog", () -> {
            k.bugOn(true, "the first oops");
            return 0;
        });
        assertEquals(HostGate.KILLED, killed);
        assertTrue(k.taint().test(Taint.DIE), k.taint().toString());
        // the caller hears of the oops at once; the dying task's exit work follows in its own context
        for (int i = 0; i < 1000 && exited.isEmpty(); i++) {
            Thread.sleep(10);
        }
        assertEquals(List.of(pid[0]), exited, "the killed task did its exit work, in its own context");
        assertEquals(HostGate.DEAD, gate.callAs(pid[0], () -> 1), "a call on the dead task's behalf");
        assertEquals(8, gate.call(100, () -> "prog", () -> pid(pid, 1, 8)));
        assertNotEquals(pid[0], pid[1], "a fresh task for the caller");
        assertEquals(9, gate.callAs(pid[1], () -> 9));
        assertEquals(HostGate.KILLED, gate.call(200, () -> "other", () -> {
            k.bugOn(true, "the second oops");
            return 0;
        }));
        gate.close();
        RunResult r = run.get(60, TimeUnit.SECONDS);
        assertEquals(1, r.exitCode(), "the run ends as the first oops");
        assertTrue(r.fatal().report().contains("the first oops") && r.fatal().report().contains("Not tainted"),
                r.fatal().report());
        Failure second = r.failures().get(1);
        assertTrue(second.report().contains("the second oops") && second.report().contains("[#2]")
                && second.report().contains("Tainted: G      D   "), second.report());
        assertTrue(exited.contains(pid[1]), "the fresh task exits at close, doing its exit work");
        gate.close(); // the machine has stopped: closing again wakes nobody and does not throw
        assertEquals(HostGate.DEAD, gate.call(100, () -> "prog", () -> 1));
    }

    @Test
    void withPanicOnOopsTheMachineStopsAndEveryCallIsDead() throws Exception {
        Kernel k = Kernel.boot(BootParams.free());
        HostGate gate = new HostGate(k, () -> { });
        k.spawn("init", TaskKind.USER, gate::awaitClosed);
        CompletableFuture<RunResult> run = runInBackground(k);
        long rc = gate.call(100, () -> "prog", () -> {
            k.bugOn(true, "an oops");
            return 0;
        });
        assertTrue(rc == HostGate.KILLED || rc == HostGate.DEAD, Long.toString(rc));
        RunResult r = run.get(60, TimeUnit.SECONDS);
        assertEquals(1, r.exitCode());
        assertEquals(HostGate.DEAD, gate.call(100, () -> "prog", () -> 1), "the machine stopped");
        assertTrue(!k.taint().test(Taint.DIE), "a panic is not an oops the kernel lived through");
    }
}
