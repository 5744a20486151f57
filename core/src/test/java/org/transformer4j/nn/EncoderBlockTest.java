package org.transformer4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.GradCheck;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * A {@link Block} as an encoder layer, in BERT's configuration (LayerNorm with biases, scaled attention, no
 * dropout on the feed-forward hidden activation) and in pre-LN: finite-difference gradients through a padding
 * mask in both norm placements and with each activation (GradCheck's tolerances), padding that does not leak into
 * real positions, post-LN computing what its formula says, and dropout where Hugging Face's BertLayer puts it.
 */
class EncoderBlockTest {
    static BlockConfig config(Activation act, boolean preNorm, float dropout) {
        return new BlockConfig(8, 2, 4, 12, act, preNorm, false, 1e-5f, true, true, dropout, 0f);
    }

    static Block block(SplittableRandom rng, Activation act, boolean preNorm) {
        Block b = new Block(config(act, preNorm, 0f));
        AttentionModulesTest.randomise(b, rng);
        // LayerNorm gains near 1 (not ~0) so the block is in general position. Pre-LN leaves the residual stream
        // unnormalised: its branch weights are halved so that the outputs stay O(1), where float32 rounding of
        // sum(out * R) over the 80 outputs, divided by 2h, stays below GradCheck's atol of 1e-4.
        for (var e : b.namedParameters().entrySet()) {
            float[] d = e.getValue().data();
            boolean gain = e.getKey().contains("_norm.") && e.getKey().endsWith("weight");
            for (int i = 0; i < d.length; i++) {
                d[i] = gain ? d[i] + 1f : preNorm ? d[i] * 0.5f : d[i];
            }
        }
        return b;
    }

    @Test
    void gradientsThroughThePaddingMaskForEveryPlacementAndActivation() {
        SplittableRandom rng = new SplittableRandom(11);
        AttentionMask mask = AttentionMask.padding(new int[] {5, 2});
        for (boolean pre : new boolean[] {true, false}) {
            for (Activation act : new Activation[] {Activation.GELU, Activation.GELU_TANH, Activation.SILU}) {
                Block b = block(rng, act, pre);
                Tensor x = AttentionModulesTest.input(rng, 2, 5, 8);
                Tensor[] params = b.parameters().toArray(Tensor[]::new);
                Tensor[] all = new Tensor[params.length + 1];
                all[0] = x;
                System.arraycopy(params, 0, all, 1, params.length);
                GradCheck.Result r = new GradCheck().maxSamples(30).check(
                        "encoder layer " + (pre ? "PRE" : "POST") + " " + act,
                        t -> b.forward(t[0], mask, null, ForwardContext.INFERENCE), all);
                assertThat(r.checked()).isGreaterThan(100);
            }
        }
    }

    @Test
    void paddedPositionsDoNotChangeRealOutputs() {
        SplittableRandom rng = new SplittableRandom(12);
        Block b = block(rng, Activation.GELU, false);
        Tensor x = AttentionModulesTest.input(rng, 1, 3, 8);
        Tensor padded = Tensor.zeros(1, 6, 8);
        System.arraycopy(x.data(), 0, padded.data(), 0, x.size());
        for (int i = x.size(); i < padded.size(); i++) {
            padded.data()[i] = 50f;
        }
        try (var noGrad = GradMode.off()) {
            float[] a = b.forward(x, AttentionMask.none(), null, ForwardContext.INFERENCE).data();
            float[] p = b.forward(padded, AttentionMask.padding(new int[] {3}), null, ForwardContext.INFERENCE).data();
            for (int i = 0; i < a.length; i++) {
                assertThat(p[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void postLnNormalisesTheResidualSumAndPreLnDoesNot() {
        SplittableRandom rng = new SplittableRandom(13);
        Block post = block(rng, Activation.RELU, false);
        Tensor x = AttentionModulesTest.input(rng, 1, 4, 8);
        ForwardContext inference = ForwardContext.INFERENCE;
        try (var noGrad = GradMode.off()) {
            Tensor h = Norm.apply(post.self_attn_norm,
                    Ops.add(x, post.self_attn.forward(x, x, AttentionMask.none(), null, inference)));
            Tensor expected = Norm.apply(post.ffn_norm, Ops.add(h, post.ffn.forward(h, inference)));
            assertThat(post.forward(x, AttentionMask.none(), null, inference).data()).containsExactly(expected.data());
            // With unit gains and zero biases in ffn_norm, a post-LN output row has mean 0 and variance 1.
            Block plain = new Block(config(Activation.RELU, false, 0f));
            AttentionModulesTest.randomise(plain.self_attn, rng);
            AttentionModulesTest.randomise(plain.ffn, rng);
            float[] y = plain.forward(x, AttentionMask.none(), null, inference).data();
            double mean = 0;
            for (int i = 0; i < 8; i++) {
                mean += y[i] / 8;
            }
            assertThat(mean).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-5));
            Block pre = new Block(config(Activation.RELU, true, 0f));
            AttentionModulesTest.randomise(pre.self_attn, rng);
            AttentionModulesTest.randomise(pre.ffn, rng);
            float[] z = pre.forward(x, AttentionMask.none(), null, inference).data();
            double zm = 0;
            for (int i = 0; i < 8; i++) {
                zm += z[i] / 8;
            }
            assertThat(Math.abs(zm)).isGreaterThan(1e-3);
        }
    }

    /**
     * BERT's dropout placement (BertSelfAttention, BertSelfOutput, BertIntermediate, BertOutput): on the attention
     * weights and on each sublayer's output before the residual sum, none on the feed-forward hidden activation
     * (activationDropout 0). In training mode the layer must equal that formula drawn from the same generator, in
     * that order; with activationDropout = dropout (T5's and fairseq's placement) it must not.
     */
    @Test
    void dropoutSitsWhereBertPutsIt() {
        SplittableRandom init = new SplittableRandom(14);
        Block bert = new Block(config(Activation.GELU, false, 0.3f));
        AttentionModulesTest.randomise(bert, init);
        Tensor x = AttentionModulesTest.input(init, 2, 5, 8);
        AttentionMask mask = AttentionMask.padding(new int[] {5, 3});
        try (var noGrad = GradMode.off()) {
            float[] y = bert.forward(x, mask, null, ForwardContext.training(new SplittableRandom(7))).data();
            SplittableRandom r = new SplittableRandom(7);
            ForwardContext ctx = ForwardContext.training(r);
            Tensor h = Norm.apply(bert.self_attn_norm,
                    Ops.add(x, Ops.dropout(bert.self_attn.forward(x, x, mask, null, ctx), 0.3f, true, r)));
            Tensor f = bert.ffn.wo.forward(Activation.GELU.apply(bert.ffn.wi.forward(h)));
            Tensor expected = Norm.apply(bert.ffn_norm, Ops.add(h, Ops.dropout(f, 0.3f, true, r)));
            assertThat(y).containsExactly(expected.data());

            Block t5Style = new Block(new BlockConfig(8, 2, 4, 12, Activation.GELU, false, false, 1e-5f,
                    true, true, 0.3f));
            for (var e : t5Style.namedParameters().entrySet()) {
                float[] src = bert.namedParameters().get(e.getKey()).data();
                System.arraycopy(src, 0, e.getValue().data(), 0, src.length);
            }
            float[] z = t5Style.forward(x, mask, null, ForwardContext.training(new SplittableRandom(7))).data();
            assertThat(z).isNotEqualTo(y);
        }
    }
}
