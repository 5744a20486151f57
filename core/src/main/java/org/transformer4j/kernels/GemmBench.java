package org.transformer4j.kernels;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Quick programmatic timing of {@link Gemm} (behind {@code t4j bench gemm}); JMH in the bench module is the
 * rigorous version. {@link #run} fills A and B with random values, sets {@link Parallel#setThreads} for the
 * duration of the call (restoring it afterwards), warms up for about 0.3 s (so the JIT compiles the kernels),
 * then times individual calls for about 1 s (at least 5) and reports the median, which is robust to the
 * occasional slow call on a shared machine. GFLOP/s counts 2·m·n·k floating-point operations per call.
 *
 * <p>Command line: {@code java --add-modules jdk.incubator.vector -cp core.jar
 * org.transformer4j.kernels.GemmBench M K N [threads [nn|nt|tn]]}.
 */
public final class GemmBench {
    private static final long WARMUP_NANOS = 300_000_000L;
    private static final long MEASURE_NANOS = 1_000_000_000L;
    private static final int MIN_REPEATS = 5;

    /** Timing of one shape: median milliseconds per call and the corresponding GFLOP/s. */
    public record Result(int m, int k, int n, int threads, String layout, int repeats, double medianMs,
                         double gflops) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s m=%d k=%d n=%d threads=%d: %.3f ms, %.1f GFLOP/s (median of %d)",
                    layout, m, k, n, threads, medianMs, gflops, repeats);
        }
    }

    private GemmBench() {}

    /**
     * Times C[m,n] = op(A)·op(B) for {@code layout} "nn" (A[m,k]·B[k,n]), "nt" (A[m,k]·B[n,k]ᵀ) or "tn"
     * (A[k,m]ᵀ·B[k,n]) with {@code threads} threads.
     */
    public static Result run(int m, int k, int n, int threads, String layout) {
        if (m < 1 || k < 1 || n < 1 || threads < 1) {
            throw new IllegalArgumentException("m, k, n and threads must be >= 1");
        }
        Runnable call = call(m, k, n, layout);
        int saved = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            long start = System.nanoTime();
            do {
                call.run();
            } while (System.nanoTime() - start < WARMUP_NANOS);
            long[] times = new long[16];
            int count = 0;
            start = System.nanoTime();
            while (count < MIN_REPEATS || System.nanoTime() - start < MEASURE_NANOS) {
                long t0 = System.nanoTime();
                call.run();
                long t = System.nanoTime() - t0;
                if (count == times.length) {
                    times = Arrays.copyOf(times, count * 2);
                }
                times[count++] = t;
            }
            Arrays.sort(times, 0, count);
            double medianMs = (count % 2 == 1 ? times[count / 2] : (times[count / 2 - 1] + times[count / 2]) / 2.0) / 1e6;
            double gflops = 2.0 * m * n * k / (medianMs * 1e6);
            return new Result(m, k, n, threads, layout, count, medianMs, gflops);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    private static Runnable call(int m, int k, int n, String layout) {
        Random rnd = new Random(1);
        float[] a = random(m * k, rnd), b = random(k * n, rnd), c = new float[m * n];
        return switch (layout) {
            case "nn" -> () -> Gemm.nn(m, n, k, a, b, c, false);
            case "nt" -> () -> Gemm.nt(m, n, k, a, b, c, false);
            case "tn" -> () -> Gemm.tn(m, n, k, a, b, c, false);
            default -> throw new IllegalArgumentException("layout must be nn, nt or tn, got " + layout);
        };
    }

    private static float[] random(int size, Random rnd) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: GemmBench M K N [threads [nn|nt|tn]]");
            System.exit(2);
        }
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Parallel.threads();
        String layout = args.length > 4 ? args[4] : "nn";
        System.out.println(run(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                threads, layout));
    }
}
