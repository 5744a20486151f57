package org.transformer4j.kernels;

import java.util.Locale;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Timing behind {@code t4j bench peak}: the machine's float32 multiply-add peak, the ceiling of every GEMM and so
 * of training and prompt processing. Each thread runs twelve independent chains {@code acc = m * b + acc} (one
 * vector FMA each): twelve are enough to cover an FMA's latency (4-5 cycles) times the FMA units per core
 * (1-2), so the loop is limited by FMA throughput alone. The chains start from different values because a
 * compiler may merge chains it can prove equal (gcc did, for the C version in bench/peak/fmapeak.c). The
 * accumulator is the addend, {@code acc = m * b + acc}, as in the GEMM kernels: written as {@code acc * m + b}
 * the same loop ran at two thirds of this speed under C2.
 *
 * <p>Dividing a workload's multiply-adds by this figure gives the shortest time any implementation can take on
 * the machine: docs/PERFORMANCE.md uses it to show which of issue 5's targets this machine can reach at all.
 */
public final class PeakBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** FMAs per chain per pass: ~0.1-0.3 s per pass on a 2020s core. */
    private static final int STEPS = 20_000_000;
    private static final int CHAINS = 12;

    /** Best and median GFLOP/s (2 FLOP per multiply-add lane) over the timed passes. */
    public record Result(int threads, int lanes, int passes, double bestGflops, double medianGflops) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "float32 FMA peak, %d threads, %d-lane vectors: best %.1f GFLOP/s, median %.1f GFLOP/s (%d passes)",
                    threads, lanes, bestGflops, medianGflops, passes);
        }
    }

    private PeakBench() {}

    public static Result run(int threads, int passes) {
        return run(threads, passes, STEPS, 1_000_000_000L);
    }

    /** {@link #run(int, int)} with a given pass length and warm-up (tests use short ones). */
    static Result run(int threads, int passes, int steps, long warmupNanos) {
        if (threads < 1 || passes < 1) {
            throw new IllegalArgumentException("threads and passes must be >= 1");
        }
        int saved = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            float[] sink = new float[threads];
            Runnable pass = () -> Parallel.forEachChunk(threads, 1, (chunk, c0, c1) -> {
                for (int c = c0; c < c1; c++) {
                    sink[c] = chains(steps);
                }
            });
            long[] t = MatVecBench.bestAndMedianNanos(pass, warmupNanos, passes);
            double flop = 2.0 * threads * steps * CHAINS * S.length();
            return new Result(threads, S.length(), passes, flop / t[0], flop / t[1]);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** Where chain i starts: different for every chain (see the class comment). */
    static float start(int chain) {
        return 1f + 0.01f * chain;
    }

    /** Twelve FMA chains of {@code steps} steps; returns their sum so the JIT cannot drop them. */
    static float chains(int steps) {
        FloatVector m = FloatVector.broadcast(S, 0.5f), b = FloatVector.broadcast(S, 3e-7f);
        FloatVector a0 = FloatVector.broadcast(S, start(0)), a1 = FloatVector.broadcast(S, start(1));
        FloatVector a2 = FloatVector.broadcast(S, start(2)), a3 = FloatVector.broadcast(S, start(3));
        FloatVector a4 = FloatVector.broadcast(S, start(4)), a5 = FloatVector.broadcast(S, start(5));
        FloatVector a6 = FloatVector.broadcast(S, start(6)), a7 = FloatVector.broadcast(S, start(7));
        FloatVector a8 = FloatVector.broadcast(S, start(8)), a9 = FloatVector.broadcast(S, start(9));
        FloatVector a10 = FloatVector.broadcast(S, start(10)), a11 = FloatVector.broadcast(S, start(11));
        for (int i = 0; i < steps; i++) {
            a0 = m.fma(b, a0); a1 = m.fma(b, a1); a2 = m.fma(b, a2); a3 = m.fma(b, a3);
            a4 = m.fma(b, a4); a5 = m.fma(b, a5); a6 = m.fma(b, a6); a7 = m.fma(b, a7);
            a8 = m.fma(b, a8); a9 = m.fma(b, a9); a10 = m.fma(b, a10); a11 = m.fma(b, a11);
        }
        FloatVector s = a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).add(a8.add(a9).add(a10.add(a11)));
        return s.reduceLanes(VectorOperators.ADD);
    }
}
