package org.faultline.block;

import org.faultline.nativeio.AlignedMemory;

import org.faultline.kernel.Kernel;
import org.faultline.kernel.WaitTarget;

/**
 * A driver decorator that adds a fixed service time to every request (dm-delay). The delay is a
 * sleep on the kernel clock: real time when free-running, virtual time under control — so under
 * control it orders events without ever changing a run's outcome by host timing.
 */
public final class LatencyInjector extends DriverDecorator {
    private final Kernel k;
    private final long readNs;
    private final long writeNs;

    public LatencyInjector(Kernel k, BlockDriver inner, long readNs, long writeNs) {
        super(inner);
        this.k = k;
        this.readNs = readNs;
        this.writeNs = writeNs;
    }

    @Override
    public BlkStatus execute(Request rq) {
        long ns = rq.op == Bio.Op.READ ? readNs : writeNs;
        if (ns > 0) {
            k.sched().scheduleTimeout(ns, DELAY);
        }
        return inner.execute(rq);
    }

    private static final WaitTarget DELAY = () -> "device service time (latency injection)";

    @Override
    public String describe() {
        return inner.describe() + " + latency " + readNs / 1000 + "/" + writeNs / 1000 + " us";
    }
}
