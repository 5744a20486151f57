package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.nn.ForwardContext;

/**
 * Training Llama computes what transformers computes: the loss of a batch and the gradient of every parameter of
 * a LlamaForCausalLM (grouped-query attention 4/2, tied head, rope_theta 500000) against transformers run in
 * float64 (fixtures/llama/make_llama_train_fixture.py, which keeps RMSNorm and attention in float64).
 *
 * <p>Tolerances: our forward and backward are float32; the loss (≈5) is a mean over 22 positions of log-sum-exps
 * of dot products of at most 40 terms, so its rounding error is ~1e-6; we require 1e-5. Gradients are O(1e-2..1)
 * sums over B*T = 24 positions; as for GPT we require each parameter's gradient within 1e-4 * max(1, max|ref|).
 * The tied embedding's gradient collects both its uses (lookup and output head), so a missing half fails.
 */
class LlamaTrainingReferenceTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/llama");

    @Test
    void lossAndEveryParameterGradientMatchTransformers() {
        Llama model = LlamaFiles.load(FIXTURE.resolve("train"));
        assertThat(model.lm_head).isNull();
        assertThat(model.config.nKvHeads()).isEqualTo(2);
        Map<String, double[]> ref = new HashMap<>();
        int[] shape;
        try (SafetensorsFile sf = SafetensorsFile.open(FIXTURE.resolve("train_reference.safetensors"))) {
            for (String name : sf.names()) {
                ref.put(name, sf.readDoubles(name));
            }
            shape = sf.info("input_ids").shape();
        }
        model.zeroGrad();
        Llama.Output out = model.forward(GPTReferenceTest.ints(ref.get("input_ids")), shape[0], shape[1],
                GPTReferenceTest.ints(ref.get("targets")), ForwardContext.INFERENCE);
        double lossError = Math.abs(out.loss().item() - ref.get("loss")[0]);
        out.loss().backward();
        assertThat(lossError).isLessThan(1e-5);
        int checked = 0;
        for (var e : model.namedParameters().entrySet()) {
            String name = e.getKey();
            double[] g = ref.get("grad." + name);
            assertThat(g).as("reference gradient of %s", name).isNotNull();
            double scale = 1;
            for (double v : g) {
                scale = Math.max(scale, Math.abs(v));
            }
            double err = GPTReferenceTest.maxAbsDiff(e.getValue().grad(), g);
            System.out.printf("%-48s max|g| %.3g  error %.2g%n", name, scale, err);
            assertThat(err).as("gradient of %s", name).isLessThan(1e-4 * scale);
            checked++;
        }
        assertThat(checked).isEqualTo(ref.size() - 3); // every reference gradient has a parameter, and vice versa
    }
}
