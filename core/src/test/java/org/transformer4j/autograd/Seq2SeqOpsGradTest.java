package org.transformer4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.tensor.Tensor;

/**
 * Finite-difference checks (GradCheck's default tolerances) of the ops the encoder-decoder adds: label-smoothed
 * cross-entropy and T5's relative position bias (its gradient into the bias table, alone and through attention
 * with a padding mask), plus the smoothed loss's value against its definition.
 */
class Seq2SeqOpsGradTest {
    private final SplittableRandom rng = new SplittableRandom(21);

    @Test
    void labelSmoothedCrossEntropyGradient() {
        int[] targets = {2, -1, 0, 6, -1, 3};
        new GradCheck().check("crossEntropy smoothed", t -> Ops.crossEntropy(t[0], targets, 0.1f),
                GradCheck.param(rng, 1f, 2, 3, 7));
    }

    @Test
    void labelSmoothedCrossEntropyValueIsTorchsDefinition() {
        // torch: loss = (1 - eps) * nll + eps * mean_j(-log p_j), averaged over the non-ignored rows.
        Tensor logits = Tensor.randn(rng, 2f, 3, 5);
        int[] targets = {4, -1, 1};
        float eps = 0.2f;
        double expected = 0;
        for (int r : new int[] {0, 2}) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < 5; j++) {
                max = Math.max(max, logits.get(r, j));
            }
            double sum = 0;
            for (int j = 0; j < 5; j++) {
                sum += Math.exp(logits.get(r, j) - max);
            }
            double lse = max + Math.log(sum);
            double uniform = 0;
            for (int j = 0; j < 5; j++) {
                uniform += (lse - logits.get(r, j)) / 5;
            }
            expected += (1 - eps) * (lse - logits.get(r, targets[r])) + eps * uniform;
        }
        expected /= 2;
        assertThat((double) Ops.crossEntropy(logits, targets, eps).item()).isCloseTo(expected,
                org.assertj.core.data.Offset.offset(1e-5));
        assertThat(Ops.crossEntropy(logits, targets, 0f).item()).isEqualTo(Ops.crossEntropy(logits, targets).item());
        assertThatThrownBy(() -> Ops.crossEntropy(logits, targets, 1.5f)).hasMessageContaining("label smoothing");
    }

    @Test
    void relativePositionBiasGradientIntoTheTable() {
        int q = 3;
        int k = 5;
        int[] buckets = new int[q * k];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = (i * 7) % 4; // repeated buckets: the backward must sum their contributions
        }
        new GradCheck().check("relativePositionBias", t -> Ops.relativePositionBias(t[0], buckets, q, k),
                GradCheck.param(rng, 1f, 4, 2));
    }

    @Test
    void relativePositionBiasThroughPaddedAttention() {
        int b = 2, t = 4, heads = 2, hd = 3, c = heads * hd;
        int[] buckets = new int[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                buckets[i * t + j] = Math.min(5, Math.abs(j - i) + (j > i ? 3 : 0));
            }
        }
        AttentionMask mask = AttentionMask.padding(new int[] {4, 2});
        new GradCheck().check("attention + relative bias", x -> Ops.attention(x[0], x[1], x[2], heads, mask, 1f,
                        Ops.relativePositionBias(x[3], buckets, t, t), null),
                GradCheck.param(rng, 1f, b, t, c), GradCheck.param(rng, 1f, b, t, c), GradCheck.param(rng, 1f, b, t, c),
                GradCheck.param(rng, 1f, 6, heads));
    }

    @Test
    void relativePositionBiasRejectsBadBuckets() {
        Tensor table = Tensor.zeros(4, 2);
        assertThatThrownBy(() -> Ops.relativePositionBias(table, new int[] {0, 4}, 1, 2)).hasMessageContaining("bucket 4");
        assertThatThrownBy(() -> Ops.relativePositionBias(table, new int[] {0}, 1, 2)).hasMessageContaining("1 buckets");
    }
}
