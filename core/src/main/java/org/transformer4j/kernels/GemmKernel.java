package org.transformer4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked micro-kernels: C[rows, cols] (+)= A[rows, kc] · Bp[kc, NR] where Bp is one packed B panel
 * (row p at {@code bi + p * NR}, NR = 4 vectors, zero-padded past {@code cols}). A is read through two strides:
 * element (r, p) is {@code a[ai + r * rs + p * cs]}, which covers A in place (rs = lda, cs = 1), Aᵀ in place
 * (rs = 1, cs = lda) and a packed A micro-panel (rs = 1, cs = MR).
 *
 * <p>Why 6 x 4 vectors: 24 accumulators + 4 B vectors + 1 broadcast = 29 of AVX-512's 32 registers. Each step
 * does 24 FMAs for 4 vector loads and 6 scalar loads, enough to keep both FMA ports busy. Every element of C
 * is summed in the same order (acc = fma(a_p, b_p, acc) for p ascending, then added to C) whichever kernel
 * computes it, so the result does not depend on how rows and columns were split between threads.
 */
final class GemmKernel {
    static final VectorSpecies<Float> S = species();
    static final int L = S.length();
    /** Rows per register block. */
    static final int MR = 6;
    /** Columns per register block and per packed panel: 4 vectors (64 floats with AVX-512). */
    static final int NR = 4 * L;

    private GemmKernel() {}

    /** SPECIES_PREFERRED, or a fixed width from {@code -Dt4j.vectorBits=128|256|512} (used to test other widths). */
    private static VectorSpecies<Float> species() {
        return switch (Integer.getInteger("t4j.vectorBits", 0)) {
            case 64 -> FloatVector.SPECIES_64;
            case 128 -> FloatVector.SPECIES_128;
            case 256 -> FloatVector.SPECIES_256;
            case 512 -> FloatVector.SPECIES_512;
            default -> FloatVector.SPECIES_PREFERRED;
        };
    }

    /** 6 rows x NR columns. */
    static void kernel6(int kc, float[] a, int ai, int rs, int cs, float[] bp, int bi,
                        float[] c, int ci, int ldc, int cols, boolean add) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        int a1 = ai + rs, a2 = a1 + rs, a3 = a2 + rs, a4 = a3 + rs, a5 = a4 + rs;
        for (int p = 0; p < kc; p++) {
            int o = p * cs;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * L);
            bi += NR;
            FloatVector av = FloatVector.broadcast(S, a[ai + o]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02); c03 = av.fma(b3, c03);
            av = FloatVector.broadcast(S, a[a1 + o]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12); c13 = av.fma(b3, c13);
            av = FloatVector.broadcast(S, a[a2 + o]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22); c23 = av.fma(b3, c23);
            av = FloatVector.broadcast(S, a[a3 + o]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32); c33 = av.fma(b3, c33);
            av = FloatVector.broadcast(S, a[a4 + o]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41); c42 = av.fma(b2, c42); c43 = av.fma(b3, c43);
            av = FloatVector.broadcast(S, a[a5 + o]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51); c52 = av.fma(b2, c52); c53 = av.fma(b3, c53);
        }
        storeRow(c00, c01, c02, c03, c, ci, cols, add);
        storeRow(c10, c11, c12, c13, c, ci + ldc, cols, add);
        storeRow(c20, c21, c22, c23, c, ci + 2 * ldc, cols, add);
        storeRow(c30, c31, c32, c33, c, ci + 3 * ldc, cols, add);
        storeRow(c40, c41, c42, c43, c, ci + 4 * ldc, cols, add);
        storeRow(c50, c51, c52, c53, c, ci + 5 * ldc, cols, add);
    }

    /** 1 row x NR columns: the rows left over after the 6-row blocks (same summation order). */
    static void kernel1(int kc, float[] a, int ai, int cs, float[] bp, int bi,
                        float[] c, int ci, int cols, boolean add) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int p = 0; p < kc; p++) {
            FloatVector av = FloatVector.broadcast(S, a[ai + p * cs]);
            c0 = av.fma(FloatVector.fromArray(S, bp, bi), c0);
            c1 = av.fma(FloatVector.fromArray(S, bp, bi + L), c1);
            c2 = av.fma(FloatVector.fromArray(S, bp, bi + 2 * L), c2);
            c3 = av.fma(FloatVector.fromArray(S, bp, bi + 3 * L), c3);
            bi += NR;
        }
        storeRow(c0, c1, c2, c3, c, ci, cols, add);
    }

    /** Writes (add = false) or adds the first {@code cols} (1..NR) lanes of v0..v3 to c[ci ..]. */
    static void storeRow(FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3,
                         float[] c, int ci, int cols, boolean add) {
        if (cols == NR) {
            store(v0, c, ci, add);
            store(v1, c, ci + L, add);
            store(v2, c, ci + 2 * L, add);
            store(v3, c, ci + 3 * L, add);
            return;
        }
        storePartial(v0, c, ci, cols, add);
        storePartial(v1, c, ci + L, cols - L, add);
        storePartial(v2, c, ci + 2 * L, cols - 2 * L, add);
        storePartial(v3, c, ci + 3 * L, cols - 3 * L, add);
    }

    private static void store(FloatVector v, float[] c, int i, boolean add) {
        (add ? v.add(FloatVector.fromArray(S, c, i)) : v).intoArray(c, i);
    }

    private static void storePartial(FloatVector v, float[] c, int i, int lanes, boolean add) {
        if (lanes >= L) {
            store(v, c, i, add);
        } else if (lanes > 0) {
            VectorMask<Float> m = S.indexInRange(0, lanes);
            (add ? v.add(FloatVector.fromArray(S, c, i, m)) : v).intoArray(c, i, m);
        }
    }
}
