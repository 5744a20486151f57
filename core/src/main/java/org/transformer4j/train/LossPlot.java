package org.transformer4j.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.transformer4j.T4jException;
import org.transformer4j.io.AtomicFiles;
import org.transformer4j.train.MetricsLog.Point;

/**
 * Draws the train and val loss against the iteration as a standalone SVG ({@code DIR/loss.svg}), in the spirit of
 * matplotlib's defaults: light grid, round tick values, a legend, the run name as title.
 *
 * <p>Non-finite values are left out. A rare huge spike would squash the rest of the curve into a flat line, so the
 * y range ends at a robust cap and anything above is drawn at the top edge, with a note saying how many values
 * were cut. Long runs are thinned to a min and a max per pixel column, which keeps spikes visible.
 */
public final class LossPlot {
    public static final String FILE = "loss.svg";

    private static final int W = 820;
    private static final int H = 500;
    private static final double LEFT = 72;
    private static final double RIGHT = W - 24;
    private static final double TOP = 62;
    private static final double BOTTOM = H - 58;
    private static final String TRAIN_COLOR = "#1f77b4";
    private static final String VAL_COLOR = "#ff7f0e";
    /** Above this many points a series is thinned to min/max per pixel column. */
    private static final int THIN_ABOVE = 2000;

    private LossPlot() {}

    /** Writes {@code dir/loss.svg} through a temp file and an atomic rename, so a viewer never sees half a file. */
    public static Path write(Path dir, String runName, List<Point> points) {
        Path f = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new T4jException(dir + ": cannot create the run directory: " + e.getMessage(), e);
        }
        AtomicFiles.writeString(f, svg(runName, points));
        return f;
    }

    /** The SVG document. */
    public static String svg(String title, List<Point> points) {
        double[][] train = series(points, "train_loss");
        double[][] val = series(points, "val_loss");
        int n = train[0].length + val[0].length;

        // x range: the iterations that have something to draw.
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        for (double[][] s : List.of(train, val)) {
            for (double x : s[0]) {
                xMin = Math.min(xMin, x);
                xMax = Math.max(xMax, x);
            }
        }
        if (n == 0) {
            xMin = 0;
            xMax = 1;
        } else if (xMin == xMax) {
            xMin = xMin >= 1 ? xMin - 1 : xMin; // one point: show a unit range, never negative iterations
            xMax += 1;
        }

        // y range: from the smallest value to a cap that ignores rare spikes, plus a 5% margin.
        double[] ys = concat(train[1], val[1]);
        double yLo = 0;
        double yHi = 1;
        int clipped = 0;
        double yMaxData = Double.NaN;
        if (ys.length > 0) {
            double[] sorted = ys.clone();
            Arrays.sort(sorted);
            double lo = sorted[0];
            yMaxData = sorted[sorted.length - 1];
            double cap = Math.min(yMaxData, spikeCap(sorted, train[1], val[1]));
            for (double y : ys) {
                if (y > cap) {
                    clipped++;
                }
            }
            double span = cap - lo;
            if (span <= 0) {
                span = Math.max(Math.abs(lo) * 0.1, 0.1);
                lo -= span / 2;
                cap += span / 2;
            }
            yLo = lo - 0.05 * span;
            yHi = cap + 0.05 * span;
            if (sorted[0] >= 0 && yLo < 0) {
                yLo = 0; // losses are never negative; an axis below zero would only waste space
            }
        }

        Svg s = new Svg();
        s.open(title);
        double[] xt = ticks(xMin, xMax, 6, 1);
        double[] yt = ticks(yLo, yHi, 6, 0);
        double xStep = xt.length > 1 ? xt[1] - xt[0] : 1;
        double yStep = yt.length > 1 ? yt[1] - yt[0] : 1;
        Scale sx = new Scale(xMin, xMax, LEFT, RIGHT);
        Scale sy = new Scale(yLo, yHi, BOTTOM, TOP);

        // grid and ticks
        for (double t : xt) {
            double x = sx.map(t);
            s.line(x, TOP, x, BOTTOM, "#e6e6e6", 1);
            s.line(x, BOTTOM, x, BOTTOM + 5, "#333", 1);
            s.text(x, BOTTOM + 20, formatIter(t, xStep), "middle", 12, "#333");
        }
        for (double t : yt) {
            double y = sy.map(t);
            s.line(LEFT, y, RIGHT, y, "#e6e6e6", 1);
            s.line(LEFT - 5, y, LEFT, y, "#333", 1);
            s.text(LEFT - 9, y + 4, formatValue(t, yStep), "end", 12, "#333");
        }
        s.raw(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                + "stroke=\"#333\" stroke-width=\"1\"/>%n", LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP));
        s.text((LEFT + RIGHT) / 2, H - 16, "iteration", "middle", 13, "#222");
        s.raw(String.format(Locale.ROOT, "<text x=\"18\" y=\"%.1f\" font-size=\"13\" fill=\"#222\" "
                + "text-anchor=\"middle\" transform=\"rotate(-90 18 %.1f)\">loss</text>%n",
                (TOP + BOTTOM) / 2, (TOP + BOTTOM) / 2));

        // curves, clipped to the plot area
        s.raw(String.format(Locale.ROOT, "<clipPath id=\"plot\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                + "height=\"%.1f\"/></clipPath>%n", LEFT - 4, TOP - 1, RIGHT - LEFT + 8, BOTTOM - TOP + 2));
        s.raw("<g clip-path=\"url(#plot)\" fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\">\n");
        s.curve("train", train, sx, sy, TRAIN_COLOR, train[0].length > 400 ? 1.2 : 1.8, false);
        s.curve("val", val, sx, sy, VAL_COLOR, 2.0, val[0].length <= 60);
        s.raw("</g>\n");

        // legend, top right inside the plot, and notes
        List<String[]> entries = new ArrayList<>();
        if (train[0].length > 0) {
            entries.add(new String[] {"train", TRAIN_COLOR});
        }
        if (val[0].length > 0) {
            entries.add(new String[] {"val", VAL_COLOR});
        }
        if (!entries.isEmpty()) {
            double bw = 92;
            double bh = 10 + 20 * entries.size();
            double bx = RIGHT - bw - 10;
            double by = TOP + 10;
            s.raw(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"4\" "
                    + "fill=\"#fff\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>%n", bx, by, bw, bh));
            for (int i = 0; i < entries.size(); i++) {
                double y = by + 15 + 20 * i;
                s.line(bx + 10, y, bx + 38, y, entries.get(i)[1], 2.2);
                s.text(bx + 46, y + 4, entries.get(i)[0], "start", 13, "#222");
            }
        }
        if (n == 0) {
            s.text((LEFT + RIGHT) / 2, (TOP + BOTTOM) / 2, "no data yet", "middle", 14, "#888");
        }
        if (clipped > 0) {
            s.text(LEFT + 8, TOP + 16, clipped + (clipped == 1 ? " value" : " values") + " above the plot (max "
                    + formatValue(yMaxData, yStep / 10) + ")", "start", 11, "#a33");
        }
        s.text(W / 2.0, 44, subtitle(train, val), "middle", 12, "#666");
        return s.close();
    }

    /** "last: train 1.234, val 1.456 at iter 5000" — the numbers one looks for first. */
    private static String subtitle(double[][] train, double[][] val) {
        List<String> parts = new ArrayList<>();
        long it = Long.MIN_VALUE;
        for (String[] name : new String[][] {{"train"}, {"val"}}) {
            double[][] s = name[0].equals("train") ? train : val;
            int k = s[0].length;
            if (k > 0) {
                parts.add(name[0] + " " + String.format(Locale.ROOT, "%.4f", s[1][k - 1]));
                it = Math.max(it, (long) s[0][k - 1]);
            }
        }
        if (parts.isEmpty()) {
            return "";
        }
        double bestVal = Double.POSITIVE_INFINITY;
        for (double v : val[1]) {
            bestVal = Math.min(bestVal, v);
        }
        String best = val[1].length > 1 ? String.format(Locale.ROOT, " · best val %.4f", bestVal) : "";
        return "last: " + String.join(", ", parts) + " at iter " + it + best;
    }

    /**
     * The top of the y range. Typical values sit below the 95th percentile; we allow the same spread again above
     * it, and never cut the first value of a series (the natural top of a loss plot). With few values a
     * percentile means little, so nothing is cut.
     */
    private static double spikeCap(double[] sorted, double[] train, double[] val) {
        if (sorted.length < 20) {
            return sorted[sorted.length - 1];
        }
        double lo = sorted[0];
        double p95 = sorted[(int) Math.floor(0.95 * (sorted.length - 1))];
        double start = Math.max(train.length > 0 ? train[0] : lo, val.length > 0 ? val[0] : lo);
        return Math.max(p95 + (p95 - lo), start);
    }

    /** {xs, ys} of the points whose field is finite, thinned when there are very many. */
    private static double[][] series(List<Point> points, String field) {
        double[] xs = new double[points.size()];
        double[] ys = new double[points.size()];
        int k = 0;
        for (Point p : points) {
            double v = p.get(field);
            if (Double.isFinite(v)) {
                xs[k] = p.iter();
                ys[k++] = v;
            }
        }
        xs = Arrays.copyOf(xs, k);
        ys = Arrays.copyOf(ys, k);
        return k > THIN_ABOVE ? thin(xs, ys) : new double[][] {xs, ys};
    }

    /** Keeps the min and the max (in iteration order) of each of ~700 equal-width iteration buckets. */
    private static double[][] thin(double[] xs, double[] ys) {
        int buckets = 700;
        double x0 = xs[0];
        double width = (xs[xs.length - 1] - x0) / buckets;
        double[] ox = new double[2 * buckets + 2];
        double[] oy = new double[ox.length];
        int k = 0;
        int i = 0;
        while (i < xs.length) {
            int b = width <= 0 ? 0 : (int) Math.min(buckets - 1, (xs[i] - x0) / width);
            int lo = i;
            int hi = i;
            int j = i;
            while (j < xs.length && (width <= 0 ? 0 : (int) Math.min(buckets - 1, (xs[j] - x0) / width)) == b) {
                if (ys[j] < ys[lo]) {
                    lo = j;
                }
                if (ys[j] > ys[hi]) {
                    hi = j;
                }
                j++;
            }
            int a = Math.min(lo, hi);
            int c = Math.max(lo, hi);
            ox[k] = xs[a];
            oy[k++] = ys[a];
            if (c != a) {
                ox[k] = xs[c];
                oy[k++] = ys[c];
            }
            i = j;
        }
        return new double[][] {Arrays.copyOf(ox, k), Arrays.copyOf(oy, k)};
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /**
     * Round tick values (1, 2, 2.5 or 5 times a power of ten) inside [lo, hi], about {@code target} of them, at
     * least {@code minStep} apart (iterations are whole numbers).
     */
    static double[] ticks(double lo, double hi, int target, double minStep) {
        double step = Math.max(minStep, niceStep((hi - lo) / target));
        double first = Math.ceil(lo / step - 1e-9) * step;
        List<Double> t = new ArrayList<>();
        for (int i = 0; first + i * step <= hi + step * 1e-9; i++) {
            double v = first + i * step;
            t.add(Math.abs(v) < step * 1e-9 ? 0.0 : v);
        }
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        // the nice step nearest the raw one, so the tick count stays close to the target
        double nice = m < 1.5 ? 1 : m < 2.25 ? 2 : m < 3.5 ? 2.5 : m < 7.5 ? 5 : 10;
        return nice * p;
    }

    /** A y value with as many decimals as the tick step needs. */
    static String formatValue(double v, double step) {
        int decimals = 0;
        while (decimals < 8 && Math.abs(step * Math.pow(10, decimals) - Math.rint(step * Math.pow(10, decimals)))
                > 1e-6 * step * Math.pow(10, decimals)) {
            decimals++;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** An iteration count; thousands as "250k" once the ticks are that far apart. */
    static String formatIter(double v, double step) {
        long l = Math.round(v);
        if (step >= 1000 && step % 1000 == 0 && l % 1000 == 0 && l != 0) {
            return (l / 1000) + "k";
        }
        return step >= 1 ? Long.toString(l) : formatValue(v, step);
    }

    private record Scale(double lo, double hi, double from, double to) {
        double map(double v) {
            return from + (v - lo) / (hi - lo) * (to - from);
        }
    }

    /** A small SVG writer. */
    private static final class Svg {
        private final StringBuilder sb = new StringBuilder();

        void open(String title) {
            sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                    + "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">%n",
                    W, H, W, H));
            sb.append("<title>").append(escape(title)).append(" — loss</title>\n");
            sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>%n", W, H));
            text(W / 2.0, 26, title, "middle", 16, "#111");
        }

        void line(double x1, double y1, double x2, double y2, String color, double width) {
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"%s\" stroke-width=\"%.1f\"/>%n", x1, y1, x2, y2, color, width));
        }

        void text(double x, double y, String s, String anchor, int size, String color) {
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" fill=\"%s\" "
                    + "text-anchor=\"%s\">", x, y, size, color, anchor)).append(escape(s)).append("</text>\n");
        }

        void curve(String name, double[][] s, Scale sx, Scale sy, String color, double width, boolean markers) {
            int k = s[0].length;
            if (k == 0) {
                return;
            }
            sb.append("<polyline class=\"").append(name).append("\" stroke=\"").append(color)
                    .append(String.format(Locale.ROOT, "\" stroke-width=\"%.1f\" points=\"", width));
            StringBuilder dots = new StringBuilder();
            for (int i = 0; i < k; i++) {
                // Values above the cap are pinned just over the top edge, where the clip path cuts them.
                double y = Math.max(TOP - 3, Math.min(BOTTOM + 3, sy.map(s[1][i])));
                double x = sx.map(s[0][i]);
                sb.append(String.format(Locale.ROOT, i == 0 ? "%.1f,%.1f" : " %.1f,%.1f", x, y));
                if (markers || k == 1) {
                    dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>", x, y));
                }
            }
            sb.append("\"/>\n");
            if (!dots.isEmpty()) {
                sb.append("<g fill=\"").append(color).append("\" stroke=\"none\">").append(dots).append("</g>\n");
            }
        }

        void raw(String s) {
            sb.append(s);
        }

        String close() {
            return sb.append("</svg>\n").toString();
        }

        private static String escape(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }
    }
}
