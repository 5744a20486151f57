package org.transformer4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.T4jException;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * The one Activation enum of every family: Hugging Face names read and written back, T5's gated spellings only
 * where a second projection exists, and FeedForward computing act(wi_0 x) * wi_1 x with the gate's base.
 */
class ActivationTest {
    @Test
    void namesRoundTripAndGatedFormsAreOnlyFeedForwardProjections() {
        for (Activation a : Activation.values()) {
            assertThat(Activation.parse(a.hfName())).isEqualTo(a);
            if (!a.gated()) {
                assertThat(Activation.fromHfName(a.hfName())).isEqualTo(a);
                assertThat(a.base()).isEqualTo(a);
            }
        }
        assertThat(Activation.GATED_GELU.base()).isEqualTo(Activation.GELU_TANH); // T5 v1.1's gelu_new gate
        assertThat(Activation.GATED_SILU.base()).isEqualTo(Activation.SILU);
        assertThat(Activation.parse("gelu_pytorch_tanh")).isEqualTo(Activation.GELU_TANH);
        assertThat(Activation.parse("gated-swish")).isEqualTo(Activation.GATED_SILU);
        assertThatThrownBy(() -> Activation.fromHfName("gated-gelu")).isInstanceOf(T4jException.class)
                .hasMessageContaining("'gated-gelu' is not supported");
        assertThatThrownBy(() -> Activation.parse("tanh")).isInstanceOf(T4jException.class)
                .hasMessageContaining("'tanh'").hasMessageContaining("gated-gelu");
        assertThatThrownBy(() -> new FeedForward(4, 8, Activation.GATED_SILU, true, 0f, BlockNames.GPT2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gated pair");
    }

    @Test
    void gatedFeedForwardMultipliesTheActivatedGateByTheLinearBranch() {
        SplittableRandom rng = new SplittableRandom(3);
        for (Activation a : Activation.values()) {
            FeedForward ff = new FeedForward(4, 6, a, true, 0f);
            for (Tensor p : ff.parameters()) {
                for (int i = 0; i < p.size(); i++) p.data()[i] = (float) rng.nextGaussian();
            }
            Tensor x = Tensor.of(new float[] {0.5f, -1.25f, 2f, 0.1f, -0.3f, 0.7f, 1.1f, -2f}, 2, 4);
            Tensor expected = a.gated()
                    ? ff.wo.forward(Ops.mul(a.base().apply(ff.wi_0.forward(x)), ff.wi_1.forward(x)))
                    : ff.wo.forward(a.apply(ff.wi.forward(x)));
            assertThat(ff.forward(x, ForwardContext.INFERENCE).data()).as(a.toString()).containsExactly(expected.data());
        }
    }
}
