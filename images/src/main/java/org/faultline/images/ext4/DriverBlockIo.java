package org.faultline.images.ext4;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.faultline.block.BlockDriver;
import org.faultline.block.HostFileDriver;
import org.faultline.block.MemDiskDriver;
import org.faultline.fs.ext4.BlockIo;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.ErrnoException;

/**
 * The ext4 format layer's {@link BlockIo} over any {@link BlockDriver}, through its offline access
 * ({@link BlockDriver#rawTransfer}): a host image file ({@link HostFileDriver}, buffered or
 * {@code O_DIRECT}), a RAM disk ({@link MemDiskDriver}), or either behind the injectors. The one
 * adapter the image tools use; the in-kernel ext4 moves its metadata through the block layer instead
 * ({@link org.faultline.fs.ext4.BdevBlockIo}).
 *
 * <p>Whole blocks through one aligned bounce block (so {@code O_DIRECT} works). Not thread-safe, as
 * the format layer above it.
 */
public final class DriverBlockIo implements BlockIo, AutoCloseable {
    private final BlockDriver driver;
    private final AlignedMemory bounce;
    private int blockSize;
    private long blocks;
    private final boolean owns;
    private boolean readOnly;
    private long reads;
    private long writes;
    private long flushes;

    /**
     * @param driver    the device
     * @param blockSize the block size until {@link #setBlockSize}: 1024, 2048 or 4096
     * @param owns      whether {@link #close()} closes the driver too
     */
    public DriverBlockIo(BlockDriver driver, int blockSize, boolean owns) {
        this.driver = driver;
        this.owns = owns;
        try {
            this.bounce = AlignedMemory.allocate(4096); // the largest block: setBlockSize keeps it
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        setBlockSize(blockSize);
    }

    /** {@inheritDoc} The bounce block is 4 KiB whatever the size, so it stays aligned for O_DIRECT. */
    @Override
    public void setBlockSize(int size) {
        blockSize = BlockIo.checkBlockSize(size);
        blocks = (driver.capacitySectors() << 9) / size;
    }

    /**
     * Opens an existing image file ({@link HostFileDriver#open}); closing the result closes the file.
     *
     * @throws ErrnoException if the file cannot be opened (one-line message)
     */
    public static DriverBlockIo openImage(Path image, boolean readOnly, boolean direct) throws ErrnoException {
        DriverBlockIo io = new DriverBlockIo(HostFileDriver.open(image, direct, readOnly), 4096, true);
        io.readOnly = readOnly;
        return io;
    }

    /** @return whether the image was opened read-only ({@code bdev_read_only}) */
    @Override
    public boolean readOnly() {
        return readOnly;
    }

    /**
     * Creates (or truncates) an image file of {@code bytes} bytes rounded down to whole blocks, all
     * zeros ({@link HostFileDriver#create}); closing the result closes the file.
     *
     * @throws ErrnoException if the file cannot be created or sized
     */
    public static DriverBlockIo createImage(Path image, long bytes) throws ErrnoException {
        return createImage(image, bytes, 4096);
    }

    /**
     * {@link #createImage(Path, long)} in whole blocks of {@code blockSize} bytes, which the result
     * uses until {@link #setBlockSize}.
     *
     * @throws ErrnoException if the file cannot be created or sized
     */
    public static DriverBlockIo createImage(Path image, long bytes, int blockSize) throws ErrnoException {
        BlockIo.checkBlockSize(blockSize);
        return new DriverBlockIo(HostFileDriver.create(image, bytes / blockSize * blockSize), blockSize, true);
    }

    /**
     * A RAM disk of {@code blocks} blocks of 4 KiB (blocks of 4 KiB until {@link #setBlockSize}), all
     * zeros, owned by the result (tests, explorations).
     */
    public static DriverBlockIo ram(long blocks) {
        return new DriverBlockIo(new MemDiskDriver(blocks * 4096), 4096, true);
    }

    /** @return the device */
    public BlockDriver driver() {
        return driver;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public long blocks() {
        return blocks;
    }

    private void check(long block, byte[] buf) throws IOException {
        if (block < 0 || block >= blocks) {
            throw new IOException(driver.describe() + ": block " + block + " outside device of " + blocks + " blocks");
        }
        if (buf.length != blockSize) {
            throw new IllegalArgumentException("buffer of " + buf.length + " bytes, block size " + blockSize);
        }
    }

    @Override
    public void read(long block, byte[] dst) throws IOException {
        check(block, dst);
        driver.rawTransfer(false, block * blockSize, bounce, blockSize);
        bounce.get(0, dst, 0, blockSize);
        reads++;
    }

    @Override
    public void write(long block, byte[] src) throws IOException {
        check(block, src);
        bounce.put(0, src, 0, blockSize);
        driver.rawTransfer(true, block * blockSize, bounce, blockSize);
        writes++;
    }

    @Override
    public void flush() throws IOException {
        driver.rawFlush();
        flushes++;
    }

    /** @return blocks read so far */
    public long reads() {
        return reads;
    }

    /** @return blocks written so far */
    public long writes() {
        return writes;
    }

    /** @return flushes so far */
    public long flushes() {
        return flushes;
    }

    /**
     * @return a copy of the whole device (a RAM disk's bytes, or an image read back block by block)
     * @throws IOException on a device error
     */
    public byte[] snapshot() throws IOException {
        if (blocks * blockSize > Integer.MAX_VALUE - 8) {
            throw new IOException(driver.describe() + ": too large to copy into memory");
        }
        byte[] out = new byte[(int) (blocks * blockSize)];
        byte[] b = new byte[blockSize];
        for (long i = 0; i < blocks; i++) {
            read(i, b);
            System.arraycopy(b, 0, out, (int) (i * blockSize), blockSize);
        }
        reads -= blocks;
        return out;
    }

    /** Frees the bounce block and closes the driver if this object owns it. */
    @Override
    public void close() {
        bounce.close();
        if (owns) {
            driver.close();
        }
    }
}
