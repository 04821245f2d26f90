/**
 * Filesystems: the VFS, buffer heads ({@code fs/buffer.c}), flusher writeback
 * ({@code fs/fs-writeback.c}), direct I/O, iomap and ext4.
 *
 * <p>Not yet built: see issue "fs" in the tracker.
 *
 * <p>The ext4 on-disk format and the offline tools over it (mkfs, fsck, a file API on a disk image)
 * are in {@link org.faultline.fs.ext4}; the in-kernel ext4 will call into that package through its
 * {@link org.faultline.fs.ext4.BlockIo}.
 */
package org.faultline.fs;
