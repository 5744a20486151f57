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
 * The general encoder block: finite-difference gradients through a padding mask in both norm placements and with
 * each activation (GradCheck's tolerances), padding that does not leak into real positions, and post-LN computing
 * what its formula says.
 */
class EncoderBlockTest {
    static EncoderBlock block(SplittableRandom rng, Activation act, EncoderBlock.Norm norm) {
        EncoderBlock b = new EncoderBlock(8, 2, 12, true, 0f, 1e-5f, act, norm);
        AttentionModulesTest.randomise(b, rng);
        // LayerNorm gains near 1 (not ~0) so the block is in general position. Pre-LN leaves the residual stream
        // unnormalised: its branch weights are halved so that the outputs stay O(1), where float32 rounding of
        // sum(out * R) over the 80 outputs, divided by 2h, stays below GradCheck's atol of 1e-4.
        for (var e : b.namedParameters().entrySet()) {
            float[] d = e.getValue().data();
            boolean gain = e.getKey().startsWith("ln_") && e.getKey().endsWith("weight");
            for (int i = 0; i < d.length; i++) {
                d[i] = gain ? d[i] + 1f : norm == EncoderBlock.Norm.PRE ? d[i] * 0.5f : d[i];
            }
        }
        return b;
    }

    @Test
    void gradientsThroughThePaddingMaskForEveryPlacementAndActivation() {
        SplittableRandom rng = new SplittableRandom(11);
        AttentionMask mask = AttentionMask.padding(new int[] {5, 2});
        for (EncoderBlock.Norm norm : EncoderBlock.Norm.values()) {
            for (Activation act : new Activation[] {Activation.GELU, Activation.GELU_TANH, Activation.SILU}) {
                EncoderBlock b = block(rng, act, norm);
                Tensor x = AttentionModulesTest.input(rng, 2, 5, 8);
                Tensor[] params = b.parameters().toArray(Tensor[]::new);
                Tensor[] all = new Tensor[params.length + 1];
                all[0] = x;
                System.arraycopy(params, 0, all, 1, params.length);
                GradCheck.Result r = new GradCheck().maxSamples(30).check("encoder block " + norm + " " + act,
                        t -> b.forward(t[0], mask, ForwardContext.INFERENCE), all);
                assertThat(r.checked()).isGreaterThan(100);
            }
        }
    }

    @Test
    void paddedPositionsDoNotChangeRealOutputs() {
        SplittableRandom rng = new SplittableRandom(12);
        EncoderBlock b = block(rng, Activation.GELU, EncoderBlock.Norm.POST);
        Tensor x = AttentionModulesTest.input(rng, 1, 3, 8);
        Tensor padded = Tensor.zeros(1, 6, 8);
        System.arraycopy(x.data(), 0, padded.data(), 0, x.size());
        for (int i = x.size(); i < padded.size(); i++) {
            padded.data()[i] = 50f;
        }
        try (var noGrad = GradMode.off()) {
            float[] a = b.forward(x, AttentionMask.none(), ForwardContext.INFERENCE).data();
            float[] p = b.forward(padded, AttentionMask.padding(new int[] {3}), ForwardContext.INFERENCE).data();
            for (int i = 0; i < a.length; i++) {
                assertThat(p[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void postLnNormalisesTheResidualSumAndPreLnDoesNot() {
        SplittableRandom rng = new SplittableRandom(13);
        EncoderBlock post = block(rng, Activation.RELU, EncoderBlock.Norm.POST);
        Tensor x = AttentionModulesTest.input(rng, 1, 4, 8);
        try (var noGrad = GradMode.off()) {
            Tensor h = post.ln_1.forward(Ops.add(x, post.attn.forward(x, AttentionMask.none(), ForwardContext.INFERENCE)));
            Tensor expected = post.ln_2.forward(Ops.add(h, post.mlp.forward(h, ForwardContext.INFERENCE)));
            assertThat(post.forward(x, AttentionMask.none(), ForwardContext.INFERENCE).data())
                    .containsExactly(expected.data());
            // With unit gains and zero biases in ln_2, a post-LN output row has mean 0 and variance 1.
            EncoderBlock plain = new EncoderBlock(8, 2, 12, true, 0f, 1e-5f, Activation.RELU, EncoderBlock.Norm.POST);
            AttentionModulesTest.randomise(plain.attn, rng);
            AttentionModulesTest.randomise(plain.mlp, rng);
            float[] y = plain.forward(x, AttentionMask.none(), ForwardContext.INFERENCE).data();
            double mean = 0;
            for (int i = 0; i < 8; i++) {
                mean += y[i] / 8;
            }
            assertThat(mean).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-5));
            EncoderBlock pre = new EncoderBlock(8, 2, 12, true, 0f, 1e-5f, Activation.RELU, EncoderBlock.Norm.PRE);
            AttentionModulesTest.randomise(pre.attn, rng);
            AttentionModulesTest.randomise(pre.mlp, rng);
            float[] z = pre.forward(x, AttentionMask.none(), ForwardContext.INFERENCE).data();
            double zm = 0;
            for (int i = 0; i < 8; i++) {
                zm += z[i] / 8;
            }
            assertThat(Math.abs(zm)).isGreaterThan(1e-3);
        }
    }
}
