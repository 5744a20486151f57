package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.generate.Generator;
import org.transformer4j.generate.Sampler;
import org.transformer4j.generate.SamplingParams;
import org.transformer4j.io.Json;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.nn.KVCache;

/**
 * Hugging Face LlamaForCausalLM (grouped-query attention, untied head, llama3 rope scaling, transformers 5's
 * rope_parameters) against transformers run in float64 (fixtures/llama/make_llama_fixture.py): logits at every
 * position within 1e-4 and 20 greedy tokens identical. transformers keeps RMSNorm, RoPE and softmax in float32
 * even in a float64 model, so its own error is ~1e-6; ours is float32 rounding over dot products of 32-48 terms.
 */
class LlamaReferenceTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/llama");

    @Test
    void logitsAndGreedyIdsMatchTransformers() {
        Llama model = LlamaFiles.load(FIXTURE.resolve("model"));
        assertThat(model.config.nKvHeads()).isEqualTo(2);
        assertThat(model.lm_head).isNotNull();
        assertThat(model.classifier()).isNotSameAs(model.model.embed_tokens.weight);
        double[] ids;
        double[] ref;
        try (SafetensorsFile sf = SafetensorsFile.open(FIXTURE.resolve("reference.safetensors"))) {
            ids = sf.readDoubles("input_ids");
            ref = sf.readDoubles("logits");
        }
        int v = model.vocabSize();
        KVCache cache = model.newCache(ids.length);
        double worst = 0;
        try (var noGrad = GradMode.off()) {
            for (int p = 0; p < ids.length; p++) {
                float[] logits = model.forwardCached(new int[] {(int) ids[p]}, cache);
                for (int i = 0; i < v; i++) {
                    worst = Math.max(worst, Math.abs(logits[i] - ref[p * v + i]));
                }
            }
        }
        assertThat(worst).isLessThan(1e-4);

        Map<String, Object> g = Json.parseObject(FIXTURE.resolve("greedy.json"));
        int[] prompt = Json.getList(g, "prompt_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        int[] expected = Json.getList(g, "greedy_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        int[] out;
        try (var noGrad = GradMode.off()) {
            out = new Generator(model).generate(prompt, expected.length, new Sampler(SamplingParams.greedy(), 0),
                    id -> true).ids();
        }
        assertThat(out).containsExactly(expected);
    }

    /**
     * The same model described the way most published checkpoints are (transformers 4: rope_theta at the top level
     * and rope_scaling with "rope_type", or the older "type") loads to the same function.
     */
    @Test
    void olderRopeConfigSpellingsGiveTheSameModel(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Map<String, Object> cfg = new java.util.LinkedHashMap<>(Json.parseObject(FIXTURE.resolve("model/config.json")));
        @SuppressWarnings("unchecked")
        Map<String, Object> rope = new java.util.LinkedHashMap<>((Map<String, Object>) cfg.remove("rope_parameters"));
        cfg.put("rope_theta", rope.remove("rope_theta"));
        for (String typeKey : new String[] {"rope_type", "type"}) {
            Map<String, Object> scaling = new java.util.LinkedHashMap<>(rope);
            scaling.put(typeKey, scaling.remove("rope_type"));
            cfg.put("rope_scaling", scaling);
            Path dir = tmp.resolve(typeKey);
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.copy(FIXTURE.resolve("model/model.safetensors"), dir.resolve("model.safetensors"));
            java.nio.file.Files.writeString(dir.resolve("config.json"), Json.writePretty(cfg));
            Llama a = LlamaFiles.load(FIXTURE.resolve("model"));
            Llama b = LlamaFiles.load(dir);
            int[] prompt = {1, 17, 42, 3, 9, 30, 11, 5, 60, 2, 4, 8, 16, 33, 21, 7, 13};
            try (var noGrad = GradMode.off()) {
                assertThat(b.forwardCached(prompt, b.newCache(32))).containsExactly(a.forwardCached(prompt,
                        a.newCache(32)));
            }
        }
        // and an unknown rope type is named in the error
        cfg.put("rope_scaling", Map.of("rope_type", "yarn", "factor", 2.0));
        Path bad = tmp.resolve("bad");
        java.nio.file.Files.createDirectories(bad);
        java.nio.file.Files.writeString(bad.resolve("config.json"), Json.writePretty(cfg));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LlamaFiles.readConfig(bad))
                .hasMessageContaining("config.json").hasMessageContaining("yarn");
    }

    @Test
    void hiddenStatesOfEveryBlockMatchTransformers() {
        Llama model = LlamaFiles.load(FIXTURE.resolve("model"));
        double[] ids;
        double[] ref;
        double[] refLogits;
        try (SafetensorsFile sf = SafetensorsFile.open(FIXTURE.resolve("reference.safetensors"))) {
            ids = sf.readDoubles("input_ids");
            ref = sf.readDoubles("hidden_states");
            refLogits = sf.readDoubles("logits");
        }
        int[] tokens = java.util.Arrays.stream(ids).mapToInt(d -> (int) d).toArray();
        org.transformer4j.nn.Capture capture = new org.transformer4j.nn.Capture(true);
        float[] logits;
        try (var noGrad = GradMode.off()) {
            logits = model.forward(tokens, capture).data();
        }
        for (int i = 0; i < logits.length; i++) {
            assertThat(Math.abs(logits[i] - refLogits[i])).isLessThan(1e-4f);
        }
        var hidden = capture.hiddenStates();
        assertThat(hidden).hasSize(model.config.nLayers() + 1);
        int per = tokens.length * model.config.dim();
        for (int l = 0; l < hidden.size(); l++) {
            float[] h = hidden.get(l).data();
            for (int i = 0; i < per; i++) {
                assertThat(Math.abs(h[i] - ref[l * per + i])).as("hidden %d", l).isLessThan(1e-4f);
            }
        }
        assertThat(capture.attentions()).hasSize(model.config.nLayers());
    }
}
