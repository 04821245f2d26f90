package org.faultline.block;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicLongArray;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.LibC;
import org.faultline.nativeio.RegionPool;

/**
 * A RAM disk that starts as a copy of a shared template without copying it (dm-snapshot's
 * copy-on-write): a 4 KiB block reads from the template until it is first written, and from the
 * disk's own memory after. The own memory is an anonymous mapping, so blocks never written cost
 * nothing: an exploration boots thousands of executions on one image at the price of what each
 * writes, not of the whole image.
 *
 * <p>Context: several host threads at once for different requests (the template is never written).
 */
public final class CowMemDisk implements BlockDriver {
    private static final int BLOCK = 4096;
    /**
     * Own memory of closed disks: a block is read from it only once this disk wrote it whole, so a
     * region needs no clearing between disks. An exploration makes a disk per execution.
     */
    private static final RegionPool OWN_POOL = new RegionPool(4, 64L << 20);
    private final byte[] template;
    private final AlignedMemory own;
    private final AtomicLongArray written;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** A disk of {@code template.length} bytes (a multiple of 4 KiB) reading as {@code template}, which it never writes. */
    public CowMemDisk(byte[] template) {
        if (template.length % BLOCK != 0) {
            throw new IllegalArgumentException("template of " + template.length + " bytes, not whole 4 KiB blocks");
        }
        this.template = template;
        try {
            this.own = OWN_POOL.takeOrAllocate(template.length, BLOCK);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.written = new AtomicLongArray((template.length / BLOCK + 63) / 64);
    }

    private boolean isWritten(long b) {
        return (written.get((int) (b >>> 6)) & (1L << (b & 63))) != 0;
    }

    /** Makes block {@code b} the disk's own, copying the template's bytes unless it will be overwritten whole. */
    private void own(long b, boolean whole) {
        if (!isWritten(b)) {
            if (!whole) {
                own.put(b * BLOCK, template, (int) (b * BLOCK), BLOCK);
            }
            written.getAndUpdate((int) (b >>> 6), w -> w | (1L << (b & 63)));
        }
    }

    /** Moves {@code len} bytes between the disk at {@code off} and native memory at {@code addr}. */
    private void transfer(boolean write, long off, long addr, int len) {
        while (len > 0) {
            long b = off / BLOCK;
            int within = (int) (off % BLOCK);
            int n = Math.min(len, BLOCK - within);
            if (write) {
                own(b, within == 0 && n == BLOCK);
                LibC.memmove(own.address(off, n), addr, n);
            } else if (isWritten(b)) {
                LibC.memmove(addr, own.address(off, n), n);
            } else {
                LibC.copyIn(addr, template, (int) off, n);
            }
            off += n;
            addr += n;
            len -= n;
        }
    }

    @Override
    public long capacitySectors() {
        return (long) template.length >> Bio.SECTOR_SHIFT;
    }

    @Override
    public BlkStatus execute(Request rq) {
        if (rq.op != Bio.Op.READ && rq.op != Bio.Op.WRITE) {
            return BlkStatus.OK;
        }
        long off = rq.sector << Bio.SECTOR_SHIFT;
        if (off + rq.bytes > template.length) {
            return BlkStatus.IOERR;
        }
        for (Bio b : rq.bios) {
            for (BioVec v : b.vecs()) {
                transfer(rq.op == Bio.Op.WRITE, off, v.address(), v.len());
                off += v.len();
            }
        }
        return BlkStatus.OK;
    }

    @Override
    public void rawTransfer(boolean write, long offset, AlignedMemory buf, int len) throws IOException {
        if (offset < 0 || len < 0 || offset + len > template.length || len > buf.size()) {
            throw new IOException(describe() + ": transfer of " + len + " bytes at " + offset + " outside the device");
        }
        transfer(write, offset, buf.address(0, len), len);
    }

    @Override
    public String describe() {
        return "ramdisk " + (template.length >> 20) + " MiB (copy-on-write)";
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) { // given back once: a second close must not hand it out twice
            OWN_POOL.give(own);
        }
    }
}
