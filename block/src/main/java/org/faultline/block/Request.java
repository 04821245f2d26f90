package org.faultline.block;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A request ({@code struct request}): one or more bios merged into a contiguous run of sectors with
 * the same operation, handed to the driver as one unit — one host {@code preadv}/{@code pwritev}.
 *
 * <p>Mutable only while on a plug list or the queue's staging list (guarded by that list's owner).
 */
public final class Request {
    final Bio.Op op;
    final int flags;
    long sector;
    int bytes;
    int segments;
    final List<Bio> bios = new ArrayList<>(4);
    long startNs;

    Request(Bio first) {
        this.op = first.op;
        this.flags = first.opFlags;
        this.sector = first.sector;
        this.bytes = first.size();
        this.segments = first.vecCount();
        bios.add(first);
    }

    public Bio.Op op() {
        return op;
    }

    public int flags() {
        return flags;
    }

    public long sector() {
        return sector;
    }

    public int bytes() {
        return bytes;
    }

    public int segments() {
        return segments;
    }

    public List<Bio> bios() {
        return Collections.unmodifiableList(bios);
    }

    long endSector() {
        return sector + (bytes >> Bio.SECTOR_SHIFT);
    }

    /** blk_rq_merge_ok(): same op and flags, data-carrying, within the limits. */
    private boolean mergeOk(Bio b, QueueLimits lim) {
        return b.op == op && b.opFlags == flags && (op == Bio.Op.READ || op == Bio.Op.WRITE)
                && (flags & (Bio.REQ_PREFLUSH | Bio.REQ_FUA)) == 0 && b.size() > 0
                && (long) bytes + b.size() <= lim.maxBytes() && segments + b.vecCount() <= lim.maxSegments();
    }

    /**
     * blk_attempt_plug_merge() → bio_attempt_back_merge()/bio_attempt_front_merge().
     *
     * @return true if {@code b} was merged into this request
     */
    boolean tryMerge(Bio b, QueueLimits lim) {
        if (!mergeOk(b, lim)) {
            return false;
        }
        if (b.sector == endSector()) {
            bios.add(b);
        } else if (b.sector + b.sectors() == sector) {
            bios.add(0, b);
            sector = b.sector;
        } else {
            return false;
        }
        bytes += b.size();
        segments += b.vecCount();
        return true;
    }

    @Override
    public String toString() {
        return op + " sector " + sector + "+" + (bytes >> Bio.SECTOR_SHIFT) + " (" + bios.size() + " bios)";
    }
}
