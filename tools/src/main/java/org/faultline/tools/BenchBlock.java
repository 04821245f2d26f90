package org.faultline.tools;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.faultline.block.BlkCore;
import org.faultline.block.BlkStatus;
import org.faultline.block.Bio;
import org.faultline.block.BlockDevice;
import org.faultline.block.BlockStats;
import org.faultline.block.HostFileDriver;
import org.faultline.block.MemDiskDriver;
import org.faultline.block.QueueLimits;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.Prng;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.MemMap;
import org.faultline.mm.Page;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code faultline bench block}: synchronous I/O through the emulated block layer on a host image,
 * shaped like fio's {@code psync} engine so the two can be compared ({@code --vs-fio}).
 *
 * <p>Each of {@code --jobs} user tasks covers {@code --size} bytes of the device from offset 0 with
 * {@code --bs} I/Os, one bio per I/O ({@code submit_bio_wait}): sequentially, or at offsets drawn
 * from a {@link Prng} seeded with the job number (1-based), bs-aligned, with replacement. Write
 * buffers are filled once with pseudo-random bytes. The time is from the first job's start to the
 * last job's end on the kernel clock (real, monotonic when free-running), after an untimed warm-up of
 * the same submission path on a RAM disk (see {@link #warmUp}).
 */
@Command(name = "block",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Measure synchronous bios on an image file through the emulated block layer (like fio's psync engine).",
            "Each job covers --size bytes from offset 0: sequentially, or at random bs-aligned",
            "offsets. The submission path is first warmed up on a RAM disk (untimed); the clock",
            "runs from the first job's start to the last job's end. Rates are MiB/s, printed as",
            "MB/s (fio's KiB/s divided by 1024); latency is the request service time."})
final class BenchBlock implements Callable<Integer> {
    /** The largest I/O: one bio of BIO_MAX_PAGES pages. */
    static final long MAX_BS = (long) Bio.BIO_MAX_PAGES * Page.PAGE_SIZE;
    static final int MAX_JOBS = 256;
    static final int WARMUP_IOS = 5000;
    static final long WARMUP_DISK_BYTES = 1 << 20;

    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--image", required = true, paramLabel = "PATH",
            description = "Image file (or block device) to run on. Its contents are overwritten by write patterns.")
    Path image;

    @Option(names = "--size", required = true, paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "Bytes each job covers, from offset 0 (4096, 4k, 1M, 1G...). The image must be at least this big.")
    long size;

    @Option(names = "--bs", paramLabel = "SIZE", defaultValue = "4k", converter = Sizes.Converter.class,
            description = "I/O size: a multiple of 4k, at most 1M (one bio). Default: ${DEFAULT-VALUE}.")
    long bs;

    @Option(names = "--pattern", paramLabel = "PATTERN", defaultValue = "write", converter = IoPattern.Converter.class,
            description = "write, read, randwrite or randread. Default: ${DEFAULT-VALUE}.")
    IoPattern pattern;

    @Option(names = "--direct", description = "Open the image with O_DIRECT (bypass the host page cache).")
    boolean direct;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "1",
            description = "Parallel jobs (user tasks), each covering --size bytes. Default: ${DEFAULT-VALUE}.")
    int jobs;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--vs-fio", description = "Then run fio with the same parameters on the same file and compare.")
    boolean vsFio;

    @Option(names = {"-F", "--force"}, description = "With a write pattern, overwrite an image that holds a file system.")
    boolean force;

    @Option(names = "--create", description = "Create the image as a sparse file of --size bytes (and its parent "
            + "directories) if it does not exist. An existing image is used as it is.")
    boolean create;

    /** The I/O patterns, named as fio's {@code --rw}. */
    enum IoPattern {
        WRITE("write", true, false), READ("read", false, false),
        RANDWRITE("randwrite", true, true), RANDREAD("randread", false, true);

        final String fioName;
        final boolean write;
        final boolean random;

        IoPattern(String fioName, boolean write, boolean random) {
            this.fioName = fioName;
            this.write = write;
            this.random = random;
        }

        @Override
        public String toString() {
            return fioName;
        }

        static final class Converter implements ITypeConverter<IoPattern> {
            @Override
            public IoPattern convert(String s) {
                for (IoPattern p : values()) {
                    if (p.fioName.equals(s)) {
                        return p;
                    }
                }
                throw new TypeConversionException("'" + s + "' is not a pattern (expected write, read, randwrite or randread)");
            }
        }
    }

    // written by each job task for its own index only; read after k.run() has joined the tasks
    private long[] startNs;
    private long[] endNs;
    private long[] ios;
    private volatile String ioError;

    @Override
    public Integer call() {
        validate();
        Path fio = null;
        if (vsFio) {
            fio = Fio.require(parent.root.env());
        }

        if (create && !Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            if (pattern.write) { // before anything is created
                Images.checkHostSpace("--size", size, size, "bench block --pattern " + pattern, image);
            }
            Images.createSparse(image, size);
        }
        try (ImageLock lock = ImageLock.acquire(image, pattern.write)) {
            return run(fio);
        }
    }

    private Integer run(Path fio) {
        PrintWriter out = spec.commandLine().getOut();
        int pagesPerIo = (int) (bs / Page.PAGE_SIZE);
        long iosPerJob = size / bs;

        if (pattern.write) { // under the lock: nobody else is using it
            Images.refuseToOverwrite(image, force, false, "bench block --pattern " + pattern + " would overwrite it");
        }
        HostFileDriver driver = Images.open(image, size, direct, create, "--size", pattern.write);
        boolean sparse;
        RunResult r;
        BlockStats st;
        MemMap mem = null;
        try {
            sparse = holeBefore(driver, size);
            RunResult warm = warmUp();
            if (!warm.ok()) {
                RunReport.printFailure(out, warm);
                return warm.exitCode();
            }
            Kernel k = Kernel.boot(BootParams.free());
            mem = new MemMap(jobs * pagesPerIo);
            BlockDevice bdev = BlockDevice.addDisk(k, "sda", driver,
                    QueueLimits.defaults().withNrRequests(Math.max(32, jobs * 2)), Math.max(1, jobs));
            if (pattern.write) {
                fillRandom(mem);
            }
            startNs = new long[jobs];
            endNs = new long[jobs];
            ios = new long[jobs];
            for (int j = 0; j < jobs; j++) {
                int job = j;
                MemMap m = mem;
                k.spawn("bench/" + j, TaskKind.USER, () -> job(k, bdev, m, job, pagesPerIo, iosPerJob));
            }
            r = k.run();
            st = bdev.stats();
        } finally {
            driver.close();
            if (mem != null) {
                mem.close();
            }
        }
        String hostError = Images.hostError(image, driver);
        if (hostError != null) {
            throw new CliError(hostError);
        }
        if (!r.ok()) {
            RunReport.printFailure(out, r);
            return r.exitCode();
        }
        if (ioError != null) {
            throw new CliError("I/O error: " + ioError);
        }

        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long totalIos = 0;
        for (int j = 0; j < jobs; j++) {
            first = Math.min(first, startNs[j]);
            last = Math.max(last, endNs[j]);
            totalIos += ios[j];
        }
        long ns = Math.max(1, last - first);
        long bytes = totalIos * bs;
        double secs = ns / 1e9;
        double mbps = RunReport.mibPerS(bytes, ns);
        double iops = totalIos / secs;
        Histogram lat = pattern.write ? st.writeLatency() : st.readLatency();
        long p50 = lat.getTotalCount() == 0 ? 0 : lat.getValueAtPercentile(50);
        long p99 = lat.getTotalCount() == 0 ? 0 : lat.getValueAtPercentile(99);
        long mean = lat.getTotalCount() == 0 ? 0 : (long) lat.getMean();

        if (!json) {
            out.printf(Locale.ROOT, "bench block: %s %s%s, size %s, bs %s, %d job%s%n", pattern, image,
                    direct ? " (O_DIRECT)" : " (buffered)", Sizes.format(size), Sizes.format(bs), jobs, jobs == 1 ? "" : "s");
            out.printf(Locale.ROOT, "  faultline  %10.1f MB/s  %10.0f IOPS   %s in %.3f s%n", mbps, iops,
                    Sizes.format(bytes), secs);
            out.printf(Locale.ROOT, "  block      bios %d, requests %d, merges %d%n", st.bios(), st.requests(), st.merges());
            out.printf(Locale.ROOT, "  latency    %s mean %s, p50 %s, p99 %s (request service time)%n",
                    pattern.write ? "write" : "read", RunReport.latency(mean), RunReport.latency(p50),
                    RunReport.latency(p99));
            out.flush();
        }
        Fio.Result fr = null;
        if (vsFio) {
            List<String> cmd = Fio.command(fio, image, size, bs, pattern.fioName, direct, jobs);
            fr = Fio.run(cmd, pattern.write ? "write" : "read");
            if (!json) {
                out.printf(Locale.ROOT, "  fio        %10.1f MB/s  %10.0f IOPS   (%s)%n", fr.mbPerS(), fr.iops(),
                        String.join(" ", cmd.subList(1, cmd.size())));
                out.printf(Locale.ROOT, "  ratio      %10.2f  (faultline MB/s / fio MB/s)%n", mbps / fr.mbPerS());
                if (sparse && pattern.write) {
                    out.println("  note       the image was sparse: this run paid for host block allocation, fio did not; "
                            + "run again for a like-for-like ratio");
                }
            }
        }
        if (json) {
            Json j = new Json().put("mb_per_s", mbps, 2).put("iops", iops, 1).put("bios", st.bios())
                    .put("requests", st.requests()).put("merges", st.merges()).put("bytes", bytes)
                    .put("seconds", secs, 6).put("jobs", jobs).put("bs", bs).put("pattern", pattern.fioName)
                    .put("direct", direct).put("size", size).put("image", image.toString())
                    .put("lat_mean_ns", mean).put("lat_p50_ns", p50).put("lat_p99_ns", p99);
            if (fr != null) {
                j.put("fio_mb_per_s", fr.mbPerS(), 2).put("fio_iops", fr.iops(), 1)
                        .put("ratio", mbps / fr.mbPerS(), 3).put("image_was_sparse", sparse);
            }
            out.println(j);
        }
        out.flush();
        return 0;
    }

    private void validate() {
        if (bs % Page.PAGE_SIZE != 0 || bs > MAX_BS) {
            throw new CliError("--bs " + bs + ": must be a multiple of 4096 and at most " + MAX_BS + " (1M, one bio)");
        }
        if (size % bs != 0) {
            throw new CliError("--size " + size + " is not a multiple of --bs " + bs);
        }
        if (jobs < 1 || jobs > MAX_JOBS) {
            throw new CliError("--jobs " + jobs + ": must be between 1 and " + MAX_JOBS);
        }
    }

    /** One job: {@code n} synchronous I/Os of {@code pages} pages each, from its own buffer. */
    private void job(Kernel k, BlockDevice bdev, MemMap mem, int job, int pages, long n) {
        Bio.Op op = pattern.write ? Bio.Op.WRITE : Bio.Op.READ;
        int flags = Bio.REQ_SYNC | (pattern.write ? Bio.REQ_IDLE : 0);
        long slots = size / bs;
        Prng rng = new Prng(job + 1L);
        int base = job * pages;
        long done = 0;
        startNs[job] = k.sched().clockNs();
        try {
            for (long i = 0; i < n && ioError == null; i++) {
                long off = (pattern.random ? rng.nextLong(slots) : i) * bs;
                Bio bio = Bio.bioAlloc(bdev, op, flags, off >> Bio.SECTOR_SHIFT, pages);
                for (int p = 0; p < pages; p++) {
                    if (bio.bioAddPage(mem.pfnToPage(base + p), Page.PAGE_SIZE, 0) != Page.PAGE_SIZE) {
                        throw new IllegalStateException("bio_add_page refused page " + p + " of a " + bs + "-byte bio");
                    }
                }
                BlkStatus s = BlkCore.submitBioWait(bio);
                if (!s.ok()) {
                    ioError = bdev.name() + " " + op.name().toLowerCase(Locale.ROOT) + " of " + bs + " bytes at offset "
                            + off + " failed with " + s + " (" + s.toErrno() + ") on " + bdev.driver().describe();
                    break;
                }
                done++;
            }
        } finally {
            ios[job] = done;
            endNs[job] = k.sched().clockNs();
        }
    }

    /**
     * Runs this benchmark's submission path on a RAM disk in a scratch kernel before the timed run,
     * so that JVM class loading, call-site bootstrap and JIT compilation of the block layer (tens of
     * milliseconds, on the first I/Os) are not timed — fio's clock, too, starts at its first I/O.
     * The image is not touched.
     */
    private RunResult warmUp() {
        Kernel w = Kernel.boot(BootParams.free());
        try (MemDiskDriver disk = new MemDiskDriver(WARMUP_DISK_BYTES); MemMap mem = new MemMap(1)) {
            BlockDevice ram = BlockDevice.addDisk(w, "ram0", disk, QueueLimits.defaults(), 1);
            Bio.Op op = pattern.write ? Bio.Op.WRITE : Bio.Op.READ;
            int flags = Bio.REQ_SYNC | (pattern.write ? Bio.REQ_IDLE : 0);
            long slots = WARMUP_DISK_BYTES / Page.PAGE_SIZE;
            w.spawn("warmup", TaskKind.USER, () -> {
                Prng rng = new Prng(1);
                for (int i = 0; i < WARMUP_IOS; i++) {
                    long off = (pattern.random ? rng.nextLong(slots) : i % slots) * Page.PAGE_SIZE;
                    Bio bio = Bio.bioAlloc(ram, op, flags, off >> Bio.SECTOR_SHIFT, 1);
                    bio.bioAddPage(mem.pfnToPage(0), Page.PAGE_SIZE, 0);
                    BlkCore.submitBioWait(bio);
                }
            });
            return w.run();
        }
    }

    /** Whether the host has not allocated some of [0, size) of the image yet (a hole). */
    private static boolean holeBefore(HostFileDriver d, long size) {
        try {
            long hole = d.file().nextHole(0);
            return hole >= 0 && hole < size;
        } catch (org.faultline.nativeio.ErrnoException e) {
            return false; // SEEK_HOLE unsupported: assume allocated
        }
    }

    /** Fills the write buffers with non-zero pseudo-random bytes, like fio's buffers. */
    private static void fillRandom(MemMap mem) {
        Prng rng = new Prng(0x5eed);
        for (int i = 0; i < mem.nrPages(); i++) {
            ByteBuffer b = mem.ram().slice(mem.offsetOf(mem.pfnToPage(i)), Page.PAGE_SIZE);
            while (b.remaining() >= Long.BYTES) {
                long v = rng.nextLong();
                b.putLong(v == 0 ? 0x5a5a5a5a5a5a5a5aL : v);
            }
        }
    }
}
