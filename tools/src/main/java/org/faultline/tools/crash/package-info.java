/**
 * Crash-consistency checking ({@code faultline crash}, docs/crash.md): {@link org.faultline.tools.crash.CrashRun}
 * runs a workload once under the controlled scheduler on a RAM copy of a journaled image, with the block
 * write log ({@code org.faultline.block.WriteLogDriver}) and the durability promises of the workload
 * ({@code org.faultline.tools.workload.Promises}) recorded; then builds the crash states a volatile write
 * cache allows at each persistence point ({@code org.faultline.block.CrashStates}), recovers each with
 * the offline volume (journal replay, orphan cleanup) and checks the promised files and fsck.
 *
 * <p>Threads and locks: none of its own; the run is one controlled machine, the states are checked one
 * after another on the calling thread.
 */
package org.faultline.tools.crash;
