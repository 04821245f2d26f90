package org.faultline.tools.explore;

import org.faultline.block.MemDiskDriver;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.images.ext4.DriverBlockIo;
import org.faultline.images.ext4.Mkfs;

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

    /** A given template: a captured disk at boot. */
    public MemImage(byte[] template) {
        this.bytes = template.length;
        this.template = template.clone();
    }

    /** @return a copy of the template: the disk every execution boots on */
    public byte[] template() {
        return template.clone();
    }

    /** A RAM disk holding a fresh copy of the template. */
    public MemDiskDriver fresh() {
        MemDiskDriver d = new MemDiskDriver(bytes);
        d.bytes().put(0, template, 0, template.length);
        return d;
    }

    private static byte[] build(long bytes) {
        MemDiskDriver d = new MemDiskDriver(bytes);
        try (DriverBlockIo io = new DriverBlockIo(d, 4096, true)) {
            Mkfs.format(io, "sda", Mkfs.Options.seeded(1));
            byte[] t = new byte[(int) bytes];
            d.bytes().get(0, t, 0, t.length);
            return t;
        } catch (Ext4Exception e) {
            throw new IllegalStateException("cannot make the scenario image: " + e.getMessage(), e);
        }
    }
}
