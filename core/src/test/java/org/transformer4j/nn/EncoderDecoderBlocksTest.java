package org.transformer4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.GradCheck;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.tensor.Tensor;

/**
 * The encoder and decoder blocks in both norm placements, by finite differences through every parameter: the
 * original's post-LN ReLU blocks with biases, and T5's pre-LN RMS gated-GELU blocks with a relative position bias;
 * cross-attention over a padded memory, whose padding must not leak into the outputs. Also T5's bucket function
 * on values worked out by hand from its definition.
 */
class EncoderDecoderBlocksTest {
    static final BlockConfig ORIGINAL = new BlockConfig(8, 2, 4, 12, Activation.RELU, false, false, 1e-5f,
            true, true, 0f);
    static final BlockConfig T5 = new BlockConfig(8, 2, 3, 10, Activation.GATED_GELU, true, true, 1e-6f,
            false, false, 0f);

    static void randomise(Module m, SplittableRandom rng) {
        for (Tensor p : m.parameters()) {
            float[] d = p.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (rng.nextDouble() - 0.5) + (p.rank() == 1 ? 1f : 0f);
            }
        }
    }

    static Tensor input(SplittableRandom rng, int... shape) {
        return Tensor.randn(rng, 1f, shape).requiresGrad(true);
    }

    static Tensor[] with(Tensor[] first, Module m) {
        Tensor[] params = m.parameters().toArray(Tensor[]::new);
        Tensor[] all = new Tensor[first.length + params.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(params, 0, all, first.length, params.length);
        return all;
    }

    @Test
    void encoderBlockGradientsBothNormPlacements() {
        SplittableRandom rng = new SplittableRandom(4);
        AttentionMask mask = AttentionMask.padding(new int[] {5, 3});
        for (BlockConfig c : new BlockConfig[] {ORIGINAL, T5}) {
            Block block = new Block(c);
            randomise(block, rng);
            RelativePositionBias rel = c.preNorm() ? new RelativePositionBias(6, 8, c.nHead(), true) : null;
            if (rel != null) {
                randomise(rel, rng);
            }
            Tensor[] inputs = with(new Tensor[] {input(rng, 2, 5, 8)}, block);
            if (rel != null) {
                inputs = with(inputs, rel);
            }
            new GradCheck().maxSamples(30).check("encoder block preNorm=" + c.preNorm(), t -> block.forward(t[0], mask,
                    rel == null ? null : rel.forward(0, 5, 5), ForwardContext.INFERENCE), inputs);
        }
    }

    @Test
    void decoderBlockGradientsWithPaddedMemory() {
        SplittableRandom rng = new SplittableRandom(5);
        AttentionMask crossMask = AttentionMask.padding(new int[] {6, 4});
        for (BlockConfig c : new BlockConfig[] {ORIGINAL, T5}) {
            Block block = Block.withCrossAttention(c);
            randomise(block, rng);
            RelativePositionBias rel = c.preNorm() ? new RelativePositionBias(6, 8, c.nHead(), false) : null;
            if (rel != null) {
                randomise(rel, rng);
            }
            Tensor[] inputs = with(new Tensor[] {input(rng, 2, 4, 8), input(rng, 2, 6, 8)}, block);
            if (rel != null) {
                inputs = with(inputs, rel);
            }
            new GradCheck().maxSamples(30).check("decoder block preNorm=" + c.preNorm(), t -> block.forward(t[0], t[1],
                    rel == null ? null : rel.forward(0, 4, 4), crossMask, ForwardContext.INFERENCE, null), inputs);
        }
    }

    @Test
    void paddedMemoryDoesNotLeakIntoTheDecoder() {
        SplittableRandom rng = new SplittableRandom(6);
        Block block = Block.withCrossAttention(ORIGINAL);
        randomise(block, rng);
        Tensor x = Tensor.randn(rng, 1f, 1, 3, 8);
        Tensor memory = Tensor.randn(rng, 1f, 1, 4, 8);
        Tensor padded = Tensor.zeros(1, 7, 8);
        System.arraycopy(memory.data(), 0, padded.data(), 0, memory.size());
        for (int i = memory.size(); i < padded.size(); i++) {
            padded.data()[i] = 100f;
        }
        try (var noGrad = GradMode.off()) {
            float[] a = block.forward(x, memory, null, AttentionMask.none(), ForwardContext.INFERENCE, null).data();
            float[] b = block.forward(x, padded, null, AttentionMask.padding(new int[] {4}), ForwardContext.INFERENCE,
                    null).data();
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void t5BucketsFollowTheDefinition() {
        // 32 buckets, max distance 128 (T5's defaults). Bidirectional: 16 per direction, exact below 8, then
        // 8 + floor(log(r / 8) / log(128 / 8) * 8), capped at 15; keys after the query add 16.
        assertThat(RelativePositionBias.bucket(0, true, 32, 128)).isEqualTo(0);
        assertThat(RelativePositionBias.bucket(-3, true, 32, 128)).isEqualTo(3);
        assertThat(RelativePositionBias.bucket(3, true, 32, 128)).isEqualTo(19);
        assertThat(RelativePositionBias.bucket(-8, true, 32, 128)).isEqualTo(8);
        assertThat(RelativePositionBias.bucket(-20, true, 32, 128)).isEqualTo(8 + (int) (Math.log(2.5) / Math.log(16) * 8));
        assertThat(RelativePositionBias.bucket(-1000, true, 32, 128)).isEqualTo(15);
        assertThat(RelativePositionBias.bucket(1000, true, 32, 128)).isEqualTo(31);
        // Unidirectional: future keys all map to bucket 0; the past uses all 32 buckets (exact below 16).
        assertThat(RelativePositionBias.bucket(5, false, 32, 128)).isEqualTo(0);
        assertThat(RelativePositionBias.bucket(-15, false, 32, 128)).isEqualTo(15);
        assertThat(RelativePositionBias.bucket(-16, false, 32, 128)).isEqualTo(16);
        assertThat(RelativePositionBias.bucket(-127, false, 32, 128)).isEqualTo(31);
    }
}
