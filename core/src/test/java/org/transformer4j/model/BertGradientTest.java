package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.autograd.Ops;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;

/**
 * A whole tiny BERT's backward pass against central finite differences, through a padded batch: the masked-LM loss
 * (every parameter of the trunk and MLM head) and the classification loss (pooler and classifier too).
 *
 * <p>Tolerance as {@link GPTGradientTest} and for the same reasons: the loss is O(log V) computed in float32, so a
 * central difference with h = 1e-2 carries ~2e-4 absolute error from rounding plus O(h²) truncation;
 * |analytic - numeric| <= 1e-3 + 2e-2 |numeric|, while a wrong backward is off by O(|grad|).
 */
class BertGradientTest {
    static final int V = 13;
    static final int B = 2;
    static final int T = 6;
    static final int[] LENGTHS = {6, 3};

    static Bert tinyBert(List<String> labels, SplittableRandom rng) {
        BertConfig cfg = BertConfig.of(V, 8, 2, 2, 8, 0f).withLabels(labels);
        Bert model = new Bert(cfg, true, true).initWeights(9, 0.5f);
        for (var e : model.namedParameters().entrySet()) {
            if (e.getKey().contains("LayerNorm") || e.getKey().contains("_norm.") || e.getKey().endsWith("bias")) {
                float[] d = e.getValue().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] += (float) (rng.nextDouble() - 0.5);
                }
            }
        }
        return model;
    }

    interface Loss {
        Tensor of(Bert model);
    }

    static int check(Bert model, Loss loss, SplittableRandom rng, String skip) {
        model.zeroGrad();
        loss.of(model).backward();
        float h = 1e-2f;
        int checked = 0;
        for (var e : model.namedParameters().entrySet()) {
            if (skip != null && e.getKey().startsWith(skip)) {
                continue;
            }
            float[] d = e.getValue().data();
            float[] g = e.getValue().grad().clone();
            for (int s = 0; s < Math.min(5, d.length); s++) {
                int i = rng.nextInt(d.length);
                float orig = d[i];
                double up;
                double down;
                try (var noGrad = GradMode.off()) {
                    d[i] = orig + h;
                    up = loss.of(model).item();
                    d[i] = orig - h;
                    down = loss.of(model).item();
                }
                d[i] = orig;
                double numeric = (up - down) / (2 * h);
                assertThat(Math.abs(g[i] - numeric)).as("%s[%d]: analytic %s, numeric %s", e.getKey(), i, g[i], numeric)
                        .isLessThanOrEqualTo(1e-3 + 2e-2 * Math.abs(numeric));
                checked++;
            }
        }
        return checked;
    }

    @Test
    void maskedLmLossGradientThroughPaddingMatchesFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(21);
        Bert model = tinyBert(List.of(), rng);
        int[] ids = new int[B * T];
        int[] types = new int[B * T];
        int[] targets = new int[B * T];
        java.util.Arrays.fill(targets, -1);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(V);
            types[i] = rng.nextInt(2);
        }
        targets[1] = 4;
        targets[4] = 7;
        targets[T] = 2;
        targets[T + 2] = 11;
        int checked = check(model, m -> m.mlmLoss(ids, types, B, T, LENGTHS, targets, ForwardContext.INFERENCE), rng,
                "bert.pooler");
        assertThat(checked).isGreaterThan(80);
    }

    @Test
    void classificationLossGradientMatchesFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(22);
        Bert model = tinyBert(List.of("a", "b", "c"), rng);
        int[] ids = new int[B * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(V);
        }
        int[] labels = {2, 0};
        int checked = check(model, m -> Ops.crossEntropy(m.classify(m.encode(ids, null, B, T, LENGTHS,
                ForwardContext.INFERENCE), ForwardContext.INFERENCE), labels), rng, "cls.");
        assertThat(checked).isGreaterThan(80);
    }
}
