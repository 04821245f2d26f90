package org.faultline.fs;

import org.faultline.block.BlockDevice;
import org.faultline.block.BlockDriver;
import org.faultline.block.QueueLimits;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Super;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.RunResult;
import org.faultline.mm.Mm;
import org.faultline.mm.Page;

/**
 * A kernel brought up on a disk the way init/main.c does it, in one fixed order: start_kernel
 * ({@link Kernel#boot}: scheduler, printk), mm_core_init ({@link Mm#init}: the page allocator, memcg,
 * reclaim), the initcalls of the layers this machine has, eagerly and before any task runs
 * (blk_dev_init, buffer_init, vfs_caches_init: no subsystem is created on first use by a task that
 * another task races), add_disk of the one disk, then prepare_namespace/mount_root: the root file
 * system mounted (ext4, {@code -o ro} and {@code -o iomap} as asked) and its flusher started.
 *
 * <p>Everything that runs a kernel on a disk boots through here: {@code boot}, the image commands,
 * {@code explore}, {@code fuzz}, {@code bench fs} and the tests. The machine owns the disk's driver
 * and the RAM: {@link #close} releases both, after the run or when the boot fails.
 *
 * <p>Not thread-safe: built, run and closed by one host thread.
 */
@KernelSource("init/main.c")
public final class Machine implements AutoCloseable {
    /**
     * What to boot.
     *
     * @param params   boot parameters (scheduler, profile, seed, debug options)
     * @param ramPages RAM in pages
     * @param disk     the disk's driver (the machine closes it)
     * @param hwQueues hardware queues of the disk (completion contexts)
     * @param readOnly mount the root file system read-only
     * @param iomap    mount with {@code -o iomap} (ext4's iomap buffered I/O path)
     */
    public record Spec(BootParams params, int ramPages, BlockDriver disk, int hwQueues, boolean readOnly,
                       boolean iomap) {
        /** A read-write mount, two hardware queues, buffer-head I/O. */
        public static Spec of(BootParams params, long ramBytes, BlockDriver disk) {
            return new Spec(params, (int) (ramBytes / Page.PAGE_SIZE), disk, 2, false, false);
        }

        public Spec withHwQueues(int n) {
            return new Spec(params, ramPages, disk, n, readOnly, iomap);
        }

        public Spec withReadOnly(boolean ro) {
            return new Spec(params, ramPages, disk, hwQueues, ro, iomap);
        }

        public Spec withIomap(boolean on) {
            return new Spec(params, ramPages, disk, hwQueues, readOnly, on);
        }
    }

    private final Kernel kernel;
    private final Mm mm;
    private final BlockDriver disk;
    private BlockDevice bdev;
    private SuperBlock root;

    private Machine(Kernel kernel, Mm mm, BlockDriver disk) {
        this.kernel = kernel;
        this.mm = mm;
        this.disk = disk;
    }

    /**
     * Boots {@code spec}: kernel, memory, the layers' initcalls, the disk, the root mount.
     *
     * @throws Ext4Exception when the root file system does not mount (its one-line reason); the
     *                       machine's RAM and disk are released
     */
    public static Machine boot(Spec spec) throws Ext4Exception {
        Kernel k = Kernel.boot(spec.params());
        Machine m = new Machine(k, Mm.init(k, Mm.Params.ofPages(spec.ramPages())), spec.disk());
        boolean ok = false;
        try {
            initcalls(k);
            m.bdev = BlockDevice.addDisk(k, "sda", spec.disk(), QueueLimits.defaults(), spec.hwQueues());
            m.root = Ext4Super.mount(k, m.bdev, spec.readOnly(), spec.iomap());
            Vfs.of(k).mountRoot(m.root);
            ok = true;
            return m;
        } finally {
            if (!ok) {
                m.close();
            }
        }
    }

    /**
     * The initcalls of the block and file system layers, in link order, for a kernel booted
     * without a disk (tests of one layer); {@link #boot} makes them itself.
     */
    public static void initcalls(Kernel k) {
        org.faultline.block.BlkCore.init(k);
        Buffer.init(k);
        Vfs.init(k);
    }

    public Kernel kernel() {
        return kernel;
    }

    public Mm mm() {
        return mm;
    }

    public BlockDevice bdev() {
        return bdev;
    }

    /** The root file system's superblock. */
    public SuperBlock root() {
        return root;
    }

    /** Runs the kernel's tasks to the end ({@link Kernel#run}). */
    public RunResult run() {
        return kernel.run();
    }

    /** Releases the disk's driver and the RAM. */
    @Override
    public void close() {
        try {
            disk.close();
        } finally {
            mm.memMap().close();
        }
    }
}
