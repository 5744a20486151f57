package org.transformer4j.kernels;

import static org.transformer4j.kernels.GemmKernel.L;
import static org.transformer4j.kernels.GemmKernel.S;

import java.util.Arrays;
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
    /** Columns of C per segment in {@link #rowsTimesB}: m <= 4 rows of 4 KB stay in L1 with the B segment. */
    private static final int SEGMENT = 1024;

    private GemmSmall() {}

    private static int grain(long fmasPerItem) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, MIN_CHUNK_FMAS / Math.max(1, fmasPerItem)));
    }

    /**
     * C[m, n] (+)= A[m, k] · B[k, n] where A(i, p) = a[aOff + i * ars + p * acs] (nn: ars = lda, acs = 1;
     * tn: ars = 1, acs = lda). Each thread takes a contiguous range of columns and, in segments of at most
     * {@link #SEGMENT} columns, runs c_i[seg] += A(i, p) · B[p, seg] for p ascending: B is streamed row by row
     * (long contiguous runs the prefetcher follows), the m row segments of C stay in L1, and each segment of B
     * is loaded once for all m rows.
     */
    static void rowsTimesB(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        int vectors = (n + L - 1) / L;
        Parallel.forRange(vectors, grain((long) m * k * L), (from, to) -> {
            int end = Math.min(n, to * L);
            for (int j0 = from * L; j0 < end; j0 += SEGMENT) {
                int w = Math.min(SEGMENT, end - j0);
                if (!accumulate) {
                    for (int i = 0; i < m; i++) {
                        Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j0 + w, 0f);
                    }
                }
                for (int p = 0; p < k; p++) {
                    int bi = bOff + p * ldb + j0;
                    for (int i = 0; i < m; i++) {
                        axpy(a[aOff + i * ars + p * acs], b, bi, c, cOff + i * ldc + j0, w);
                    }
                }
            }
        });
    }

    /** c[ci .. ci + w) = fma(s, b[bi ..], c[ci ..]). */
    private static void axpy(float s, float[] b, int bi, float[] c, int ci, int w) {
        FloatVector sv = FloatVector.broadcast(S, s);
        int j = 0;
        for (int end = S.loopBound(w); j < end; j += L) {
            sv.fma(FloatVector.fromArray(S, b, bi + j), FloatVector.fromArray(S, c, ci + j)).intoArray(c, ci + j);
        }
        if (j < w) {
            VectorMask<Float> mask = S.indexInRange(j, w);
            sv.fma(FloatVector.fromArray(S, b, bi + j, mask), FloatVector.fromArray(S, c, ci + j, mask))
                    .intoArray(c, ci + j, mask);
        }
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
        float r0 = Lanes.sum(s0), r1 = Lanes.sum(s1);
        float r2 = Lanes.sum(s2), r3 = Lanes.sum(s3);
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
        float r = Lanes.sum(s);
        for (; p < k; p++) {
            r = Math.fma(a[ai + p], b[bi + p], r);
        }
        return r;
    }
}
