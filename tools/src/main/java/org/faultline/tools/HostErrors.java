package org.faultline.tools;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;
import org.faultline.nativeio.ErrnoException;

/**
 * The one place a host file error becomes words for the user: {@code strerror (ENAME)}, as the
 * coreutils print it ({@code No such file or directory (ENOENT)}), whatever Java exception carried
 * it. Java's NIO exceptions put the path where the reason should be ({@code NoSuchFileException}'s
 * message is the file name), which made messages like {@code x.wl: x.wl}.
 */
public final class HostErrors {
    private HostErrors() {
    }

    /** {@code path: strerror (ENAME)}. */
    static String of(Path path, IOException e) {
        return path + ": " + describe(e);
    }

    /** {@code strerror (ENAME)} for a host I/O error; its own text when it names no errno. */
    public static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return withName(2);
        }
        if (e instanceof AccessDeniedException) {
            return withName(13);
        }
        if (e instanceof FileAlreadyExistsException) {
            return withName(17);
        }
        if (e instanceof NotDirectoryException) {
            return withName(20);
        }
        if (e instanceof DirectoryNotEmptyException) {
            return withName(39);
        }
        if (e instanceof ErrnoException x) {
            return withName(x.errno());
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return named(f.getReason());
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return named(Faultline.oneLine(m));
    }

    /**
     * Refuses to read {@code p} as a file of its kind ({@code what}: "workload file") unless it is a
     * regular file: a directory is EISDIR, and a FIFO or device would block or never end.
     *
     * @throws CliError (exit 2) naming what it is and what to give instead
     */
    static void requireRegularFile(Path p, String what) {
        if (java.nio.file.Files.isRegularFile(p)) {
            return;
        }
        if (!java.nio.file.Files.exists(p)) {
            throw new CliError(p + ": " + withName(2) + "; give " + what);
        }
        throw new CliError(p + ": " + (java.nio.file.Files.isDirectory(p) ? withName(21)
                : "not a regular file (a FIFO, socket or device)") + "; give " + what);
    }

    /** {@code strerror (ENAME)} for an errno. */
    static String withName(int errno) {
        return ErrnoException.describe(errno) + " (" + ErrnoException.errnoName(errno) + ")";
    }

    /** {@code text (ENAME)} when {@code text} is (or ends in) an errno's strerror; else {@code text}. */
    private static String named(String text) {
        String t = text.strip();
        for (int errno = 1; errno < 134; errno++) {
            String s = ErrnoException.describe(errno);
            if (t.toLowerCase(Locale.ROOT).endsWith(s.toLowerCase(Locale.ROOT))) {
                return t + " (" + ErrnoException.errnoName(errno) + ")";
            }
        }
        return t;
    }
}
