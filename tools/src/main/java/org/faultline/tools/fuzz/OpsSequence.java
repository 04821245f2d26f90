package org.faultline.tools.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * A generated single-task workload: its settings ({@code ram}, {@code image-size}) and statements.
 * {@link #text} renders it in the public workload format, so a failing sequence is a file anyone can
 * run with {@code faultline boot} (on an image of {@code image-size} made by {@code faultline mkfs}).
 *
 * @param seed       the generator seed it came from
 * @param ramBytes   {@code set ram}
 * @param imageBytes {@code set image-size}: the image the checks create
 * @param ops        the statements, in order; each names its task ({@link Op#task()}): one task is
 *                   {@code task t}, several are {@code task t0}, {@code task t1}, ... on disjoint
 *                   directories {@code /t0}, {@code /t1}, ... with barriers between phases
 */
public record OpsSequence(long seed, long ramBytes, long imageBytes, List<Op> ops) {
    public OpsSequence {
        ops = List.copyOf(ops);
    }

    OpsSequence withOps(List<Op> l) {
        return new OpsSequence(seed, ramBytes, imageBytes, l);
    }

    /** The workload file; {@code comments} go at the top, one {@code #} line each. */
    public String text(List<String> comments) {
        StringBuilder sb = new StringBuilder();
        for (String c : comments) {
            for (String line : c.split("\\R")) {
                sb.append("# ").append(line).append('\n');
            }
        }
        sb.append("set ram ").append(ramBytes >> 20).append("M\n");
        sb.append("set image-size ").append(imageBytes >> 20).append("M\n");
        java.util.TreeSet<Integer> tasks = new java.util.TreeSet<>();
        for (Op op : ops) {
            tasks.add(op.task());
        }
        if (tasks.isEmpty()) {
            tasks.add(0);
        }
        for (int t : tasks) {
            sb.append(tasks.size() == 1 && t == 0 ? "task t" : "task t" + t).append('\n');
            for (Op op : ops) {
                if (op.task() == t) {
                    sb.append("  ").append(op.text()).append('\n');
                }
            }
        }
        return sb.toString();
    }

    public String text() {
        return text(List.of());
    }

    /** The statements' kinds, e.g. "open write-direct fallocate-punch read", for grouping failures. */
    public String shape() {
        java.util.Map<Integer, Model> models = new java.util.TreeMap<>();
        List<String> l = new ArrayList<>();
        for (Op op : ops) {
            Model m = models.computeIfAbsent(op.task(), t -> new Model());
            Model.HandleM h = op.h() == null || op.kind() == Op.Kind.BARRIER ? null : m.open(op.h());
            l.add(op.shape(h != null && h.direct()) + (op.expect() != null ? "?" : ""));
            if (m.valid(op)) {
                m.apply(op);
            }
        }
        return String.join(" ", l);
    }
}
