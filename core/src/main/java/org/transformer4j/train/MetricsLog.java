package org.transformer4j.train;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;
import org.transformer4j.io.AtomicFiles;
import org.transformer4j.io.Json;

/**
 * The run's metrics as JSON lines in {@code DIR/metrics.jsonl}, one flat object per logged iteration, e.g.
 * <pre>{"iter": 250, "train_loss": 1.9712, "val_loss": 2.0641, "lr": 0.001, "ms_per_iter": 131.2, "tokens_per_s": 7805.3}</pre>
 * Fields: {@code train_loss} is the training loss at that line (the last micro-batch's, or the estimate at an
 * eval), {@code val_loss} the validation estimate (null except at evals). A value that is not a finite number is
 * written as {@code null}. Each line is flushed as it is written, so the file is useful while the run goes on.
 */
public final class MetricsLog implements Closeable {
    public static final String FILE = "metrics.jsonl";

    /** One line of the log: the iteration and its numeric fields (NaN for null). */
    public record Point(long iter, Map<String, Double> values) {
        /** The field's value, or NaN when it is absent or null. */
        public double get(String field) {
            Double d = values.get(field);
            return d == null ? Double.NaN : d;
        }
    }

    private final Path file;
    private final BufferedWriter out;

    private MetricsLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /** Starts a new log in {@code dir}, replacing any earlier one (a run from scratch). */
    public static MetricsLog create(Path dir) {
        Path f = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            return new MetricsLog(f, Files.newBufferedWriter(f, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new T4jException(f + ": cannot write metrics: " + e.getMessage(), e);
        }
    }

    /**
     * Continues the log in {@code dir} after resuming from a checkpoint taken at {@code iter}: lines with a larger
     * iter were written after that checkpoint and are replayed by the resumed run, so they are dropped (the file is
     * rewritten via a temp file and an atomic rename). A half-written last line is dropped too.
     */
    public static MetricsLog resume(Path dir, long iter) {
        Path f = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            if (Files.exists(f)) {
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                List<Point> points = parse(lines, f.toString());
                StringBuilder kept = new StringBuilder();
                for (int i = 0; i < points.size(); i++) {
                    if (points.get(i).iter() <= iter) {
                        kept.append(lines.get(i).strip()).append('\n');
                    }
                }
                AtomicFiles.writeString(f, kept.toString());
            }
            return new MetricsLog(f, Files.newBufferedWriter(f, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new T4jException(f + ": cannot write metrics: " + e.getMessage(), e);
        }
    }

    public Path path() {
        return file;
    }

    /** Appends the standard fields followed by {@code extra} (may be empty). NaN values are written as null. */
    public void log(long iter, double trainLoss, double valLoss, double lr, double msPerIter, double tokensPerS,
                    Map<String, Double> extra) {
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("train_loss", trainLoss);
        f.put("val_loss", valLoss);
        f.put("lr", lr);
        f.put("ms_per_iter", msPerIter);
        f.put("tokens_per_s", tokensPerS);
        f.putAll(extra);
        log(iter, f);
    }

    /** Appends {@code {"iter": iter, ...fields}} as one line and flushes it. */
    public void log(long iter, Map<String, Double> fields) {
        StringBuilder sb = new StringBuilder("{\"iter\": ").append(iter);
        for (Map.Entry<String, Double> e : fields.entrySet()) {
            if (e.getKey().equals("iter")) {
                throw new IllegalArgumentException("'iter' is not an extra field");
            }
            sb.append(", ");
            sb.append(Json.write(e.getKey()));
            Double v = e.getValue();
            sb.append(": ").append(v == null || !Double.isFinite(v) ? "null" : v.toString());
        }
        sb.append("}\n");
        try {
            out.write(sb.toString());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write metrics", e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot close metrics", e);
        }
    }

    /** Reads a metrics file (a half-written last line is ignored). A missing file has no points. */
    public static List<Point> read(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new T4jException(file + ": cannot read metrics: " + e.getMessage(), e);
        }
    }

    /** One point per line, in order; blank lines are not allowed except a trailing one. */
    private static List<Point> parse(List<String> lines, String name) {
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            boolean last = i == lines.size() - 1;
            if (line.isEmpty() && last) {
                break;
            }
            try {
                points.add(point(line, name));
            } catch (T4jException e) {
                if (last) {
                    break; // the run died while writing this line
                }
                throw new T4jException(name + ": line " + (i + 1) + ": cannot read '" + line + "'");
            }
        }
        return points;
    }

    private static Point point(String line, String name) {
        Long iter = null;
        Map<String, Double> values = new LinkedHashMap<>();
        for (var e : Json.parseObject(line, name).entrySet()) {
            if (e.getKey().equals("iter")) {
                if (e.getValue() instanceof Long l) {
                    iter = l;
                }
            } else if (e.getValue() == null) {
                values.put(e.getKey(), Double.NaN);
            } else if (e.getValue() instanceof Number n) {
                values.put(e.getKey(), n.doubleValue());
            }
        }
        if (iter == null) {
            throw new T4jException("no iter");
        }
        return new Point(iter, Collections.unmodifiableMap(values));
    }
}
