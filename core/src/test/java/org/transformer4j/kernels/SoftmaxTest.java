package org.transformer4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class SoftmaxTest {
    @Test
    void matchesDoubleReferenceIncludingHugeLogits() {
        SplittableRandom rng = new SplittableRandom(1);
        int rows = 300;
        int cols = 77; // large enough to run in parallel, odd to exercise the tail
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextDouble() * 20 - 10) + (i / cols % 3 == 0 ? 1000f : 0f);
        }
        float[] y = new float[x.length];
        Softmax.forward(x, y, rows, cols);
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, x[r * cols + c]);
            }
            double z = 0;
            for (int c = 0; c < cols; c++) {
                z += Math.exp(x[r * cols + c] - max);
            }
            for (int c = 0; c < cols; c++) {
                double ref = Math.exp(x[r * cols + c] - max) / z;
                // a few float roundings of values <= 1: 1e-6 relative plus 1e-9 absolute.
                assertThat(Math.abs(y[r * cols + c] - ref)).isLessThanOrEqualTo(1e-6 * ref + 1e-9);
            }
        }
    }
}
