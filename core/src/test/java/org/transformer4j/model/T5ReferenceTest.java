package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.generate.BeamParams;
import org.transformer4j.generate.Seq2SeqGenerator;
import org.transformer4j.io.Json;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.nn.FeedForward;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;

/**
 * T5 against Hugging Face transformers' T5ForConditionalGeneration run in float64 (fixtures/t5/make_t5_fixture.py):
 * a tied ReLU model with the decoder output scaled, and an untied gated-GELU one without scaling. Encoder hidden
 * states, decoder hidden states and logits under teacher forcing, cross-attention weights, with a padded batch
 * row; 20 greedy ids through the decoder cache.
 *
 * <p>Tolerances. Logits, the encoder output and cross-attention weights (all normalised, O(1-10)): 1e-4
 * absolute, the bar. Hidden states are the un-normalised residual stream, which grows to |x| ~ 50 with
 * these weights: there float32 itself is off by ~7e-6 of the largest entry (PyTorch's own float32 forward of the
 * tied fixture differs from the float64 reference by 2.1e-4 at |x| = 31), so they must agree within
 * 2e-5 * max(1, max|ref|), a 3x margin. The fixture keeps T5's layer-norm variance in float64 (see the script),
 * so the reference is float64 throughout. A wrong bucket, an unshared bias, an attention scale or the output
 * scaling each move logits by O(0.1-1) here.
 */
class T5ReferenceTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/t5");
    static final double TOL = 1e-4;

    static Map<String, double[]> read(String name, Map<String, int[]> shapes) {
        Map<String, double[]> ref = new HashMap<>();
        try (SafetensorsFile sf = SafetensorsFile.open(FIXTURE.resolve(name + "_reference.safetensors"))) {
            for (String n : sf.names()) {
                ref.put(n, sf.readDoubles(n));
                shapes.put(n, sf.info(n).shape());
            }
        }
        return ref;
    }

    static int[] ints(double[] d) {
        return Arrays.stream(d).mapToInt(x -> (int) x).toArray();
    }

    static double maxAbsDiff(float[] ours, double[] theirs) {
        assertThat(ours.length).isEqualTo(theirs.length);
        double m = 0;
        for (int i = 0; i < ours.length; i++) {
            m = Math.max(m, Math.abs(ours[i] - theirs[i]));
        }
        return m;
    }

    static float[] stack(List<Tensor> ts) {
        int per = ts.getFirst().size();
        float[] out = new float[ts.size() * per];
        for (int i = 0; i < ts.size(); i++) {
            System.arraycopy(ts.get(i).data(), 0, out, i * per, per);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tied", "untied"})
    void teacherForcedOutputsMatchTransformers(String name) {
        EncoderDecoder model = EncoderDecoderFiles.load(FIXTURE.resolve(name));
        assertThat(model.config.tiedHead()).isEqualTo(name.equals("tied"));
        assertThat(model.config.scaleDecoderOutputs()).isEqualTo(name.equals("tied"));
        assertThat(model.config.activation()).isEqualTo(name.equals("tied") ? FeedForward.Activation.RELU
                : FeedForward.Activation.GATED_GELU);
        Map<String, int[]> shapes = new HashMap<>();
        Map<String, double[]> ref = read(name, shapes);
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
        Tensor memory;
        try (var noGrad = GradMode.off()) {
            model.train(false);
            out = model.forward(ints(ref.get("input_ids")), s, lengths, ints(ref.get("decoder_input_ids")), t, b, null, 0f,
                    ForwardContext.INFERENCE, cap);
            memory = model.encode(ints(ref.get("input_ids")), b, s, lengths, ForwardContext.INFERENCE);
        }
        assertThat(cap.encoder().hiddenStates()).hasSize(model.config.nEncoderLayers() + 1);
        assertThat(cap.decoder().hiddenStates()).hasSize(model.config.nDecoderLayers() + 1);
        // Padded encoder positions are garbage in both implementations (their queries see the real keys only, but
        // transformers' and ours need not agree there); compare real positions only.
        double[] encRef = ref.get("encoder_hidden_states");
        assertThat(maxAbsDiffAtReal(stack(cap.encoder().hiddenStates()), encRef, lengths, s, model.config.dModel()))
                .as("encoder hidden states").isLessThan(residualTolerance(encRef));
        assertThat(maxAbsDiffAtReal(memory.data(), ref.get("encoder_output"), lengths, s, model.config.dModel()))
                .as("encoder output").isLessThan(TOL);
        double[] decRef = ref.get("decoder_hidden_states");
        assertThat(maxAbsDiff(stack(cap.decoder().hiddenStates()), decRef)).as("decoder hidden states")
                .isLessThan(residualTolerance(decRef));
        assertThat(maxAbsDiff(out.logits().data(), ref.get("logits"))).as("logits").isLessThan(TOL);
        assertThat(maxAbsDiff(stack(cap.cross().attentions()), ref.get("cross_attentions")))
                .as("cross-attention weights").isLessThan(TOL);
    }

    /** 2e-5 of the largest reference entry (at least 2e-5): float32's accuracy on the residual stream. */
    static double residualTolerance(double[] ref) {
        double m = 1;
        for (double v : ref) {
            m = Math.max(m, Math.abs(v));
        }
        return 2e-5 * m;
    }

    /** Max |ours - ref| over entries [..., b, pos, c] with pos < lengths[b] (layers stacked in front). */
    static double maxAbsDiffAtReal(float[] ours, double[] ref, int[] lengths, int s, int c) {
        assertThat(ours.length).isEqualTo(ref.length);
        int per = lengths.length * s * c;
        double m = 0;
        for (int i = 0; i < ours.length; i++) {
            int within = i % per;
            int b = within / (s * c);
            int pos = within / c % s;
            if (pos < lengths[b]) {
                m = Math.max(m, Math.abs(ours[i] - ref[i]));
            }
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tied", "untied"})
    void greedyIdsThroughTheCacheMatchTransformers(String name) {
        EncoderDecoder model = EncoderDecoderFiles.load(FIXTURE.resolve(name));
        Map<String, Object> g = Json.parseObject(FIXTURE.resolve(name + "_greedy.json"));
        int[] src = Json.getList(g, "source_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        int[] expected = Json.getList(g, "greedy_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        try (var noGrad = GradMode.off()) {
            Seq2SeqGenerator gen = new Seq2SeqGenerator(model, false);
            assertThat(gen.greedy(src, expected.length).ids()).containsExactly(expected);
            // and beam search with one beam is greedy
            Seq2SeqGenerator.Hypothesis beam = gen.beamSearch(src, expected.length, BeamParams.of(1));
            assertThat(beam.ids()).containsExactly(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tied", "untied"})
    void paddedAndUnpaddedSourcesGiveTheSameOutputs(String name) {
        EncoderDecoder model = EncoderDecoderFiles.load(FIXTURE.resolve(name));
        int[] a = {5, 9, 13, 40, 22, 7, 1};
        int[] padded = Arrays.copyOf(a, 12); // pad id 0 after the real tokens
        int[] dec = {0, 4, 19, 33, 2};
        float[] alone;
        float[] withPad;
        try (var noGrad = GradMode.off()) {
            model.train(false);
            alone = model.forward(a, a.length, null, dec, dec.length, 1, null, 0f, ForwardContext.INFERENCE, null)
                    .logits().data();
            withPad = model.forward(padded, padded.length, new int[] {a.length}, dec, dec.length, 1, null, 0f,
                    ForwardContext.INFERENCE, null).logits().data();
        }
        double m = 0;
        for (int i = 0; i < alone.length; i++) {
            m = Math.max(m, Math.abs(alone[i] - withPad[i]));
        }
        assertThat(m).isLessThan(1e-5);
    }
}
