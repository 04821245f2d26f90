/**
 * Filesystems: the VFS, buffer heads ({@code fs/buffer.c}), flusher writeback
 * ({@code fs/fs-writeback.c}), direct I/O, iomap and ext4.
 *
 * <p>Not yet built: see issue "fs" in the tracker.
 */
package org.faultline.fs;
