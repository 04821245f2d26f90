package org.faultline.tools.workload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reading a small text file the user names (a workload, a schedule) without trusting it: only a
 * regular file (checked with stat(2) before opening, so a FIFO never blocks the open and a device
 * such as {@code /dev/zero} is never read), at most a given size, valid UTF-8 without NUL bytes.
 */
public final class TextFiles {
    /** The largest workload file: 1 MiB (docs/workloads.md). */
    public static final long MAX_WORKLOAD_BYTES = 1L << 20;
    /** The largest schedule file: 16 MiB. */
    public static final long MAX_SCHEDULE_BYTES = 16L << 20;

    private TextFiles() {
    }

    /** A file that cannot be read as the text asked for; the message does not name the file. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * Reads {@code file} as UTF-8 text.
     *
     * @param what     what the file should be, for messages ({@code "workload"})
     * @param maxBytes the largest size accepted
     * @throws NoSuchFileException if it does not exist
     * @throws Refused             if it is not a regular file, is larger than {@code maxBytes}, or is
     *                             not UTF-8 text (message without the file name)
     * @throws IOException         if reading fails
     */
    public static String read(Path file, String what, long maxBytes) throws IOException {
        if (Files.notExists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        if (Files.isDirectory(file)) {
            throw new Refused("is a directory, not a " + what + " file");
        }
        if (!Files.isRegularFile(file)) {
            throw new Refused("not a regular file (a FIFO, device or socket is not read as a " + what + ")");
        }
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new Refused("is " + size + " bytes, larger than the " + (maxBytes >> 20) + " MiB a " + what
                    + " file may be");
        }
        byte[] b;
        try (InputStream in = Files.newInputStream(file)) {
            b = in.readNBytes((int) maxBytes + 1); // the file may have grown since the stat
        }
        if (b.length > maxBytes) {
            throw new Refused("larger than the " + (maxBytes >> 20) + " MiB a " + what + " file may be");
        }
        for (byte x : b) {
            if (x == 0) {
                throw new Refused("not a UTF-8 text file (it contains NUL bytes)");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new Refused("not a UTF-8 text file");
        }
    }
}
