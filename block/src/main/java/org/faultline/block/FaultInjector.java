package org.faultline.block;

import org.faultline.nativeio.AlignedMemory;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A driver decorator that fails chosen requests ({@code fail_make_request}/dm-flakey, and FoundationDB's
 * tagged injected faults): each rule matches an op and a sector range and fails every matching
 * request, or only the n-th. Failed requests do no I/O; their status is tagged injected.
 *
 * <p>Fault budget: unlimited by default; a rule with {@code nth > 0} fires once.
 */
public final class FaultInjector extends DriverDecorator {
    /**
     * One injection rule.
     *
     * @param op          READ, WRITE, or null for any
     * @param fromSector  first sector of the range (inclusive)
     * @param toSector    last sector of the range (exclusive); Long.MAX_VALUE for all
     * @param nth         fail only the n-th matching request (1-based), or 0 for every one
     * @param status      the status to complete with
     */
    public record Rule(Bio.Op op, long fromSector, long toSector, int nth, BlkStatus status) {
        boolean matches(Request rq) {
            return (op == null || op == rq.op) && rq.sector < toSector && rq.endSector() > fromSector;
        }
    }

    private final List<Rule> rules;
    private final AtomicInteger[] seen; // per rule: matching requests so far

    /** Decorates {@code inner} with a fixed list of rules, checked in order. */
    public FaultInjector(BlockDriver inner, List<Rule> rules) {
        super(inner);
        this.rules = List.copyOf(rules);
        this.seen = new AtomicInteger[this.rules.size()];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = new AtomicInteger();
        }
    }

    @Override
    public BlkStatus execute(Request rq) {
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            if (r.matches(rq)) {
                int n = seen[i].incrementAndGet();
                if (r.nth == 0 || r.nth == n) {
                    return r.status.asInjected();
                }
            }
        }
        return inner.execute(rq);
    }

    @Override
    public String describe() {
        return inner.describe() + " + fault injection";
    }
}
