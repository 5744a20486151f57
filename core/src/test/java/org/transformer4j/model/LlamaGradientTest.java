package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.train.AdamW;

/**
 * The whole Llama's backward pass (grouped-query attention, untied head, rotate-half RoPE with Llama 3 scaling)
 * against central finite differences of its loss, and a small Llama memorising one batch.
 *
 * <p>Tolerance as in {@link GPTGradientTest}: the loss ~log(V) ≈ 2.4 is computed in float32 (relative rounding
 * ~1e-6), so a central difference with h = 1e-2 carries ~2e-4 absolute error from rounding plus an O(h²) truncation
 * term; we accept |analytic - numeric| <= 1e-3 + 2e-2 * |numeric|. A wrong backward (a gradient of a shared
 * key/value head not summed over its group, a rotation applied forwards instead of inverted) is off by O(|grad|).
 */
class LlamaGradientTest {
    static float loss(Llama model, int[] x, int[] y, int b, int t) {
        try (var noGrad = GradMode.off()) {
            return model.forward(x, b, t, y, ForwardContext.INFERENCE).loss().item();
        }
    }

    static LlamaConfig tiny(int vocab, boolean tied, boolean interleaved) {
        return new LlamaConfig(16, 20, 2, 4, 2, vocab, 16, 1e-5f, 10000f, tied, interleaved,
                new LlamaConfig.RopeScaling(4, 1, 4, 8));
    }

    @Test
    void wholeModelGradientMatchesFiniteDifferences() {
        for (boolean interleaved : new boolean[] {false, true}) {
            int vocab = 11;
            int b = 2;
            int t = 6;
            Llama model = new Llama(tiny(vocab, false, interleaved)).initWeights(7, 0.5f);
            assertThat(model.namedParameters()).containsKey("lm_head.weight")
                    .containsKey("model.layers.1.self_attn.k_proj.weight");
            assertThat(model.model.layers.get(0).self_attn.k.weight.shape()).containsExactly(8, 16);
            SplittableRandom rng = new SplittableRandom(3);
            // RMSNorm gains away from 1 so their gradients are exercised in general position.
            for (var e : model.namedParameters().entrySet()) {
                if (e.getKey().endsWith("norm.weight")) {
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
            y[4] = -1; // an ignored target
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
                    assertThat(Math.abs(g[i] - numeric)).as("%s[%d] (interleaved %s): analytic %s, numeric %s",
                            e.getKey(), i, interleaved, g[i], numeric).isLessThanOrEqualTo(1e-3 + 2e-2 * Math.abs(numeric));
                    checked++;
                }
            }
            assertThat(checked).isGreaterThan(100);
        }
    }

    @Test
    void overfitsOneBatchToNearZeroLoss() {
        int vocab = 32;
        int b = 4;
        int t = 16;
        Llama model = new Llama(new LlamaConfig(64, 128, 2, 4, 2, vocab, t, 1e-5f, 10000f, true, false, null))
                .initWeights(1, 0.02f);
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

    /** Cached generation (prefill, then one token at a time) computes what the full forward computes. */
    @Test
    void cachedStepsEqualTheFullForward() {
        Llama model = new Llama(tiny(13, true, false)).initWeights(5, 0.3f);
        int[] ids = {1, 5, 7, 2, 9, 12, 0, 3, 4};
        float[] full;
        float[] last = null;
        try (var noGrad = GradMode.off()) {
            full = model.forward(ids, null).data();
            var cache = model.newCache(16);
            model.forwardCached(java.util.Arrays.copyOf(ids, 4), cache);
            for (int i = 4; i < ids.length; i++) {
                last = model.forwardCached(new int[] {ids[i]}, cache);
            }
        }
        int v = 13;
        for (int i = 0; i < v; i++) {
            assertThat(last[i]).isCloseTo(full[(ids.length - 1) * v + i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }
}
