package org.faultline.block;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.HostFile;

/**
 * A driver decorator that keeps the disk as it was when it was attached: before the first write to a
 * 4 KiB block, the block's old contents are copied into a sparse undo file at the same offset (the
 * copy-on-write of dm-snapshot, kept the other way round). {@link #readAtAttach} then reads any block
 * as it was, without a copy of the whole disk being made up front — so a failing boot on a large
 * image can be captured with the image as it was at boot.
 *
 * <p>Keeping the old blocks never fails a write: if the undo file cannot take one (the host's disk is
 * full), the driver stops keeping them and {@link #lost} says why.
 *
 * <p>Context: the driver's (several host threads at once). A block is claimed with a CAS on its bit
 * before its old contents are saved; two writes racing to the same block's first write are not
 * ordered against that save (the block layer does not send overlapping writes at once).
 */
public final class UndoLogDriver extends DriverDecorator {
    private static final int BLOCK = 4096;
    private final HostFile undo;
    private final AtomicLongArray saved;
    private final AtomicReference<String> lost = new AtomicReference<>();

    /**
     * @param inner the disk
     * @param undo  an empty file, opened read-write, that takes the old contents (sparse)
     */
    public UndoLogDriver(BlockDriver inner, HostFile undo) {
        super(inner);
        this.undo = undo;
        long blocks = (inner.capacitySectors() << 9) / BLOCK;
        this.saved = new AtomicLongArray((int) ((blocks + 63) / 64));
    }

    @Override
    public BlkStatus execute(Request rq) {
        if (rq.op == Bio.Op.WRITE && rq.bytes > 0) {
            long first = (rq.sector << 9) / BLOCK;
            long last = ((rq.sector << 9) + rq.bytes - 1) / BLOCK;
            for (long b = first; b <= last && lost.get() == null; b++) {
                if (claim(b) && !save(b)) {
                    break; // the undo file could not take it (host disk full...): stop keeping, never fail the run
                }
            }
        }
        return inner.execute(rq);
    }

    private boolean claim(long block) {
        int i = (int) (block >>> 6);
        long bit = 1L << (block & 63);
        return (saved.getAndUpdate(i, w -> w | bit) & bit) == 0;
    }

    /** @return whether block {@code b} has been written since the driver was attached */
    public boolean written(long b) {
        return (saved.get((int) (b >>> 6)) & (1L << (b & 63))) != 0;
    }

    private boolean save(long block) {
        try (AlignedMemory buf = AlignedMemory.allocate(BLOCK)) {
            inner.rawTransfer(false, block * BLOCK, buf, BLOCK);
            undo.pwrite(buf, 0, BLOCK, block * BLOCK);
            return true;
        } catch (IOException e) {
            lost.compareAndSet(null, e.getMessage());
            return false;
        }
    }

    /**
     * @return why the disk as it was at attach can no longer be read (the undo file could not take an
     *         old block), or null if it can
     */
    public String lost() {
        return lost.get();
    }

    /**
     * Reads block {@code b} as it was when the driver was attached (offline access; after the run).
     *
     * @param buf at least 4 KiB
     */
    public void readAtAttach(long b, AlignedMemory buf) throws IOException {
        if (written(b)) {
            int n = undo.pread(buf, 0, BLOCK, b * BLOCK);
            if (n < BLOCK) {
                buf.fill(n, BLOCK - n, (byte) 0);
            }
        } else {
            inner.rawTransfer(false, b * BLOCK, buf, BLOCK);
        }
    }

    /** @return blocks on the disk */
    public long blocks() {
        return (inner.capacitySectors() << 9) / BLOCK;
    }

    @Override
    public String describe() {
        return inner.describe() + " + undo log";
    }
}
