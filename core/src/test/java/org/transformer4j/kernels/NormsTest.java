package org.transformer4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class NormsTest {
    private static float[] randn(SplittableRandom rng, int n, double mean, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (mean + std * org.transformer4j.tensor.Gaussian.next(rng));
        }
        return a;
    }

    @Test
    void layerNormMatchesDoubleReferenceEvenWithLargeMean() {
        SplittableRandom rng = new SplittableRandom(2);
        int rows = 200;
        int cols = 67;
        // A mean of 1000 with spread 1: one-pass E[x^2] - E[x]^2 in float would lose all digits here.
        float[] x = randn(rng, rows * cols, 1000, 1);
        float[] gamma = randn(rng, cols, 1, 0.5);
        float[] beta = randn(rng, cols, 0, 0.5);
        float[] y = new float[x.length];
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        float eps = 1e-5f;
        Norms.layerNorm(x, gamma, beta, eps, y, mean, rstd, rows, cols);
        for (int r = 0; r < rows; r++) {
            double mu = 0;
            for (int c = 0; c < cols; c++) {
                mu += x[r * cols + c];
            }
            mu /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) {
                var += (x[r * cols + c] - mu) * (x[r * cols + c] - mu);
            }
            double rs = 1 / Math.sqrt(var / cols + eps);
            assertThat(Math.abs(rstd[r] - rs) / rs).isLessThan(1e-5);
            for (int c = 0; c < cols; c++) {
                double ref = (x[r * cols + c] - mu) * rs * gamma[c] + beta[c];
                // Outputs of order 1 from a handful of float roundings: 1e-5 relative-or-absolute. (Rounding the
                // mean itself to a float near 1000, ulp 6e-5, would already break this: the kernel must not.)
                assertThat(Math.abs(y[r * cols + c] - ref)).isLessThan(1e-5 * Math.max(1, Math.abs(ref)));
            }
        }
    }

    @Test
    void rmsNormMatchesDoubleReference() {
        SplittableRandom rng = new SplittableRandom(3);
        int rows = 50;
        int cols = 33;
        float[] x = randn(rng, rows * cols, 0.3, 2);
        float[] gamma = randn(rng, cols, 1, 0.5);
        float[] y = new float[x.length];
        float[] rstd = new float[rows];
        Norms.rmsNorm(x, gamma, 1e-6f, y, rstd, rows, cols);
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int c = 0; c < cols; c++) {
                ss += (double) x[r * cols + c] * x[r * cols + c];
            }
            double rs = 1 / Math.sqrt(ss / cols + 1e-6);
            for (int c = 0; c < cols; c++) {
                double ref = x[r * cols + c] * rs * gamma[c];
                assertThat(Math.abs(y[r * cols + c] - ref)).isLessThan(1e-5 * Math.max(1, Math.abs(ref)));
            }
        }
    }
}
