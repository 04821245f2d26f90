/**
 * The block layer: bios, requests, plugging and merging, the blk-mq queue with its tag depth, and
 * devices — a host image file (buffered or O_DIRECT), a RAM disk, and fault/latency decorators.
 *
 * <p>Files: {@link org.faultline.block.Bio} (block/bio.c), {@link org.faultline.block.BlkCore}
 * (block/blk-core.c: submit_bio), {@link org.faultline.block.Plug} (blk_plug),
 * {@link org.faultline.block.Request}, {@link org.faultline.block.RequestQueue} (block/blk-mq.c),
 * {@link org.faultline.block.BlockDevice} (gendisk), {@link org.faultline.block.BlockDriver} and its
 * implementations, {@link org.faultline.block.BlockStats}. {@link org.faultline.block.WriteLogDriver} logs
 * every completed write bio and flush (dm-log-writes: per bio, a merged request as its bios);
 * {@link org.faultline.block.CrashStates} builds from such a log what a power cut can leave on a disk
 * with a volatile write cache.
 *
 * <p>Lock ordering:
 * <pre>
 *   (task's own plug: no lock, only its task touches it)
 *   RequestQueue.queueLock (spin)   every hardware context's dispatch list (dispatch, attemptMerge, take)
 *     WaitQueue monitors            tag and IRQ wait lists  (leaf)
 * </pre>
 * Tags and the pending counts are atomics. A request goes to the hardware context of the submitting
 * task's CPU (tasks are spread over CPUs by pid) and completes in that context's IRQ task; free-running,
 * the IRQ tasks share one context. Completion ({@code bio_endio}) runs in softirq context:
 * an {@code endIo} that sleeps is reported as "scheduling while atomic".
 *
 * <p>block/ depends on kernel/, mm/ (a bio carries pages) and native/; it never imports fs/.
 */
package org.faultline.block;
