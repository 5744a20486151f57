package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.transformer4j.model.T5ReferenceTest.ints;
import static org.transformer4j.model.T5ReferenceTest.maxAbsDiff;
import static org.transformer4j.model.T5ReferenceTest.maxAbsDiffAtReal;
import static org.transformer4j.model.T5ReferenceTest.residualTolerance;
import static org.transformer4j.model.T5ReferenceTest.stack;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.generate.Seq2SeqGenerator;
import org.transformer4j.io.Json;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.nn.ForwardContext;

/**
 * BART against Hugging Face transformers' BartForConditionalGeneration in float64
 * (fixtures/bart/make_bart_fixture.py): learned positions with offset 2, scaled embeddings, layernorm_embedding,
 * post-LN GELU blocks, final_logits_bias. Tolerances as in {@link T5ReferenceTest}: 1e-4 on logits and
 * attention weights; hidden states here are post-LN (normalised, O(1-5)) and get the same 1e-4 (residualTolerance
 * gives 2e-5 * max(1, max|ref|), which is at most 1e-4 for them).
 */
class BartReferenceTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/bart");

    @Test
    void teacherForcedOutputsGreedyIdsAndPaddingMatchTransformers() {
        EncoderDecoder model = EncoderDecoderFiles.load(FIXTURE.resolve("model"));
        assertThat(model.config.modelType()).isEqualTo("bart");
        Map<String, double[]> ref = new HashMap<>();
        Map<String, int[]> shapes = new HashMap<>();
        try (SafetensorsFile sf = SafetensorsFile.open(FIXTURE.resolve("reference.safetensors"))) {
            for (String n : sf.names()) {
                ref.put(n, sf.readDoubles(n));
                shapes.put(n, sf.info(n).shape());
            }
        }
        int b = shapes.get("input_ids")[0];
        int s = shapes.get("input_ids")[1];
        int t = shapes.get("decoder_input_ids")[1];
        int[] lengths = new int[b];
        double[] mask = ref.get("attention_mask");
        for (int i = 0; i < mask.length; i++) {
            lengths[i / s] += (int) mask[i];
        }
        EncoderDecoder.Captures cap = EncoderDecoder.Captures.of(true);
        EncoderDecoder.Output out;
        try (var noGrad = GradMode.off()) {
            model.train(false);
            out = model.forward(ints(ref.get("input_ids")), s, lengths, ints(ref.get("decoder_input_ids")), t, b, null, 0f,
                    ForwardContext.INFERENCE, cap);
        }
        int c = model.config.dModel();
        double[] enc = ref.get("encoder_hidden_states");
        assertThat(maxAbsDiffAtReal(stack(cap.encoder().hiddenStates()), enc, lengths, s, c)).as("encoder hidden states")
                .isLessThan(Math.max(1e-4, residualTolerance(enc)));
        double[] dec = ref.get("decoder_hidden_states");
        assertThat(maxAbsDiff(stack(cap.decoder().hiddenStates()), dec)).as("decoder hidden states")
                .isLessThan(Math.max(1e-4, residualTolerance(dec)));
        assertThat(maxAbsDiff(out.logits().data(), ref.get("logits"))).as("logits").isLessThan(1e-4);
        assertThat(maxAbsDiff(stack(cap.cross().attentions()), ref.get("cross_attentions"))).as("cross-attention")
                .isLessThan(1e-4);

        Map<String, Object> g = Json.parseObject(FIXTURE.resolve("greedy.json"));
        int[] src = Json.getList(g, "source_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        int[] expected = Json.getList(g, "greedy_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        try (var noGrad = GradMode.off()) {
            assertThat(new Seq2SeqGenerator(model, false).greedy(src, expected.length).ids()).containsExactly(expected);
            int[] padded = Arrays.copyOf(src, 12);
            Arrays.fill(padded, src.length, 12, model.config.padId());
            int[] d = {2, 7, 30, 4};
            float[] alone = model.forward(src, src.length, null, d, d.length, 1, null, 0f, ForwardContext.INFERENCE,
                    null).logits().data();
            float[] withPad = model.forward(padded, 12, new int[] {src.length}, d, d.length, 1, null, 0f,
                    ForwardContext.INFERENCE, null).logits().data();
            assertThat(maxAbsDiff(withPad, Arrays.stream(toDoubles(alone)).toArray())).isLessThan(1e-5);
        }
    }

    static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
