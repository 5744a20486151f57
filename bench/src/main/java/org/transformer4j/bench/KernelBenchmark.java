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
import org.transformer4j.kernels.Activations;
import org.transformer4j.kernels.Attention;
import org.transformer4j.kernels.Norms;
import org.transformer4j.kernels.Parallel;
import org.transformer4j.kernels.Softmax;

/**
 * Time per call of the kernels around the matrix products, at the shapes of a {@code shakespeare-char-cpu}
 * training step: 768 tokens (batch 12 x block 64), 128 channels, 4 heads, MLP width 512. What a step spends
 * outside the GEMM is these; the GEMM itself is {@link GemmBenchmark}, generation's matrix-vector products
 * {@link MatVecBenchmark}.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar KernelBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseG1GC"})
public class KernelBenchmark {
    static final int TOKENS = 768, CHANNELS = 128, HIDDEN = 512, BATCH = 12, BLOCK = 64, HEADS = 4;

    @Param({"2"})
    public int threads;

    private float[] x, y, g, gx, gamma, beta, mean, rstd, hidden, hiddenOut, cdf, scores, probs;
    private float[] q, k, v, att, p;
    private float[] gq, gk, gv;
    private Attention.Dims dims;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        Random rnd = new Random(1);
        x = random(TOKENS * CHANNELS, rnd);
        y = new float[TOKENS * CHANNELS];
        g = random(TOKENS * CHANNELS, rnd);
        gx = new float[TOKENS * CHANNELS];
        gamma = random(CHANNELS, rnd);
        beta = random(CHANNELS, rnd);
        mean = new float[TOKENS];
        rstd = new float[TOKENS];
        hidden = random(TOKENS * HIDDEN, rnd);
        hiddenOut = new float[TOKENS * HIDDEN];
        cdf = new float[TOKENS * HIDDEN];
        scores = random(BATCH * HEADS * BLOCK * BLOCK, rnd);
        probs = new float[scores.length];
        q = random(TOKENS * CHANNELS, rnd);
        k = random(TOKENS * CHANNELS, rnd);
        v = random(TOKENS * CHANNELS, rnd);
        att = new float[TOKENS * CHANNELS];
        p = new float[BATCH * HEADS * BLOCK * BLOCK];
        gq = new float[TOKENS * CHANNELS];
        gk = new float[TOKENS * CHANNELS];
        gv = new float[TOKENS * CHANNELS];
        dims = new Attention.Dims(BATCH, BLOCK, BLOCK, CHANNELS, HEADS, true, 0, null);

    }

    private static float[] random(int n, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    @Benchmark
    public float layerNormForward() {
        Norms.layerNorm(x, gamma, beta, 1e-5f, y, mean, rstd, TOKENS, CHANNELS);
        return y[0];
    }

    @Benchmark
    public float layerNormBackward() {
        Norms.layerNorm(x, gamma, beta, 1e-5f, y, mean, rstd, TOKENS, CHANNELS);
        Norms.layerNormBackwardAcc(x, gamma, mean, rstd, g, gx, null, null, TOKENS, CHANNELS);
        return gx[0];
    }

    @Benchmark
    public float geluExactForward() {
        Activations.geluExact(hidden, hiddenOut, cdf, hidden.length);
        return hiddenOut[0];
    }

    @Benchmark
    public float geluExactBackward() {
        Activations.geluExactBackwardAcc(hidden, cdf, hidden, hiddenOut, hidden.length);
        return hiddenOut[0];
    }

    @Benchmark
    public float softmaxRows() {
        Softmax.forward(scores, probs, BATCH * HEADS * BLOCK, BLOCK);
        return probs[0];
    }

    @Benchmark
    public float causalAttentionForward() {
        Attention.forward(dims, q, k, v, null, 0.125f, att, p);
        return att[0];
    }

    @Benchmark
    public float causalAttentionBackward() {
        Attention.forward(dims, q, k, v, null, 0.125f, att, p);
        Attention.backwardAcc(dims, q, k, v, p, 0.125f, g, gq, gk, gv, null);
        return gq[0];
    }

}
