package org.faultline.tools;

/**
 * An error the user can fix — bad input, a missing or unsuitable image, a missing tool — reported as
 * one line on stderr ({@code faultline: <message>}) with the exit code it carries (2 unless said
 * otherwise). Never shown with a stack trace.
 */
final class CliError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The process exit code. */
    final int exitCode;

    /** Bad usage or input: exit 2. */
    CliError(String message) {
        this(message, Faultline.EXIT_USAGE);
    }

    CliError(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }
}
