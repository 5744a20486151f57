package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;

/**
 * The whole GPT's backward pass against central finite differences of its loss, for a sample of entries of every
 * parameter tensor.
 *
 * <p>Float32 tolerance: the loss is ~log(V) ≈ 3 and is computed with relative rounding ~1e-6, so a central
 * difference with step h = 1e-2 carries an absolute error of about 3e-6 / (2h) ≈ 2e-4 from rounding plus an O(h²)
 * truncation term (third derivatives here are O(1), giving ~1e-4). We accept |analytic - numeric| <=
 * 1e-3 + 2e-2 * |numeric|. A wrong backward (a missing term, a transposed gradient) is off by O(|grad|), far
 * beyond that for the entries sampled, whose gradients are O(1e-2..1).
 */
class GPTGradientTest {
    static float loss(GPT model, int[] x, int[] y, int b, int t) {
        try (var noGrad = GradMode.off()) {
            return model.forward(x, b, t, y, ForwardContext.INFERENCE).loss().item();
        }
    }

    @Test
    void wholeModelGradientMatchesFiniteDifferences() {
        int vocab = 11;
        int b = 2;
        int t = 5;
        GPTConfig cfg = GPTConfig.nanoGPT(vocab, 8, 2, 2, 8, true, 0f);
        GPT model = new GPT(cfg).initWeights(7, 0.5f);
        SplittableRandom rng = new SplittableRandom(3);
        // LayerNorm gains and biases away from 1 and 0 so their gradients are exercised in general position.
        for (var e : model.namedParameters().entrySet()) {
            if (e.getKey().contains("ln_") || e.getKey().endsWith(".bias")) {
                float[] d = e.getValue().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] += (float) (rng.nextDouble() - 0.5);
                }
            }
        }
        int[] x = new int[b * t];
        int[] y = new int[b * t];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextInt(vocab);
            y[i] = rng.nextInt(vocab);
        }
        y[3] = -1; // an ignored target
        model.zeroGrad();
        model.forward(x, b, t, y, ForwardContext.INFERENCE).loss().backward();

        float h = 1e-2f;
        int checked = 0;
        for (var e : model.namedParameters().entrySet()) {
            Tensor p = e.getValue();
            float[] d = p.data();
            float[] g = p.grad().clone();
            for (int s = 0; s < Math.min(6, d.length); s++) {
                int i = rng.nextInt(d.length);
                float orig = d[i];
                d[i] = orig + h;
                double up = loss(model, x, y, b, t);
                d[i] = orig - h;
                double down = loss(model, x, y, b, t);
                d[i] = orig;
                double numeric = (up - down) / (2 * h);
                assertThat(Math.abs(g[i] - numeric)).as("%s[%d]: analytic %s, numeric %s", e.getKey(), i, g[i], numeric)
                        .isLessThanOrEqualTo(1e-3 + 2e-2 * Math.abs(numeric));
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(60);
    }
}
