package org.transformer4j.cli;

import java.io.PrintWriter;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of long work (training iterations, a big prepare), on stderr. At a terminal it is a live progress
 * bar with a message ("loss 2.3100"); elsewhere (a log file, CI, a pipe) it is one plain line every
 * {@code every} steps, which is what a log wants:
 * <pre>iter 120/2000 | loss 2.3100 | 31.2 ms/iter | eta 58s</pre>
 * {@link #log(String)} prints a line (an evaluation result, say) without breaking the bar. Use from one thread.
 */
public abstract sealed class Progress implements AutoCloseable permits Progress.Plain, Progress.Bar {
    final String task;
    final long total;

    Progress(String task, long total) {
        this.task = task;
        this.total = total;
    }

    /** Progress of {@code total} steps (0 or less: unknown) on stderr, a bar at a terminal. */
    public static Progress start(String task, long total) {
        return start(task, total, defaultEvery(total), null);
    }

    /**
     * Progress of {@code total} steps: a bar when stderr is a terminal, else a line every {@code every} steps
     * written to {@code err} (System.err when null; pass the command's {@code getErr()} so tests see it).
     */
    public static Progress start(String task, long total, long every, PrintWriter err) {
        if (isInteractive()) return new Bar(task, total);
        return plain(task, total, every, err != null ? err : new PrintWriter(System.err, true, StandardCharsets.UTF_8));
    }

    /** Always plain lines, whatever stderr is. */
    public static Progress plain(String task, long total, long every, PrintWriter err) {
        return new Plain(task, total, every, err, System::nanoTime);
    }

    /** Reports that step {@code current} (1-based count of steps done) finished; {@code extra} may be null. */
    public abstract void step(long current, String extra);

    /** Prints {@code line} on its own line (above the bar, if there is one). */
    public abstract void log(String line);

    /** Ends the progress display (prints the last step if it was not shown yet). */
    @Override
    public abstract void close();

    static long defaultEvery(long total) {
        return total > 0 ? Math.max(1, total / 20) : 1;
    }

    // ---- detection ----------------------------------------------------------------------------------------

    /** True when a live bar makes sense: stderr is a terminal, not CI, not a dumb terminal. */
    public static boolean isInteractive() {
        String ci = System.getenv("CI");
        if (ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false")) return false;
        if ("dumb".equals(System.getenv("TERM"))) return false;
        return stderrIsTerminal();
    }

    /**
     * Whether stderr is a terminal. The launcher knows best (it may route stderr through a filter, which makes it
     * a pipe) and says so with -Dt4j.stderr.tty; otherwise ask isatty(2), else fall back to System.console(),
     * which only looks at stdin and stdout.
     */
    static boolean stderrIsTerminal() {
        String prop = System.getProperty("t4j.stderr.tty");
        if (prop != null) return Boolean.parseBoolean(prop);
        Boolean tty = isatty(2);
        if (tty != null) return tty;
        var console = System.console();
        return console != null && console.isTerminal();
    }

    private static Boolean isatty(int fd) {
        // Without native access the call would print a warning; only POSIX systems have isatty in the C library.
        if (!Progress.class.getModule().isNativeAccessEnabled()
                || System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            var symbol = linker.defaultLookup().find("isatty");
            if (symbol.isEmpty()) return null;
            MethodHandle h = linker.downcallHandle(symbol.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) h.invokeExact(fd) == 1;
        } catch (Throwable t) {
            return null;
        }
    }

    // ---- plain lines --------------------------------------------------------------------------------------

    static final class Plain extends Progress {
        private final long every;
        private final PrintWriter err;
        private final LongSupplier nanos;
        private final long startNanos;
        private long lastNanos;
        private long lastLogged;     // the step of the last printed line
        private long current;
        private String extra;

        Plain(String task, long total, long every, PrintWriter err, LongSupplier nanos) {
            super(task, total);
            this.every = Math.max(1, every);
            this.err = err;
            this.nanos = nanos;
            this.startNanos = nanos.getAsLong();
            this.lastNanos = startNanos;
        }

        @Override
        public void step(long current, String extra) {
            this.current = current;
            this.extra = extra;
            if (current - lastLogged >= every || (total > 0 && current >= total && current > lastLogged)) print();
        }

        private void print() {
            long now = nanos.getAsLong();
            StringBuilder sb = new StringBuilder(task).append(' ').append(current);
            if (total > 0) sb.append('/').append(total);
            if (extra != null && !extra.isEmpty()) sb.append(" | ").append(extra);
            long steps = current - lastLogged;
            if (steps > 0) {
                sb.append(String.format(Locale.ROOT, " | %.1f ms/%s", (now - lastNanos) / 1e6 / steps, task));
            }
            if (total > 0 && current < total && current > 0) {
                long remaining = (long) ((double) (now - startNanos) / current * (total - current) / 1e9);
                sb.append(" | eta ").append(formatSeconds(remaining));
            }
            err.println(sb);
            err.flush();
            lastLogged = current;
            lastNanos = now;
        }

        @Override
        public void log(String line) {
            err.println(line);
            err.flush();
        }

        @Override
        public void close() {
            if (current > lastLogged) print();
            err.flush();
        }
    }

    /** 58s, 3m07s, 2h05m. */
    static String formatSeconds(long s) {
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s / 60) % 60);
    }

    // ---- terminal bar -------------------------------------------------------------------------------------

    static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String task, long total) {
            super(task, total);
            boolean utf8 = Charset.forName(System.getProperty("stderr.encoding", "UTF-8"), StandardCharsets.US_ASCII)
                    .equals(StandardCharsets.UTF_8);
            ProgressBarBuilder b = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total > 0 ? total : -1)
                    .setStyle(utf8 ? ProgressBarStyle.UNICODE_BLOCK : ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(200)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .continuousUpdate();
            this.bar = b.build();
        }

        @Override
        public void step(long current, String extra) {
            bar.stepTo(current);
            if (extra != null) bar.setExtraMessage(extra);
        }

        @Override
        public void log(String line) {
            // One print call, so it cannot interleave with the bar's own redraw (PrintStream locks per call):
            // go to the line start, clear it, print the line; the bar redraws below it.
            System.err.print("\r\033[K" + line + System.lineSeparator());
            System.err.flush();
            bar.refresh();
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** Formats a duration for summaries: 1.3 s, 850 ms. */
    static String format(Duration d) {
        long ms = d.toMillis();
        return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
