package org.faultline.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The wait-for graph over owned resources: from each sleeping task, through what it waits on
 * ({@link Task#waitingOn()}), along {@link WaitTarget#owedBy()} — lock owners, bit owners, a bio held
 * unsubmitted by a task — to the tasks that must act. A cycle among tasks is a deadlock, printed
 * with every resource on the way, which is what lockdep cannot see when one edge is a page bit
 * owed by an unsubmitted bio.
 *
 * <p>Tasks are visited in pid order and edges in the order owners are listed, so reports are
 * deterministic.
 */
public final class WaitForGraph {
    private WaitForGraph() {
    }

    /** One edge: {@code from} waits, through {@code path} (resource descriptions), on task {@code to}. */
    record Edge(Task from, List<String> path, Task to) {
    }

    /** Edges out of {@code t}: every task reachable from what it waits on through owed-by links. */
    static List<Edge> edges(Task t) {
        List<Edge> out = new ArrayList<>();
        WaitTarget w = t.waitingOn;
        if (w == null || !t.isSleeping() && !t.kernel.sched().controlled()) {
            return out;
        }
        walk(t, w, new ArrayList<>(), out, new LinkedHashSet<>());
        return out;
    }

    private static void walk(Task from, WaitTarget w, List<String> path, List<Edge> out, Set<WaitTarget> seen) {
        if (!seen.add(w)) {
            return;
        }
        path.add(w.describe());
        for (Object o : w.owedBy()) {
            if (o instanceof Task) {
                out.add(new Edge(from, List.copyOf(path), (Task) o));
            } else if (o instanceof WaitTarget) {
                walk(from, (WaitTarget) o, path, out, seen);
            }
        }
        path.remove(path.size() - 1);
    }

    /** The first cycle among blocked tasks (pid order), as its edges, or an empty list. */
    static List<Edge> findCycle(List<Task> tasks) {
        Map<Task, List<Edge>> adj = new LinkedHashMap<>();
        for (Task t : tasks) {
            if (!t.exited && t.waitingOn != null) {
                adj.put(t, edges(t));
            }
        }
        for (Task start : adj.keySet()) {
            List<Edge> stack = new ArrayList<>();
            List<Edge> c = dfs(start, start, adj, stack, new LinkedHashSet<>());
            if (c != null) {
                return c;
            }
        }
        return List.of();
    }

    private static List<Edge> dfs(Task start, Task at, Map<Task, List<Edge>> adj, List<Edge> stack, Set<Task> seen) {
        if (!seen.add(at)) {
            return null;
        }
        for (Edge e : adj.getOrDefault(at, List.of())) {
            stack.add(e);
            if (e.to() == start) {
                return new ArrayList<>(stack);
            }
            List<Edge> c = dfs(start, e.to(), adj, stack, seen);
            if (c != null) {
                return c;
            }
            stack.remove(stack.size() - 1);
        }
        return null;
    }

    /** Formats a cycle: each task, what it waits for, and who owes it. */
    static String describeCycle(List<Edge> cycle) {
        StringBuilder sb = new StringBuilder();
        for (Edge e : cycle) {
            sb.append("  task ").append(e.from()).append(" waits for ").append(e.path().get(0)).append('\n');
            for (int i = 1; i < e.path().size(); i++) {
                sb.append("    which is owed by ").append(e.path().get(i)).append('\n');
            }
            sb.append("    which is held by task ").append(e.to()).append('\n');
        }
        return sb.toString();
    }

    /** The deadlock report made when nothing can run: the cycle if there is one, and every task's state. */
    static Failure deadlockFailure(Kernel k, Scheduler s, long step) {
        List<Task> ts = s.tasks();
        List<Edge> cycle = findCycle(ts);
        String title;
        StringBuilder sb = new StringBuilder();
        if (!cycle.isEmpty()) {
            Set<String> names = new LinkedHashSet<>();
            for (Edge e : cycle) {
                names.add(e.from().toString());
            }
            title = "deadlock: wait-for cycle between " + String.join(", ", names);
            sb.append("INFO: ").append(title).append('\n').append(describeCycle(cycle));
        } else {
            title = "deadlock: no task can run";
            sb.append("INFO: ").append(title).append(" and nothing is pending\n");
        }
        sb.append(taskStates(s));
        return new Failure(Failure.Kind.DEADLOCK, title, sb.toString(), step, cycle.isEmpty() ? 0 : cycle.get(0).from().pid);
    }

    /** Every live task: state, what it waits on, locks held, and its call trace (sysrq-w style). */
    static String taskStates(Scheduler s) {
        StringBuilder sb = new StringBuilder();
        for (Task t : s.tasks()) {
            if (t.exited) {
                continue;
            }
            sb.append("task:").append(t.comm).append(" state:").append(t.isSleeping() || t.state != Task.TASK_RUNNING ? "D" : "R")
                    .append(" pid:").append(t.pid);
            if (t.waitingOn != null) {
                sb.append(" waiting for ").append(t.waitingOn.describe());
            }
            sb.append('\n');
            if (!t.held.isEmpty()) {
                sb.append(" holding: ").append(t.held).append('\n');
            }
            sb.append(CallTrace.format(CallTrace.of(t.thread.getStackTrace())));
        }
        return sb.toString();
    }

    /**
     * khungtaskd for the free-running scheduler: a cycle among blocked tasks seen on two consecutive
     * checks with no wake-up in between is a deadlock; a task blocked beyond the timeout is hung.
     */
    static final class Watchdog {
        private final Kernel k;
        private final Scheduler s;
        private final long timeoutNs;
        private String lastCycle = "";
        private long lastWakeups = -1;

        Watchdog(Kernel k, Scheduler s, long timeoutMs) {
            this.k = k;
            this.s = s;
            this.timeoutNs = timeoutMs * 1_000_000L;
        }

        void check() {
            List<Task> ts = s.tasks();
            long wakeups = 0;
            for (Task t : ts) {
                wakeups += t.wakeups;
            }
            List<Edge> cycle = findCycle(ts);
            String key = cycle.isEmpty() ? "" : describeCycle(cycle);
            if (!cycle.isEmpty() && key.equals(lastCycle) && wakeups == lastWakeups) {
                k.report(deadlockFailure(k, s, 0), true);
                return;
            }
            lastCycle = key;
            lastWakeups = wakeups;
            long now = s.clockNs();
            for (Task t : ts) {
                if (!t.exited && t.isSleeping() && !t.idleSleep && t.sleepDeadlineNs < 0 && now - t.sleptAtNs > timeoutNs) {
                    String title = "INFO: task " + t.comm + ":" + t.pid + " blocked for more than "
                            + timeoutNs / 1_000_000_000L + " seconds.";
                    k.report(new Failure(Failure.Kind.HANG, title, title + "\n" + taskStates(s), 0, t.pid), true);
                    return;
                }
            }
        }
    }
}
