package org.transformer4j.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.transformer4j.T4jException;
import org.transformer4j.io.Json;
import org.transformer4j.io.Safetensors;
import org.transformer4j.io.TensorReader;
import org.transformer4j.tensor.Tensor;

/**
 * A Hugging Face LlamaForCausalLM directory: config.json (model_type "llama") and model.safetensors or shards.
 * Both spellings of the rotary settings found in the wild are read: rope_theta + rope_scaling (most published
 * checkpoints) and transformers 5's rope_parameters. F16 and BF16 weights are widened to float32 on load.
 */
public final class LlamaFiles {
    private LlamaFiles() {}

    /** True when {@code dir}/config.json names model_type "llama". */
    public static boolean isLlama(Path dir) {
        Path file = dir.resolve("config.json");
        return Files.isRegularFile(file) && "llama".equals(Json.getString(Json.parseObject(file), "model_type", ""));
    }

    public static LlamaConfig readConfig(Path dir) {
        Path file = dir.resolve("config.json");
        Map<String, Object> m = Json.parseObject(file);
        try {
            int dim = Json.getInt(m, "hidden_size");
            int heads = Json.getInt(m, "num_attention_heads");
            Map<String, Object> rope = Json.getObject(m, "rope_parameters");
            if (rope == null) {
                rope = Json.getObject(m, "rope_scaling");
            }
            double theta = rope != null && rope.get("rope_theta") != null ? Json.getDouble(rope, "rope_theta")
                    : Json.getDouble(m, "rope_theta", 10000.0);
            LlamaConfig.RopeScaling scaling = null;
            if (rope != null) {
                String type = Json.getString(rope, "rope_type", Json.getString(rope, "type", "default"));
                switch (type) {
                    case "default" -> { }
                    case "llama3" -> scaling = new LlamaConfig.RopeScaling(Json.getDouble(rope, "factor"),
                            Json.getDouble(rope, "low_freq_factor"), Json.getDouble(rope, "high_freq_factor"),
                            Json.getDouble(rope, "original_max_position_embeddings"));
                    default -> throw new T4jException("rope type '" + type + "' is not supported (default, llama3)");
                }
            }
            if (m.get("head_dim") != null && Json.getInt(m, "head_dim") != dim / heads) {
                throw new T4jException("head_dim " + Json.getInt(m, "head_dim") + " differs from hidden_size / "
                        + "num_attention_heads, which is not supported");
            }
            String act = Json.getString(m, "hidden_act", "silu");
            if (!act.equals("silu")) {
                throw new T4jException("hidden_act '" + act + "' is not supported (silu)");
            }
            return new LlamaConfig(dim, Json.getInt(m, "intermediate_size"), Json.getInt(m, "num_hidden_layers"),
                    heads, Json.getInt(m, "num_key_value_heads", heads), Json.getInt(m, "vocab_size"),
                    Json.getInt(m, "max_position_embeddings", 2048), (float) Json.getDouble(m, "rms_norm_eps", 1e-6),
                    (float) theta, Json.getBool(m, "tie_word_embeddings", false), false, scaling);
        } catch (T4jException e) {
            throw new T4jException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a LlamaForCausalLM directory: every parameter of {@link Llama} by its Hugging Face name, its shape
     * checked against config.json. A tied model ignores a saved copy of lm_head.weight; an untied one without
     * lm_head.weight falls back to the embedding (some exports drop it).
     */
    public static Llama load(Path dir) {
        LlamaConfig c = readConfig(dir);
        try (TensorReader r = Safetensors.openDirectory(dir)) {
            if (!c.sharedClassifier() && !r.contains("lm_head.weight")) {
                c = new LlamaConfig(c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.vocabSize(),
                        c.seqLen(), c.normEps(), c.ropeTheta(), true, c.ropeInterleaved(), c.ropeScaling(),
                        c.attentionDropout());
            }
            Llama model = new Llama(c);
            for (var e : model.namedParameters().entrySet()) {
                Tensor p = e.getValue();
                float[] v = read(r, dir, e.getKey(), p.shape()).data();
                System.arraycopy(v, 0, p.data(), 0, v.length);
            }
            return model;
        }
    }

    private static Tensor read(TensorReader r, Path dir, String name, int... shape) {
        if (!r.contains(name)) {
            throw new T4jException(dir + ": missing tensor '" + name + "'");
        }
        GPTFiles.requireFloat(dir, r, name);
        int[] actual = r.info(name).shape();
        if (!Arrays.equals(actual, shape)) {
            throw new T4jException(dir + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
                    + " but config.json implies " + Arrays.toString(shape));
        }
        return Tensor.of(r.readFloats(name), shape);
    }
}
