package org.faultline.tools.explore;

import java.io.IOException;
import org.faultline.block.MemDiskDriver;
import org.faultline.fs.ext4.BlockIo;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Mkfs;

/**
 * The disk of an exploration: an ext4 image made once by our mkfs in memory, then copied into a fresh
 * RAM disk for every execution, so thousands of executions start from the same bytes and no image
 * file is ever written. One instance serves one exploration.
 */
public final class MemImage {
    private final long bytes;
    private final byte[] template;

    /** Makes the template: an empty ext4 filesystem of {@code bytes}. */
    public MemImage(long bytes) {
        this.bytes = bytes;
        this.template = build(bytes);
    }

    /** A RAM disk holding a fresh copy of the template. */
    public MemDiskDriver fresh() {
        MemDiskDriver d = new MemDiskDriver(bytes);
        d.bytes().put(0, template, 0, template.length);
        return d;
    }

    private static byte[] build(long bytes) {
        byte[] t;
        MemDiskDriver d = new MemDiskDriver(bytes);
        try {
            Mkfs.format(new DiskIo(d), "sda", Mkfs.Options.seeded(1));
        } catch (Ext4Exception e) {
            throw new IllegalStateException("cannot make the scenario image: " + e.getMessage(), e);
        }
        t = new byte[(int) bytes];
        d.bytes().get(0, t, 0, t.length);
        d.close();
        return t;
    }

    /** The format layer's block interface over a RAM disk. */
    private static final class DiskIo implements BlockIo {
        private final MemDiskDriver d;

        DiskIo(MemDiskDriver d) {
            this.d = d;
        }

        @Override
        public int blockSize() {
            return 4096;
        }

        @Override
        public long blocks() {
            return d.bytes().size() / 4096;
        }

        @Override
        public void read(long block, byte[] dst) throws IOException {
            d.bytes().get(block * 4096, dst, 0, 4096);
        }

        @Override
        public void write(long block, byte[] src) throws IOException {
            d.bytes().put(block * 4096, src, 0, 4096);
        }

        @Override
        public void flush() {
        }
    }
}
