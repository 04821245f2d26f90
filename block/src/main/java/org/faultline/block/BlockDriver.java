package org.faultline.block;

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

    /** A short description for reports ({@code "image /x.img (O_DIRECT)"}). */
    String describe();

    @Override
    void close();
}
