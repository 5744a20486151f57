package org.transformer4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked micro-kernels: T[6, NR] = A[6, kc] · Bp[kc, NR] where Bp is one packed B panel (row p at
 * {@code bi + p * NR}, zero-padded past the edge of B), written or added into C (or into a scratch tile for
 * {@link #update}). A(r, p) is {@code a[ai + r * rs + p]}: A in place (rs = lda) or a packed A block (rs = kc).
 * Every array index is an invariant plus a constant multiple of the loop counter p, which lets C2 hoist the
 * bounds checks out of the loop (with a variable stride along p it cannot; measured here, the kernel lost about
 * a third of its speed).
 *
 * <p>Register block: MR rows by NV vectors. With 32 vector registers (AVX-512, NEON, SVE) NV = 4, MR = 6:
 * 24 accumulators + 4 B vectors + 1 broadcast = 29 registers, 24 FMAs per 4 vector loads and 6 scalar loads.
 * With AVX2's 16 registers NV = 2 and MR = 4: 8 accumulators + 2 B vectors + 4 broadcasts = 14 registers even
 * when C2 loads all four A values at the top of the step. The 6 x 2-vector block (12 + 2 + 6 = 20 registers in
 * that order) depends on C2 interleaving broadcasts and FMAs: it did so only for the strip-mined K loop that
 * C2 builds when counted loops carry safepoint polls (the default under G1, ZGC and Shenandoah); under the
 * Parallel and Serial collectors (no loop strip mining) it hoisted all six broadcasts and spilled five
 * accumulators to the stack, a load and a store around each of their FMAs, and the whole product ran 25%
 * slower (docs/PERFORMANCE.md, "GEMM on G1", 2026-12-02). The 4-row block runs at the same speed under every
 * collector, and 768 and 4096 rows split into 4-row blocks without a remainder. {@code -Dt4j.gemm.mr=6} keeps
 * the 6-row block for comparison. (FMA latency 4-5 cycles at one or two per cycle: 8 independent accumulators
 * are enough to keep the FMA units busy.)
 *
 * <p>Full tiles are stored straight into C at the end of the kernel (adding C's old values first when
 * accumulating), inside the kernel method itself: passing vectors to a method that C2 does not inline boxes them
 * (and the callee may then run the slow Java fallback of every vector op). Tiles on the right or bottom edge of C
 * go through a scratch tile and {@link #update}, which masks the columns. Storing straight into C replaced a
 * tile round trip for every tile (the write-back was 12.5% of a training step's JFR samples before).
 *
 * <p>Every element of C is summed in the same order (t = fma(a_p, b_p, t) for p ascending, then C = t or
 * C + t) wherever it lies in a tile, so the result does not depend on how rows and columns were split
 * between threads.
 */
final class GemmKernel {
    static final VectorSpecies<Float> S = species();
    static final int L = S.length();
    /** Vectors per row of the register block: 4 with 32 vector registers, 2 with AVX2 (see class comment). */
    static final int NV = Integer.getInteger("t4j.gemm.nv",
            L >= 16 || System.getProperty("os.arch", "").contains("aarch64") ? 4 : 2) >= 4 ? 4 : 2;
    /**
     * Rows per register block: 6 with NV = 4; 4 with NV = 2 unless {@code -Dt4j.gemm.mr=6} (see the class
     * comment: the 6-row AVX2 block is fast only when C2 happens to interleave its loads with the FMAs).
     */
    static final int MR = NV == 4 ? 6 : Integer.getInteger("t4j.gemm.mr", 4) == 6 ? 6 : 4;
    /** Columns per register block and per packed panel (64 floats with AVX-512, 16 with AVX2). */
    static final int NR = NV * L;

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

    /**
     * C[MR rows, NR] = A[MR rows] · Bp (add = false) or C += A · Bp, stored straight into C (rows ci + r * ldc,
     * NR columns each). For a tile on the edge of C, pass a scratch tile (ci = 0, ldc = NR, add = false) and copy
     * the valid part with {@link #update}.
     */
    static void kernel(int kc, float[] a, int ai, int rs, float[] bp, int bi, float[] c, int ci, int ldc,
                       boolean add) {
        if (NV == 4) {
            kernel6x4(kc, a, ai, rs, bp, bi, c, ci, ldc, add);
        } else if (MR == 6) {
            kernel6x2(kc, a, ai, rs, bp, bi, c, ci, ldc, add);
        } else {
            kernel4x2(kc, a, ai, rs, bp, bi, c, ci, ldc, add);
        }
    }

    private static void kernel6x4(int kc, float[] a, int ai, int rs, float[] bp, int bi, float[] c, int ci, int ldc,
                                  boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00;
        FloatVector c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00;
        FloatVector c31 = c00, c32 = c00, c33 = c00, c40 = c00, c41 = c00, c42 = c00;
        FloatVector c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        int a1 = ai + rs, a2 = a1 + rs, a3 = a2 + rs, a4 = a3 + rs, a5 = a4 + rs;
        for (int p = 0; p < kc; p++) {
            int o = bi + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, o);
            FloatVector b1 = FloatVector.fromArray(S, bp, o + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, o + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, o + 3 * L);
            FloatVector av = FloatVector.broadcast(S, a[ai + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02); c03 = av.fma(b3, c03);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12); c13 = av.fma(b3, c13);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22); c23 = av.fma(b3, c23);
            av = FloatVector.broadcast(S, a[a3 + p]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32); c33 = av.fma(b3, c33);
            av = FloatVector.broadcast(S, a[a4 + p]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41); c42 = av.fma(b2, c42); c43 = av.fma(b3, c43);
            av = FloatVector.broadcast(S, a[a5 + p]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51); c52 = av.fma(b2, c52); c53 = av.fma(b3, c53);
        }
        int c1 = ci + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, ci)); c01 = c01.add(FloatVector.fromArray(S, c, ci + L));
            c02 = c02.add(FloatVector.fromArray(S, c, ci + 2 * L));
            c03 = c03.add(FloatVector.fromArray(S, c, ci + 3 * L));
            c10 = c10.add(FloatVector.fromArray(S, c, c1)); c11 = c11.add(FloatVector.fromArray(S, c, c1 + L));
            c12 = c12.add(FloatVector.fromArray(S, c, c1 + 2 * L));
            c13 = c13.add(FloatVector.fromArray(S, c, c1 + 3 * L));
            c20 = c20.add(FloatVector.fromArray(S, c, c2)); c21 = c21.add(FloatVector.fromArray(S, c, c2 + L));
            c22 = c22.add(FloatVector.fromArray(S, c, c2 + 2 * L));
            c23 = c23.add(FloatVector.fromArray(S, c, c2 + 3 * L));
            c30 = c30.add(FloatVector.fromArray(S, c, c3)); c31 = c31.add(FloatVector.fromArray(S, c, c3 + L));
            c32 = c32.add(FloatVector.fromArray(S, c, c3 + 2 * L));
            c33 = c33.add(FloatVector.fromArray(S, c, c3 + 3 * L));
            c40 = c40.add(FloatVector.fromArray(S, c, c4)); c41 = c41.add(FloatVector.fromArray(S, c, c4 + L));
            c42 = c42.add(FloatVector.fromArray(S, c, c4 + 2 * L));
            c43 = c43.add(FloatVector.fromArray(S, c, c4 + 3 * L));
            c50 = c50.add(FloatVector.fromArray(S, c, c5)); c51 = c51.add(FloatVector.fromArray(S, c, c5 + L));
            c52 = c52.add(FloatVector.fromArray(S, c, c5 + 2 * L));
            c53 = c53.add(FloatVector.fromArray(S, c, c5 + 3 * L));
        }
        c00.intoArray(c, ci); c01.intoArray(c, ci + L); c02.intoArray(c, ci + 2 * L); c03.intoArray(c, ci + 3 * L);
        c10.intoArray(c, c1); c11.intoArray(c, c1 + L); c12.intoArray(c, c1 + 2 * L); c13.intoArray(c, c1 + 3 * L);
        c20.intoArray(c, c2); c21.intoArray(c, c2 + L); c22.intoArray(c, c2 + 2 * L); c23.intoArray(c, c2 + 3 * L);
        c30.intoArray(c, c3); c31.intoArray(c, c3 + L); c32.intoArray(c, c3 + 2 * L); c33.intoArray(c, c3 + 3 * L);
        c40.intoArray(c, c4); c41.intoArray(c, c4 + L); c42.intoArray(c, c4 + 2 * L); c43.intoArray(c, c4 + 3 * L);
        c50.intoArray(c, c5); c51.intoArray(c, c5 + L); c52.intoArray(c, c5 + 2 * L); c53.intoArray(c, c5 + 3 * L);
    }

    private static void kernel6x2(int kc, float[] a, int ai, int rs, float[] bp, int bi, float[] c, int ci, int ldc,
                                  boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
        FloatVector c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int a1 = ai + rs, a2 = a1 + rs, a3 = a2 + rs, a4 = a3 + rs, a5 = a4 + rs;
        for (int p = 0; p < kc; p++) {
            int o = bi + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, o);
            FloatVector b1 = FloatVector.fromArray(S, bp, o + L);
            FloatVector av = FloatVector.broadcast(S, a[ai + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[a3 + p]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a[a4 + p]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a[a5 + p]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
        }
        int c1 = ci + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, ci)); c01 = c01.add(FloatVector.fromArray(S, c, ci + L));
            c10 = c10.add(FloatVector.fromArray(S, c, c1)); c11 = c11.add(FloatVector.fromArray(S, c, c1 + L));
            c20 = c20.add(FloatVector.fromArray(S, c, c2)); c21 = c21.add(FloatVector.fromArray(S, c, c2 + L));
            c30 = c30.add(FloatVector.fromArray(S, c, c3)); c31 = c31.add(FloatVector.fromArray(S, c, c3 + L));
            c40 = c40.add(FloatVector.fromArray(S, c, c4)); c41 = c41.add(FloatVector.fromArray(S, c, c4 + L));
            c50 = c50.add(FloatVector.fromArray(S, c, c5)); c51 = c51.add(FloatVector.fromArray(S, c, c5 + L));
        }
        c00.intoArray(c, ci); c01.intoArray(c, ci + L);
        c10.intoArray(c, c1); c11.intoArray(c, c1 + L);
        c20.intoArray(c, c2); c21.intoArray(c, c2 + L);
        c30.intoArray(c, c3); c31.intoArray(c, c3 + L);
        c40.intoArray(c, c4); c41.intoArray(c, c4 + L);
        c50.intoArray(c, c5); c51.intoArray(c, c5 + L);
    }

    private static void kernel4x2(int kc, float[] a, int ai, int rs, float[] bp, int bi, float[] c, int ci, int ldc,
                                  boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int a1 = ai + rs, a2 = a1 + rs, a3 = a2 + rs;
        for (int p = 0; p < kc; p++) {
            int o = bi + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, o);
            FloatVector b1 = FloatVector.fromArray(S, bp, o + L);
            FloatVector av = FloatVector.broadcast(S, a[ai + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[a3 + p]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
        }
        int c1 = ci + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, ci)); c01 = c01.add(FloatVector.fromArray(S, c, ci + L));
            c10 = c10.add(FloatVector.fromArray(S, c, c1)); c11 = c11.add(FloatVector.fromArray(S, c, c1 + L));
            c20 = c20.add(FloatVector.fromArray(S, c, c2)); c21 = c21.add(FloatVector.fromArray(S, c, c2 + L));
            c30 = c30.add(FloatVector.fromArray(S, c, c3)); c31 = c31.add(FloatVector.fromArray(S, c, c3 + L));
        }
        c00.intoArray(c, ci); c01.intoArray(c, ci + L);
        c10.intoArray(c, c1); c11.intoArray(c, c1 + L);
        c20.intoArray(c, c2); c21.intoArray(c, c2 + L);
        c30.intoArray(c, c3); c31.intoArray(c, c3 + L);
    }

    /** C[rows, cols] = T (add = false) or C += T, for a tile with rows of NR floats; cols <= NR. */
    static void update(float[] tile, int rows, int cols, float[] c, int ci, int ldc, boolean add) {
        int full = cols / L * L;
        VectorMask<Float> edge = S.indexInRange(full, cols);
        for (int r = 0, t = 0; r < rows; r++, t += NR, ci += ldc) {
            for (int j = 0; j < full; j += L) {
                FloatVector v = FloatVector.fromArray(S, tile, t + j);
                if (add) {
                    v = v.add(FloatVector.fromArray(S, c, ci + j));
                }
                v.intoArray(c, ci + j);
            }
            if (full < cols) {
                FloatVector v = FloatVector.fromArray(S, tile, t + full);
                if (add) {
                    v = v.add(FloatVector.fromArray(S, c, ci + full, edge));
                }
                v.intoArray(c, ci + full, edge);
            }
        }
    }
}
