package org.faultline.block;

import java.io.IOException;
import org.faultline.nativeio.AlignedMemory;

/**
 * The device end of a queue ({@code struct blk_mq_ops}'s {@code queue_rq}, reduced to what a
 * synchronous host device needs): performs one request's data transfer and reports its status.
 * Drivers are decorated for fault and latency injection ({@link FaultInjector}, {@link LatencyInjector}).
 *
 * <p>Contract: {@link #execute} may be called from several host threads at once for different
 * requests; it must not call into the emulated kernel except through the scheduler's sleep
 * primitives (latency); it never throws for an I/O error — it returns a status.
 */
public interface BlockDriver extends AutoCloseable {
    /** Capacity in 512-byte sectors. */
    long capacitySectors();

    /** Performs the request's transfer (and flush, for PREFLUSH/FUA/FLUSH); returns its status. */
    BlkStatus execute(Request rq);

    /**
     * Offline access outside any queue: moves {@code len} bytes between {@code buf} (from its start)
     * and the device at byte {@code offset}, synchronously. For the image tools (mkfs, fsck, the
     * image API), which run without a kernel and reach a device as e2fsprogs' {@code unix_io} does from
     * user space: no request, no statistics, no injected fault or latency. A read past the end of a
     * short image file reads zeros.
     *
     * @throws IOException on a host error, or a range outside the device; by default, a driver
     *                     without offline access
     */
    default void rawTransfer(boolean write, long offset, AlignedMemory buf, int len) throws IOException {
        throw new IOException(describe() + ": no offline access");
    }

    /**
     * Makes every completed {@link #rawTransfer} write durable (a read-only device: nothing).
     *
     * @throws IOException on a host error
     */
    default void rawFlush() throws IOException {
    }

    /** A short description for reports ({@code "image /x.img (O_DIRECT)"}). */
    String describe();

    /** The host image file under this driver (through any decorators), or null for a RAM disk. */
    default HostFileDriver hostFile() {
        return null;
    }

    @Override
    void close();
}
