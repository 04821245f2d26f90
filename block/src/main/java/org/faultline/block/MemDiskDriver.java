package org.faultline.block;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.faultline.mm.Page;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.LibC;

/**
 * A RAM disk ({@code drivers/block/brd.c}) for tests: its sectors live in an off-heap region and a
 * request copies between page memory and that region.
 */
public final class MemDiskDriver implements BlockDriver {
    private final AlignedMemory disk;

    public MemDiskDriver(long bytes) {
        try {
            this.disk = AlignedMemory.allocate(bytes, Page.PAGE_SIZE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long capacitySectors() {
        return disk.size() >> Bio.SECTOR_SHIFT;
    }

    @Override
    public BlkStatus execute(Request rq) {
        if (rq.op != Bio.Op.READ && rq.op != Bio.Op.WRITE) {
            return BlkStatus.OK;
        }
        long off = rq.sector << Bio.SECTOR_SHIFT;
        if (off + rq.bytes > disk.size()) {
            return BlkStatus.IOERR;
        }
        for (Bio b : rq.bios) {
            for (BioVec v : b.vecs()) {
                long diskAddr = disk.address(off, v.len()); // bounds-checked
                if (rq.op == Bio.Op.WRITE) {
                    LibC.memmove(diskAddr, v.address(), v.len());
                } else {
                    LibC.memmove(v.address(), diskAddr, v.len());
                }
                off += v.len();
            }
        }
        return BlkStatus.OK;
    }

    @Override
    public void rawTransfer(boolean write, long offset, AlignedMemory buf, int len) throws IOException {
        if (offset < 0 || len < 0 || offset + len > disk.size() || len > buf.size()) {
            throw new IOException(describe() + ": transfer of " + len + " bytes at " + offset + " outside the device");
        }
        long diskAddr = disk.address(offset, len);
        if (write) {
            LibC.memmove(diskAddr, buf.address(0, len), len);
        } else {
            LibC.memmove(buf.address(0, len), diskAddr, len);
        }
    }

    @Override
    public void rawFlush() {
        // RAM: nothing to make durable
    }

    /** Direct access to the disk's bytes, for tests. */
    public AlignedMemory bytes() {
        return disk;
    }

    @Override
    public String describe() {
        return "ramdisk " + (disk.size() >> 20) + " MiB";
    }

    @Override
    public void close() {
        disk.close();
    }
}
