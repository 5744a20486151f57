package org.transformer4j.cli;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;

import org.transformer4j.T4jException;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Runs the t4j command line and applies its error policy, so that every command behaves the same:
 * <ul>
 * <li>a user error ({@link T4jException}, a file problem such as {@link NoSuchFileException}) prints one line
 *     {@code t4j: error: <message>} to stderr and exits {@value #EXIT_ERROR};</li>
 * <li>a usage error (unknown command or option, bad option value: picocli's {@link ParameterException}, which a
 *     command may also throw itself) prints one line and exits {@value #EXIT_USAGE};</li>
 * <li>anything else is a bug: {@code t4j: internal error: <class>: <message>} plus a hint, exit
 *     {@value #EXIT_INTERNAL}.</li>
 * </ul>
 * No stack trace is printed unless the environment variable {@code T4J_DEBUG=1} is set.
 * <p>Commands write their output to {@code spec.commandLine().getOut()} / {@code getErr()} (not System.out), so
 * that tests can capture it through {@link #run(String[], PrintWriter, PrintWriter)}.
 */
public final class Cli {
    private Cli() {}

    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_INTERNAL = 3;

    /** Runs t4j on the process's stdout/stderr (UTF-8 whatever the locale) and returns the exit code. */
    public static int run(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        try {
            return run(args, out, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Runs t4j writing to {@code out} and {@code err}; returns the exit code. Never throws. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        try {
            return commandLine(out, err).execute(args);
        } catch (Throwable t) {   // Errors (out of memory, a missing module) escape picocli's handlers
            return report(t, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The configured t4j command line (Main and its subcommands) writing to {@code out} and {@code err}. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler(Cli::usageError);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, cmd.getErr()));
        return cl;
    }

    /**
     * Prints the one-line report of {@code t} to {@code err} (plus a stack trace under T4J_DEBUG=1) and returns
     * the exit code. For commands that catch an exception themselves, e.g. from a worker thread.
     */
    public static int report(Throwable t, PrintWriter err) {
        Throwable e = unwrap(t);
        int code;
        if (e instanceof ParameterException) {
            err.println("t4j: error: " + oneLine(e.getMessage()));
            code = EXIT_USAGE;
        } else {
            String msg = userMessage(e);
            if (msg != null) {
                err.println("t4j: error: " + oneLine(msg));
                code = EXIT_ERROR;
            } else {
                err.println("t4j: internal error: " + e.getClass().getName()
                        + (e.getMessage() == null ? "" : ": " + oneLine(e.getMessage())));
                err.println("t4j: this is a bug in t4j; rerun with T4J_DEBUG=1 for the stack trace and report it");
                code = EXIT_INTERNAL;
            }
        }
        if (debug()) t.printStackTrace(err);
        err.flush();
        return code;
    }

    /** The message for an error caused by the user's input or environment, or null when {@code e} is a bug. */
    static String userMessage(Throwable e) {
        if (e instanceof T4jException) return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof NoSuchFileException f) return f.getFile() + ": no such file or directory";
        if (e instanceof AccessDeniedException f) return f.getFile() + ": permission denied";
        if (e instanceof FileAlreadyExistsException f) return f.getFile() + ": already exists";
        if (e instanceof NotDirectoryException f) return f.getFile() + ": not a directory";
        if (e instanceof DirectoryNotEmptyException f) return f.getFile() + ": directory not empty";
        if (e instanceof FileSystemException f) {
            return (f.getFile() == null ? "" : f.getFile() + ": ") + (f.getReason() == null ? "I/O error" : f.getReason());
        }
        if (e instanceof IOException) return "I/O error: " + e.getMessage();
        if (e instanceof OutOfMemoryError) {
            return "out of memory; give Java a larger heap, e.g. T4J_JAVA_OPTS=-Xmx8g ./t4j ... (current maximum "
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB)";
        }
        if (e instanceof NoClassDefFoundError && String.valueOf(e.getMessage()).startsWith("jdk/incubator/vector")) {
            return "the Vector API module is not loaded: start t4j with the ./t4j launcher, or pass "
                    + "--add-modules jdk.incubator.vector to java";
        }
        return null;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof UncheckedIOException || e instanceof CommandLine.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        List<String> unmatched = ex instanceof UnmatchedArgumentException u ? u.getUnmatched() : cmd.getUnmatchedArguments();
        String msg;
        if (unmatched.isEmpty()) {
            msg = oneLine(ex.getMessage()) + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')";
        } else if (cmd.getParent() == null && !unmatched.getFirst().startsWith("-")
                && (cmd.getParseResult() == null || !cmd.getParseResult().hasSubcommand())) {
            // An unknown command (reported before a missing option, which picocli would complain about first).
            String bad = unmatched.getFirst();
            String near = nearest(bad, cmd.getSubcommands().keySet());
            msg = "unknown command '" + bad + "'" + (near != null ? "; did you mean '" + near + "'?"
                    : " (commands: " + String.join(", ", cmd.getSubcommands().keySet()) + ")");
        } else {
            String bad = unmatched.getFirst();
            String near = bad.startsWith("-") ? nearest(bad.replaceFirst("=.*", ""), cmd.getCommandSpec().optionsMap().keySet()) : null;
            msg = (bad.startsWith("-") ? "unknown option '" + bad + "'" : "unexpected argument '" + bad + "'")
                    + (near != null ? "; did you mean '" + near + "'?" : "")
                    + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')";
        }
        err.println("t4j: error: " + msg);
        if (debug()) ex.printStackTrace(err);
        err.flush();
        return EXIT_USAGE;
    }

    /** The candidate within edit distance 2 of {@code word} (the closest), or null: a typo, not a guess. */
    static String nearest(String word, Iterable<String> candidates) {
        String best = null;
        int bestD = 3;
        for (String c : candidates) {
            int d = editDistance(word, c);
            if (d < bestD) { bestD = d; best = c; }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }

    /** {@code s} on one line: line breaks become spaces, so the one-line promise holds for any message. */
    static String oneLine(String s) {
        if (s == null) return "";
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** T4J_DEBUG=1 in the environment, or -Dt4j.debug=1 (which tests can set). */
    static boolean debug() {
        String v = System.getProperty("t4j.debug", System.getenv("T4J_DEBUG"));
        return v != null && !v.isEmpty() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }
}
