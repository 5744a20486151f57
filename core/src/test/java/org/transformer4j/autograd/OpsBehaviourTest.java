package org.transformer4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.tensor.Tensor;

/** Graph recording, accumulation, masking and error behaviour of {@link Ops}. */
class OpsBehaviourTest {
    private final SplittableRandom rng = new SplittableRandom(11);

    @Test
    void gradModeOffRecordsNothing() {
        Tensor x = Tensor.randn(rng, 1f, 2, 4).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 1f, 3, 4).requiresGrad(true);
        Tensor y;
        try (var ignored = GradMode.off()) {
            y = Ops.gelu(Ops.linear(x, w, null), false);
        }
        assertThat(y.gradFn()).isNull();
        assertThat(y.requiresGrad()).isFalse();
        assertThat(GradMode.enabled()).isTrue();
        Tensor z = Ops.linear(x, w, null);
        assertThat(z.gradFn()).isNotNull();
        assertThat(z.requiresGrad()).isTrue();
    }

    @Test
    void constantInputsRecordNothingAndGetNoGradient() {
        Tensor x = Tensor.randn(rng, 1f, 2, 4);
        Tensor w = Tensor.randn(rng, 1f, 3, 4).requiresGrad(true);
        assertThat(Ops.softmax(x).gradFn()).isNull();
        Ops.sum(Ops.linear(x, w, null)).backward();
        assertThat(x.hasGrad()).isFalse();
        assertThat(w.hasGrad()).isTrue();
    }

    @Test
    void gradientsAccumulateAcrossTwoBackwardPasses() {
        Tensor x = Tensor.randn(rng, 1f, 3, 8).requiresGrad(true);
        Tensor g = Tensor.randn(rng, 1f, 8).requiresGrad(true);
        Ops.sum(Ops.mul(Ops.layerNorm(x, g, null, 1e-5f), Ops.layerNorm(x, g, null, 1e-5f))).backward();
        float[] once = x.grad().clone();
        float[] onceG = g.grad().clone();
        Ops.sum(Ops.mul(Ops.layerNorm(x, g, null, 1e-5f), Ops.layerNorm(x, g, null, 1e-5f))).backward();
        for (int i = 0; i < once.length; i++) {
            assertThat(x.grad()[i]).isCloseTo(2 * once[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
        for (int i = 0; i < onceG.length; i++) {
            assertThat(g.grad()[i]).isCloseTo(2 * onceG[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(onceG).isNotEqualTo(new float[onceG.length]);
    }

    @Test
    void maskedAttentionRowsSumToOneOverVisibleKeysAndAreExactlyZeroElsewhere() {
        int b = 2;
        int t = 4;
        int s = 6;
        int heads = 2;
        Tensor q = Tensor.randn(rng, 2f, b, t, 8);
        Tensor k = Tensor.randn(rng, 2f, b, s, 8);
        Tensor v = Tensor.randn(rng, 1f, b, s, 8);
        AttentionMask mask = new AttentionMask(true, 1, new int[] {6, 0});
        float[] probs = new float[b * heads * t * s];
        Tensor out = Ops.attention(q, k, v, heads, mask, 0.5f, null, probs);
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < heads; h++) {
                for (int ti = 0; ti < t; ti++) {
                    double sum = 0;
                    boolean anyVisible = false;
                    for (int si = 0; si < s; si++) {
                        float pr = probs[((bi * heads + h) * t + ti) * s + si];
                        if (mask.visible(bi, ti, si)) {
                            anyVisible = true;
                            assertThat(pr).isPositive();
                            sum += pr;
                        } else {
                            assertThat(pr).isEqualTo(0f);
                        }
                    }
                    assertThat(sum).isCloseTo(anyVisible ? 1.0 : 0.0, org.assertj.core.data.Offset.offset(1e-6));
                }
            }
        }
        // Batch row 1 sees no key: its output is exactly zero, not NaN.
        for (int i = t * 8; i < 2 * t * 8; i++) {
            assertThat(out.data()[i]).isEqualTo(0f);
        }
    }

    @Test
    void embeddingRejectsOutOfVocabularyIds() {
        Tensor table = Tensor.zeros(50257, 2);
        assertThatThrownBy(() -> Ops.embedding(table, new int[] {1, 70000}, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id 70000 is outside the vocabulary of size 50257");
        assertThatThrownBy(() -> Ops.embedding(table, new int[] {-1}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token id -1");
    }

    @Test
    void crossEntropyRejectsOutOfRangeTargetsNamingRowAndValue() {
        Tensor logits = Tensor.zeros(3, 5);
        assertThatThrownBy(() -> Ops.crossEntropy(logits, new int[] {0, -1, 5}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target 5 at row 2").hasMessageContaining("size 5");
        assertThatThrownBy(() -> Ops.crossEntropy(logits, new int[] {0, -2, 1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target -2 at row 1");
    }

    @Test
    void crossEntropyAveragesOnlyCountedRows() {
        Tensor logits = Tensor.zeros(4, 8);
        // Uniform logits: each counted row's loss is ln 8.
        assertThat(Ops.crossEntropy(logits, new int[] {1, -1, -1, 7}).item())
                .isCloseTo((float) Math.log(8), org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(Ops.crossEntropy(logits, new int[] {-1, -1, -1, -1}).item()).isEqualTo(0f);
    }

    @Test
    void dropoutIsDeterministicForASeedAndInvertedScaled() {
        Tensor x = Tensor.randn(rng, 1f, 100, 100);
        Tensor a = Ops.dropout(x, 0.25f, true, new SplittableRandom(3));
        Tensor b = Ops.dropout(x, 0.25f, true, new SplittableRandom(3));
        assertThat(a.data()).isEqualTo(b.data());
        int zeros = 0;
        for (int i = 0; i < x.size(); i++) {
            if (a.data()[i] == 0f) {
                zeros++;
            } else {
                assertThat(a.data()[i]).isEqualTo(x.data()[i] / 0.75f, org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
        // 10000 Bernoulli(0.25) draws: mean 2500, sd 43; 6 sd either side.
        assertThat(zeros).isBetween(2240, 2760);
        assertThat(Ops.dropout(x, 0.25f, false, new SplittableRandom(3))).isSameAs(x);
        assertThat(Ops.dropout(x, 0f, true, new SplittableRandom(3))).isSameAs(x);
    }

    @Test
    void shapeErrorsNameTheOpAndShapes() {
        assertThatThrownBy(() -> Ops.linear(Tensor.zeros(2, 3), Tensor.zeros(4, 5), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("linear").hasMessageContaining("[4, 5]");
        assertThatThrownBy(() -> Ops.add(Tensor.zeros(2, 3), Tensor.zeros(3, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("add");
        assertThatThrownBy(() -> Ops.split(Tensor.zeros(2, 7), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("split");
    }

    @Test
    void gradCheckCatchesAWrongGradient() {
        // An op whose backward is off by 1%: the checker must reject it, or its passes would mean nothing.
        Tensor x = Tensor.randn(rng, 1f, 10).requiresGrad(true);
        assertThatThrownBy(() -> new GradCheck().check("wrong", t -> {
            Tensor y = Ops.scale(t[0], 2f);
            Tensor z = Tensor.of(y.data().clone(), y.shape()).requiresGrad(true);
            z.gradFn(new Node("wrong", new Tensor[] {t[0]}, () -> {
                for (int i = 0; i < z.size(); i++) {
                    t[0].grad()[i] += 2.02f * z.grad()[i];
                }
            }));
            return z;
        }, x)).isInstanceOf(AssertionError.class).hasMessageContaining("gradient check failed");
    }
}
