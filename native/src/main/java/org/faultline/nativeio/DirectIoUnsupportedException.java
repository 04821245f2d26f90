package org.faultline.nativeio;

import org.faultline.kernel.Errno;

/**
 * {@code open(2)} with {@code O_DIRECT} failed with {@code EINVAL}: the host filesystem cannot do
 * direct I/O on this file. The message names the file and the filesystem and tells the user to use
 * buffered mode, e.g. {@code cannot open /dev/shm/x.img with O_DIRECT: the host filesystem (tmpfs)
 * does not support direct I/O; use buffered mode (drop --direct)}.
 *
 * <p>Note that with {@code O_CREAT} the kernel may already have created the (empty) file before
 * refusing the open.
 */
public class DirectIoUnsupportedException extends ErrnoException {

    private static final long serialVersionUID = 1L;

    /** The host filesystem's name. */
    private final String filesystem;

    /**
     * @param path       the file that was being opened
     * @param filesystem the host filesystem's name (see {@link HostFilesystem#name(long)})
     */
    public DirectIoUnsupportedException(String path, String filesystem) {
        super("cannot open " + path + " with O_DIRECT: the host filesystem (" + filesystem
                + ") does not support direct I/O; use buffered mode (drop --direct)",
                Errno.EINVAL, "open", path);
        this.filesystem = filesystem;
    }

    /** @return the host filesystem's name, e.g. {@code "tmpfs"} */
    public String filesystem() {
        return filesystem;
    }
}
