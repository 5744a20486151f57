package org.transformer4j.kernels;

import java.util.Arrays;

/**
 * Matrix multiply in the three layouts training needs. All matrices are row-major float arrays addressed by an
 * offset and a leading dimension (the distance between consecutive rows).
 *
 * <ul>
 *   <li>{@link #nn}: C[m,n] = A[m,k] · B[k,n] (forward of x·W when W is stored [in, out])</li>
 *   <li>{@link #nt}: C[m,n] = A[m,k] · B[n,k]ᵀ (forward of a Linear layer, W stored [out, in]; dX = dY·W)</li>
 *   <li>{@link #tn}: C[m,n] = A[k,m]ᵀ · B[k,n] (weight gradients, dW = dYᵀ·X)</li>
 * </ul>
 * When {@code accumulate} is true, the product is added to C; otherwise C is overwritten. C must not overlap
 * A or B. Bad dimensions, leading dimensions or offsets throw {@link IllegalArgumentException}.
 *
 * <p>Implementation: for m <= {@link #SMALL_M} (matrix-vector products) B is read once in place, split over
 * n between threads ({@link GemmSmall}); otherwise B is packed into NR-wide panels and a 6 x NR register-blocked
 * Vector API micro-kernel runs over them ({@link GemmJob}, {@link GemmKernel}).
 *
 * <p>Determinism: every element of C is summed in a fixed order that depends only on (m, n, k) and the layout,
 * not on the thread count or on timing, so results are bit-identical run to run and across thread counts.
 */
public final class Gemm {
    /** Up to this many rows of A, the unpacked matrix-vector path is used. */
    public static final int SMALL_M = 4;

    private Gemm() {}

    public static void nn(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int ldc, boolean accumulate) {
        check("nn", m, n, k, a, aOff, lda, m, k, b, bOff, ldb, k, n, c, cOff, ldc);
        if (trivial(m, n, k, c, cOff, ldc, accumulate)) {
            return;
        }
        if (m <= SMALL_M) {
            GemmSmall.rowsTimesB(m, n, k, a, aOff, lda, 1, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else {
            new GemmJob(GemmJob.NN, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate).run();
        }
    }

    public static void nt(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int ldc, boolean accumulate) {
        check("nt", m, n, k, a, aOff, lda, m, k, b, bOff, ldb, n, k, c, cOff, ldc);
        if (trivial(m, n, k, c, cOff, ldc, accumulate)) {
            return;
        }
        if (m <= SMALL_M) {
            GemmSmall.rowsTimesBt(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else {
            new GemmJob(GemmJob.NT, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate).run();
        }
    }

    public static void tn(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int ldc, boolean accumulate) {
        check("tn", m, n, k, a, aOff, lda, k, m, b, bOff, ldb, k, n, c, cOff, ldc);
        if (trivial(m, n, k, c, cOff, ldc, accumulate)) {
            return;
        }
        if (m <= SMALL_M) {
            GemmSmall.rowsTimesB(m, n, k, a, aOff, 1, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else {
            new GemmJob(GemmJob.TN, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate).run();
        }
    }

    /** Convenience: dense C[m,n] = A[m,k]·B[k,n]. */
    public static void nn(int m, int n, int k, float[] a, float[] b, float[] c, boolean accumulate) {
        nn(m, n, k, a, 0, k, b, 0, n, c, 0, n, accumulate);
    }

    /** Convenience: dense C[m,n] = A[m,k]·B[n,k]ᵀ. */
    public static void nt(int m, int n, int k, float[] a, float[] b, float[] c, boolean accumulate) {
        nt(m, n, k, a, 0, k, b, 0, k, c, 0, n, accumulate);
    }

    /** Convenience: dense C[m,n] = A[k,m]ᵀ·B[k,n]. */
    public static void tn(int m, int n, int k, float[] a, float[] b, float[] c, boolean accumulate) {
        tn(m, n, k, a, 0, m, b, 0, n, c, 0, n, accumulate);
    }

    /** Handles empty products: nothing to do, or (k == 0) C = 0 unless accumulating. */
    private static boolean trivial(int m, int n, int k, float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) {
            return true;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return true;
        }
        return false;
    }

    private static void check(String op, int m, int n, int k, float[] a, int aOff, int lda, int aRows, int aCols,
                              float[] b, int bOff, int ldb, int bRows, int bCols, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("Gemm." + op + ": negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;
        }
        checkMatrix(op, "C", c, cOff, ldc, m, n);
        if (k > 0) {
            checkMatrix(op, "A", a, aOff, lda, aRows, aCols);
            checkMatrix(op, "B", b, bOff, ldb, bRows, bCols);
        }
    }

    private static void checkMatrix(String op, String name, float[] x, int off, int ld, int rows, int cols) {
        if (x == null) {
            throw new IllegalArgumentException("Gemm." + op + ": " + name + " is null");
        }
        if (ld < cols) {
            throw new IllegalArgumentException("Gemm." + op + ": leading dimension of " + name + " is " + ld
                    + ", less than its " + cols + " columns");
        }
        long end = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || end > x.length) {
            throw new IllegalArgumentException("Gemm." + op + ": " + name + " [" + rows + " x " + cols + "] at offset "
                    + off + " with leading dimension " + ld + " needs " + end + " floats, array has " + x.length);
        }
    }
}
