package org.transformer4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise and reduction kernels over flat float arrays, plus the helpers the other kernels use to decide when
 * a loop is worth spreading over threads.
 *
 * <p>Kernels named {@code ...Acc} ADD into their destination (gradients accumulate); the others overwrite it.
 */
public final class ElementWise {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();

    /**
     * Below this many multiply-adds a loop stays on the calling thread: handing work to other threads costs a few
     * microseconds, more than a small row loop takes.
     */
    public static final long PARALLEL_WORK = 1L << 15;

    /** Element-wise loops are split into chunks of at least this many elements. */
    private static final int MIN_CHUNK = 1 << 14;

    private ElementWise() {}

    /** Runs {@code body} over rows [0, rows), in parallel when {@code rows * workPerRow} is large enough. */
    public static void forRows(int rows, long workPerRow, Parallel.RangeBody body) {
        if (rows <= 1 || (long) rows * workPerRow < PARALLEL_WORK || Parallel.threads() <= 1) {
            if (rows > 0) {
                body.run(0, rows);
            }
        } else {
            Parallel.forRange(rows, body);
        }
    }

    /** Runs {@code body} over [0, n) in contiguous chunks, in parallel when n is large. */
    public static void forElements(int n, Parallel.RangeBody body) {
        int chunks = Math.min(Parallel.threads(), Math.max(1, n / MIN_CHUNK));
        if (chunks <= 1) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        Parallel.forRange(chunks, (c0, c1) -> body.run((int) ((long) n * c0 / chunks), (int) ((long) n * c1 / chunks)));
    }

    /** a[:] = 0, split between the threads when a is large (a training step's arena zeroes ~40 MB of gradients). */
    public static void zero(float[] a) {
        forElements(a.length, (from, to) -> java.util.Arrays.fill(a, from, to, 0f));
    }

    /**
     * Runs {@code body} over column blocks of a [rows, cols] reduction down the rows (bias and norm-weight
     * gradients). Each column belongs to exactly one block, so threads never write the same element and the
     * summation order is fixed.
     */
    public static void forColumnBlocks(int rows, int cols, Parallel.RangeBody body) {
        int block = Math.max(L * 4, 64);
        int blocks = (cols + block - 1) / block;
        if ((long) rows * cols < PARALLEL_WORK || blocks <= 1) {
            body.run(0, cols);
            return;
        }
        Parallel.forRange(blocks, (b0, b1) -> body.run(b0 * block, Math.min(cols, b1 * block)));
    }

    /** out = a + b. */
    public static void add(float[] a, float[] b, float[] out, int n) {
        forElements(n, (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += L) {
                FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i)).intoArray(out, i);
            }
            for (; i < to; i++) {
                out[i] = a[i] + b[i];
            }
        });
    }

    /** out = a * b. */
    public static void mul(float[] a, float[] b, float[] out, int n) {
        forElements(n, (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += L) {
                FloatVector.fromArray(F, a, i).mul(FloatVector.fromArray(F, b, i)).intoArray(out, i);
            }
            for (; i < to; i++) {
                out[i] = a[i] * b[i];
            }
        });
    }

    /** out = a * s. */
    public static void scale(float[] a, float s, float[] out, int n) {
        forElements(n, (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += L) {
                FloatVector.fromArray(F, a, i).mul(s).intoArray(out, i);
            }
            for (; i < to; i++) {
                out[i] = a[i] * s;
            }
        });
    }

    /** dst += s * src. */
    public static void axpyAcc(float[] src, float s, float[] dst, int n) {
        forElements(n, (from, to) -> axpy(to - from, s, src, from, dst, from));
    }

    /** dst += a * b. */
    public static void mulAcc(float[] a, float[] b, float[] dst, int n) {
        forElements(n, (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += L) {
                FloatVector.fromArray(F, a, i).fma(FloatVector.fromArray(F, b, i), FloatVector.fromArray(F, dst, i))
                        .intoArray(dst, i);
            }
            for (; i < to; i++) {
                dst[i] += a[i] * b[i];
            }
        });
    }

    /** dst += s (every element). */
    public static void addScalarAcc(float s, float[] dst, int n) {
        forElements(n, (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += L) {
                FloatVector.fromArray(F, dst, i).add(s).intoArray(dst, i);
            }
            for (; i < to; i++) {
                dst[i] += s;
            }
        });
    }

    /**
     * Sum of a[0..n): float sums over 4096-element chunks, combined in double so that large tensors do not lose
     * precision. The chunking depends on n alone, so the result does not depend on the thread count.
     */
    public static double sum(float[] a, int n) {
        int chunk = 1 << 12;
        int chunks = (n + chunk - 1) / chunk;
        double[] partial = new double[Math.max(1, chunks)];
        forRows(chunks, chunk, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int from = c * chunk;
                partial[c] = sumRange(a, from, Math.min(n, from + chunk) - from);
            }
        });
        double s = 0;
        for (double p : partial) {
            s += p;
        }
        return s;
    }

    // ---- row primitives shared by the other kernels (no threading, no allocation) -----------------------

    /** Float sum of a[off..off+n) (vector lanes, then a scalar tail). */
    public static float sumRange(float[] a, int off, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += L) {
            acc = acc.add(FloatVector.fromArray(F, a, off + i));
        }
        float s = Lanes.sum(acc);
        for (; i < n; i++) {
            s += a[off + i];
        }
        return s;
    }

    /** Dot product of a[aOff..aOff+n) and b[bOff..bOff+n). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += L) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float s = Lanes.sum(acc);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** y[yOff..yOff+n) += alpha * x[xOff..xOff+n). */
    public static void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(a, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /** Largest element of a[off..off+n); -infinity when n is 0. */
    public static float max(float[] a, int off, int n) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += L) {
            acc = acc.max(FloatVector.fromArray(F, a, off + i));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, a[off + i]);
        }
        return m;
    }

    /** Column sums: dst[c] += sum over rows of src[r * cols + c] (bias gradients). */
    public static void columnSumsAcc(float[] src, int rows, int cols, float[] dst) {
        forColumnBlocks(rows, cols, (c0, c1) -> {
            for (int r = 0; r < rows; r++) {
                int off = r * cols;
                int c = c0;
                for (int end = c0 + F.loopBound(c1 - c0); c < end; c += L) {
                    FloatVector.fromArray(F, dst, c).add(FloatVector.fromArray(F, src, off + c)).intoArray(dst, c);
                }
                for (; c < c1; c++) {
                    dst[c] += src[off + c];
                }
            }
        });
    }

    /** out = max(x, 0). */
    public static void relu(float[] x, float[] out, int n) {
        forElements(n, (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += L) {
                FloatVector.fromArray(F, x, i).max(0f).intoArray(out, i);
            }
            for (; i < to; i++) {
                out[i] = Math.max(x[i], 0f);
            }
        });
    }

    /** gx += g where x > 0 (the subgradient at 0 is taken as 0, as PyTorch does). */
    public static void reluBackwardAcc(float[] x, float[] g, float[] gx, int n) {
        forElements(n, (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += L) {
                VectorMask<Float> pos = FloatVector.fromArray(F, x, i).compare(VectorOperators.GT, 0f);
                FloatVector acc = FloatVector.fromArray(F, gx, i);
                acc.add(FloatVector.fromArray(F, g, i), pos).intoArray(gx, i);
            }
            for (; i < to; i++) {
                if (x[i] > 0f) {
                    gx[i] += g[i];
                }
            }
        });
    }
}
