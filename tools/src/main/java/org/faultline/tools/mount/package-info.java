/**
 * {@code faultline mount}: the emulated ext4 served to the host's programs through FUSE (jnr-fuse over
 * libfuse2). {@link org.faultline.tools.mount.FuseFs} turns each FUSE request into system calls of the
 * emulated task standing for the calling process, through {@link org.faultline.kernel.HostGate} (the
 * only way host threads enter a running kernel). No locks of its own: FUSE's threads block in the gate
 * until their call is done; an open file's handle names its opener's task and descriptor. Each call
 * runs with its caller's uid and gid; after an oops the mount refuses changes (EROFS).
 * {@link org.faultline.tools.mount.Recorder} collects what was done as a workload (its data file under
 * {@code --record-data}: positional writes at reserved offsets, so FUSE's threads append at once).
 */
package org.faultline.tools.mount;
