package org.faultline.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.faultline.nativeio.ErrnoException;
import org.faultline.nativeio.HostFile;
import org.faultline.nativeio.LibC;

/**
 * The image a command uses, claimed for the command's whole run with {@code flock(2)}: exclusive for
 * a command that writes it (boot, mkfs, cp into it, mkdir, rm, bench fs, bench block writing), shared
 * for one that only reads it (ls, cat, stat, fsck, cp out of it). A second Faultline process that
 * wants a conflicting lock is refused at once, as the kernel refuses to open a block device another
 * user holds exclusively ({@code blkdev_get_by_dev} returning {@code -EBUSY}), instead of both
 * writing the image.
 *
 * <p>The lock also checks what the path is before anything reads it: only a regular file or a block
 * device is an image. The descriptor is opened {@code O_RDONLY | O_NONBLOCK}, so a FIFO never blocks
 * the open, and is refused right after. {@code flock} locks belong to the open file description, so
 * the lock is the descriptor this object holds: pass it down rather than locking twice in one process
 * (a second {@code flock} on a second descriptor of the same file conflicts with the first).
 * Advisory: programs other than Faultline are not kept out.
 */
final class ImageLock implements AutoCloseable {
    private final HostFile file;
    private final boolean exclusive;

    private ImageLock(HostFile file, boolean exclusive) {
        this.file = file;
        this.exclusive = exclusive;
    }

    /** True for a writer's (exclusive) lock. */
    boolean exclusive() {
        return exclusive;
    }

    /**
     * Checks that {@code image} is a regular file or a block device and takes the lock, without
     * waiting.
     *
     * @param exclusive an exclusive (writer's) lock, else a shared (reader's) one
     * @throws CliError (exit 2): missing, not an image (a directory, FIFO, character device, socket),
     *                  unopenable, or locked by another process
     */
    static ImageLock acquire(Path image, boolean exclusive) {
        checkImageType(image);
        HostFile f;
        try {
            f = HostFile.open(image, LibC.O_RDONLY | LibC.O_NONBLOCK, 0);
        } catch (ErrnoException e) {
            throw new CliError(Images.describe(image, e));
        }
        try {
            String bad = typeProblem(f.fileType());
            if (bad != null) {
                throw new CliError(image + ": " + bad);
            }
            if (!f.tryLock(exclusive)) {
                throw new CliError(image + ": image is in use by another faultline process (it holds the lock); "
                        + "wait for it to finish");
            }
            return new ImageLock(f, exclusive);
        } catch (ErrnoException | RuntimeException e) {
            f.closeQuietly();
            if (e instanceof ErrnoException x) {
                throw new CliError(image + ": cannot lock the image: " + ErrnoException.describe(x.errno())
                        + " (" + x.errnoName() + ")");
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * Refuses, before anything opens it, a path that is not a regular file or a block device (following
     * symbolic links): a FIFO would block a reader forever, {@code /dev/zero} never ends.
     *
     * @throws CliError (exit 2) naming what the path is
     */
    static void checkImageType(Path image) {
        int mode;
        try {
            mode = ((Number) Files.getAttribute(image, "unix:mode")).intValue();
        } catch (NoSuchFileException e) {
            throw new CliError(image + ": No such file or directory (ENOENT)");
        } catch (IOException | RuntimeException e) {
            return; // let open(2) report it (EACCES on a parent directory, ELOOP...)
        }
        String bad = typeProblem(mode & LibC.S_IFMT);
        if (bad != null) {
            throw new CliError(image + ": " + bad);
        }
    }

    /** Why a file of type {@code type} ({@code S_IFMT} bits) is not an image, or null if it can be one. */
    static String typeProblem(int type) {
        return switch (type) {
            case LibC.S_IFREG, LibC.S_IFBLK -> null;
            case LibC.S_IFDIR -> "Is a directory (EISDIR); not an image (an image is a regular file or a block device)";
            case LibC.S_IFCHR -> "is a character device, not an image (an image is a regular file or a block device)";
            case LibC.S_IFIFO -> "is a FIFO, not an image (an image is a regular file or a block device)";
            case LibC.S_IFSOCK -> "is a socket, not an image (an image is a regular file or a block device)";
            default -> "is not a regular file or a block device";
        };
    }

    /** Releases the lock (closing its descriptor). Idempotent. */
    @Override
    public void close() {
        file.closeQuietly();
    }
}
