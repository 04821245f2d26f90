package org.faultline.fs.ext4;

import java.io.IOException;

/**
 * The block device under the ext4 format layer: whole-block reads and writes by block number, in
 * blocks of the filesystem's size. The image tools use {@code images.ext4.DriverBlockIo} (an image
 * file or a RAM disk); the in-kernel ext4 uses {@link BdevBlockIo} over the emulated block layer.
 *
 * <p>The block size is the device's until someone sets another, as the kernel's
 * {@code sb_min_blocksize} and {@code sb_set_blocksize} do: {@link Ext4SuperBlock#read} reads the
 * superblock at byte 1024 in 1 KiB blocks, then switches to {@code s_log_block_size}'s.
 *
 * <p>Kept deliberately small. Implementations need not be thread-safe: the format layer is
 * single-threaded.
 */
public interface BlockIo {
    /** @return the block size in bytes: 1024, 2048 or 4096 */
    int blockSize();

    /**
     * {@code sb_set_blocksize()}: from now on blocks are {@code size} bytes and are numbered in that
     * size; {@link #blocks()} changes with it.
     *
     * @param size 1024, 2048 or 4096
     * @throws IllegalArgumentException for another size
     */
    void setBlockSize(int size);

    /**
     * The check of {@link #setBlockSize}: a power of two from {@code EXT4_MIN_BLOCK_SIZE} (1024) to the
     * page size (4096), the sizes {@code sb_set_blocksize} accepts with 4 KiB pages.
     *
     * @return {@code size}
     * @throws IllegalArgumentException otherwise
     */
    static int checkBlockSize(int size) {
        if (size < 1024 || size > 4096 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("block size " + size + ": 1024, 2048 or 4096");
        }
        return size;
    }

    /** @return the device size in blocks (whole blocks of the current size) */
    long blocks();

    /**
     * Reads one block.
     *
     * @param block block number, {@code 0 <= block < blocks()}
     * @param dst   exactly {@link #blockSize()} bytes to fill
     * @throws IOException on a device error (a read past the end of a short image reads zeros)
     */
    void read(long block, byte[] dst) throws IOException;

    /**
     * Writes one block.
     *
     * @param block block number, {@code 0 <= block < blocks()}
     * @param src   exactly {@link #blockSize()} bytes
     * @throws IOException on a device error
     */
    void write(long block, byte[] src) throws IOException;

    /**
     * Whether the device refuses writes ({@code bdev_read_only}): a journal that needs recovery then
     * cannot be replayed, and a read-only open is refused instead ("write access unavailable").
     *
     * @return false unless the device was opened read-only
     */
    default boolean readOnly() {
        return false;
    }

    /**
     * A write submitted and not yet waited for: a locked buffer under I/O after {@code submit_bh}.
     */
    @FunctionalInterface
    interface BufferWrite {
        /**
         * {@code wait_on_buffer}, then {@code buffer_uptodate}: waits for the write to complete.
         *
         * @throws IOException if it failed (a device error)
         */
        void waitOnBuffer() throws IOException;
    }

    /** A block plug held by the caller ({@code struct blk_plug}). */
    @FunctionalInterface
    interface BlkPlug {
        /** {@code blk_finish_plug}: the writes gathered on the plug go to the device. */
        void blkFinishPlug();
    }

    /**
     * {@code submit_bh(REQ_OP_WRITE | REQ_SYNC, bh)} of one block without waiting for it: the write is
     * on its way when this returns and {@link BufferWrite#waitOnBuffer} waits for it. {@code src} may
     * be reused at once (the bytes are copied). By default — a device with no queue to submit to — the
     * block is written synchronously and the wait returns at once.
     *
     * @throws IOException on a device error found at submission
     */
    default BufferWrite submitBh(long block, byte[] src) throws IOException {
        write(block, src);
        return () -> {
        };
    }

    /**
     * {@code blk_start_plug}: until {@link BlkPlug#blkFinishPlug}, the writes {@link #submitBh}
     * submits gather on the caller's plug and merge there (contiguous blocks become one request). By
     * default, and where the caller cannot hold a plug, a plug that does nothing.
     */
    default BlkPlug blkStartPlug() {
        return () -> {
        };
    }

    /**
     * Writes one block with REQ_PREFLUSH and REQ_FUA: every write completed before it is durable
     * first, and it is durable when this returns (a journal's commit record). A device without its
     * own way of doing so flushes, writes and flushes.
     *
     * @throws IOException on a device error
     */
    default void writePreflushFua(long block, byte[] src) throws IOException {
        flush();
        write(block, src);
        flush();
    }

    /**
     * Makes every completed write durable.
     *
     * @throws IOException on a device error
     */
    void flush() throws IOException;
}
