package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.io.DType;
import org.transformer4j.io.Json;
import org.transformer4j.io.Safetensors;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.io.TensorData;

/**
 * A GPT saved by us is the file transformers itself writes: loading the fixture that GPT2LMHeadModel.save_pretrained
 * wrote and saving it again gives the same tensor names, dtypes, shapes and bits, and a config.json with the same
 * architecture fields (so GPT2LMHeadModel.from_pretrained reads it). Sharded checkpoints load too.
 */
class GPTExportTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/gpt/model");

    @TempDir
    Path tmp;

    @Test
    void savedFileMatchesTheOneTransformersWrote() {
        GPT model = GPTFiles.load(FIXTURE);
        Path out = tmp.resolve("export");
        GPTFiles.save(model, out, Map.of());
        try (SafetensorsFile theirs = SafetensorsFile.open(FIXTURE.resolve("model.safetensors"));
             SafetensorsFile ours = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertThat(ours.names()).containsExactlyInAnyOrderElementsOf(theirs.names());
            for (String name : theirs.names()) {
                assertThat(ours.info(name).dtype()).as(name).isEqualTo(DType.F32);
                assertThat(ours.info(name).shape()).as(name).containsExactly(theirs.info(name).shape());
                assertThat(ours.readFloats(name)).as(name).containsExactly(theirs.readFloats(name));
            }
            assertThat(ours.metadata()).containsEntry("format", "pt");
        }
        Map<String, Object> theirConfig = Json.parseObject(FIXTURE.resolve("config.json"));
        Map<String, Object> ourConfig = Json.parseObject(out.resolve("config.json"));
        for (String key : List.of("model_type", "architectures", "vocab_size", "n_positions", "n_embd", "n_layer",
                "n_head", "activation_function", "layer_norm_epsilon", "tie_word_embeddings")) {
            assertThat(ourConfig.get(key)).as(key).isEqualTo(theirConfig.get(key));
        }
    }

    @Test
    void shardedCheckpointsLoad() throws Exception {
        GPT model = GPTFiles.load(FIXTURE);
        Path dir = tmp.resolve("sharded");
        Files.createDirectories(dir);
        Files.copy(FIXTURE.resolve("config.json"), dir.resolve("config.json"));
        // Two shards with the plain GPT-2 naming (no "transformer." prefix), plus the buffers old saves carry.
        Map<String, TensorData> first = new LinkedHashMap<>();
        Map<String, TensorData> second = new LinkedHashMap<>();
        Map<String, Object> weightMap = new LinkedHashMap<>();
        int i = 0;
        try (SafetensorsFile theirs = SafetensorsFile.open(FIXTURE.resolve("model.safetensors"))) {
            for (String name : theirs.names()) {
                String plain = name.substring("transformer.".length());
                Map<String, TensorData> shard = i++ % 2 == 0 ? first : second;
                shard.put(plain, TensorData.f16(theirs.readFloats(name), theirs.info(name).shape()));
                weightMap.put(plain, shard == first ? "model-00001-of-00002.safetensors"
                        : "model-00002-of-00002.safetensors");
            }
        }
        first.put("h.0.attn.bias", TensorData.f32(new float[4], 1, 1, 2, 2));
        weightMap.put("h.0.attn.bias", "model-00001-of-00002.safetensors");
        Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"), first, null);
        Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"), second, null);
        Files.writeString(dir.resolve(Safetensors.INDEX_FILE), Json.writePretty(Map.of("metadata", Map.of(),
                "weight_map", weightMap)));
        GPT loaded = GPTFiles.load(dir);
        var expected = model.namedParameters();
        for (var e : loaded.namedParameters().entrySet()) {
            float[] a = e.getValue().data();
            float[] b = expected.get(e.getKey()).data();
            for (int k = 0; k < a.length; k++) {
                // stored as F16 in the shards: within half-precision rounding (2^-11 relative)
                assertThat(Math.abs(a[k] - b[k])).as(e.getKey()).isLessThanOrEqualTo(Math.abs(b[k]) * 0x1p-11f + 1e-7f);
            }
        }
    }

    /** Bad files name the file and the tensor: a wrong dtype, a wrong shape, a missing tensor, an unknown model. */
    @Test
    void badCheckpointsNameTheFileAndTheTensor() throws Exception {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        try (SafetensorsFile theirs = SafetensorsFile.open(FIXTURE.resolve("model.safetensors"))) {
            for (String name : theirs.names()) {
                tensors.put(name, TensorData.f32(theirs.readFloats(name), theirs.info(name).shape()));
            }
        }
        String victim = "transformer.h.1.mlp.c_fc.weight";
        int[] shape = tensors.get(victim).shape();
        Map<String, org.junit.jupiter.api.function.Executable> cases = new LinkedHashMap<>();
        Map<String, TensorData> wrongDtype = new LinkedHashMap<>(tensors);
        long[] longs = new long[shape[0] * shape[1]];
        wrongDtype.put(victim, TensorData.i64(longs, shape));
        Map<String, TensorData> wrongShape = new LinkedHashMap<>(tensors);
        wrongShape.put(victim, TensorData.f32(new float[shape[0] * shape[1]], shape[1], shape[0]));
        Map<String, TensorData> missing = new LinkedHashMap<>(tensors);
        missing.remove(victim);
        for (var c : Map.of("dtype I64", wrongDtype, "has shape", wrongShape, "missing tensor", missing).entrySet()) {
            Path dir = tmp.resolve(c.getKey().replace(' ', '_'));
            Files.createDirectories(dir);
            Files.copy(FIXTURE.resolve("config.json"), dir.resolve("config.json"));
            Safetensors.write(dir.resolve("model.safetensors"), c.getValue(), null);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> GPTFiles.load(dir))
                    .isInstanceOf(org.transformer4j.T4jException.class)
                    .hasMessageContaining(dir.toString()).hasMessageContaining("h.1.mlp.c_fc.weight")
                    .hasMessageContaining(c.getKey());
        }
        Path unknown = tmp.resolve("unknown");
        Files.createDirectories(unknown);
        Files.writeString(unknown.resolve("config.json"), "{\"model_type\": \"mamba\"}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GPTFiles.load(unknown))
                .hasMessageContaining("config.json").hasMessageContaining("mamba");
    }
}
