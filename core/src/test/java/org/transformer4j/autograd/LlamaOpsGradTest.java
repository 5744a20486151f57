package org.transformer4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.transformer4j.model.LlamaConfig;
import org.transformer4j.nn.RotaryEmbedding;
import org.transformer4j.tensor.Tensor;

/**
 * The ops Llama adds: rotary embeddings (both layouts) and grouped-query attention, checked against finite
 * differences ({@link GradCheck}'s default tolerances, justified there) and against their defining properties.
 */
class LlamaOpsGradTest {
    private final SplittableRandom rng = new SplittableRandom(17);

    private static Tensor p(SplittableRandom rng, int... shape) {
        return GradCheck.param(rng, 1f, shape);
    }

    private static void check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        GradCheck.Result r = new GradCheck().check(name, f, inputs);
        System.out.printf("%-28s worst ratio %.3f over %d elements (%s)%n", name, r.worstRatio(), r.checked(),
                r.worst());
        assertThat(r.checked()).isPositive();
    }

    /** Frequencies of a config with rope_theta 500000 and Llama 3 scaling, head size 8. */
    private static RotaryEmbedding rotary(boolean interleaved, boolean scaled) {
        LlamaConfig c = new LlamaConfig(24, 16, 1, 3, 1, 10, 64, 1e-5f, 500000f, true, interleaved,
                scaled ? new LlamaConfig.RopeScaling(8, 1, 4, 8) : null);
        return new RotaryEmbedding(c.headSize(), c.ropeFrequencies(), interleaved);
    }

    @Test
    void ropeRotateHalfAndInterleaved() {
        for (boolean interleaved : new boolean[] {false, true}) {
            for (boolean scaled : new boolean[] {false, true}) {
                RotaryEmbedding r = rotary(interleaved, scaled);
                RotaryEmbedding.Tables tab = r.tables(5, 4); // positions 5..8, as in a cached step
                check("rope " + (interleaved ? "interleaved" : "rotate-half") + (scaled ? " llama3" : ""),
                        t -> r.forward(t[0], tab), p(rng, 2, 4, 24));
            }
        }
    }

    @Test
    void ropeKeepsNormsIsIdentityAtPositionZeroAndMakesScoresRelative() {
        RotaryEmbedding r = rotary(false, true);
        Tensor q = Tensor.randn(rng, 1f, 1, 1, 8);
        Tensor k = Tensor.randn(rng, 1f, 1, 1, 8);
        try (var noGrad = GradMode.off()) {
            assertThat(r.forward(q, r.tables(0, 1)).data()).containsExactly(q.data());
            Tensor q7 = r.forward(q, r.tables(7, 1));
            assertThat(norm(q7.data())).isCloseTo(norm(q.data()), org.assertj.core.data.Offset.offset(1e-5));
            // q at m and k at n score the same as q at m+d and k at n+d.
            double a = dot(r.forward(q, r.tables(9, 1)).data(), r.forward(k, r.tables(4, 1)).data());
            double b = dot(r.forward(q, r.tables(30, 1)).data(), r.forward(k, r.tables(25, 1)).data());
            assertThat(a).isCloseTo(b, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void ropeShapeErrorsNameTheShapes() {
        RotaryEmbedding.Tables tab = rotary(false, false).tables(0, 3);
        assertThatThrownBy(() -> Ops.rope(Tensor.zeros(1, 4, 24), 8, tab.cos(), tab.sin(), false))
                .hasMessageContaining("rope").hasMessageContaining("[1, 4, 24]");
        assertThatThrownBy(() -> Ops.rope(Tensor.zeros(1, 3, 20), 8, tab.cos(), tab.sin(), false))
                .hasMessageContaining("rope").hasMessageContaining("[1, 3, 20]");
    }

    private void checkGqa(String name, int b, int tq, int s, int heads, int kvHeads, int hd, AttentionMask mask,
                          float dropout) {
        float scale = (float) (1 / Math.sqrt(hd));
        check(name, t -> Ops.groupedQueryAttention(t[0], t[1], t[2], heads, kvHeads, mask, scale, null, dropout,
                dropout > 0 ? new SplittableRandom(3) : null), p(rng, b, tq, heads * hd), p(rng, b, s, kvHeads * hd),
                p(rng, b, s, kvHeads * hd));
    }

    @Test
    void groupedQueryAttentionGradients() {
        checkGqa("gqa causal 4/2", 2, 5, 5, 4, 2, 3, AttentionMask.causal(), 0f);
        checkGqa("gqa causal 6/3", 1, 4, 4, 6, 3, 2, AttentionMask.causal(), 0f);
        checkGqa("mqa causal 4/1", 2, 4, 4, 4, 1, 3, AttentionMask.causal(), 0f);
        checkGqa("gqa cached 4/2", 1, 2, 6, 4, 2, 3, AttentionMask.causal(4), 0f);
        checkGqa("gqa padding 4/2", 2, 4, 4, 4, 2, 3, AttentionMask.causalPadding(new int[] {2, 4}), 0f);
        checkGqa("gqa dropout 4/2", 2, 5, 5, 4, 2, 3, AttentionMask.causal(), 0.3f);
    }

    /**
     * Grouped-query attention is multi-head attention on keys and values whose heads are repeated for their group
     * (Hugging Face's repeat_kv): same output, and the gradient of a shared head is the sum over its group.
     */
    @Test
    void groupedQueryAttentionEqualsMultiHeadAttentionOnRepeatedHeads() {
        int b = 2, t = 6, heads = 6, kvHeads = 2, hd = 4, group = heads / kvHeads;
        float scale = 0.5f;
        Tensor q = p(rng, b, t, heads * hd);
        Tensor k = p(rng, b, t, kvHeads * hd);
        Tensor v = p(rng, b, t, kvHeads * hd);
        Tensor kr = repeat(k, kvHeads, group, hd).requiresGrad(true);
        Tensor vr = repeat(v, kvHeads, group, hd).requiresGrad(true);
        Tensor qr = q.copy().requiresGrad(true);
        float[] probsG = new float[b * heads * t * t];
        float[] probsM = new float[b * heads * t * t];
        Tensor yg = Ops.groupedQueryAttention(q, k, v, heads, kvHeads, AttentionMask.causal(), scale, probsG, 0f, null);
        Tensor ym = Ops.attention(qr, kr, vr, heads, AttentionMask.causal(), scale, null, probsM);
        assertThat(yg.data()).containsExactly(ym.data());
        assertThat(probsG).containsExactly(probsM);
        Tensor r = Tensor.randn(rng, 1f, b, t, heads * hd);
        Ops.sum(Ops.mul(yg, r)).backward();
        Ops.sum(Ops.mul(ym, r)).backward();
        assertThat(q.grad()).containsExactly(qr.grad());
        float[] gk = sumGroups(kr.grad(), b * t, kvHeads, group, hd);
        float[] gv = sumGroups(vr.grad(), b * t, kvHeads, group, hd);
        for (int i = 0; i < gk.length; i++) {
            assertThat(k.grad()[i]).isCloseTo(gk[i], org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(v.grad()[i]).isCloseTo(gv[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void groupedQueryAttentionRejectsHeadsThatDoNotGroup() {
        assertThatThrownBy(() -> Ops.groupedQueryAttention(Tensor.zeros(1, 2, 12), Tensor.zeros(1, 2, 8),
                Tensor.zeros(1, 2, 8), 3, 2, AttentionMask.causal(), 1f, null, 0f, null))
                .hasMessageContaining("3 query heads").hasMessageContaining("2 key/value heads");
        assertThatThrownBy(() -> Ops.groupedQueryAttention(Tensor.zeros(1, 2, 12), Tensor.zeros(1, 2, 12),
                Tensor.zeros(1, 2, 12), 4, 2, AttentionMask.causal(), 1f, null, 0f, null))
                .hasMessageContaining("[1, 2, 12]");
    }

    private static Tensor repeat(Tensor kv, int kvHeads, int group, int hd) {
        int rows = kv.rows();
        Tensor out = Tensor.zeros(kv.dim(0), kv.dim(1), kvHeads * group * hd);
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < kvHeads * group; h++) {
                System.arraycopy(kv.data(), r * kvHeads * hd + (h / group) * hd, out.data(), (r * kvHeads * group + h) * hd,
                        hd);
            }
        }
        return out;
    }

    private static float[] sumGroups(float[] g, int rows, int kvHeads, int group, int hd) {
        float[] out = new float[rows * kvHeads * hd];
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < kvHeads * group; h++) {
                for (int i = 0; i < hd; i++) {
                    out[r * kvHeads * hd + (h / group) * hd + i] += g[(r * kvHeads * group + h) * hd + i];
                }
            }
        }
        return out;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static double norm(float[] a) {
        return Math.sqrt(dot(a, a));
    }
}
