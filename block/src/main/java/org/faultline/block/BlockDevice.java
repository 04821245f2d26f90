package org.faultline.block;

import org.faultline.kernel.Kernel;

/**
 * A block device ({@code struct gendisk} + {@code struct block_device}): a name ({@code sda}), a
 * capacity, a {@link RequestQueue} and the {@link BlockDriver} behind it.
 */
public final class BlockDevice implements AutoCloseable {
    private final Kernel k;
    private final String name;
    private final BlockDriver driver;
    private final RequestQueue queue;

    private BlockDevice(Kernel k, String name, BlockDriver driver, QueueLimits limits) {
        this.k = k;
        this.name = name;
        this.driver = driver;
        this.queue = new RequestQueue(k, this, driver, limits);
    }

    /**
     * add_disk(): registers a device on the kernel and spawns its IRQ tasks.
     *
     * @param irqTasks completion contexts: requests that may complete out of order
     */
    public static BlockDevice addDisk(Kernel k, String name, BlockDriver driver, QueueLimits limits, int irqTasks) {
        BlkCore.init(k); // at boot, before any task runs
        BlockDevice d = new BlockDevice(k, name, driver, limits);
        d.queue.startIrqTasks(Math.max(1, irqTasks));
        k.printk(name + ": " + driver.capacitySectors() + " 512-byte logical blocks ("
                + (driver.capacitySectors() >> 11) + " MiB), " + driver.describe());
        return d;
    }

    public Kernel kernel() {
        return k;
    }

    public String name() {
        return name;
    }

    public RequestQueue queue() {
        return queue;
    }

    public BlockDriver driver() {
        return driver;
    }

    public long capacitySectors() {
        return driver.capacitySectors();
    }

    public BlockStats stats() {
        return queue.stats();
    }

    @Override
    public void close() {
        driver.close();
    }

    @Override
    public String toString() {
        return name;
    }
}
