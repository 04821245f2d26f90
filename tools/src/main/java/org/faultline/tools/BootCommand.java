package org.faultline.tools;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.faultline.block.BlkCore;
import org.faultline.block.BlkStatus;
import org.faultline.block.Bio;
import org.faultline.block.BlockDevice;
import org.faultline.block.BlockStats;
import org.faultline.block.HostFileDriver;
import org.faultline.block.Plug;
import org.faultline.block.QueueLimits;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Completion;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.MemMap;
import org.faultline.mm.Page;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code faultline boot}: boots a free-running kernel on an image and runs the default workload.
 *
 * <p>Until the filesystem exists this is a block-level workload: {@value #WRITERS} writer tasks each
 * write their own region of the disk with plugged, contiguous 4 KiB bios (which the plug merges into
 * large requests), {@value #BATCH_PAGES} pages at a time, and then flush the device; {@value #READERS}
 * reader tasks then read every region back with {@code submit_bio_wait} and compare each word with the
 * expected pattern (a shadow of what was written). A mismatch is reported as data corruption (exit 4).
 *
 * <p>The pattern is a hash of the disk offset, {@code --seed} and a per-run nonce from the kernel
 * clock, so a rerun on the same image cannot pass by reading the previous run's data.
 */
@Command(name = "boot",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Boot a free-running kernel on an image and run the default workload.",
            "The filesystem does not exist yet: for now the workload is block-level -",
            "3 writer tasks submit plugged 4 KiB bios and flush, then 2 reader tasks",
            "read everything back and verify it (a mismatch is corruption, exit 4)."})
final class BootCommand implements Callable<Integer> {
    static final int WRITERS = 3;
    static final int READERS = 2;
    /** Pages a writer submits under one plug, and a reader reads per bio: 256 KiB. */
    static final int BATCH_PAGES = 64;
    static final long DEFAULT_IMAGE_BYTES = 64L << 20;
    static final long MAX_RAM = 4L << 30;

    @ParentCommand
    Faultline root;

    @Spec
    CommandSpec spec;

    @Option(names = "--image", paramLabel = "PATH",
            description = "Image to boot on; its first --size bytes are overwritten. Default: $FAULTLINE_HOME/default.img, "
                    + "or ~/.faultline/default.img, created as a 64 MiB sparse file if missing.")
    Path image;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "16M", converter = Sizes.Converter.class,
            description = "Bytes the workload writes and reads back, from offset 0; a multiple of 4k. Default: ${DEFAULT-VALUE}.")
    long size;

    @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "64M", converter = Sizes.Converter.class,
            description = "Memory of the emulated machine. Default: ${DEFAULT-VALUE}.")
    long ram;

    @Option(names = "--kernel", paramLabel = "PROFILE", defaultValue = "6.6",
            description = "Kernel profile (see 'faultline profiles'). Default: ${DEFAULT-VALUE}.")
    String kernel;

    @Option(names = "--patch", paramLabel = "+ID|-ID", split = ",",
            description = "Add (+ID) or remove (-ID) a patch on top of the profile; repeatable (see 'faultline patches').")
    List<String> patches = new ArrayList<>();

    @Option(names = "--direct", description = "Open the image with O_DIRECT (bypass the host page cache).")
    boolean direct;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of the scheduler's random values and of the data pattern (which also mixes in a "
                    + "per-run nonce, so stale data from an earlier run never passes). Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--dmesg", description = "Print the kernel log after the summary even when the run is clean.")
    boolean dmesg;

    // each element written only by its own task; read after k.run() has joined the tasks
    private final long[] wStart = new long[WRITERS];
    private final long[] wEnd = new long[WRITERS];
    private final long[] rStart = new long[READERS];
    private final long[] rEnd = new long[READERS];
    private final long[] verified = new long[READERS];
    private volatile String ioError;

    @Override
    public Integer call() {
        KernelProfile profile;
        try {
            profile = KernelProfile.byName(kernel).with(patches);
        } catch (IllegalArgumentException e) {
            throw new CliError(e.getMessage());
        }
        if (size % Page.PAGE_SIZE != 0 || size < (long) WRITERS * Page.PAGE_SIZE) {
            throw new CliError("--size " + size + ": must be a multiple of 4096 and at least " + WRITERS * Page.PAGE_SIZE);
        }
        long needRam = (long) (WRITERS + READERS) * BATCH_PAGES * Page.PAGE_SIZE;
        if (ram < needRam || ram > MAX_RAM) {
            throw new CliError("--ram " + Sizes.format(ram) + ": must be between " + Sizes.format(needRam)
                    + " (the workload's buffers) and " + Sizes.format(MAX_RAM));
        }
        Path img = image;
        if (img == null) {
            img = defaultImage(root.env());
            if (!Files.exists(img, LinkOption.NOFOLLOW_LINKS)) {
                Images.createSparse(img, Math.max(DEFAULT_IMAGE_BYTES, size));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        BootParams base = BootParams.free();
        BootParams bp = new BootParams(null, profile, seed, base.maxDecisions(), base.hungTaskTimeoutMs(),
                base.panicOnWarn(), base.traceCapacity(), base.logCapacity());

        HostFileDriver driver = Images.open(img, size, direct, false, "--size", true);
        long diskBytes = driver.capacitySectors() << Bio.SECTOR_SHIFT;
        Kernel k = Kernel.boot(bp);
        MemMap mem = null;
        RunResult r;
        BlockStats st;
        long key;
        try {
            mem = new MemMap((int) (ram / Page.PAGE_SIZE));
            BlockDevice bdev = BlockDevice.addDisk(k, "sda", driver, QueueLimits.defaults(), 2);
            key = mix(seed ^ mix(k.sched().clockNs() + 0x9e3779b97f4a7c15L));
            long pages = size / Page.PAGE_SIZE;
            k.printk("faultline: block-level default workload on sda: " + WRITERS + " writers, " + READERS
                    + " readers, " + Sizes.format(size));
            Completion[] written = new Completion[WRITERS];
            for (int w = 0; w < WRITERS; w++) {
                written[w] = new Completion(k, "writer " + w + " done");
            }
            MemMap m = mem;
            long pattern = key;
            for (int w = 0; w < WRITERS; w++) {
                int id = w;
                long lo = pages * w / WRITERS;
                long hi = pages * (w + 1) / WRITERS;
                k.spawn("writer/" + w, TaskKind.USER, () -> writer(k, bdev, m, id, lo, hi, pattern, written[id]));
            }
            for (int rd = 0; rd < READERS; rd++) {
                int id = rd;
                k.spawn("reader/" + rd, TaskKind.USER, () -> reader(k, bdev, m, id, pages, pattern, written));
            }
            r = k.run();
            st = bdev.stats();
        } finally {
            driver.close();
            if (mem != null) {
                mem.close();
            }
        }

        out.printf(Locale.ROOT, "faultline boot: kernel %s, image %s (%s), disk %s, RAM %s, seed %d%n", profile.name(),
                img, direct ? "O_DIRECT" : "buffered", Sizes.format(diskBytes), Sizes.format(ram), seed);
        out.println("filesystem not yet available: running the block-level default workload");
        out.printf(Locale.ROOT, "workload   %d writers (plugged 4 KiB bios, then a flush), %d verifying readers, %s%n",
                WRITERS, READERS, Sizes.format(size));
        long wNs = span(wStart, wEnd);
        long rNs = span(rStart, rEnd);
        long verifiedPages = 0;
        for (long v : verified) {
            verifiedPages += v;
        }
        out.printf(Locale.ROOT, "written    %.1f MiB in %.3f s (%.1f MB/s)%n", st.bytesWritten() / 1048576.0, wNs / 1e9,
                RunReport.mibPerS(st.bytesWritten(), wNs));
        out.printf(Locale.ROOT, "read       %.1f MiB in %.3f s (%.1f MB/s), %.1f MiB verified%n",
                st.bytesRead() / 1048576.0, rNs / 1e9, RunReport.mibPerS(st.bytesRead(), rNs),
                verifiedPages * Page.PAGE_SIZE / 1048576.0);
        out.printf(Locale.ROOT, "block      bios %d, requests %d, merges %d, flushes %d, errors %d%n", st.bios(),
                st.requests(), st.merges(), st.flushes(), st.errors());
        if (!r.ok()) {
            RunReport.printFailure(out, r);
            return r.exitCode();
        }
        if (ioError != null) {
            out.flush();
            throw new CliError("I/O error: " + ioError);
        }
        out.println("result     ok" + (r.warnings().isEmpty() ? "" : " (" + r.warnings().size() + " warnings, see dmesg)"));
        if (dmesg || !r.warnings().isEmpty()) {
            out.println();
            out.println("dmesg:");
            out.print(r.dmesg());
        }
        out.flush();
        return 0;
    }

    /** $FAULTLINE_HOME/default.img, or ~/.faultline/default.img. */
    static Path defaultImage(Map<String, String> env) {
        String home = env.get("FAULTLINE_HOME");
        if (home != null && !home.isEmpty()) {
            return Path.of(home, "default.img");
        }
        return Path.of(System.getProperty("user.home"), ".faultline", "default.img");
    }

    /** Writes disk pages [lo, hi) in plugged batches of contiguous one-page bios, then flushes. */
    private void writer(Kernel k, BlockDevice bdev, MemMap mem, int id, long lo, long hi, long key, Completion done) {
        int base = id * BATCH_PAGES;
        wStart[id] = k.sched().clockNs();
        try {
            for (long first = lo; first < hi && ioError == null; first += BATCH_PAGES) {
                int n = (int) Math.min(BATCH_PAGES, hi - first);
                for (int i = 0; i < n; i++) {
                    fill(mem, mem.pfnToPage(base + i), (first + i) * Page.PAGE_SIZE, key);
                }
                Completion batch = new Completion(k, "writes of writer/" + id).owedBy(bdev.name());
                Plug plug = Plug.blkStartPlug(k);
                for (int i = 0; i < n; i++) {
                    Bio bio = Bio.bioAlloc(bdev, Bio.Op.WRITE, 0, (first + i) * (Page.PAGE_SIZE >> Bio.SECTOR_SHIFT), 1);
                    bio.bioAddPage(mem.pfnToPage(base + i), Page.PAGE_SIZE, 0);
                    bio.setEndIo(b -> {
                        if (!b.status().ok()) {
                            ioFailed(b, b.status());
                        }
                        batch.complete();
                    });
                    BlkCore.submitBio(bio);
                }
                plug.blkFinishPlug();
                for (int i = 0; i < n; i++) {
                    batch.waitForCompletion();
                }
            }
            if (ioError == null) {
                Bio flush = Bio.bioAlloc(bdev, Bio.Op.FLUSH, Bio.REQ_PREFLUSH | Bio.REQ_SYNC, 0, 0);
                BlkStatus s = BlkCore.submitBioWait(flush);
                if (!s.ok()) {
                    ioFailed(flush, s);
                }
            }
        } finally {
            wEnd[id] = k.sched().clockNs();
            done.completeAll();
        }
    }

    /** After every writer is done, reads every {@code READERS}-th batch of the disk back and verifies it. */
    private void reader(Kernel k, BlockDevice bdev, MemMap mem, int id, long pages, long key, Completion[] written) {
        for (Completion c : written) {
            c.waitForCompletion();
        }
        int base = (WRITERS + id) * BATCH_PAGES;
        rStart[id] = k.sched().clockNs();
        try {
            long chunks = (pages + BATCH_PAGES - 1) / BATCH_PAGES;
            for (long c = id; c < chunks && ioError == null; c += READERS) {
                long first = c * BATCH_PAGES;
                int n = (int) Math.min(BATCH_PAGES, pages - first);
                Bio bio = Bio.bioAlloc(bdev, Bio.Op.READ, Bio.REQ_SYNC, first * (Page.PAGE_SIZE >> Bio.SECTOR_SHIFT), n);
                for (int i = 0; i < n; i++) {
                    bio.bioAddPage(mem.pfnToPage(base + i), Page.PAGE_SIZE, 0);
                }
                BlkStatus s = BlkCore.submitBioWait(bio);
                if (!s.ok()) {
                    ioFailed(bio, s);
                    return;
                }
                for (int i = 0; i < n; i++) {
                    verify(k, bdev, mem, mem.pfnToPage(base + i), (first + i) * Page.PAGE_SIZE, key, pages);
                    verified[id]++;
                }
            }
        } finally {
            rEnd[id] = k.sched().clockNs();
        }
    }

    private void ioFailed(Bio b, BlkStatus s) {
        if (ioError == null) {
            ioError = b.bdev().name() + " " + b.op().name().toLowerCase(Locale.ROOT) + " at sector " + b.sector()
                    + " failed with " + s + " (" + s.toErrno() + ") on " + b.bdev().driver().describe();
        }
    }

    static void fill(MemMap mem, Page p, long diskOff, long key) {
        ByteBuffer b = mem.ram().slice(mem.offsetOf(p), Page.PAGE_SIZE);
        long word = diskOff / Long.BYTES;
        while (b.remaining() >= Long.BYTES) {
            b.putLong(expected(key, word++));
        }
    }

    static void verify(Kernel k, BlockDevice bdev, MemMap mem, Page p, long diskOff, long key, long pages) {
        ByteBuffer b = mem.ram().slice(mem.offsetOf(p), Page.PAGE_SIZE);
        long word = diskOff / Long.BYTES;
        int bad = 0;
        int firstBad = -1;
        long want = 0;
        long got = 0;
        for (int i = 0; i < Page.PAGE_SIZE / Long.BYTES; i++) {
            long g = b.getLong(i * Long.BYTES);
            long e = expected(key, word + i);
            if (g != e) {
                if (bad++ == 0) {
                    firstBad = i;
                    want = e;
                    got = g;
                }
            }
        }
        if (bad > 0) {
            long off = diskOff + (long) firstBad * Long.BYTES;
            long diskPage = diskOff / Page.PAGE_SIZE;
            long writer = 0;
            while (writer < WRITERS - 1 && diskPage >= pages * (writer + 1) / WRITERS) {
                writer++;
            }
            k.corruption("data corruption: " + bdev.name() + " sector " + (off >> Bio.SECTOR_SHIFT)
                            + " does not read back what was written",
                    String.format(Locale.ROOT, "byte offset %d (page at %d, written by writer/%d and flushed): "
                            + "expected %016x, read %016x; %d of %d words in this page differ%s", off, diskOff, writer,
                            want, got, bad, Page.PAGE_SIZE / Long.BYTES, got == 0 ? " (reads as zeros: the write was lost)" : ""));
        }
    }

    /** The pattern word at index {@code word} (8-byte units from the start of the disk). */
    static long expected(long key, long word) {
        return mix(key + word * 0x9e3779b97f4a7c15L);
    }

    /** SplitMix64's finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** From the first start to the last end, in ns (0 if nothing ran). */
    private static long span(long[] start, long[] end) {
        long a = Long.MAX_VALUE;
        long b = Long.MIN_VALUE;
        for (int i = 0; i < start.length; i++) {
            a = Math.min(a, start[i]);
            b = Math.max(b, end[i]);
        }
        return Math.max(0, b - a);
    }
}
