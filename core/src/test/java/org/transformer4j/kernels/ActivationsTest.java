package org.transformer4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ActivationsTest {
    /**
     * erf in double from the all-positive series erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
     * (no cancellation, so accurate to ~1e-15 for |x| <= 6).
     */
    static double erfReference(double x) {
        double ax = Math.abs(x);
        double term = ax;
        double sum = ax;
        for (int n = 1; n < 500 && term > 1e-18 * sum; n++) {
            term *= 2 * ax * ax / (2 * n + 1);
            sum += term;
        }
        return Math.copySign(2 / Math.sqrt(Math.PI) * Math.exp(-ax * ax) * sum, x);
    }

    @Test
    void referenceSeriesMatchesKnownValues() {
        // erf(0.5) and erf(2) to 16 digits (Abramowitz & Stegun table 7.1).
        assertThat(erfReference(0.5)).isCloseTo(0.5204998778130465, org.assertj.core.data.Offset.offset(1e-14));
        assertThat(erfReference(2.0)).isCloseTo(0.9953222650189527, org.assertj.core.data.Offset.offset(1e-14));
    }

    @Test
    void erfIsAccurateToBelow1e7Everywhere() {
        // Scalar and vector paths, dense grid over [-6, 6]: the claim in Activations is max abs error < 1e-7.
        int n = 120_001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -6f + 12f * i / (n - 1);
        }
        double worst = 0;
        for (float xi : x) {
            worst = Math.max(worst, Math.abs(Activations.erf(xi) - erfReference(xi)));
        }
        assertThat(worst).isLessThan(1e-7);
        // Vector path via GELU: gelu(x) = x/2 (1 + erf(x/sqrt2)); compare against the double formula.
        float[] y = new float[n];
        Activations.geluExact(x, y, n);
        double worstGelu = 0;
        for (int i = 0; i < n; i++) {
            double ref = 0.5 * x[i] * (1 + erfReference(x[i] / Math.sqrt(2)));
            worstGelu = Math.max(worstGelu, Math.abs(y[i] - ref) / Math.max(1, Math.abs(ref)));
        }
        // erf error 1e-7 scaled by |x|/2 <= 3 plus float rounding of the product: 5e-7 relative-or-absolute.
        assertThat(worstGelu).isLessThan(5e-7);
        assertThat(Activations.erf(0f)).isEqualTo(0f);
        assertThat(Activations.erf(10f)).isEqualTo(1f);
        assertThat(Activations.erf(-10f)).isEqualTo(-1f);
    }

    @Test
    void geluTanhAndSiluMatchDoubleFormulas() {
        int n = 10_003; // not a multiple of the vector length: exercises the scalar tail too
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -8f + 16f * i / (n - 1);
        }
        float[] y = new float[n];
        float[] s = new float[n];
        Activations.geluTanh(x, y, n);
        Activations.silu(x, s, n);
        for (int i = 0; i < n; i++) {
            double a = x[i];
            double g = 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
            double si = a / (1 + Math.exp(-a));
            // float math on values up to 8: a few ulps, 1e-6 relative-or-absolute.
            assertThat(Math.abs(y[i] - g)).isLessThan(1e-6 * Math.max(1, Math.abs(g)));
            assertThat(Math.abs(s[i] - si)).isLessThan(1e-6 * Math.max(1, Math.abs(si)));
        }
    }

    /**
     * The exact-GELU forward that saves Phi(x) for the backward (used when a graph is recorded) gives the same bits
     * as the one that does not, and its backward the same bits as the backward that recomputes Phi(x), in the
     * vector body and the scalar tail (n is not a multiple of the vector length) and with 1 or 2 threads.
     */
    @Test
    void geluExactWithSavedPhiIsBitIdentical() {
        int n = 70_001;
        java.util.Random rnd = new java.util.Random(3);
        float[] x = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * 3);
            g[i] = (float) rnd.nextGaussian();
        }
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                float[] y1 = new float[n];
                float[] y2 = new float[n];
                float[] cdf = new float[n];
                Activations.geluExact(x, y1, n);
                Activations.geluExact(x, y2, cdf, n);
                assertThat(y2).isEqualTo(y1);
                float[] gx1 = new float[n];
                float[] gx2 = new float[n];
                java.util.Arrays.fill(gx1, 0.25f);
                java.util.Arrays.fill(gx2, 0.25f);
                Activations.geluExactBackwardAcc(x, g, gx1, n);
                Activations.geluExactBackwardAcc(x, cdf, g, gx2, n);
                assertThat(gx2).isEqualTo(gx1);
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
