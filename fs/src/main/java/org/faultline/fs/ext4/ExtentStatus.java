package org.faultline.fs.ext4;

import java.util.Map;
import java.util.TreeMap;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.SpinLock;

/**
 * The extent status tree ({@code struct ext4_es_tree}, fs/ext4/extents_status.c, 3.8+): a per-inode
 * cache of what the on-disk extent tree says — written, unwritten, or a hole — so that a block
 * lookup on the write path ({@code ext4_da_map_blocks}) does not walk the on-disk tree under the
 * filesystem lock for every page. {@code ext4_map_blocks} consults it first, and records what it
 * found or allocated; whoever changes the block map (truncate, punch, fallocate, unwritten
 * conversion) removes the range.
 *
 * <p>Deviations: delayed extents are not recorded here — the buffer heads' BH_Delay carries that
 * state, as it did before 3.8; there is no shrinker (an inode has few extents in our workloads).
 *
 * <p>{@code i_es_lock} (a spin lock, where the kernel has an rwlock) protects the tree and the
 * last-hit cache ({@code es_tree->cache_es}). Callers hold {@code i_data_sem}; lookups may run
 * under it for read in parallel.
 */
@KernelSource("fs/ext4/extents_status.c")
final class ExtentStatus {
    /** EXTENT_STATUS_WRITTEN, _UNWRITTEN, _HOLE. */
    enum Kind { WRITTEN, UNWRITTEN, HOLE }

    /** {@code struct extent_status}: [lblk, lblk + len) maps to pblk.. (0 for a hole). */
    record Es(long lblk, long len, long pblk, Kind kind) {
        long end() {
            return lblk + len;
        }
    }

    private final SpinLock iEsLock;
    private final TreeMap<Long, Es> tree = new TreeMap<>(); // by lblk; extents never overlap
    private Es cacheEs;

    ExtentStatus(Kernel k, long ino) {
        this.iEsLock = new SpinLock(k, "i_es_lock of ino " + ino);
    }

    /** ext4_es_lookup_extent(): the cached extent containing {@code lblk}, or null. */
    Es lookupExtent(long lblk) {
        iEsLock.spinLock();
        try {
            Es c = cacheEs;
            if (c != null && c.lblk <= lblk && lblk < c.end()) {
                return c;
            }
            Map.Entry<Long, Es> e = tree.floorEntry(lblk);
            if (e == null || e.getValue().end() <= lblk) {
                return null;
            }
            cacheEs = e.getValue();
            return cacheEs;
        } finally {
            iEsLock.spinUnlock();
        }
    }

    /** ext4_es_insert_extent(): records [lblk, lblk + len) as {@code kind}, replacing what overlapped. */
    void insertExtent(long lblk, long len, long pblk, Kind kind) {
        if (len <= 0) {
            return;
        }
        iEsLock.spinLock();
        try {
            removeLocked(lblk, len);
            Es es = new Es(lblk, len, kind == Kind.HOLE ? 0 : pblk, kind);
            tree.put(lblk, es);
            cacheEs = es;
        } finally {
            iEsLock.spinUnlock();
        }
    }

    /** ext4_es_remove_extent(): forgets [lblk, lblk + len), splitting extents at the edges. */
    void removeExtent(long lblk, long len) {
        if (len <= 0) {
            return;
        }
        iEsLock.spinLock();
        try {
            removeLocked(lblk, len);
        } finally {
            iEsLock.spinUnlock();
        }
    }

    /** Forgets everything: after a block-map change that failed part way. */
    void clear() {
        iEsLock.spinLock();
        tree.clear();
        cacheEs = null;
        iEsLock.spinUnlock();
    }

    private void removeLocked(long lblk, long len) {
        long end = lblk + len < lblk ? Long.MAX_VALUE : lblk + len;
        cacheEs = null;
        Map.Entry<Long, Es> before = tree.lowerEntry(lblk);
        if (before != null && before.getValue().end() > lblk) {
            trim(before.getValue(), lblk, end);
        }
        for (Map.Entry<Long, Es> e = tree.ceilingEntry(lblk); e != null && e.getKey() < end;
                e = tree.ceilingEntry(lblk)) {
            trim(e.getValue(), lblk, end); // a right part put back starts at end, so the walk stops
        }
    }

    /** Removes {@code es}, putting back its parts outside [lblk, end). */
    private void trim(Es es, long lblk, long end) {
        tree.remove(es.lblk);
        if (es.lblk < lblk) {
            tree.put(es.lblk, new Es(es.lblk, lblk - es.lblk, es.pblk, es.kind));
        }
        if (es.end() > end) {
            long pblk = es.kind == Kind.HOLE ? 0 : es.pblk + (end - es.lblk);
            tree.put(end, new Es(end, es.end() - end, pblk, es.kind));
        }
    }

    /** Extents cached (for tests). */
    int size() {
        iEsLock.spinLock();
        int n = tree.size();
        iEsLock.spinUnlock();
        return n;
    }
}
