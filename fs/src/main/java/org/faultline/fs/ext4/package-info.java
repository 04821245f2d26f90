/**
 * The ext4 on-disk format and offline tooling: descriptors of the on-disk structures
 * ({@link org.faultline.fs.ext4.SuperBlockDescriptor}, {@link org.faultline.fs.ext4.GroupDescDescriptor},
 * {@link org.faultline.fs.ext4.InodeDescriptor}, {@link org.faultline.fs.ext4.ExtentDescriptor},
 * {@link org.faultline.fs.ext4.DirEntryDescriptor}), typed views over them, the extent tree, block and
 * inode allocators, an offline filesystem API ({@link org.faultline.fs.ext4.Ext4Volume}) over a small
 * block I/O interface ({@link org.faultline.fs.ext4.BlockIo}), {@link org.faultline.fs.ext4.Mkfs} and
 * {@link org.faultline.fs.ext4.Fsck}.
 *
 * <p>Written from the documented on-disk format (the kernel's {@code Documentation/filesystems/ext4});
 * class and constant names follow the kernel's. Images made here pass {@code e2fsck -fn} and read back
 * with {@code debugfs}; images made by {@code mkfs.ext4} with the supported feature set open here.
 *
 * <p>Single-threaded: nothing here locks or starts threads; callers serialize.
 */
package org.faultline.fs.ext4;
