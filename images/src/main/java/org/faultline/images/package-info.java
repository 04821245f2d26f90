/**
 * Disk images: creation, snapshots (reflink or sparse copy) and the capture store of
 * (image, workload, patches, schedule) tuples.
 *
 * <p>Not yet built beyond what the block layer and tools need.
 */
package org.faultline.images;
