package org.transformer4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.GradCheck;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.tensor.Tensor;

/**
 * The one attention module the three Transformer families are built from, in its configurations: GPT-2's fused
 * self-attention under each mask kind and cross-attention to another sequence (with padding), checked end to end
 * by finite differences through their projections; a padded cross-attention that gives the same outputs at real
 * positions as the unpadded one; fused and separate projections agreeing; and cached decoding (grouped-query,
 * rotary, a batch of rows, the cache read in place) agreeing with the full causal forward.
 */
class AttentionModulesTest {
    /** GPT-2's attention: one fused c_attn, c_proj, biases. */
    static final BlockConfig GPT2 = new BlockConfig(8, 2, 2, 4, 32, Activation.GELU, true, false, 1e-5f, true, true,
            0f, 0f, 0f, BlockNames.GPT2);
    /** The encoder-decoders' attention: separate q, k, v, o. */
    static final BlockConfig SEPARATE = new BlockConfig(8, 2, 4, 16, Activation.RELU, false, false, 1e-5f, true, true,
            0f);

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
        MultiHeadAttention attn = new MultiHeadAttention(GPT2);
        assertThat(attn.namedParameters().keySet()).containsExactly("c_attn.weight", "c_attn.bias", "c_proj.weight",
                "c_proj.bias");
        assertThat(attn.qkv.weight.shape()).containsExactly(24, 8); // one [C, 3C] matrix (stored transposed)
        randomise(attn, rng);
        for (AttentionMask mask : new AttentionMask[] {AttentionMask.causal(), AttentionMask.none(),
                AttentionMask.padding(new int[] {5, 3})}) {
            new GradCheck().check("self-attention " + mask, t -> attn.forward(t[0], t[0], mask, null, ForwardContext.INFERENCE),
                    input(rng, 2, 5, 8));
        }
    }

    @Test
    void crossAttentionGradientsWithPaddedMemory() {
        SplittableRandom rng = new SplittableRandom(2);
        MultiHeadAttention attn = new MultiHeadAttention(SEPARATE);
        randomise(attn, rng);
        AttentionMask mask = AttentionMask.padding(new int[] {6, 4});
        Tensor[] params = attn.parameters().toArray(Tensor[]::new);
        Tensor x = input(rng, 2, 3, 8);
        Tensor memory = input(rng, 2, 6, 8);
        new GradCheck().check("cross-attention", t -> attn.forward(t[0], t[1], mask, null, ForwardContext.INFERENCE),
                x, memory);
        // and the projections' weights, through the same graph
        Tensor[] all = new Tensor[params.length + 2];
        all[0] = x;
        all[1] = memory;
        System.arraycopy(params, 0, all, 2, params.length);
        new GradCheck().maxSamples(40).check("cross-attention weights",
                t -> attn.forward(t[0], t[1], mask, null, ForwardContext.INFERENCE), all);
    }

    @Test
    void paddingTheMemoryDoesNotChangeRealOutputs() {
        SplittableRandom rng = new SplittableRandom(3);
        MultiHeadAttention attn = new MultiHeadAttention(SEPARATE);
        randomise(attn, rng);
        Tensor x = input(rng, 1, 3, 8);
        Tensor memory = input(rng, 1, 4, 8);
        Tensor padded = Tensor.zeros(1, 7, 8);
        System.arraycopy(memory.data(), 0, padded.data(), 0, memory.size());
        for (int i = memory.size(); i < padded.size(); i++) {
            padded.data()[i] = 100f; // garbage in the padding must not leak through
        }
        try (var noGrad = GradMode.off()) {
            float[] a = attn.forward(x, memory, AttentionMask.none(), null, ForwardContext.INFERENCE).data();
            float[] b = attn.forward(x, padded, AttentionMask.padding(new int[] {4}), null, ForwardContext.INFERENCE).data();
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }

    @Test
    void fusedAndSeparateProjectionsComputeTheSameAttention() {
        SplittableRandom rng = new SplittableRandom(4);
        MultiHeadAttention fused = new MultiHeadAttention(GPT2);
        randomise(fused, rng);
        MultiHeadAttention separate = new MultiHeadAttention(new BlockConfig(8, 2, 2, 4, 32, Activation.GELU, true,
                false, 1e-5f, true, true, 0f, 0f, 0f, BlockNames.SEQ2SEQ));
        Linear[] parts = {separate.q, separate.k, separate.v};
        for (int p = 0; p < 3; p++) { // c_attn's rows are q's, then k's, then v's
            System.arraycopy(fused.qkv.weight.data(), p * 64, parts[p].weight.data(), 0, 64);
            System.arraycopy(fused.qkv.bias.data(), p * 8, parts[p].bias.data(), 0, 8);
        }
        System.arraycopy(fused.o.weight.data(), 0, separate.o.weight.data(), 0, 64);
        System.arraycopy(fused.o.bias.data(), 0, separate.o.bias.data(), 0, 8);
        try (var noGrad = GradMode.off()) {
            Tensor x = input(rng, 2, 5, 8);
            float[] a = fused.forward(x, x, AttentionMask.causal(), null, ForwardContext.INFERENCE).data();
            float[] b = separate.forward(x, x, AttentionMask.causal(), null, ForwardContext.INFERENCE).data();
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-5f)); // float32 sums
            }
        }
    }

    @Test
    void cachedStepsOverAnInPlaceCacheMatchTheFullCausalForward() {
        SplittableRandom rng = new SplittableRandom(5);
        // Llama's configuration: grouped-query (4 query heads, 2 key/value heads), rotary positions.
        BlockConfig c = new BlockConfig(16, 4, 2, 4, 32, Activation.GATED_SILU, true, true, 1e-5f, false, true, 0f,
                0f, 0f, BlockNames.LLAMA);
        MultiHeadAttention attn = new MultiHeadAttention(c);
        randomise(attn, rng);
        RotaryEmbedding rotary = new RotaryEmbedding(4, new float[] {1f, 0.1f}, false);
        int b = 2;
        int t = 5;
        try (var noGrad = GradMode.off()) {
            Tensor x = input(rng, b, t, 16);
            float[] full = attn.forward(x, x, AttentionMask.causal(), null, rotary.tables(0, t),
                    ForwardContext.INFERENCE).data();
            KVCache cache = new KVCache(1, b, 8, c.kvWidth(), null); // capacity 8 > 5: unfilled rows stay unread
            int[] steps = {3, 1, 1}; // a prefill of 3 positions, then one at a time
            int pos = 0;
            for (int n : steps) {
                Tensor xs = Tensor.zeros(b, n, 16);
                for (int r = 0; r < b; r++) {
                    System.arraycopy(x.data(), (r * t + pos) * 16, xs.data(), r * n * 16, n * 16);
                }
                float[] y = attn.forwardCached(xs, cache, 0, null, rotary.tables(pos, n)).data();
                cache.advance(n);
                for (int r = 0; r < b; r++) {
                    for (int i = 0; i < n * 16; i++) {
                        assertThat(y[r * n * 16 + i]).as("row %d position %d", r, pos + i / 16)
                                .isCloseTo(full[(r * t + pos) * 16 + i], org.assertj.core.data.Offset.offset(1e-5f));
                    }
                }
                pos += n;
            }
        }
    }
}
