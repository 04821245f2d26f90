package org.faultline.tools;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs fio for {@code bench block --vs-fio} and reads its JSON output — minimally, by hand: only
 * {@code jobs[0].<read|write>.{bw_bytes,bw,iops,io_bytes}} and {@code jobs[0].error} are needed, and
 * with {@code --group_reporting} {@code jobs[0]} is the whole group.
 */
final class Fio {
    /**
     * fio's figures for one direction.
     *
     * @param mbPerS  MiB/s (fio's {@code bw_bytes} / 2^20, or {@code bw} KiB/s / 1024)
     * @param iops    I/Os per second
     * @param bytes   bytes transferred
     * @param command the command that produced them
     */
    record Result(double mbPerS, double iops, long bytes, String command) {
    }

    private Fio() {
    }

    /**
     * The fio executable for {@code --vs-fio}.
     *
     * @throws CliError (exit 2) if fio is not on {@code PATH}
     */
    static Path require(Map<String, String> env) {
        Path fio = find(env);
        if (fio == null) {
            throw new CliError("--vs-fio: fio is not installed (not found on PATH); install it (apt-get install fio) "
                    + "or drop --vs-fio");
        }
        return fio;
    }

    /** The fio executable on {@code PATH}, or null. */
    static Path find(Map<String, String> env) {
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "fio");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** The fio command equivalent to one {@code bench block} run. */
    static List<String> command(Path fio, Path image, long size, long bs, String rw, boolean direct, int jobs) {
        List<String> c = new ArrayList<>();
        c.add(fio.toString());
        c.add("--name=faultline-vs");
        c.add("--filename=" + image.toString().replace(":", "\\:")); // fio splits file lists at ':'
        c.add("--size=" + size);
        c.add("--bs=" + bs);
        c.add("--rw=" + rw);
        c.add("--direct=" + (direct ? 1 : 0));
        c.add("--ioengine=psync");
        c.add("--numjobs=" + jobs);
        c.add("--group_reporting");
        c.add("--output-format=json");
        return c;
    }

    /**
     * Runs fio and parses its result for {@code dir} ("read" or "write").
     *
     * @throws CliError (exit 2) if fio cannot run, fails, or prints something unreadable
     */
    static Result run(List<String> cmd, String dir) {
        String shown = String.join(" ", cmd);
        String output;
        int rc;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().close();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            rc = p.waitFor();
        } catch (IOException e) {
            throw new CliError("cannot run fio: " + e.getMessage());
        } catch (InterruptedException e) {
            throw new CliError("interrupted while waiting for fio");
        }
        if (rc != 0) {
            throw new CliError("fio failed (exit " + rc + "): " + lastLine(output) + " [" + shown + "]");
        }
        try {
            return parse(output, dir, shown);
        } catch (IllegalArgumentException e) {
            throw new CliError("cannot read fio's output: " + e.getMessage() + " [" + shown + "]");
        }
    }

    private static final Pattern ERROR = Pattern.compile("\"error\"\\s*:\\s*(\\d+)");
    private static final Pattern BW_BYTES = Pattern.compile("\"bw_bytes\"\\s*:\\s*(\\d+)");
    private static final Pattern BW = Pattern.compile("\"bw\"\\s*:\\s*(\\d+)");
    private static final Pattern IOPS = Pattern.compile("\"iops\"\\s*:\\s*([0-9.eE+-]+)");
    private static final Pattern IO_BYTES = Pattern.compile("\"io_bytes\"\\s*:\\s*(\\d+)");

    /**
     * Parses fio's {@code --output-format=json} text (warnings before the object are skipped).
     *
     * @param dir "read" or "write"
     * @throws IllegalArgumentException if the fields are not there
     */
    static Result parse(String text, String dir, String command) {
        int jobs = text.indexOf("\"jobs\"");
        if (jobs < 0) {
            throw new IllegalArgumentException("no \"jobs\" in it");
        }
        Matcher err = ERROR.matcher(text).region(jobs, text.length());
        if (err.find() && !err.group(1).equals("0")) {
            throw new IllegalArgumentException("fio job reported error " + err.group(1));
        }
        Matcher obj = Pattern.compile("\"" + dir + "\"\\s*:\\s*\\{").matcher(text).region(jobs, text.length());
        if (!obj.find()) {
            throw new IllegalArgumentException("no \"" + dir + "\" section in jobs[0]");
        }
        int from = obj.end();
        int to = closingBrace(text, from);
        String sec = text.substring(from, to);
        double iops = Double.parseDouble(first(IOPS, sec, "iops"));
        double mbPerS;
        Matcher bb = BW_BYTES.matcher(sec);
        if (bb.find()) {
            mbPerS = Long.parseLong(bb.group(1)) / 1048576.0;
        } else {
            mbPerS = Long.parseLong(first(BW, sec, "bw")) / 1024.0;
        }
        Matcher io = IO_BYTES.matcher(sec);
        long bytes = io.find() ? Long.parseLong(io.group(1)) : -1;
        return new Result(mbPerS, iops, bytes, command);
    }

    private static String first(Pattern p, String s, String what) {
        Matcher m = p.matcher(s);
        if (!m.find()) {
            throw new IllegalArgumentException("no \"" + what + "\" field");
        }
        return m.group(1);
    }

    /** Index of the brace closing the object whose body starts at {@code from}. */
    private static int closingBrace(String s, int from) {
        int depth = 1;
        boolean inString = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unterminated object");
    }

    private static String lastLine(String out) {
        String[] lines = out.strip().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return lines[i].strip();
            }
        }
        return "(no output)";
    }
}
