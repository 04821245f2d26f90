package org.faultline.block;

import org.faultline.nativeio.AlignedMemory;

import org.faultline.kernel.Kernel;
import org.faultline.kernel.WaitTarget;

/**
 * A driver decorator that adds a fixed service time to every request (dm-delay). The delay is a
 * sleep on the kernel clock: real time when free-running, virtual time under control — so under
 * control it orders events without ever changing a run's outcome by host timing.
 */
public final class LatencyInjector implements BlockDriver {
    private final BlockDriver inner;
    private final Kernel k;
    private final long readNs;
    private final long writeNs;

    public LatencyInjector(Kernel k, BlockDriver inner, long readNs, long writeNs) {
        this.k = k;
        this.inner = inner;
        this.readNs = readNs;
        this.writeNs = writeNs;
    }

    @Override
    public long capacitySectors() {
        return inner.capacitySectors();
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

    @Override
    public void close() {
        inner.close();
    }

    /** Offline access is not injected: it reaches the decorated driver as it is. */
    @Override
    public void rawTransfer(boolean write, long offset, AlignedMemory buf, int len) throws java.io.IOException {
        inner.rawTransfer(write, offset, buf, len);
    }

    @Override
    public void rawFlush() throws java.io.IOException {
        inner.rawFlush();
    }
}
