/**
 * Host system calls, through JNA direct mapping: nothing here is emulated.
 *
 * <p>This package is the bottom of Faultline. The emulated block layer above it does its I/O
 * against real image files (or block devices) through {@link org.faultline.nativeio.HostFile},
 * using off-heap buffers from {@link org.faultline.nativeio.AlignedMemory}. Every call here is one
 * real libc call on the host: {@code open}, {@code pread}/{@code pwrite},
 * {@code preadv}/{@code pwritev} (one call moves a whole request of up to {@code IOV_MAX}
 * buffers, never one call per page), {@code fdatasync}, {@code fallocate}, {@code ioctl(FICLONE)}
 * and so on. {@link org.faultline.nativeio.LibC} holds the raw bindings; failures become
 * {@link org.faultline.nativeio.ErrnoException}, whose one-line message names the call, the path
 * and the errno (e.g. {@code open(/tmp/x.img): No such file or directory (ENOENT)}).
 *
 * <p><strong>Thread safety.</strong> The package has no locks of its own. Positional reads and
 * writes on one {@code HostFile} from several threads are safe, as are accessors on one
 * {@code AlignedMemory}; ordering between overlapping accesses is the caller's business (the
 * emulated kernel above provides it). Closing a file or a region while other threads still use it
 * is not allowed; {@code close()} itself is idempotent. {@link org.faultline.nativeio.RegionPool}
 * keeps regions for reuse (an exploration's RAM and disks, one set per execution) in a concurrent
 * deque; a region given back must not be used by its giver again.
 *
 * <p><strong>Platforms.</strong> Linux on x86_64 and aarch64 (glibc). Elsewhere the entry points
 * throw {@link java.lang.UnsupportedOperationException} with a one-line reason.
 */
package org.faultline.nativeio;
