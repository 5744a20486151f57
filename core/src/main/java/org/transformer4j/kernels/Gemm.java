package org.transformer4j.kernels;

/**
 * Matrix multiply in the three layouts training needs. All matrices are row-major float arrays addressed by an
 * offset and a leading dimension (the distance between consecutive rows).
 *
 * <ul>
 *   <li>{@link #nn}: C[m,n] = A[m,k] · B[k,n] (forward of x·W when W is stored [in, out])</li>
 *   <li>{@link #nt}: C[m,n] = A[m,k] · B[n,k]ᵀ (forward of a Linear layer, W stored [out, in]; dX = dY·W)</li>
 *   <li>{@link #tn}: C[m,n] = A[k,m]ᵀ · B[k,n] (weight gradients, dW = dYᵀ·X)</li>
 * </ul>
 * When {@code accumulate} is true, the product is added to C; otherwise C is overwritten.
 *
 * <p>PLACEHOLDER implementation (straightforward loops); the packed, register-blocked Vector API kernels replace
 * it behind the same signatures.
 */
public final class Gemm {
    private Gemm() {}

    public static void nn(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int ldc, boolean accumulate) {
        Parallel.forRange(m, (from, to) -> {
            for (int i = from; i < to; i++) {
                int ci = cOff + i * ldc;
                if (!accumulate) {
                    java.util.Arrays.fill(c, ci, ci + n, 0f);
                }
                for (int p = 0; p < k; p++) {
                    float av = a[aOff + i * lda + p];
                    int bp = bOff + p * ldb;
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += av * b[bp + j];
                    }
                }
            }
        });
    }

    public static void nt(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int ldc, boolean accumulate) {
        Parallel.forRange(m, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int j = 0; j < n; j++) {
                    float s = 0f;
                    int ai = aOff + i * lda;
                    int bj = bOff + j * ldb;
                    for (int p = 0; p < k; p++) {
                        s += a[ai + p] * b[bj + p];
                    }
                    int ci = cOff + i * ldc + j;
                    c[ci] = accumulate ? c[ci] + s : s;
                }
            }
        });
    }

    public static void tn(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int ldc, boolean accumulate) {
        Parallel.forRange(m, (from, to) -> {
            for (int i = from; i < to; i++) {
                int ci = cOff + i * ldc;
                if (!accumulate) {
                    java.util.Arrays.fill(c, ci, ci + n, 0f);
                }
                for (int p = 0; p < k; p++) {
                    float av = a[aOff + p * lda + i];
                    int bp = bOff + p * ldb;
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += av * b[bp + j];
                    }
                }
            }
        });
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
}
