package org.transformer4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.transformer4j.kernels.Gemm;
import org.transformer4j.kernels.Parallel;

/**
 * Time per call of {@link Gemm} for the shapes of the tiny training config (768x128x384, 768x512x128), GPT-2
 * small sized layers at 4096 tokens (4096x384x1152, 4096x1536x384) and the classic 1024^3, in all three
 * layouts. Shapes are "MxKxN" (not commas: JMH splits -p values on them); GFLOP/s = 2*m*k*n / time.
 * Threads: {@code -p threads=1,2} (default 2).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar GemmBenchmark -p shape=1024x1024x1024
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {
    @Param({"768x128x384", "768x512x128", "4096x384x1152", "4096x1536x384", "1024x1024x1024"})
    public String shape;

    @Param({"nn", "nt", "tn"})
    public String layout;

    @Param({"2"})
    public int threads;

    private int m, k, n;
    private float[] a, b, c;

    @Setup
    public void setup() {
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0].trim());
        k = Integer.parseInt(s[1].trim());
        n = Integer.parseInt(s[2].trim());
        Parallel.setThreads(threads);
        Random rnd = new Random(1);
        a = random(m * k, rnd);
        b = random(k * n, rnd);
        c = new float[m * n];
    }

    private static float[] random(int size, Random rnd) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }

    @Benchmark
    public float[] gemm() {
        switch (layout) {
            case "nn" -> Gemm.nn(m, n, k, a, b, c, false);
            case "nt" -> Gemm.nt(m, n, k, a, b, c, false);
            case "tn" -> Gemm.tn(m, n, k, a, b, c, false);
            default -> throw new IllegalArgumentException(layout);
        }
        return c;
    }
}
