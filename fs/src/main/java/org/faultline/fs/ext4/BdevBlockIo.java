package org.faultline.fs.ext4;

import java.io.IOException;
import org.faultline.block.Bio;
import org.faultline.block.BlkCore;
import org.faultline.block.BlkStatus;
import org.faultline.block.BlockDevice;
import org.faultline.block.Plug;
import org.faultline.kernel.Completion;
import org.faultline.kernel.Kernel;
import org.faultline.mm.Gfp;
import org.faultline.mm.Mm;
import org.faultline.mm.Page;

/**
 * Metadata block I/O of the in-kernel ext4 through the emulated block layer ({@code sb_bread} /
 * {@code sync_dirty_buffer} reduced to whole blocks of the filesystem's size): each read or write is
 * a bio on the first {@code blocksize} bytes of a page from the page allocator, submitted and waited for, so metadata I/O shares the device queue, its merging,
 * fault injection and statistics with data I/O. jbd2's log writes are submitted without waiting
 * ({@link #submitBh}, under the caller's plug: {@link #blkStartPlug}) and waited for afterwards.
 *
 * <p>Deviation: ext4 caches metadata in the block device's page cache through buffer heads; here the
 * format layer's {@link MetadataCache} is the cache and this class only moves blocks.
 * Context: task context (sleeps); callers hold the filesystem lock.
 */
public final class BdevBlockIo implements BlockIo {
    private final BlockDevice bdev;
    private final Mm mm;
    private int blockSize = 4096;

    /** Blocks of 4 KiB until {@link #setBlockSize}. */
    public BdevBlockIo(BlockDevice bdev, Mm mm) {
        this.bdev = bdev;
        this.mm = mm;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public void setBlockSize(int size) {
        blockSize = BlockIo.checkBlockSize(size);
    }

    @Override
    public long blocks() {
        return bdev.capacitySectors() / sectorsPerBlock();
    }

    private int sectorsPerBlock() {
        return blockSize >> Bio.SECTOR_SHIFT;
    }

    @Override
    public void read(long block, byte[] dst) throws IOException {
        Page p = page();
        try {
            Bio bio = Bio.bioAlloc(bdev, Bio.Op.READ, Bio.REQ_META | Bio.REQ_SYNC, block * sectorsPerBlock(), 1);
            bio.bioAddPage(p, blockSize, 0);
            check(BlkCore.submitBioWait(bio), "read", block);
            mm.memMap().read(p, 0, dst, 0, blockSize);
        } finally {
            mm.allocator().putPage(p);
        }
    }

    @Override
    public void write(long block, byte[] src) throws IOException {
        write(block, src, Bio.REQ_META | Bio.REQ_SYNC);
    }

    /**
     * One bio of REQ_SYNC | REQ_PREFLUSH | REQ_FUA, as journal_submit_commit_record sends jbd2's commit
     * block (not REQ_META): the block layer flushes before the write and makes it durable.
     */
    @Override
    public void writePreflushFua(long block, byte[] src) throws IOException {
        write(block, src, Bio.REQ_SYNC | Bio.REQ_PREFLUSH | Bio.REQ_FUA);
    }

    /** Writes one block with one bio of {@code flags} (REQ_*) and waits for it. */
    private void write(long block, byte[] src, int flags) throws IOException {
        Page p = page();
        try {
            mm.memMap().write(p, 0, src, 0, blockSize);
            Bio bio = Bio.bioAlloc(bdev, Bio.Op.WRITE, flags, block * sectorsPerBlock(), 1);
            bio.bioAddPage(p, blockSize, 0);
            check(BlkCore.submitBioWait(bio), "write", block);
        } finally {
            mm.allocator().putPage(p);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>One bio of {@code REQ_SYNC} on a page holding a copy of {@code src} (the kernel writes the
     * buffer's own page), completed into a completion the wait sleeps on
     * ({@code journal_end_buffer_io_sync} unlocking the buffer; {@code wait_on_buffer}); the page is
     * freed by the wait. At boot, when nobody can sleep, it is written synchronously instead, as
     * {@link BlkCore#submitBioWait} does.
     */
    @Override
    public BufferWrite submitBh(long block, byte[] src) throws IOException {
        Kernel k = bdev.kernel();
        if (k.sched().bootContext()) {
            write(block, src, Bio.REQ_SYNC);
            return () -> {
            };
        }
        Page p = page();
        Bio bio;
        Completion done = new Completion(k, "wait_on_buffer");
        try {
            mm.memMap().write(p, 0, src, 0, blockSize);
            bio = Bio.bioAlloc(bdev, Bio.Op.WRITE, Bio.REQ_SYNC, block * sectorsPerBlock(), 1);
            bio.bioAddPage(p, blockSize, 0);
        } catch (RuntimeException e) {
            mm.allocator().putPage(p);
            throw e;
        }
        done.owedBy(bio);
        bio.setEndIo(b -> done.complete());
        BlkCore.submitBio(bio);
        return () -> {
            try {
                done.waitForCompletion();
                check(bio.status(), "write", block);
            } finally {
                mm.allocator().putPage(p);
            }
        };
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link Plug#blkStartPlug} on the current task; at boot (no task) a plug that does nothing.
     */
    @Override
    public BlkPlug blkStartPlug() {
        Kernel k = bdev.kernel();
        if (k.sched().bootContext()) {
            return () -> {
            };
        }
        Plug plug = Plug.blkStartPlug(k);
        return plug::blkFinishPlug;
    }

    @Override
    public void flush() throws IOException {
        Bio bio = Bio.bioAlloc(bdev, Bio.Op.FLUSH, Bio.REQ_PREFLUSH, 0, 0);
        check(BlkCore.submitBioWait(bio), "flush", 0);
    }

    private Page page() throws IOException {
        Page p = mm.allocator().allocPages(Gfp.GFP_NOFS);
        if (p == null) {
            throw new Ext4Exception(12, bdev.name() + ": no memory for a metadata block");
        }
        return p;
    }

    private void check(BlkStatus st, String op, long block) throws IOException {
        if (!st.ok()) {
            throw new Ext4Exception(Math.abs(st.toErrno()), bdev.name() + ": metadata " + op + " of block " + block + " failed: " + st);
        }
    }
}
