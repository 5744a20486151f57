package org.transformer4j.kernels;

import static org.transformer4j.kernels.GemmKernel.L;
import static org.transformer4j.kernels.GemmKernel.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Kernels for a few rows of A (m <= {@link Gemm#SMALL_M}), typically matrix-vector products during generation.
 * Here every element of B is used only m times, so packing B would cost as much as the product itself; B is
 * read in place exactly once and the loop is split across threads over n (the output columns).
 */
final class GemmSmall {
    /** Minimum multiply-adds per parallel chunk: below this the hand-off costs more than it saves. */
    private static final long MIN_CHUNK_FMAS = 1L << 16;
    /** Width of a column strip: 4 vectors, i.e. 4 accumulators per row (9 registers, fits any ISA). */
    private static final int SW = 4 * L;

    private GemmSmall() {}

    private static int grain(long fmasPerItem) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, MIN_CHUNK_FMAS / Math.max(1, fmasPerItem)));
    }

    /**
     * C[m, n] (+)= A[m, k] · B[k, n] where A(i, p) = a[aOff + i * ars + p * acs] (nn: ars = lda, acs = 1;
     * tn: ars = 1, acs = lda). Column strips of SW are independent: each keeps 4 accumulators per row over all k.
     */
    static void rowsTimesB(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        int strips = (n + SW - 1) / SW;
        Parallel.forRange(strips, grain((long) m * k * SW), (from, to) -> {
            for (int s = from; s < to; s++) {
                int j0 = s * SW;
                int cols = Math.min(SW, n - j0);
                for (int i = 0; i < m; i++) {
                    int ai = aOff + i * ars;
                    int ci = cOff + i * ldc + j0;
                    if (cols == SW) {
                        fullStrip(k, a, ai, acs, b, bOff + j0, ldb, c, ci, accumulate);
                    } else {
                        for (int v = 0; v * L < cols; v++) {
                            partialVector(k, a, ai, acs, b, bOff + j0 + v * L, ldb, c, ci + v * L,
                                    Math.min(L, cols - v * L), accumulate);
                        }
                    }
                }
            }
        });
    }

    private static void fullStrip(int k, float[] a, int ai, int acs, float[] b, int bi, int ldb,
                                  float[] c, int ci, boolean add) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int p = 0; p < k; p++, bi += ldb) {
            FloatVector av = FloatVector.broadcast(S, a[ai + p * acs]);
            c0 = av.fma(FloatVector.fromArray(S, b, bi), c0);
            c1 = av.fma(FloatVector.fromArray(S, b, bi + L), c1);
            c2 = av.fma(FloatVector.fromArray(S, b, bi + 2 * L), c2);
            c3 = av.fma(FloatVector.fromArray(S, b, bi + 3 * L), c3);
        }
        if (add) {
            c0 = c0.add(FloatVector.fromArray(S, c, ci));
            c1 = c1.add(FloatVector.fromArray(S, c, ci + L));
            c2 = c2.add(FloatVector.fromArray(S, c, ci + 2 * L));
            c3 = c3.add(FloatVector.fromArray(S, c, ci + 3 * L));
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + L);
        c2.intoArray(c, ci + 2 * L);
        c3.intoArray(c, ci + 3 * L);
    }

    private static void partialVector(int k, float[] a, int ai, int acs, float[] b, int bi, int ldb,
                                      float[] c, int ci, int lanes, boolean add) {
        VectorMask<Float> mask = S.indexInRange(0, lanes);
        FloatVector acc = FloatVector.zero(S);
        for (int p = 0; p < k; p++, bi += ldb) {
            acc = FloatVector.broadcast(S, a[ai + p * acs]).fma(FloatVector.fromArray(S, b, bi, mask), acc);
        }
        if (add) {
            acc = acc.add(FloatVector.fromArray(S, c, ci, mask));
        }
        acc.intoArray(c, ci, mask);
    }

    /**
     * C[m, n] (+)= A[m, k] · B[n, k]ᵀ: dot products along k. Four rows of B at a time share each load of A, and
     * those four rows stay in L1 while the m rows of A pass over them, so B is read from memory once.
     */
    static void rowsTimesBt(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate) {
        int quads = (n + 3) / 4;
        Parallel.forRange(quads, grain((long) m * k * 4), (from, to) -> {
            for (int q = from; q < to; q++) {
                int j = q * 4;
                for (int i = 0; i < m; i++) {
                    int ai = aOff + i * lda;
                    int ci = cOff + i * ldc + j;
                    if (j + 4 <= n) {
                        dot4(k, a, ai, b, bOff + j * ldb, ldb, c, ci, accumulate);
                    } else {
                        for (int jj = j; jj < n; jj++, ci++) {
                            float s = dot1(k, a, ai, b, bOff + jj * ldb);
                            c[ci] = accumulate ? c[ci] + s : s;
                        }
                    }
                }
            }
        });
    }

    private static void dot4(int k, float[] a, int ai, float[] b, int b0, int ldb, float[] c, int ci, boolean add) {
        int b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
            FloatVector av = FloatVector.fromArray(S, a, ai + p);
            s0 = av.fma(FloatVector.fromArray(S, b, b0 + p), s0);
            s1 = av.fma(FloatVector.fromArray(S, b, b1 + p), s1);
            s2 = av.fma(FloatVector.fromArray(S, b, b2 + p), s2);
            s3 = av.fma(FloatVector.fromArray(S, b, b3 + p), s3);
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            float av = a[ai + p];
            r0 = Math.fma(av, b[b0 + p], r0);
            r1 = Math.fma(av, b[b1 + p], r1);
            r2 = Math.fma(av, b[b2 + p], r2);
            r3 = Math.fma(av, b[b3 + p], r3);
        }
        c[ci] = add ? c[ci] + r0 : r0;
        c[ci + 1] = add ? c[ci + 1] + r1 : r1;
        c[ci + 2] = add ? c[ci + 2] + r2 : r2;
        c[ci + 3] = add ? c[ci + 3] + r3 : r3;
    }

    private static float dot1(int k, float[] a, int ai, float[] b, int bi) {
        FloatVector s = FloatVector.zero(S);
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
            s = FloatVector.fromArray(S, a, ai + p).fma(FloatVector.fromArray(S, b, bi + p), s);
        }
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            r = Math.fma(a[ai + p], b[bi + p], r);
        }
        return r;
    }
}
