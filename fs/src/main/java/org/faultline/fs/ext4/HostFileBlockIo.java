package org.faultline.fs.ext4;

import java.io.IOException;
import java.nio.file.Path;
import org.faultline.nativeio.AlignedMemory;
import org.faultline.nativeio.ErrnoException;
import org.faultline.nativeio.HostFile;
import org.faultline.nativeio.LibC;

/**
 * A {@link BlockIo} over a host disk image (or block device) through {@link HostFile}: one
 * {@code pread}/{@code pwrite} per block through a block-sized {@link AlignedMemory} bounce buffer, so
 * the file may be opened {@code O_DIRECT}. {@link #flush()} is {@code fdatasync}.
 *
 * <p>The device size is the file size rounded down to whole blocks, taken at open. Not thread-safe
 * (one bounce buffer).
 */
public final class HostFileBlockIo implements BlockIo, AutoCloseable {
    private final HostFile file;
    private final AlignedMemory bounce;
    private final int blockSize;
    private final long blocks;
    private final boolean ownsFile;

    private HostFileBlockIo(HostFile file, int blockSize, long bytes, boolean ownsFile) throws ErrnoException {
        this.file = file;
        this.blockSize = blockSize;
        this.blocks = bytes / blockSize;
        this.ownsFile = ownsFile;
        this.bounce = AlignedMemory.allocate(blockSize);
    }

    /**
     * Opens an existing image.
     *
     * @param image     the image file or block device
     * @param readOnly  open {@code O_RDONLY}
     * @param direct    open {@code O_DIRECT}
     * @param blockSize the block size (4096)
     * @return the block I/O; close it to close the file
     * @throws ErrnoException if the file cannot be opened (one-line message)
     */
    public static HostFileBlockIo open(Path image, boolean readOnly, boolean direct, int blockSize) throws ErrnoException {
        HostFile f = HostFile.openImage(image, direct, readOnly);
        try {
            return new HostFileBlockIo(f, blockSize, f.size(), true);
        } catch (ErrnoException | RuntimeException e) {
            try {
                f.close();
            } catch (ErrnoException ignored) {
                // the open failure is what matters
            }
            throw e;
        }
    }

    /**
     * Creates (or truncates) an image file of {@code bytes} bytes, rounded down to whole blocks, all
     * zeros (a sparse file where the host filesystem allows).
     *
     * @param image     the file to create
     * @param bytes     its size
     * @param blockSize the block size (4096)
     * @return the block I/O, read-write
     * @throws ErrnoException if the file cannot be created or sized
     */
    public static HostFileBlockIo create(Path image, long bytes, int blockSize) throws ErrnoException {
        HostFile f = HostFile.open(image, LibC.O_RDWR | LibC.O_CREAT, 0644);
        try {
            long size = bytes / blockSize * blockSize;
            f.ftruncate(0);
            f.ftruncate(size);
            return new HostFileBlockIo(f, blockSize, size, true);
        } catch (ErrnoException | RuntimeException e) {
            try {
                f.close();
            } catch (ErrnoException ignored) {
                // the create failure is what matters
            }
            throw e;
        }
    }

    /**
     * Wraps an already open file; {@link #close()} then leaves it open.
     *
     * @param file      the open image
     * @param blockSize the block size (4096)
     * @return the block I/O
     * @throws ErrnoException if the size cannot be read
     */
    public static HostFileBlockIo wrap(HostFile file, int blockSize) throws ErrnoException {
        return new HostFileBlockIo(file, blockSize, file.size(), false);
    }

    /** @return the underlying file */
    public HostFile file() {
        return file;
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
            throw new IOException(file.path() + ": block " + block + " outside device of " + blocks + " blocks");
        }
        if (buf.length != blockSize) {
            throw new IllegalArgumentException("buffer of " + buf.length + " bytes, block size " + blockSize);
        }
    }

    @Override
    public void read(long block, byte[] dst) throws IOException {
        check(block, dst);
        int n = file.pread(bounce, 0, blockSize, block * blockSize);
        if (n < blockSize) {
            bounce.fill(n, blockSize - n, (byte) 0);
        }
        bounce.get(0, dst, 0, blockSize);
    }

    @Override
    public void write(long block, byte[] src) throws IOException {
        check(block, src);
        bounce.put(0, src, 0, blockSize);
        file.pwrite(bounce, 0, blockSize, block * blockSize);
    }

    @Override
    public void flush() throws IOException {
        if (!file.isReadOnly()) {
            file.fdatasync();
        }
    }

    /** Frees the bounce buffer and closes the file if this object opened it. */
    @Override
    public void close() throws ErrnoException {
        bounce.close();
        if (ownsFile) {
            file.close();
        }
    }
}
