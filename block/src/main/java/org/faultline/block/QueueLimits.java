package org.faultline.block;

/**
 * Queue limits ({@code struct queue_limits}, /sys/block/X/queue/*).
 *
 * @param logicalBlockSize bytes; I/O must be aligned to it
 * @param maxSectorsKb     largest request, KiB ({@code max_sectors_kb})
 * @param maxSegments      largest request, in segments ({@code max_segments}); at most IOV_MAX
 * @param nrRequests       requests in flight at once ({@code nr_requests}, the tag depth)
 */
public record QueueLimits(int logicalBlockSize, int maxSectorsKb, int maxSegments, int nrRequests) {
    /** Defaults close to a virtio disk's. */
    public static QueueLimits defaults() {
        return new QueueLimits(512, 1280, 512, 32);
    }

    public long maxBytes() {
        return maxSectorsKb * 1024L;
    }

    public QueueLimits withNrRequests(int n) {
        return new QueueLimits(logicalBlockSize, maxSectorsKb, maxSegments, n);
    }
}
