package org.transformer4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class CrossEntropyTest {
    @Test
    void forwardAndGradientMatchDoubleReference() {
        SplittableRandom rng = new SplittableRandom(4);
        int rows = 40;
        int vocab = 1003;
        float[] logits = new float[rows * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (rng.nextDouble() * 30 - 15) + (i / vocab == 5 ? 500f : 0f);
        }
        int[] targets = new int[rows];
        for (int r = 0; r < rows; r++) {
            targets[r] = r % 7 == 3 ? CrossEntropy.IGNORE : rng.nextInt(vocab);
        }
        float[] lse = new float[rows];
        float[] loss = new float[rows];
        double total = CrossEntropy.forward(logits, targets, rows, vocab, lse, loss);
        float[] grad = new float[logits.length];
        CrossEntropy.backwardAcc(logits, targets, lse, 0.5f, grad, rows, vocab);
        double refTotal = 0;
        for (int r = 0; r < rows; r++) {
            if (targets[r] == CrossEntropy.IGNORE) {
                for (int j = 0; j < vocab; j++) {
                    assertThat(grad[r * vocab + j]).isEqualTo(0f);
                }
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) {
                max = Math.max(max, logits[r * vocab + j]);
            }
            double z = 0;
            for (int j = 0; j < vocab; j++) {
                z += Math.exp(logits[r * vocab + j] - max);
            }
            double refLse = max + Math.log(z);
            double refLoss = refLse - logits[r * vocab + targets[r]];
            refTotal += refLoss;
            // lse is a float near up to 515: 1e-5 relative covers its rounding (ulp 3e-5 at 500 -> 6e-8 relative).
            assertThat(Math.abs(lse[r] - refLse)).isLessThan(1e-5 * Math.max(1, Math.abs(refLse)));
            for (int j = 0; j < vocab; j++) {
                double ref = 0.5 * (Math.exp(logits[r * vocab + j] - refLse) - (j == targets[r] ? 1 : 0));
                assertThat(Math.abs(grad[r * vocab + j] - ref)).isLessThan(1e-6);
            }
        }
        assertThat(Math.abs(total - refTotal)).isLessThan(1e-5 * Math.max(1, refTotal));
    }
}
