package org.transformer4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.transformer4j.tensor.Tensor;

/** Finite-difference gradient checks of every op (tolerances: {@link GradCheck}'s defaults unless stated). */
class OpsGradTest {
    private final SplittableRandom rng = new SplittableRandom(7);

    private static Tensor p(SplittableRandom rng, int... shape) {
        return GradCheck.param(rng, 1f, shape);
    }

    private static void check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        GradCheck.Result r = new GradCheck().check(name, f, inputs);
        System.out.printf("%-28s worst ratio %.3f over %d elements (%s)%n", name, r.worstRatio(), r.checked(),
                r.worst());
        assertThat(r.checked()).isPositive();
    }

    @Test
    void linearWithBias() {
        check("linear+bias", t -> Ops.linear(t[0], t[1], t[2]), p(rng, 2, 3, 5), p(rng, 4, 5), p(rng, 4));
    }

    @Test
    void linearWithoutBiasAndConstantWeight() {
        Tensor w = Tensor.randn(rng, 1f, 6, 7);
        check("linear nobias", t -> Ops.linear(t[0], t[1], null), p(rng, 3, 7), w);
    }

    @Test
    void matmul() {
        check("matmul", t -> Ops.matmul(t[0], t[1]), p(rng, 3, 5), p(rng, 5, 4));
    }

    @Test
    void elementWise() {
        check("add", t -> Ops.add(t[0], t[1]), p(rng, 3, 4), p(rng, 3, 4));
        check("mul", t -> Ops.mul(t[0], t[1]), p(rng, 3, 4), p(rng, 3, 4));
        check("mul same input", t -> Ops.mul(t[0], t[0]), p(rng, 2, 9));
        check("scale", t -> Ops.scale(t[0], -1.5f), p(rng, 3, 4));
        check("sum", t -> Ops.sum(t[0]), p(rng, 37));
        check("mean", t -> Ops.mean(t[0]), p(rng, 5, 7));
    }

    @Test
    void activations() {
        check("gelu exact", t -> Ops.gelu(t[0], false), p(rng, 4, 33));
        check("gelu tanh", t -> Ops.gelu(t[0], true), p(rng, 4, 33));
        check("silu", t -> Ops.silu(t[0]), p(rng, 4, 33));
        // relu has a kink at 0: keep every input at least 0.1 away from it so that x +- h stays on one side.
        Tensor x = p(rng, 4, 33);
        float[] d = x.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = d[i] >= 0 ? d[i] + 0.1f : d[i] - 0.1f;
        }
        check("relu", t -> Ops.relu(t[0]), x);
    }

    @Test
    void softmaxRows() {
        check("softmax", t -> Ops.softmax(t[0]), p(rng, 3, 2, 19));
    }

    @Test
    void layerNormWithAndWithoutBeta() {
        check("layerNorm+beta", t -> Ops.layerNorm(t[0], t[1], t[2], 1e-5f), p(rng, 3, 2, 21), p(rng, 21),
                p(rng, 21));
        check("layerNorm nobeta", t -> Ops.layerNorm(t[0], t[1], null, 1e-5f), p(rng, 4, 16), p(rng, 16));
    }

    @Test
    void rmsNorm() {
        check("rmsNorm", t -> Ops.rmsNorm(t[0], t[1], 1e-6f), p(rng, 3, 2, 21), p(rng, 21));
    }

    @Test
    void splitParts() {
        Tensor x = p(rng, 2, 3, 12);
        for (int part = 0; part < 3; part++) {
            int which = part;
            check("split part " + part, t -> Ops.split(t[0], 3)[which], x);
        }
        // All three parts used together: their gradients land in disjoint columns of x.
        check("split all", t -> {
            Tensor[] s = Ops.split(t[0], 3);
            return Ops.add(Ops.mul(s[0], s[1]), s[2]);
        }, x);
    }

    @Test
    void embeddingWithRepeatedIds() {
        int[] ids = {3, 1, 3, 0, 3, 1};
        check("embedding", t -> Ops.embedding(t[0], ids, 2, 3), p(rng, 5, 6));
    }

    @Test
    void dropoutWithFixedMask() {
        // A fresh generator with the same seed on every evaluation: the same mask each time.
        check("dropout", t -> Ops.dropout(t[0], 0.3f, true, new SplittableRandom(5)), p(rng, 6, 10));
    }

    @Test
    void crossEntropyWithIgnoredTargets() {
        int[] targets = {2, -1, 0, 6, -1, 3};
        check("crossEntropy", t -> Ops.crossEntropy(t[0], targets), p(rng, 2, 3, 7));
    }

    // ---- attention ---------------------------------------------------------------------------------------

    private void checkAttention(String name, int b, int tq, int s, int heads, int hd, AttentionMask mask,
                                boolean withBias) {
        int c = heads * hd;
        float scale = (float) (1 / Math.sqrt(hd));
        Tensor q = p(rng, b, tq, c);
        Tensor k = p(rng, b, s, c);
        Tensor v = p(rng, b, s, c);
        if (withBias) {
            check(name, t -> Ops.attention(t[0], t[1], t[2], heads, mask, scale, t[3], null), q, k, v,
                    p(rng, heads, tq, s));
        } else {
            check(name, t -> Ops.attention(t[0], t[1], t[2], heads, mask, scale, null, null), q, k, v);
        }
    }

    @Test
    void attentionWithDropoutOnTheWeights() {
        // A fresh generator with the same seed on every evaluation: the same dropout mask each time.
        int b = 2, tq = 5, heads = 2, hd = 3, c = heads * hd;
        float scale = (float) (1 / Math.sqrt(hd));
        check("attn causal+dropout", t -> Ops.attention(t[0], t[1], t[2], heads, AttentionMask.causal(), scale, null,
                null, 0.3f, new SplittableRandom(11)), p(rng, b, tq, c), p(rng, b, tq, c), p(rng, b, tq, c));
        check("attn cross+bias+dropout", t -> Ops.attention(t[0], t[1], t[2], heads, AttentionMask.none(), scale,
                t[3], null, 0.5f, new SplittableRandom(12)), p(rng, b, tq, c), p(rng, b, 4, c), p(rng, b, 4, c),
                p(rng, heads, tq, 4));
    }

    @Test
    void attentionCausal() {
        checkAttention("attn causal", 2, 5, 5, 2, 3, AttentionMask.causal(), false);
        checkAttention("attn causal+bias", 2, 5, 5, 2, 3, AttentionMask.causal(), true);
    }

    @Test
    void attentionNoMask() {
        checkAttention("attn none", 2, 4, 4, 2, 4, AttentionMask.none(), false);
        checkAttention("attn none+bias", 2, 4, 4, 2, 4, AttentionMask.none(), true);
    }

    @Test
    void attentionCrossAttentionTNotS() {
        checkAttention("attn cross T<S", 2, 3, 6, 2, 3, AttentionMask.none(), true);
        checkAttention("attn cross T>S", 1, 6, 3, 3, 2, AttentionMask.none(), false);
    }

    @Test
    void attentionPadding() {
        checkAttention("attn padding", 3, 4, 5, 2, 3, AttentionMask.padding(new int[] {5, 2, 3}), true);
        checkAttention("attn causal padding", 2, 5, 5, 2, 3, AttentionMask.causalPadding(new int[] {3, 5}), false);
    }

    /**
     * Sequences longer than one causal row block (Attention computes 24 query rows at a time, each block only up to
     * its last visible key, and the key gradients key block by key block from the first query that sees them):
     * 53 = 24 + 24 + 5 rows, with padding, a cache offset and dropout.
     */
    @Test
    void attentionCausalOverSeveralRowBlocks() {
        checkAttention("attn causal 53", 1, 53, 53, 2, 2, AttentionMask.causal(), false);
        checkAttention("attn causal padding 53", 2, 53, 53, 1, 2, AttentionMask.causalPadding(new int[] {53, 30}),
                true);
        checkAttention("attn causal offset 30/40", 1, 30, 40, 2, 2, AttentionMask.causal(10), false);
        float scale = (float) (1 / Math.sqrt(2));
        check("attn causal+dropout 50", t -> Ops.attention(t[0], t[1], t[2], 2, AttentionMask.causal(), scale, null,
                null, 0.3f, new SplittableRandom(13)), p(rng, 1, 50, 4), p(rng, 1, 50, 4), p(rng, 1, 50, 4));
    }

    @Test
    void attentionCausalWithOffset() {
        // KV-cache shape: 2 new queries at positions 3 and 4 of 5 keys.
        checkAttention("attn causal offset", 2, 2, 5, 2, 3, AttentionMask.causal(3), true);
    }

    @Test
    void attentionWithFullyMaskedRow() {
        // Batch row 1 has no valid key: its output is 0 and contributes no gradient, but must not break others.
        checkAttention("attn empty row", 2, 3, 4, 1, 4, AttentionMask.padding(new int[] {4, 0}), true);
    }
}
