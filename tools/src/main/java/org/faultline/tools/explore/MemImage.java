package org.faultline.tools.explore;

import org.faultline.block.BlockDriver;
import org.faultline.block.CowMemDisk;
import org.faultline.block.MemDiskDriver;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.images.ext4.DriverBlockIo;
import org.faultline.images.ext4.Mkfs;

/**
 * The disk of an exploration: an ext4 image made once by our mkfs in memory, the template of a
 * copy-on-write RAM disk for every execution ({@link CowMemDisk}), so thousands of executions start from
 * the same bytes, none pays for a copy of the image, and no image file is ever written. One instance
 * serves one exploration (its executions may run on several threads: the template is never written).
 */
public final class MemImage {
    private final byte[] template;

    /** Makes the template: an empty ext4 filesystem of {@code bytes}. */
    public MemImage(long bytes) {
        this.template = build(bytes);
    }

    /** A given template: a captured disk at boot. */
    public MemImage(byte[] template) {
        this.template = template.clone();
    }

    /** @return a copy of the template: the disk every execution boots on */
    public byte[] template() {
        return template.clone();
    }

    /** A RAM disk reading as the template, copy-on-write: nothing is copied until written. */
    public BlockDriver fresh() {
        return new CowMemDisk(template);
    }

    /** Makes the template: an empty ext4 filesystem of {@code bytes} made with {@code o}. */
    public MemImage(long bytes, Mkfs.Options o) {
        this.template = build(bytes, o);
    }

    private static byte[] build(long bytes) {
        return build(bytes, Mkfs.Options.seeded(1));
    }

    private static byte[] build(long bytes, Mkfs.Options o) {
        MemDiskDriver d = new MemDiskDriver(bytes);
        try (DriverBlockIo io = new DriverBlockIo(d, 4096, true)) {
            Mkfs.format(io, "sda", o);
            byte[] t = new byte[(int) bytes];
            d.bytes().get(0, t, 0, t.length);
            return t;
        } catch (Ext4Exception e) {
            throw new IllegalStateException("cannot make the scenario image: " + e.getMessage(), e);
        }
    }
}
