package org.transformer4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.tensor.Tensor;

/** End-to-end gradient check of a tiny model: embedding -> layerNorm -> linear -> gelu -> linear -> crossEntropy. */
class CompositeGradTest {
    @Test
    void tinyMlpLanguageModelPassesGradCheck() {
        SplittableRandom rng = new SplittableRandom(3);
        int vocab = 11;
        int c = 8;
        int hidden = 16;
        int[] ids = {1, 4, 4, 9, 0, 10};
        int[] targets = {4, 4, 9, -1, 10, 2};
        Tensor emb = GradCheck.param(rng, 1f, vocab, c);
        Tensor gamma = GradCheck.param(rng, 1f, c);
        Tensor beta = GradCheck.param(rng, 1f, c);
        Tensor w1 = GradCheck.param(rng, 0.5f, hidden, c);
        Tensor b1 = GradCheck.param(rng, 0.5f, hidden);
        Tensor w2 = GradCheck.param(rng, 0.5f, vocab, hidden);
        Tensor b2 = GradCheck.param(rng, 0.5f, vocab);
        GradCheck.Result r = new GradCheck().check("tiny model", t -> {
            Tensor x = Ops.embedding(t[0], ids, 2, 3);
            x = Ops.layerNorm(x, t[1], t[2], 1e-5f);
            x = Ops.gelu(Ops.linear(x, t[3], t[4]), false);
            return Ops.crossEntropy(Ops.linear(x, t[5], t[6]), targets);
        }, emb, gamma, beta, w1, b1, w2, b2);
        System.out.println("tiny model worst ratio " + r.worstRatio() + " " + r.worst());
        assertThat(r.checked()).isEqualTo(vocab * c + c + c + hidden * c + hidden + vocab * hidden + vocab);
    }
}
