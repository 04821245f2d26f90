/**
 * Disk images outside the emulated kernel: the offline ext4 tools — mkfs, fsck, the path API
 * ({@link org.faultline.images.ext4}) — and the store of captured failures
 * ({@link org.faultline.images.capture}).
 *
 * <p>Nothing here runs inside the emulated kernel: no tasks, no locks; callers serialize.
 */
package org.faultline.images;
