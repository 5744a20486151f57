package org.transformer4j.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.model.GPT;
import org.transformer4j.model.GPTConfig;
import org.transformer4j.nn.ForwardContext;

/** Sampling rules and KV-cache generation, including prompts and outputs longer than the model's context. */
class GenerationTest {
    static final GPT MODEL = new GPT(GPTConfig.nanoGPT(13, 8, 2, 2, 16, true, 0f)).initWeights(5, 0.5f);

    /** Greedy next token computed the slow way: a full forward over the window, no cache. */
    static int greedyWithoutCache(int[] window) {
        try (var noGrad = GradMode.off()) {
            float[] logits = MODEL.forward(window, 1, window.length, null, ForwardContext.INFERENCE).logits().data();
            return Sampler.argmax(Arrays.copyOfRange(logits, (window.length - 1) * 13, window.length * 13));
        }
    }

    @Test
    void cachedGreedyGenerationEqualsFullRecomputationAlsoPastTheContext() {
        int[] prompt = {1, 2, 3};
        int n = 20; // the context is 8: the window slides several times
        int[] ids;
        try (var noGrad = GradMode.off()) {
            ids = new Generator(MODEL).generate(prompt, n, new Sampler(SamplingParams.greedy(), 0), id -> true).ids();
        }
        // Replay: while the sequence fits, the window is the whole sequence; once it overflows, the cache is rebuilt
        // from the last 6 tokens (3/4 of 8) and grows again to 8 before the next slide.
        int[] seq = Arrays.copyOf(prompt, prompt.length + n);
        int len = prompt.length;
        int windowStart = 0;
        for (int i = 0; i < n; i++) {
            if (len - windowStart > 8) {
                windowStart = len - 6;
            }
            int expected = greedyWithoutCache(Arrays.copyOfRange(seq, windowStart, len));
            assertThat(ids[i]).as("token %d", i).isEqualTo(expected);
            seq[len++] = ids[i];
        }
    }

    @Test
    void aPromptLongerThanTheContextKeepsItsLastTokens() {
        int[] prompt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        Generator.Result r;
        try (var noGrad = GradMode.off()) {
            r = new Generator(MODEL).generate(prompt, 3, new Sampler(SamplingParams.greedy(), 0), id -> true);
        }
        assertThat(r.promptTruncated()).isTrue();
        assertThat(r.ids()[0]).isEqualTo(greedyWithoutCache(Arrays.copyOfRange(prompt, 3, 11)));
    }

    @Test
    void badPromptsAreClearErrors() {
        Generator g = new Generator(MODEL);
        Sampler s = new Sampler(SamplingParams.greedy(), 0);
        assertThatThrownBy(() -> g.generate(new int[0], 3, s, id -> true)).isInstanceOf(T4jException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> g.generate(new int[] {1, 13}, 3, s, id -> true)).isInstanceOf(T4jException.class)
                .hasMessage("prompt token id 13 at position 1 is outside the vocabulary of size 13");
    }

    @Test
    void streamingStopsWhenTheConsumerSaysSo() {
        int[] seen = new int[1];
        int[] ids;
        try (var noGrad = GradMode.off()) {
            ids = new Generator(MODEL).generate(new int[] {1}, 10, new Sampler(SamplingParams.greedy(), 0),
                    id -> ++seen[0] < 4).ids();
        }
        assertThat(ids).hasSize(4);
        assertThat(seen[0]).isEqualTo(4);
    }

    // ---- the sampler --------------------------------------------------------------------------------------

    static final float[] LOGITS = {2.0f, 1.0f, 0.5f, -1.0f, 3.0f, 0.0f};

    static double[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    static double[] frequencies(SamplingParams params, int draws) {
        Sampler s = new Sampler(params, 123);
        double[] f = new double[LOGITS.length];
        for (int i = 0; i < draws; i++) {
            f[s.next(LOGITS)] += 1.0 / draws;
        }
        return f;
    }

    /**
     * Frequencies over 200,000 draws match the softmax at temperature T: the standard error of a frequency is at
     * most sqrt(0.25 / 200000) ≈ 0.0011, so 0.006 is more than five standard errors.
     */
    @Test
    void samplingFollowsTheTemperedSoftmax() {
        for (double t : new double[] {1.0, 0.5, 2.0}) {
            double[] f = frequencies(new SamplingParams(t, 0, 1), 200_000);
            double[] p = softmax(LOGITS, t);
            for (int i = 0; i < p.length; i++) {
                assertThat(f[i]).as("T=%s id %d", t, i).isCloseTo(p[i], org.assertj.core.data.Offset.offset(0.006));
            }
        }
    }

    @Test
    void topKAndTopPRestrictTheCandidates() {
        // top-k 2: only ids 4 (logit 3) and 0 (logit 2), renormalised.
        double[] f = frequencies(new SamplingParams(1, 2, 1), 100_000);
        double p4 = Math.exp(3) / (Math.exp(3) + Math.exp(2));
        assertThat(f[4]).isCloseTo(p4, org.assertj.core.data.Offset.offset(0.008));
        assertThat(f[0]).isCloseTo(1 - p4, org.assertj.core.data.Offset.offset(0.008));
        // top-p 0.7: id 4 alone has p ≈ 0.605 < 0.7, with id 0 (p ≈ 0.222) the mass reaches 0.83: ids 4 and 0.
        double[] g = frequencies(new SamplingParams(1, 0, 0.7), 100_000);
        assertThat(g[1] + g[2] + g[3] + g[5]).isZero();
        assertThat(g[4]).isCloseTo(p4, org.assertj.core.data.Offset.offset(0.008));
        // top-p below the best token's probability keeps only that token: greedy.
        assertThat(frequencies(new SamplingParams(1, 0, 0.6), 1000)[4]).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        // the same seed gives the same sequence
        Sampler a = new Sampler(new SamplingParams(0.8, 3, 0.9), 7);
        Sampler b = new Sampler(new SamplingParams(0.8, 3, 0.9), 7);
        for (int i = 0; i < 100; i++) {
            assertThat(a.next(LOGITS)).isEqualTo(b.next(LOGITS));
        }
    }

    @Test
    void badSamplingSettingsAreClearErrors() {
        assertThatThrownBy(() -> new SamplingParams(-1, 0, 1)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingParams(1, -2, 1)).hasMessageContaining("top-k");
        assertThatThrownBy(() -> new SamplingParams(1, 0, 0)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new SamplingParams(Double.NaN, 0, 1)).hasMessageContaining("temperature");
    }
}
