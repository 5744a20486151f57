package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.generate.Generator;
import org.transformer4j.generate.Sampler;
import org.transformer4j.generate.SamplingParams;
import org.transformer4j.io.Json;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.nn.Capture;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;

/**
 * Our GPT against Hugging Face transformers' GPT2LMHeadModel (activation "gelu", i.e. nanoGPT's model), run in
 * float64 by fixtures/gpt/make_gpt_fixture.py: logits, hidden states, loss, every parameter gradient, and greedy
 * decoding through the KV cache.
 *
 * <p>Tolerances: we compute in float32 (unit roundoff 6e-8). The fixture's activations are O(1-10) and every dot
 * product has at most 128 terms, so accumulated rounding is ~1e-6 relative; 1e-4 absolute on logits and hidden
 * states (the bar) leaves a wide margin while catching any real bug (a transposed Conv1D or a head layout
 * error moves logits by O(1) with these weights).
 */
class GPTReferenceTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/gpt");
    static GPT model;
    static Map<String, double[]> ref = new java.util.HashMap<>();
    static Map<String, int[]> shapes = new java.util.HashMap<>();

    @BeforeAll
    static void load() {
        model = GPTFiles.load(FIXTURE.resolve("model"));
        try (SafetensorsFile sf = SafetensorsFile.open(FIXTURE.resolve("reference.safetensors"))) {
            for (String name : sf.names()) {
                ref.put(name, sf.readDoubles(name));
                shapes.put(name, sf.info(name).shape());
            }
        }
    }

    static int[] ints(double[] d) {
        int[] r = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = (int) d[i];
        }
        return r;
    }

    static double maxAbsDiff(float[] ours, double[] theirs) {
        assertThat(ours.length).isEqualTo(theirs.length);
        double m = 0;
        for (int i = 0; i < ours.length; i++) {
            m = Math.max(m, Math.abs(ours[i] - theirs[i]));
        }
        return m;
    }

    @Test
    void logitsHiddenStatesAndLossMatchTransformers() {
        int[] shape = shapes.get("input_ids");
        int b = shape[0];
        int t = shape[1];
        Capture capture = new Capture(false);
        GPT.Output out;
        try (var noGrad = GradMode.off()) {
            out = model.forward(ints(ref.get("input_ids")), b, t, ints(ref.get("targets")),
                    ForwardContext.capturing(capture));
        }
        assertThat(maxAbsDiff(out.logits().data(), ref.get("logits"))).isLessThan(1e-4);
        List<Tensor> hidden = capture.hiddenStates();
        assertThat(hidden).hasSize(model.config.nLayer() + 1);
        double[] refHidden = ref.get("hidden_states");
        int per = b * t * model.config.nEmbd();
        for (int l = 0; l < hidden.size(); l++) {
            double[] slice = java.util.Arrays.copyOfRange(refHidden, l * per, (l + 1) * per);
            assertThat(maxAbsDiff(hidden.get(l).data(), slice)).as("hidden state %d", l).isLessThan(1e-4);
        }
        assertThat(Math.abs(out.loss().item() - ref.get("loss")[0])).isLessThan(1e-5);
    }

    /**
     * Gradients of the mean loss. They are O(1e-2..1), sums over B*T = 32 positions: we require each
     * parameter's gradient within 1e-4 * max(1, max|ref|) of the float64 reference.
     */
    @Test
    void everyParameterGradientMatchesTransformers() {
        int[] shape = shapes.get("input_ids");
        model.zeroGrad();
        GPT.Output out = model.forward(ints(ref.get("input_ids")), shape[0], shape[1], ints(ref.get("targets")),
                ForwardContext.INFERENCE);
        out.loss().backward();
        for (var e : model.namedParameters().entrySet()) {
            String name = e.getKey();
            double[] g = ref.get("grad." + name);
            assertThat(g).as("reference gradient of %s", name).isNotNull();
            Tensor p = e.getValue();
            float[] ours = p.grad();
            if (name.endsWith("c_attn.weight") || name.endsWith("c_proj.weight") || name.endsWith("c_fc.weight")) {
                ours = GPTFiles.transpose(ours, p.dim(0), p.dim(1)); // to Conv1D [in, out]
            }
            double scale = 1;
            for (double v : g) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertThat(maxAbsDiff(ours, g)).as("gradient of %s", name).isLessThan(1e-4 * scale);
        }
        model.zeroGrad();
    }

    @Test
    void greedyDecodingWithKvCacheMatchesTransformers() throws Exception {
        Map<String, Object> g = Json.parseObject(FIXTURE.resolve("greedy.json"));
        int[] prompt = Json.getList(g, "prompt_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        int[] expected = Json.getList(g, "greedy_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        int[] ids;
        try (var noGrad = GradMode.off()) {
            ids = new Generator(model).generate(prompt, expected.length, new Sampler(SamplingParams.greedy(), 0),
                    id -> true).ids();
        }
        assertThat(ids).containsExactly(expected);
        assertThat(Files.exists(FIXTURE.resolve("make_gpt_fixture.py"))).isTrue();
    }

    /**
     * A checkpoint stored as the released gpt2 one is: GPT-2's tanh GELU ("gelu_new"), plain tensor names, the
     * attention-mask buffers and a copy of the tied lm_head.weight. Logits within 1e-4 of transformers (float64)
     * and 20 greedy tokens identical.
     */
    @Test
    void gpt2StyleCheckpointMatchesTransformers() {
        GPT gpt2 = GPTFiles.load(FIXTURE.resolve("gpt2_style"));
        assertThat(gpt2.config.tanhGelu()).isTrue();
        double[] ids;
        double[] expected;
        try (SafetensorsFile sf = SafetensorsFile.open(FIXTURE.resolve("gpt2_style_reference.safetensors"))) {
            ids = sf.readDoubles("input_ids");
            expected = sf.readDoubles("logits");
        }
        float[] logits;
        try (var noGrad = GradMode.off()) {
            logits = gpt2.forward(ints(ids), 1, ids.length, null, ForwardContext.INFERENCE).logits().data();
        }
        assertThat(maxAbsDiff(logits, expected)).isLessThan(1e-4);
        Map<String, Object> g = Json.parseObject(FIXTURE.resolve("gpt2_style_greedy.json"));
        int[] prompt = Json.getList(g, "prompt_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        int[] greedy = Json.getList(g, "greedy_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        int[] out;
        try (var noGrad = GradMode.off()) {
            out = new Generator(gpt2).generate(prompt, greedy.length, new Sampler(SamplingParams.greedy(), 0),
                    id -> true).ids();
        }
        assertThat(out).containsExactly(greedy);
    }
}
