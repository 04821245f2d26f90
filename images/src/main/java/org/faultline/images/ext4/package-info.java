/**
 * The ext4 image tools, what e2fsprogs is to the kernel: {@link org.faultline.images.ext4.Mkfs}
 * (mke2fs for the supported feature set), {@link org.faultline.images.ext4.Fsck} (e2fsck's passes,
 * read-only), {@link org.faultline.images.ext4.Ext4Image} (a file API by path and inode number, as
 * libext2fs is to debugfs: it moves file data itself and frees an inode with its last link) and
 * {@link org.faultline.images.ext4.DriverBlockIo}, the one {@link org.faultline.fs.ext4.BlockIo}
 * adapter, over any {@link org.faultline.block.BlockDriver}'s offline access (image file or RAM disk).
 *
 * <p>Every metadata change goes through the parts of {@link org.faultline.fs.ext4.Ext4Volume} — the
 * same code the in-kernel ext4 runs — so an image these tools make or change is what the emulated
 * kernel would have written. Only file data and fsck's reading of raw structures are done here.
 *
 * <p>Tests here also cover the in-kernel ext4 wherever it needs a formatted disk (this module is the
 * first that can make one). Single-threaded: nothing here locks or starts threads.
 */
package org.faultline.images.ext4;
