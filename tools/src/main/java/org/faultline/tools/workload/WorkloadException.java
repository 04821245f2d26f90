package org.faultline.tools.workload;

/**
 * A workload file the parser cannot accept: an unknown statement, a bad number, an undefined handle,
 * a {@code loop} without {@code end}... Its message is one line, {@code file:line: reason}, which the
 * command line prints as is (exit 2).
 */
public final class WorkloadException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String reason;

    /**
     * @param file   the workload's file name, as given to {@link Workload#parse}
     * @param line   1-based line number, or 0 for the file as a whole
     * @param reason what is wrong, one line, no trailing period
     */
    public WorkloadException(String file, int line, String reason) {
        super(file + (line > 0 ? ":" + line : "") + ": " + reason, null, false, false);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    /** The workload's file name. */
    public String file() {
        return file;
    }

    /** The 1-based line, or 0 when the error is about the whole file. */
    public int line() {
        return line;
    }

    /** The message without the {@code file:line: } prefix. */
    public String reason() {
        return reason;
    }
}
