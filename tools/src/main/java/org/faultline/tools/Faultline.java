package org.faultline.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.faultline.nativeio.ErrnoException;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The {@code faultline} command line: {@code bench block}, {@code boot}, {@code patches},
 * {@code profiles}.
 *
 * <p>Exit codes: 0 ok; 1 oops/BUG (or an internal error of Faultline itself); 2 bad usage or input
 * (one line on stderr, {@code faultline: <message>}); 3 deadlock or hang; 4 corruption or invariant
 * violation. A kernel run's code comes from {@link org.faultline.kernel.RunResult#exitCode()}.
 *
 * <p>{@link #run(String[], PrintStream, PrintStream)} runs a command line in-process and returns its
 * exit code (tests use it); {@link #main} calls it and exits.
 */
@Command(name = "faultline",
        mixinStandardHelpOptions = true,
        versionProvider = Faultline.Version.class,
        sortOptions = false,
        description = {
            "A kernel-faithful emulator of a miniature Linux mm/fs/block stack doing real I/O on disk images.",
            ""},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  ok",
            "  1  oops / kernel BUG",
            "  2  bad usage or input (image, options, missing tool)",
            "  3  deadlock or hung task",
            "  4  data corruption or invariant violation"})
public final class Faultline implements Callable<Integer> {
    /**
     * The subcommands, in the order {@code --help} lists them. Registered by {@link #addSubcommands}:
     * only the one a command line names, as building picocli's model of all of them is a third of a
     * short command's CPU time (the image campaign starts thousands of them).
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(BootCommand.class, BenchCommand.class, MkfsCommand.class,
            FsckCommand.class, MountCommand.class, ScenariosCommand.class, ExploreCommand.class, CrashCommand.class, ReplayCommand.class, CapturesCommand.class,
            BisectCommand.class, FuzzCommand.class, PatchesCommand.class, ProfilesCommand.class, ImageCommands.Ls.class,
            ImageCommands.Cat.class, ImageCommands.Stat.class, ImageCommands.Cp.class, ImageCommands.Mkdir.class,
            ImageCommands.Rm.class, CommandLine.HelpCommand.class);

    /**
     * Adds the subcommand {@code args[0]} names, or every subcommand when it names none (no
     * arguments, an option, {@code help}, a misspelt name: the usage and suggestions need them all).
     */
    static void addSubcommands(CommandLine cl, String[] args) {
        String first = args.length > 0 ? args[0] : "";
        Class<?> only = null;
        for (Class<?> c : SUBCOMMANDS) {
            if (c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(first)) {
                only = c;
            }
        }
        for (Class<?> c : SUBCOMMANDS) {
            if (only == null || c == only) {
                cl.addSubcommand(c);
            }
        }
    }

    /** Exit code for bad usage or input. */
    static final int EXIT_USAGE = 2;
    /** Exit code for an oops, and for an internal error of Faultline. */
    static final int EXIT_BUG = 1;
    /** Exit code for data corruption or an invariant violation (an image fsck finds inconsistent). */
    static final int EXIT_CORRUPTION = 4;

    private final Map<String, String> env;
    /** Raw standard output, for commands writing bytes ({@code cat}); null means System.out. */
    private PrintStream stdout;
    /** Standard input, for {@code cp - IMAGE:/path}; null means System.in. */
    private InputStream stdin;

    @Spec
    CommandSpec spec;

    /** A command line seeing the process environment. */
    public Faultline() {
        this(System.getenv());
    }

    /** A command line seeing {@code env} instead of the process environment ({@code FAULTLINE_HOME}, {@code PATH}). */
    Faultline(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** Raw standard output for byte streams; flush the command's PrintWriter before writing to it. */
    PrintStream stdout() {
        return stdout == null ? System.out : stdout;
    }

    /** Standard input ({@code cp -}). */
    InputStream stdin() {
        return stdin == null ? System.in : stdin;
    }

    /** The environment the commands see. */
    Map<String, String> env() {
        return env;
    }

    @Override
    public Integer call() {
        // no subcommand given
        PrintWriter err = spec.commandLine().getErr();
        spec.commandLine().usage(err);
        return EXIT_USAGE;
    }

    public static void main(String[] args) {
        onInterrupt("INT", 130);
        onInterrupt("TERM", 143);
        // standard output through a stream that keeps the host's reason for a failed write (ENOSPC on
        // /dev/full, EPIPE): PrintStream swallows it, and cat(1) reports it
        StdoutErrors rec = new StdoutErrors(new java.io.FileOutputStream(java.io.FileDescriptor.out));
        PrintStream out = new PrintStream(new java.io.BufferedOutputStream(rec, 1 << 16), true); // as System.out
        int code = run(args, out, System.err, System.in, System.getenv(), rec);
        System.err.flush();
        System.exit(code);
    }

    /** An output stream that remembers the first write error of the stream under it. */
    static final class StdoutErrors extends java.io.FilterOutputStream {
        IOException first;

        StdoutErrors(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
                throw e;
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
                throw e;
            }
        }
    }

    /** What a running command says when interrupted instead of the default line, or null. */
    private static final java.util.concurrent.atomic.AtomicReference<Runnable> INTERRUPT_REPORT =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Sets what an interrupt reports (on stderr) before the process stops, until the returned handle
     * is closed: a long search says where it stopped and the command that resumes it.
     */
    static AutoCloseable whenInterrupted(Runnable report) {
        INTERRUPT_REPORT.set(report);
        return () -> INTERRUPT_REPORT.compareAndSet(report, null);
    }

    /**
     * Ctrl-C (SIGINT) or SIGTERM: one line saying what stopped, then exit 128+signal at once. The
     * image lock is released with the process; an image being written is left as a power cut leaves
     * a disk (check it with {@code faultline fsck}). A workload that never ends ({@code loop
     * 1000000000}) is stopped this way under {@code boot}; under {@code explore} --max-steps bounds it.
     */
    private static void onInterrupt(String signal, int code) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), sig -> {
                Runnable report = INTERRUPT_REPORT.get();
                if (report != null) { // a search says where it stopped and how to resume
                    System.err.println();
                    System.err.println("faultline: interrupted by SIG" + signal);
                    report.run();
                } else {
                    System.err.println("faultline: interrupted by SIG" + signal + "; stopped (an image being written "
                            + "may be left as after a power cut: check it with 'faultline fsck')");
                }
                System.err.flush();
                Runtime.getRuntime().halt(code);
            });
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // the JVM keeps its default (exit without a message)
        }
    }

    /**
     * Runs one command line in-process.
     *
     * @param args the arguments after {@code faultline}
     * @param out  standard output
     * @param err  standard error
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.getenv());
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with an explicit environment. */
    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, out, err, System.in, env, null);
    }

    /**
     * {@link #run(String[], PrintStream, PrintStream)} with an explicit standard input and
     * environment. A failed write to standard output is an error, as in cat(1): one line naming
     * the host's reason ({@code rec}'s, when given), exit 2, unless the command already failed.
     */
    static int run(String[] args, PrintStream out, PrintStream err, InputStream in, Map<String, String> env,
                   StdoutErrors rec) {
        PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        boolean debug = env.containsKey("FAULTLINE_DEBUG");
        try {
            Faultline f = new Faultline(env);
            f.stdout = out;
            f.stdin = in;
            CommandLine cl = new CommandLine(f);
            addSubcommands(cl, args);
            cl.setOut(o);
            cl.setErr(e);
            cl.setParameterExceptionHandler(new UsageErrors());
            cl.setExecutionExceptionHandler(new Errors(debug));
            int code = cl.execute(args);
            o.flush();
            if (out.checkError()) { // flushes; true once any write to standard output failed
                String why = rec != null && rec.first != null ? HostErrors.describe(rec.first) : "write failed";
                if (code == 0 && !why.contains("(EPIPE)")) { // a closed pipe ends us quietly, as SIGPIPE ends cat(1)
                    e.println("faultline: write error on standard output: " + why + "; the output is incomplete");
                }
                return code == 0 ? EXIT_USAGE : code;
            }
            return code;
        } catch (Throwable t) { // an Error escaping picocli (a LinkageError from JNA, OutOfMemoryError...)
            e.println("faultline: internal error: " + oneLine(String.valueOf(t))
                    + (debug ? "" : " (set FAULTLINE_DEBUG=1 for the Java stack trace)"));
            if (debug) {
                t.printStackTrace(e);
            }
            return EXIT_BUG;
        } finally {
            o.flush();
            e.flush();
        }
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /**
     * Usage errors: one line naming the problem, one line with the hint; exit 2. A bad option value
     * (a converter refused it) is one line only: its message names the option and the accepted form.
     */
    private static final class UsageErrors implements IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            CommandLine cl = ex.getCommandLine();
            PrintWriter err = cl.getErr();
            String msg = oneLine(ex.getMessage());
            if (ex instanceof CommandLine.UnmatchedArgumentException u) {
                List<String> unmatched = u.getUnmatched();
                if (!cl.getSubcommands().isEmpty() && !unmatched.isEmpty() && !unmatched.get(0).startsWith("-")) {
                    msg = "unknown command '" + unmatched.get(0) + "'";
                }
                if (!u.getSuggestions().isEmpty()) {
                    msg += " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
                }
            }
            err.println("faultline: " + msg);
            if (!(ex.getCause() instanceof CommandLine.TypeConversionException)) {
                // a bad value's message already names the option and the accepted form: one line
                err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
            }
            return EXIT_USAGE;
        }
    }

    /** Errors while a command runs: user-fixable ones in one line (exit 2), anything else is ours (exit 1). */
    private static final class Errors implements IExecutionExceptionHandler {
        private final boolean debug;

        Errors(boolean debug) {
            this.debug = debug;
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
            PrintWriter err = cl.getErr();
            if (ex instanceof CliError c) {
                err.println("faultline: " + oneLine(c.getMessage()));
                return c.exitCode;
            }
            if (ex instanceof ErrnoException || ex instanceof UncheckedIOException || ex instanceof IOException) {
                Throwable t = ex instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : ex;
                err.println("faultline: " + (t instanceof IOException io ? HostErrors.describe(io) : oneLine(t.getMessage())));
                if (debug) {
                    ex.printStackTrace(err);
                }
                return EXIT_USAGE;
            }
            err.println("faultline: internal error: " + oneLine(String.valueOf(ex))
                    + (debug ? "" : " (set FAULTLINE_DEBUG=1 for the Java stack trace)"));
            if (debug) {
                ex.printStackTrace(err);
            }
            return EXIT_BUG;
        }
    }

    /** {@code --version}: the project version baked in at build time. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"faultline " + version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }

        static String version() {
            try (InputStream in = Faultline.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    String v = p.getProperty("version");
                    if (v != null && !v.startsWith("${")) {
                        return v;
                    }
                }
            } catch (IOException e) {
                // fall through
            }
            return "(unknown version)";
        }
    }
}
