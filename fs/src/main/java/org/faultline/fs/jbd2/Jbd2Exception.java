package org.faultline.fs.jbd2;

import java.io.IOException;

/**
 * A journal that could not be opened or loaded, with the errno the kernel returns
 * ({@code EINVAL}, {@code EIO}, {@code EUCLEAN} for {@code EFSCORRUPTED}, {@code EBADMSG} for
 * {@code EFSBADCRC}...) and a one-line message in the kernel's words (the lines jbd2 printed, joined
 * by {@code "; "}).
 */
public final class Jbd2Exception extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * @param errno   the errno, positive ({@link org.faultline.kernel.Errno})
     * @param message one line
     */
    public Jbd2Exception(int errno, String message) {
        super(message == null ? "" : message.replace('\n', ' '));
        this.errno = errno;
    }

    /** @return the errno, positive */
    public int errno() {
        return errno;
    }
}
