package org.transformer4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.GradCheck;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.tensor.Tensor;

/**
 * The attention modules the three Transformer families are built from: self-attention under each mask kind and
 * cross-attention to another sequence (with padding), checked end to end by finite differences through their
 * projections, and a padded cross-attention that gives the same outputs at real positions as the unpadded one.
 */
class AttentionModulesTest {
    static void randomise(Module m, SplittableRandom rng) {
        for (Tensor p : m.parameters()) {
            float[] d = p.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (rng.nextDouble() - 0.5);
            }
        }
    }

    static Tensor input(SplittableRandom rng, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return t.requiresGrad(true);
    }

    @Test
    void selfAttentionGradientsForEveryMaskKind() {
        SplittableRandom rng = new SplittableRandom(1);
        SelfAttention attn = new SelfAttention(8, 2, true, 0f);
        randomise(attn, rng);
        for (AttentionMask mask : new AttentionMask[] {AttentionMask.causal(), AttentionMask.none(),
                AttentionMask.padding(new int[] {5, 3})}) {
            new GradCheck().check("self-attention " + mask, t -> attn.forward(t[0], mask, ForwardContext.INFERENCE),
                    input(rng, 2, 5, 8));
        }
    }

    @Test
    void crossAttentionGradientsWithPaddedMemory() {
        SplittableRandom rng = new SplittableRandom(2);
        CrossAttention attn = new CrossAttention(8, 2, true, 0f);
        randomise(attn, rng);
        AttentionMask mask = AttentionMask.padding(new int[] {6, 4});
        Tensor[] params = attn.parameters().toArray(Tensor[]::new);
        Tensor x = input(rng, 2, 3, 8);
        Tensor memory = input(rng, 2, 6, 8);
        new GradCheck().check("cross-attention", t -> attn.forward(t[0], t[1], mask, ForwardContext.INFERENCE),
                x, memory);
        // and the projections' weights, through the same graph
        Tensor[] all = new Tensor[params.length + 2];
        all[0] = x;
        all[1] = memory;
        System.arraycopy(params, 0, all, 2, params.length);
        new GradCheck().maxSamples(40).check("cross-attention weights",
                t -> attn.forward(t[0], t[1], mask, ForwardContext.INFERENCE), all);
    }

    @Test
    void paddingTheMemoryDoesNotChangeRealOutputs() {
        SplittableRandom rng = new SplittableRandom(3);
        CrossAttention attn = new CrossAttention(8, 2, true, 0f);
        randomise(attn, rng);
        Tensor x = input(rng, 1, 3, 8);
        Tensor memory = input(rng, 1, 4, 8);
        Tensor padded = Tensor.zeros(1, 7, 8);
        System.arraycopy(memory.data(), 0, padded.data(), 0, memory.size());
        for (int i = memory.size(); i < padded.size(); i++) {
            padded.data()[i] = 100f; // garbage in the padding must not leak through
        }
        try (var noGrad = GradMode.off()) {
            float[] a = attn.forward(x, memory, AttentionMask.none(), ForwardContext.INFERENCE).data();
            float[] b = attn.forward(x, padded, AttentionMask.padding(new int[] {4}), ForwardContext.INFERENCE).data();
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }
}
