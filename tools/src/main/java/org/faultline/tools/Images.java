package org.faultline.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.faultline.block.HostFileDriver;
import org.faultline.kernel.Errno;
import org.faultline.nativeio.DirectIoUnsupportedException;
import org.faultline.nativeio.ErrnoException;
import org.faultline.nativeio.HostFile;
import org.faultline.nativeio.LibC;

/**
 * Opening the host image a command runs on, with every refusal turned into one line for the user.
 * The only host file ever created or written is the image the user named (or the default image).
 */
final class Images {
    private Images() {
    }

    /**
     * Opens {@code image} as a block device driver, checking it holds at least {@code minBytes}.
     *
     * @param create   if the image does not exist, create it (and missing parent directories) as a
     *                 sparse file of {@code minBytes}; an existing image is used as it is
     * @param sizeOpt  the option that asked for {@code minBytes}, for the message ({@code "--size"})
     * @param writes   the run will write: refuse a block device (or a loop-attached image) in use
     * @throws CliError (exit 2) if the image is missing, unopenable, refuses O_DIRECT, too small, or
     *                  (when {@code writes}) mounted, swap or otherwise held;
     *                  nothing on the host is changed then, except that a file this call created is
     *                  removed again
     */
    static HostFileDriver open(Path image, long minBytes, boolean direct, boolean create, String sizeOpt,
                               boolean writes) {
        boolean created = false;
        if (create && !Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            createSparse(image, minBytes);
            created = true;
        }
        HostFileDriver d;
        try {
            d = HostFileDriver.open(image, direct, !writes);
        } catch (DirectIoUnsupportedException e) {
            if (created) {
                deleteQuietly(image);
            }
            throw new CliError(e.getMessage());
        } catch (ErrnoException e) {
            if (created) {
                deleteQuietly(image);
            }
            throw new CliError(describe(image, e));
        }
        long bytes;
        try {
            bytes = d.file().size();
        } catch (ErrnoException e) {
            d.close();
            throw new CliError(describe(image, e));
        }
        String busy = writes ? inUse(image, d.file().isBlockDevice()) : null;
        if (busy != null) {
            d.close();
            throw new CliError("refusing to write to " + image + ": " + busy
                    + "; use an image file or an unused device");
        }
        if (bytes < minBytes) {
            d.close();
            throw new CliError(image + ": image is " + bytes + " bytes, smaller than " + sizeOpt + " " + minBytes
                    + (create ? " (--create never resizes an existing image)" : ""));
        }
        return d;
    }

    /**
     * Creates {@code image} (and its missing parent directories) as a sparse file of {@code bytes}
     * ({@code O_CREAT|O_EXCL}, then {@code ftruncate}). Refuses to touch an existing file.
     */
    static void createSparse(Path image, long bytes) {
        Path parent = image.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw new CliError(parent + ": cannot create directory: " + reason(e));
            }
        }
        HostFile f;
        try {
            f = HostFile.open(image, LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL, 0644);
        } catch (ErrnoException e) {
            throw new CliError(describe(image, e));
        }
        try {
            f.ftruncate(bytes);
            f.close();
        } catch (ErrnoException e) {
            try {
                f.close();
            } catch (ErrnoException ignored) {
                // already failing
            }
            deleteQuietly(image);
            throw new CliError(image + ": cannot size the new image to " + bytes + " bytes: "
                    + ErrnoException.describe(e.errno()) + " (" + e.errnoName() + ")");
        }
    }

    /**
     * Refuses to make a filesystem over {@code image} (an existing path) unless it is a regular file
     * the host is not using: mkfs truncates and rewrites it, so a device, or an image a mounted loop
     * device is backed by, is never touched.
     *
     * @throws CliError (exit 2) naming why
     */
    static void refuseToFormat(Path image) {
        if (!Files.isRegularFile(image)) { // a symlink to a regular file is fine
            throw new CliError(image + ": not a regular file; images are made as regular files only");
        }
        String busy = inUse(image, false);
        if (busy != null) {
            throw new CliError("refusing to format " + image + ": " + busy);
        }
    }

    /** The largest ext4 this format makes: 2^32 - 1 blocks of 4 KiB (no 64bit feature). */
    static final long MAX_EXT4_BYTES = ((1L << 32) - 1) * 4096;

    /**
     * Refuses {@code bytes} for a new ext4 image before anything is touched: more than the format
     * can address, or (for a file) more than the host file system holds at {@code image}.
     *
     * @param option the option that asked for it, for the message ({@code "--size"})
     * @throws CliError (exit 2) naming the option, what does not fit and the limit
     */
    static void checkImageSize(String option, long bytes, Path image) {
        if (bytes > MAX_EXT4_BYTES) {
            throw new CliError(option + " " + Sizes.format(bytes) + ": too large for ext4 without the 64bit feature "
                    + "(at most 2^32 blocks of 4 KiB, just under 16 TiB); use a smaller " + option);
        }
    }

    /**
     * Refuses a run that writes {@code bytes} of data into the file system of {@code image} (which
     * exists) when it has less free space: the run would end in ENOSPC, which reads as corruption.
     * Quiet when the image cannot be read as ext4 (the mount reports that).
     *
     * @param option the option that asked for it ({@code "--size"})
     * @param what   what writes them, for the message ({@code "the default workload"})
     */
    static void checkFreeSpace(String option, long optionValue, long bytes, String what, Path image) {
        long free;
        try (org.faultline.images.ext4.Ext4Image v = org.faultline.images.ext4.Ext4Image.openImage(image,
                org.faultline.fs.ext4.Ext4Volume.Options.readOnlyMode())) {
            free = v.freeBlocks() * v.blockSize();
        } catch (IOException | RuntimeException e) {
            return;
        }
        if (bytes > free) {
            throw new CliError(option + " " + Sizes.format(optionValue) + " does not fit: " + what + " needs "
                    + Sizes.format(bytes) + " and " + image + " has " + Sizes.format(free) + " free; use a smaller "
                    + option + " or a larger image (faultline mkfs IMAGE --size ...)");
        }
    }

    /**
     * Refuses a run that will write {@code bytes} into a new (sparse) image file at {@code image}
     * when the host file system under it has less room: the run would fail with the host's ENOSPC
     * surfacing as an I/O error, which reads as corruption. Best effort, before anything is created.
     *
     * @param option      the option that asked for it ({@code "--size"}), and its value
     * @param what        what writes them, for the message ({@code "bench fs"})
     */
    static void checkHostSpace(String option, long optionValue, long bytes, String what, Path image) {
        long usable;
        try {
            Path dir = image.toAbsolutePath().getParent();
            while (dir != null && !Files.exists(dir)) {
                dir = dir.getParent();
            }
            usable = dir == null ? Long.MAX_VALUE : Files.getFileStore(dir).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return; // creating the image reports a real failure
        }
        if (bytes > usable) {
            throw new CliError(option + " " + Sizes.format(optionValue) + " does not fit: " + what + " writes "
                    + Sizes.format(bytes) + " to " + image + " and the host file system under it has "
                    + Sizes.format(usable) + " free; use a smaller " + option + " or another directory");
        }
    }

    /**
     * The file system {@code image} holds, if this tool would recognize it: {@code "an ext4 file
     * system"} when the ext2/3/4 superblock magic (0xEF53 at byte 1080) is there; else null (also
     * when it cannot be read). mkfs, bench fs and bench block share it to refuse destroying one.
     */
    static String existingFilesystem(Path image) {
        if (!Files.isRegularFile(image) && !isBlockDevice(image)) {
            return null;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(image,
                java.nio.file.StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (ch.read(b, 1080 + b.position()) < 0) {
                    return null;
                }
            }
            return (b.getShort(0) & 0xffff) == 0xEF53 ? "an ext4 file system" : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean isBlockDevice(Path p) {
        try {
            return Files.exists(p) && !Files.isDirectory(p) && !Files.isRegularFile(p)
                    && (((Number) Files.getAttribute(p, "unix:mode")).intValue() & 0170000) == 0060000;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The one refusal to overwrite an existing image without {@code --force}, shared by the commands
     * that destroy one: {@code mkfs} and {@code bench fs} (which format it) refuse any non-empty
     * file; {@code bench block} with a write pattern refuses one holding a file system.
     *
     * @param anyData refuse any existing non-empty file, not only one holding a file system
     * @param action  what the command would do to it, for the message ({@code "mkfs would format it"})
     * @throws CliError (exit 2) unless {@code force}
     */
    static void refuseToOverwrite(Path image, boolean force, boolean anyData, String action) {
        if (force || !Files.exists(image)) {
            return;
        }
        String fs = existingFilesystem(image);
        boolean nonEmpty;
        try {
            nonEmpty = Files.isRegularFile(image) ? Files.size(image) > 0 : fs != null;
        } catch (IOException e) {
            nonEmpty = true;
        }
        if (fs != null || (anyData && nonEmpty)) {
            throw new CliError(image + ": exists and " + (fs != null ? "holds " + fs : "is not empty") + "; "
                    + action + ": use --force to overwrite it");
        }
    }

    /**
     * If the host failed a request of {@code d} (ENOSPC on a full host filesystem, EIO from the host
     * disk): the one line to report, {@code host I/O error on IMG: No space left on device (ENOSPC)}.
     * Such a run is not judged by what the emulated kernel made of the failed requests: the fault is
     * the host's, and the command exits 2 (bad input: an image where it cannot be written).
     */
    static String hostError(Path image, HostFileDriver d) {
        ErrnoException e = d.hostError();
        if (e == null) {
            return null;
        }
        return "host I/O error on " + image + ": " + ErrnoException.describe(e.errno()) + " (" + e.errnoName() + ")"
                + (e.errno() == Errno.ENOSPC ? "; free space on the host file system holding the image" : "")
                + " (the emulated kernel saw its " + ("preadv".equals(e.call()) ? "read" : "write")
                + " fail; the image may be incomplete)";
    }

    /** {@code /x.img: No such file or directory (ENOENT)} for open failures; the full message otherwise. */
    static String describe(Path image, ErrnoException e) {
        if ("open".equals(e.call()) || "statx".equals(e.call())) {
            return image + ": " + ErrnoException.describe(e.errno()) + " (" + e.errnoName() + ")";
        }
        return e.getMessage();
    }

    private static String reason(IOException e) {
        return HostErrors.describe(e);
    }

    // ---------------------------------------------------------------- is the device in use?

    /**
     * Why writing to {@code image} would destroy something the host is using, or null: a block device
     * that is (or has a partition) mounted, active swap, or held by another device (dm, md, LVM); or an
     * image file attached to a loop device that is in use in one of those ways. Best effort: when
     * /proc or /sys cannot be read, nothing is reported.
     */
    static String inUse(Path image, boolean blockDevice) {
        try {
            if (blockDevice) {
                Path sys = sysfsOf(((Number) Files.getAttribute(image, "unix:rdev")).longValue());
                return sys == null ? null : deviceInUse(sys);
            }
            Path real = image.toRealPath();
            try (Stream<Path> loops = Files.list(Path.of("/sys/block"))) {
                for (Path loop : loops.filter(p -> p.getFileName().toString().startsWith("loop")).toList()) {
                    Path backing = loop.resolve("loop/backing_file");
                    if (Files.isReadable(backing) && Files.readString(backing).strip().equals(real.toString())) {
                        String why = deviceInUse(loop.toRealPath());
                        if (why != null) {
                            return "it backs /dev/" + loop.getFileName() + ", which " + why.replaceFirst("^it ", "");
                        }
                    }
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code sys}: the device's /sys/devices/... directory; partitions are subdirectories of it. */
    private static String deviceInUse(Path sys) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // id parent MAJ:MIN root mountpoint options... - fstype source superoptions
            String[] f = line.split(" ");
            int dash = java.util.Arrays.asList(f).indexOf("-");
            if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
                continue;
            }
            String[] mm = f[2].split(":");
            Path dev = sysfsOf(Long.parseLong(mm[0]), Long.parseLong(mm[1]));
            if (dev == null && f[dash + 2].startsWith("/dev/")) { // btrfs and others report an anonymous MAJ:MIN
                Path src = Path.of(unescape(f[dash + 2]));
                if (Files.exists(src)) {
                    Object rdev = Files.getAttribute(src, "unix:rdev");
                    dev = sysfsOf(((Number) rdev).longValue());
                }
            }
            if (dev != null && dev.startsWith(sys)) {
                return "it is mounted on " + unescape(f[4])
                        + (dev.equals(sys) ? "" : " (partition " + dev.getFileName() + ")");
            }
        }
        Path swaps = Path.of("/proc/swaps");
        if (Files.isReadable(swaps)) {
            for (String line : Files.readAllLines(swaps)) {
                String name = unescape(line.split("\\s+")[0]);
                if (name.startsWith("/dev/") && Files.exists(Path.of(name))) {
                    Path dev = sysfsOf(((Number) Files.getAttribute(Path.of(name), "unix:rdev")).longValue());
                    if (dev != null && dev.startsWith(sys)) {
                        return "it is in use as swap (" + name + ")";
                    }
                }
            }
        }
        try (Stream<Path> walk = Files.walk(sys, 2)) {
            for (Path h : walk.filter(p -> p.getFileName().toString().equals("holders")).toList()) {
                try (Stream<Path> holders = Files.list(h)) {
                    List<String> names = holders.map(p -> p.getFileName().toString()).toList();
                    if (!names.isEmpty()) {
                        return "it is held by " + String.join(", ", names);
                    }
                }
            }
        }
        return null;
    }

    /** The /sys/devices/... directory of block device {@code dev_t}, or null. */
    private static Path sysfsOf(long rdev) {
        // glibc's gnu_dev_major/minor
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        return sysfsOf(major, minor);
    }

    private static Path sysfsOf(long major, long minor) {
        if (major == 0) {
            return null; // anonymous (tmpfs, overlay, btrfs subvolumes)
        }
        try {
            return Path.of("/sys/dev/block/" + major + ":" + minor).toRealPath();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** /proc's octal escapes ({@code \040} for a space). */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()
                    && s.substring(i + 1, i + 4).chars().allMatch(ch -> ch >= '0' && ch <= '7')) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: we created it, it is empty or sparse
        }
    }

    /** Removes {@code dir} and everything under it (symlinks themselves, not their targets); nothing if absent. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.sorted(java.util.Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }
}
