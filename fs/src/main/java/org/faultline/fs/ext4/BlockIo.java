package org.faultline.fs.ext4;

import java.io.IOException;

/**
 * The block device under the ext4 format layer: whole-block reads and writes by block number.
 * The image tools use {@code images.ext4.DriverBlockIo} (an image file or a RAM disk); the in-kernel
 * ext4 will implement it through the emulated block layer.
 *
 * <p>Kept deliberately small. Implementations need not be thread-safe: the format layer is
 * single-threaded.
 */
public interface BlockIo {
    /** @return the block size in bytes (4096 for ext4 here) */
    int blockSize();

    /** @return the device size in blocks */
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
     * Makes every completed write durable.
     *
     * @throws IOException on a device error
     */
    void flush() throws IOException;
}
