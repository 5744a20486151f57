package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.model.GPT;
import org.transformer4j.model.GPTConfig;
import org.transformer4j.nn.ForwardContext;

/** A small GPT must be able to memorise one batch: the loss of a random batch goes to near zero. */
class OverfitTest {
    @Test
    void overfitsOneBatchToNearZeroLoss() {
        int vocab = 32;
        int b = 4;
        int t = 16;
        GPT model = new GPT(GPTConfig.nanoGPT(vocab, t, 2, 4, 64, true, 0f)).initWeights(1, 0.02f);
        AdamW opt = AdamW.forModel(model.namedParameters(), 0.9, 0.95, 1e-8, 0.0);
        SplittableRandom rng = new SplittableRandom(42);
        int[] x = new int[b * t];
        int[] y = new int[b * t];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextInt(vocab);
            y[i] = rng.nextInt(vocab);
        }
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 150; step++) {
            var out = model.forward(x, b, t, y, ForwardContext.INFERENCE);
            last = out.loss().item();
            if (step == 0) {
                first = last;
            }
            out.loss().backward();
            opt.step(3e-3);
            opt.zeroGrad();
        }
        assertThat(first).isGreaterThan(3.0); // ≈ ln 32 = 3.47 at initialisation
        assertThat(last).isLessThan(0.05);
    }
}
