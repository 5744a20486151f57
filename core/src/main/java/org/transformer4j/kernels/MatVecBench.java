package org.transformer4j.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import org.transformer4j.tensor.WeightStorage;

/**
 * Timing behind {@code t4j bench bandwidth} and {@code t4j bench matvec}: the memory-read bandwidth of the
 * machine (the limit of batch-1 generation, which reads every weight once per token) and the bytes per second the
 * matrix-vector kernels reach on one weight matrix, so the two can be compared directly.
 *
 * <p>Both report the best and the median pass: on a shared machine the best pass is the one least disturbed by
 * other processes, so it is the better estimate of what the hardware can do; the median shows the spread.
 */
public final class MatVecBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Best and median GB/s (1e9 bytes per second) over the timed passes. */
    public record Result(String what, int threads, long bytes, int passes, double bestGbPerS, double medianGbPerS) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s, %d threads, %.1f MB: best %.2f GB/s, median %.2f GB/s (%d passes)",
                    what, threads, bytes / 1e6, bestGbPerS, medianGbPerS, passes);
        }
    }

    private MatVecBench() {}

    /**
     * Read bandwidth: sums {@code megabytes} MB of floats (off the heap, like a mapped checkpoint, or in a heap
     * float[]) with eight independent vector accumulators, the buffer split evenly between {@code threads}
     * threads, {@code passes} times.
     */
    public static Result bandwidth(int megabytes, int threads, int passes, boolean heap) {
        long bytes = (long) megabytes << 20;
        int floats = Math.toIntExact(bytes / 4);
        int saved = Parallel.threads();
        Parallel.setThreads(threads);
        try (Arena arena = Arena.ofShared()) {
            float[] array = heap ? new float[floats] : null;
            MemorySegment seg = heap ? MemorySegment.ofArray(array) : arena.allocate(bytes, 64);
            for (long i = 0; i < floats; i++) {
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i & 7) * 0.5f);
            }
            int blocks = floats / (8 * S.length());
            int per = 8 * S.length();
            double[] sums = new double[threads];
            Runnable pass = () -> Parallel.forEachChunk(threads, 1, (chunk, c0, c1) -> {
                for (int c = c0; c < c1; c++) {
                    int b0 = Parallel.chunkStart(blocks, threads, c), b1 = Parallel.chunkStart(blocks, threads, c + 1);
                    sums[c] = heap ? sumArray(array, b0 * per, b1 * per) : sumSegment(seg, (long) b0 * per, (long) b1 * per);
                }
            });
            return timed((heap ? "heap float[]" : "off-heap segment") + " read", threads, bytes, passes, pass);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    private static double sumSegment(MemorySegment s, long from, long to) {
        int l = S.length();
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (long i = from * 4; i < to * 4; i += 32L * l) {
            a0 = a0.add(FloatVector.fromMemorySegment(S, s, i, NATIVE));
            a1 = a1.add(FloatVector.fromMemorySegment(S, s, i + 4L * l, NATIVE));
            a2 = a2.add(FloatVector.fromMemorySegment(S, s, i + 8L * l, NATIVE));
            a3 = a3.add(FloatVector.fromMemorySegment(S, s, i + 12L * l, NATIVE));
            a4 = a4.add(FloatVector.fromMemorySegment(S, s, i + 16L * l, NATIVE));
            a5 = a5.add(FloatVector.fromMemorySegment(S, s, i + 20L * l, NATIVE));
            a6 = a6.add(FloatVector.fromMemorySegment(S, s, i + 24L * l, NATIVE));
            a7 = a7.add(FloatVector.fromMemorySegment(S, s, i + 28L * l, NATIVE));
        }
        return a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    private static double sumArray(float[] a, int from, int to) {
        int l = S.length();
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int i = from; i < to; i += 8 * l) {
            a0 = a0.add(FloatVector.fromArray(S, a, i));
            a1 = a1.add(FloatVector.fromArray(S, a, i + l));
            a2 = a2.add(FloatVector.fromArray(S, a, i + 2 * l));
            a3 = a3.add(FloatVector.fromArray(S, a, i + 3 * l));
            a4 = a4.add(FloatVector.fromArray(S, a, i + 4 * l));
            a5 = a5.add(FloatVector.fromArray(S, a, i + 5 * l));
            a6 = a6.add(FloatVector.fromArray(S, a, i + 6 * l));
            a7 = a7.add(FloatVector.fromArray(S, a, i + 7 * l));
        }
        return a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    /**
     * One matrix-vector product y = x·Wᵀ through {@link WeightKernels#linear} (m = 1) on a random [out, in]
     * weight held off the heap in {@code format} ("f32", "bf16", "f16" or "int8"), stored transposed if asked;
     * GB/s counts the stored bytes of W (and the int8 scales) per call.
     */
    public static Result matvec(int out, int in, String format, boolean transposed, int threads, int passes) {
        return matvec(out, in, format, transposed, threads, passes, 1);
    }

    /**
     * As {@link #matvec(int, int, String, boolean, int, int)}, over {@code copies} off-heap copies of W used in turn:
     * with enough copies to exceed the caches (8 MB of L3 here) every call reads W from memory, as generation does;
     * with one copy, a matrix of a few MB is read from the caches after the first call.
     */
    public static Result matvec(int out, int in, String format, boolean transposed, int threads, int passes, int copies) {
        Random rnd = new Random(1);
        float[] w = new float[Math.multiplyExact(out, in)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        float[] stored = transposed ? transpose(w, out, in) : w;
        WeightStorage ws = switch (format) {
            case "f32" -> WeightStorage.ofFloats(stored, transposed);
            case "bf16", "f16" -> {
                WeightStorage.Format f = format.equals("bf16") ? WeightStorage.Format.BF16 : WeightStorage.Format.F16;
                short[] h = new short[stored.length];
                for (int i = 0; i < h.length; i++) {
                    h[i] = f == WeightStorage.Format.BF16 ? (short) (Float.floatToRawIntBits(stored[i]) >>> 16)
                            : Float.floatToFloat16(stored[i]);
                }
                yield WeightStorage.ofHalves(h, f, transposed);
            }
            case "int8" -> WeightStorage.quantizeInt8(WeightStorage.ofFloats(stored, false), out, in);
            default -> throw new IllegalArgumentException("format must be f32, bf16, f16 or int8, got " + format);
        };
        WeightStorage[] off = new WeightStorage[Math.max(1, copies)];
        for (int c = 0; c < off.length; c++) {
            off[c] = ws.offHeap(Arena.ofAuto());
        }
        int[] next = {0};
        float[] x = new float[in], y = new float[out];
        for (int i = 0; i < in; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        int saved = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            return timed(String.format(Locale.ROOT, "matvec %s [%d, %d]%s%s", format, out, in, transposed ? " stored transposed" : "",
                            off.length > 1 ? ", " + off.length + " copies in turn" : ""),
                    threads, off[0].bytes(), passes, () -> {
                        WeightKernels.linear(1, in, out, x, off[next[0]], y);
                        next[0] = (next[0] + 1) % off.length;
                    });
        } finally {
            Parallel.setThreads(saved);
        }
    }

    private static float[] transpose(float[] w, int rows, int cols) {
        float[] t = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = w[r * cols + c];
            }
        }
        return t;
    }

    private static Result timed(String what, int threads, long bytes, int passes, Runnable pass) {
        long[] t = bestAndMedianNanos(pass, 500_000_000L, Math.max(1, passes));
        return new Result(what, threads, bytes, Math.max(1, passes), bytes / (double) t[0], bytes / (double) t[1]);
    }

    /**
     * Runs {@code pass} untimed for {@code warmupNanos} (so that C2 has compiled it), then {@code passes} times
     * timed; returns the best and the median pass in nanoseconds.
     */
    static long[] bestAndMedianNanos(Runnable pass, long warmupNanos, int passes) {
        long warm = System.nanoTime();
        while (System.nanoTime() - warm < warmupNanos) {
            pass.run();
        }
        long[] t = new long[passes];
        for (int i = 0; i < passes; i++) {
            long t0 = System.nanoTime();
            pass.run();
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        long med = passes % 2 == 1 ? t[passes / 2] : (t[passes / 2 - 1] + t[passes / 2]) / 2;
        return new long[] {t[0], med};
    }
}
