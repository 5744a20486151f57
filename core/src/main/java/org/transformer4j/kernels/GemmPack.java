package org.transformer4j.kernels;

import static org.transformer4j.kernels.GemmKernel.L;
import static org.transformer4j.kernels.GemmKernel.NR;
import static org.transformer4j.kernels.GemmKernel.S;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Packing routines. A packed B panel holds kc rows of NR consecutive floats (row p at {@code p * NR}), so the
 * micro-kernel reads B with unit stride from one small, L1/L2-resident block instead of from kc rows spread
 * ldb apart; columns past the edge of B are zero, so the kernel never needs a column mask inside its loop.
 * Packed A (tn only) is plain row-major [rows][kc].
 */
final class GemmPack {
    private GemmPack() {}

    /** B[k, n] row-major (nn, tn): panel = b[b0 + p * ldb + j], p < kc, j < cols. */
    static void panelB(float[] b, int b0, int ldb, int kc, int cols, float[] dst, int d) {
        if (cols == NR) {
            // whole panel width: NV vector copies per row (System.arraycopy of 16 floats per row was 5% of a
            // 512-token prefill's samples, more than its share of the bytes)
            for (int p = 0; p < kc; p++, d += NR, b0 += ldb) {
                for (int v = 0; v < NR; v += L) {
                    FloatVector.fromArray(S, b, b0 + v).intoArray(dst, d + v);
                }
            }
            return;
        }
        for (int p = 0; p < kc; p++, d += NR, b0 += ldb) {
            System.arraycopy(b, b0, dst, d, cols);
            if (cols < NR) {
                Arrays.fill(dst, d + cols, d + NR, 0f);
            }
        }
    }

    /** B[n, k] row-major (nt): panel = b[b0 + j * ldb + p], i.e. a transpose; reads each row of B sequentially. */
    static void panelBt(float[] b, int b0, int ldb, int kc, int cols, float[] dst, int d) {
        // 16 steps at a time (one cache line of each source row), so the 16 destination rows being filled stay
        // in L1 even when a whole panel (64 KB with AVX-512) does not.
        for (int p0 = 0; p0 < kc; p0 += 16) {
            int pe = Math.min(kc, p0 + 16);
            for (int j = 0; j < cols; j++) {
                for (int p = p0, s = b0 + j * ldb + p0, o = d + p0 * NR + j; p < pe; p++, s++, o += NR) {
                    dst[o] = b[s];
                }
            }
        }
        if (cols < NR) {
            for (int p = 0, o = d; p < kc; p++, o += NR) {
                Arrays.fill(dst, o + cols, o + NR, 0f);
            }
        }
    }

    /**
     * Aᵀ stored [k, m] (tn): rows [0, rows) of A starting at a[a0] (row r, step p at {@code a0 + p * lda + r})
     * transposed into dst[r * kc + p], the row-major layout the micro-kernel reads. Packing matters: read in place,
     * consecutive steps are lda apart, and with a power-of-two lda the kc lines of a block fall into a few cache
     * sets and evict each other.
     */
    static void blockAt(float[] a, int a0, int lda, int kc, int rows, float[] dst) {
        // 8 steps at a time, written out: 8 source rows stay in L1 while each destination row gets 8 consecutive
        // floats, and the 8 independent loads per iteration overlap (a 16-step inner loop ran at 1.2-1.7 ns per
        // float here, this at 0.7-0.9; the copy costs ~1/n of the product, noticeable for n = 128).
        int pe = kc & ~7;
        int l2 = 2 * lda, l3 = 3 * lda, l4 = 4 * lda, l5 = 5 * lda, l6 = 6 * lda, l7 = 7 * lda;
        for (int p0 = 0; p0 < pe; p0 += 8) {
            int s = a0 + p0 * lda;
            for (int r = 0, d = p0; r < rows; r++, s++, d += kc) {
                float x0 = a[s], x1 = a[s + lda], x2 = a[s + l2], x3 = a[s + l3];
                float x4 = a[s + l4], x5 = a[s + l5], x6 = a[s + l6], x7 = a[s + l7];
                dst[d] = x0;
                dst[d + 1] = x1;
                dst[d + 2] = x2;
                dst[d + 3] = x3;
                dst[d + 4] = x4;
                dst[d + 5] = x5;
                dst[d + 6] = x6;
                dst[d + 7] = x7;
            }
        }
        for (int p = pe; p < kc; p++) {
            for (int r = 0, s = a0 + p * lda, d = p; r < rows; r++, s++, d += kc) {
                dst[d] = a[s];
            }
        }
    }
}
