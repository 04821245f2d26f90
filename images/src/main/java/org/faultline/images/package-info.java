/**
 * Disk images: the offline ext4 tools ({@link org.faultline.images.ext4}) and, to come, snapshots
 * (reflink or sparse copy) and the capture store of (image, workload, patches, schedule) tuples.
 *
 * <p>Nothing here runs inside the emulated kernel: no tasks, no locks; callers serialize.
 */
package org.faultline.images;
