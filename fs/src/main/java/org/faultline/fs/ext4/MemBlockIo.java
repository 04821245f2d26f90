package org.faultline.fs.ext4;

import java.io.IOException;
import java.util.Arrays;

/**
 * A {@link BlockIo} in heap memory, for unit tests: blocks are allocated on first write and read as
 * zeros before that, so a large sparse device costs little. Counts reads, writes and flushes.
 *
 * <p>Not thread-safe.
 */
public final class MemBlockIo implements BlockIo {
    private final int blockSize;
    private final long blocks;
    private final byte[][] data;
    private long reads;
    private long writes;
    private long flushes;

    /**
     * @param blockSize block size in bytes
     * @param blocks    device size in blocks (at most {@code Integer.MAX_VALUE})
     */
    public MemBlockIo(int blockSize, long blocks) {
        if (blockSize <= 0 || blocks < 0 || blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bad MemBlockIo geometry: " + blocks + " blocks of " + blockSize);
        }
        this.blockSize = blockSize;
        this.blocks = blocks;
        this.data = new byte[(int) blocks][];
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public long blocks() {
        return blocks;
    }

    private int index(long block, byte[] buf) throws IOException {
        if (block < 0 || block >= blocks) {
            throw new IOException("MemBlockIo: block " + block + " outside device of " + blocks + " blocks");
        }
        if (buf.length != blockSize) {
            throw new IllegalArgumentException("buffer of " + buf.length + " bytes, block size " + blockSize);
        }
        return (int) block;
    }

    @Override
    public void read(long block, byte[] dst) throws IOException {
        int i = index(block, dst);
        reads++;
        byte[] b = data[i];
        if (b == null) {
            Arrays.fill(dst, (byte) 0);
        } else {
            System.arraycopy(b, 0, dst, 0, blockSize);
        }
    }

    @Override
    public void write(long block, byte[] src) throws IOException {
        int i = index(block, src);
        writes++;
        byte[] b = data[i];
        if (b == null) {
            b = new byte[blockSize];
            data[i] = b;
        }
        System.arraycopy(src, 0, b, 0, blockSize);
    }

    @Override
    public void flush() {
        flushes++;
    }

    /** @return block reads so far */
    public long reads() {
        return reads;
    }

    /** @return block writes so far */
    public long writes() {
        return writes;
    }

    /** @return flushes so far */
    public long flushes() {
        return flushes;
    }

    /** @return a copy of the whole device (for hashing in tests) */
    public byte[] snapshot() {
        byte[] out = new byte[Math.toIntExact(blocks * blockSize)];
        for (int i = 0; i < data.length; i++) {
            if (data[i] != null) {
                System.arraycopy(data[i], 0, out, i * blockSize, blockSize);
            }
        }
        return out;
    }
}
