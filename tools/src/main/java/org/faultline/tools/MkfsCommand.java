package org.faultline.tools;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.images.ext4.Mkfs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code faultline mkfs IMAGE --size S}: makes an ext4 image (filetype, extent, sparse_super,
 * large_file; 4 KiB blocks and 256-byte inodes unless {@code --block-size} and {@code --inode-size}
 * say otherwise, no journal) that e2fsck and debugfs accept. Like
 * mke2fs on a regular file it refuses to overwrite an existing non-empty file unless forced.
 */
@Command(name = "mkfs", mixinStandardHelpOptions = true,
        description = "Make an ext4 image (has_journal,ext_attr,filetype,extent,sparse_super,large_file,metadata_csum; "
                + "-O ^has_journal,^metadata_csum to turn those off) that e2fsck -fn passes.")
final class MkfsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "the image file to create")
    Path image;

    @Option(names = "--size", required = true, paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "image size (e.g. 64M, 1G); at least 1M")
    long size;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "seed of the UUID and hash seed")
    long seed;

    @Option(names = {"-F", "--force"}, description = "overwrite an existing non-empty file")
    boolean force;

    @Option(names = {"-b", "--block-size"}, paramLabel = "BYTES", defaultValue = "4096",
            description = "block size: 1024, 2048 or 4096 (default: ${DEFAULT-VALUE})")
    int blockSize;

    @Option(names = {"-I", "--inode-size"}, paramLabel = "BYTES", defaultValue = "256",
            description = "inode size: 128, 256, or a larger power of two up to the block size (default: ${DEFAULT-VALUE})")
    int inodeSize;

    @Option(names = {"-O", "--features"}, paramLabel = "[^]FEATURE,...", split = ",",
            description = "features to turn off (^has_journal, ^metadata_csum) or on (the default), as mke2fs -O")
    List<String> features = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        long bytes = size;
        boolean journal = true;
        boolean csum = true;
        for (String f : features) {
            switch (f) {
                case "has_journal" -> journal = true;
                case "^has_journal" -> journal = false;
                case "metadata_csum" -> csum = true;
                case "^metadata_csum" -> csum = false;
                default -> throw new CliError("-O " + f + ": Faultline's mkfs can turn has_journal and metadata_csum off "
                        + "(^has_journal, ^metadata_csum); its other features are fixed (docs/ext4.md)");
            }
        }
        if (blockSize != 1024 && blockSize != 2048 && blockSize != 4096) {
            throw new CliError("--block-size " + blockSize + ": 1024, 2048 or 4096");
        }
        if (inodeSize < 128 || inodeSize > blockSize || Integer.bitCount(inodeSize) != 1) {
            throw new CliError("--inode-size " + inodeSize + ": a power of two from 128 to the block size (" + blockSize + ")");
        }
        if (Files.isDirectory(image)) {
            throw new CliError(image + ": Is a directory (EISDIR); name the image file to create");
        }
        Images.checkImageSize("--size", bytes, image);
        Images.refuseToOverwrite(image, force, true, "mkfs would format it");
        if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            Images.refuseToFormat(image);
        }
        Path parent = image.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new CliError(parent + ": No such file or directory (ENOENT)");
        }
        boolean existed = Files.exists(image, LinkOption.NOFOLLOW_LINKS);
        if (!existed) { // create it empty, then lock it, then format it: a racing mkfs or boot waits its turn
            try {
                org.faultline.nativeio.HostFile.open(image, org.faultline.nativeio.LibC.O_RDWR
                        | org.faultline.nativeio.LibC.O_CREAT, 0644).close();
            } catch (org.faultline.nativeio.ErrnoException e) {
                throw new CliError(Images.describe(image, e));
            }
        }
        try (ImageLock lock = ImageLock.acquire(image, true)) {
            Mkfs.Result r = Mkfs.createImage(image, bytes, Mkfs.Options.seeded(seed).withBlockSize(blockSize)
                    .withInodeSize(inodeSize).withJournal(journal ? Mkfs.Options.DEFAULT_JOURNAL : 0).withMetadataCsum(csum));
            PrintWriter out = spec.commandLine().getOut();
            out.println("mkfs: " + image + ": ext4, " + r.superBlock().blocksCount() + " blocks of " + (blockSize >> 10)
                    + " KiB, " + r.superBlock().inodesCount() + " inodes" + (inodeSize == 256 ? "" : " of " + inodeSize
                    + " bytes") + ", " + r.superBlock().groupCount() + " groups" + (r.superBlock().hasCompat(
                    org.faultline.fs.ext4.Ext4Features.EXT4_FEATURE_COMPAT_HAS_JOURNAL) ? ", a journal" : ", no journal"));
            if (r.note() != null && !r.note().isEmpty()) {
                out.println("mkfs: " + r.note());
            }
            out.flush();
            return 0;
        } catch (Ext4Exception e) {
            if (!existed) { // the empty file made to lock it: a failed mkfs leaves nothing behind
                try {
                    Files.deleteIfExists(image);
                } catch (java.io.IOException ignored) {
                    // best effort
                }
            }
            if (e.getMessage() != null && e.getMessage().contains("(EFBIG)")) {
                throw new CliError(image + ": the host file system cannot hold a file of " + Sizes.format(bytes)
                        + " (File too large, EFBIG); use a smaller --size or another file system");
            }
            throw new CliError(e.getMessage());
        }
    }
}
