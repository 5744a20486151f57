package org.transformer4j.bench;

import java.lang.foreign.Arena;
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
import org.transformer4j.kernels.Parallel;
import org.transformer4j.kernels.WeightKernels;
import org.transformer4j.tensor.WeightStorage;

/**
 * Time per call of one batch-1 generation matrix-vector product y = x·Wᵀ over off-heap weights (as a mapped
 * checkpoint's), at GPT-2 124M's shapes: the fused attention input (2304 x 768), the MLP output (768 x 3072) and
 * the tied head (50257 x 768), stored float32 or bfloat16 in PyTorch's [out, in] layout. Bytes per second = the
 * matrix's stored bytes (out x in x 4 for f32, x 2 for bf16) / time, to compare with {@code t4j bench bandwidth}.
 * The two layer shapes (7 and 9 MB in f32) stay in the L3 cache between calls, so they measure the kernels' core
 * speed; only the head (154 MB) is read from memory, as every matrix is in real generation.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar MatVecBenchmark -p weights=bf16
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseG1GC"})
public class MatVecBenchmark {
    @Param({"2"})
    public int threads;

    @Param({"f32", "bf16"})
    public String weights;

    /** "OUTxIN". */
    @Param({"2304x768", "768x3072", "50257x768"})
    public String shape;

    private WeightStorage w;
    private float[] x, y;
    private int out, in;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        String[] s = shape.split("x");
        out = Integer.parseInt(s[0]);
        in = Integer.parseInt(s[1]);
        Random rnd = new Random(1);
        float[] m = new float[out * in];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        WeightStorage heap;
        if (weights.equals("bf16")) {
            short[] h = new short[m.length];
            for (int i = 0; i < h.length; i++) {
                h[i] = (short) (Float.floatToRawIntBits(m[i]) >>> 16);
            }
            heap = WeightStorage.ofHalves(h, WeightStorage.Format.BF16, false);
        } else if (weights.equals("f32")) {
            heap = WeightStorage.ofFloats(m, false);
        } else {
            throw new IllegalArgumentException("weights must be f32 or bf16, got " + weights);
        }
        w = heap.offHeap(Arena.ofAuto());
        x = new float[in];
        for (int i = 0; i < in; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        y = new float[out];
    }

    @Benchmark
    public float matvec() {
        WeightKernels.linear(1, in, out, x, w, y);
        return y[0];
    }
}
