package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.io.DType;
import org.transformer4j.io.Json;
import org.transformer4j.io.Llama2cFile;
import org.transformer4j.io.SafetensorsFile;

/**
 * A Llama saved by us is the file transformers writes: loading a directory LlamaForCausalLM.save_pretrained wrote
 * (tied and untied) and saving it again gives the same tensor names, dtypes, shapes and bits, and a config.json
 * with the same architecture fields; what we save loads back bit-exactly; a llama2.c model is saved in Hugging
 * Face's rotate-half layout and still computes the same logits.
 */
class LlamaExportTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures/llama");

    @TempDir
    Path tmp;

    @Test
    void savedFilesMatchTheOnesTransformersWrote() {
        for (String fixture : List.of("model", "train")) { // untied with llama3 scaling; tied
            Path theirsDir = FIXTURES.resolve(fixture);
            Llama model = LlamaFiles.load(theirsDir);
            Path out = tmp.resolve(fixture);
            LlamaFiles.save(model, out, Map.of("t4j_iter", "7"));
            try (SafetensorsFile theirs = SafetensorsFile.open(theirsDir.resolve("model.safetensors"));
                 SafetensorsFile ours = SafetensorsFile.open(out.resolve("model.safetensors"))) {
                assertThat(ours.names()).as(fixture).containsExactlyInAnyOrderElementsOf(theirs.names());
                for (String name : theirs.names()) {
                    assertThat(ours.info(name).dtype()).as(name).isEqualTo(DType.F32).isEqualTo(theirs.info(name).dtype());
                    assertThat(ours.info(name).shape()).as(name).containsExactly(theirs.info(name).shape());
                    assertThat(ours.readFloats(name)).as(name).containsExactly(theirs.readFloats(name));
                }
                assertThat(ours.metadata()).containsEntry("format", "pt").containsEntry("t4j_iter", "7");
            }
            Map<String, Object> theirConfig = Json.parseObject(theirsDir.resolve("config.json"));
            Map<String, Object> ourConfig = Json.parseObject(out.resolve("config.json"));
            for (String key : List.of("model_type", "architectures", "vocab_size", "hidden_size", "intermediate_size",
                    "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_act",
                    "max_position_embeddings", "rms_norm_eps", "tie_word_embeddings", "attention_bias", "mlp_bias")) {
                assertThat(ourConfig.get(key)).as(fixture + " " + key).isEqualTo(theirConfig.get(key));
            }
            // transformers 5 writes rope_parameters; we write the rope_theta + rope_scaling both versions read
            @SuppressWarnings("unchecked")
            Map<String, Object> rope = (Map<String, Object>) theirConfig.get("rope_parameters");
            assertThat(ourConfig.get("rope_theta")).isEqualTo(rope.get("rope_theta"));
            assertThat(LlamaFiles.readConfig(out)).isEqualTo(model.config);
        }
    }

    @Test
    void aSavedModelLoadsBackBitExactly() {
        Llama model = new Llama(new LlamaConfig(16, 24, 2, 4, 1, 19, 32, 1e-6f, 123456f, false, false,
                new LlamaConfig.RopeScaling(4, 1, 4, 16), 0.1f)).initWeights(3, 0.2f);
        LlamaFiles.save(model, tmp.resolve("m"), Map.of());
        Llama back = LlamaFiles.load(tmp.resolve("m"));
        assertThat(back.config).isEqualTo(model.config);
        assertThat(back.namedParameters().keySet()).containsExactlyElementsOf(model.namedParameters().keySet());
        for (var e : model.namedParameters().entrySet()) {
            assertThat(back.namedParameters().get(e.getKey()).data()).as(e.getKey()).containsExactly(e.getValue().data());
        }
    }

    @Test
    void aLlama2cModelIsSavedInRotateHalfLayoutWithTheSameLogits() throws Exception {
        Path bin = null;
        for (String candidate : List.of("../../shared/models/stories260K", "../shared/models/stories260K",
                "/work/shared/models/stories260K")) {
            if (Files.isRegularFile(Path.of(candidate, "stories260K.bin"))) {
                bin = Path.of(candidate, "stories260K.bin");
                break;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(bin != null, "shared/models/stories260K is not beside the checkout");
        Llama interleaved = Llama2cFile.load(bin);
        LlamaFiles.save(interleaved, tmp.resolve("stories"), Map.of());
        Llama rotateHalf = LlamaFiles.load(tmp.resolve("stories"));
        assertThat(rotateHalf.config.ropeInterleaved()).isFalse();
        int[] prompt = {1, 259, 306, 337, 326, 328, 259, 344, 400, 17};
        try (var noGrad = GradMode.off()) {
            float[] a = interleaved.forward(prompt, null).data();
            float[] b = rotateHalf.forward(prompt, null).data();
            for (int i = 0; i < a.length; i++) {
                assertThat(Math.abs(a[i] - b[i])).as("logit %d", i).isLessThan(1e-4f);
            }
        }
    }
}
