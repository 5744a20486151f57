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
 * checkpoints) and transformers 5's rope_parameters. {@link #map} leaves the weight matrices in the mapped file
 * (F16 and BF16 stay 16-bit, widened in the kernels); {@link #load} copies them into the heap as float32.
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

    /** Loads a Llama directory into the heap (every weight widened to float32): {@link #map}, then copied. */
    public static Llama load(Path dir) {
        return open(dir, true);
    }

    /**
     * Opens a Llama directory for inference with its weight matrices left in the memory-mapped safetensors file(s):
     * F32, BF16 and F16 matrices stay in their stored format (16-bit ones are widened inside the kernels) and are
     * never copied into the heap; the norm vectors are copied as float32. The weights are read-only.
     */
    public static Llama map(Path dir) {
        return open(dir, false);
    }

    private static Llama open(Path dir, boolean heap) {
        LlamaConfig c = readConfig(dir);
        // closing a mapped reader leaves the mapping alone: it lives as long as the tensors that use it
        try (TensorReader r = heap ? Safetensors.openDirectory(dir) : Safetensors.mapDirectory(dir)) {
            Tensor emb = read(r, dir, heap, "model.embed_tokens.weight", c.vocabSize(), c.dim());
            Llama.Layer[] layers = new Llama.Layer[c.nLayers()];
            for (int l = 0; l < c.nLayers(); l++) {
                String p = "model.layers." + l + ".";
                layers[l] = new Llama.Layer(read(r, dir, heap, p + "input_layernorm.weight", c.dim()),
                        read(r, dir, heap, p + "self_attn.q_proj.weight", c.dim(), c.dim()),
                        read(r, dir, heap, p + "self_attn.k_proj.weight", c.kvDim(), c.dim()),
                        read(r, dir, heap, p + "self_attn.v_proj.weight", c.kvDim(), c.dim()),
                        read(r, dir, heap, p + "self_attn.o_proj.weight", c.dim(), c.dim()),
                        read(r, dir, heap, p + "post_attention_layernorm.weight", c.dim()),
                        read(r, dir, heap, p + "mlp.gate_proj.weight", c.hiddenDim(), c.dim()),
                        read(r, dir, heap, p + "mlp.down_proj.weight", c.dim(), c.hiddenDim()),
                        read(r, dir, heap, p + "mlp.up_proj.weight", c.hiddenDim(), c.dim()));
            }
            Tensor norm = read(r, dir, heap, "model.norm.weight", c.dim());
            Tensor head = c.sharedClassifier() || !r.contains("lm_head.weight") ? emb
                    : read(r, dir, heap, "lm_head.weight", c.vocabSize(), c.dim());
            return new Llama(c, emb, layers, norm, head);
        }
    }

    private static Tensor read(TensorReader r, Path dir, boolean heap, String name, int... shape) {
        if (!r.contains(name)) {
            throw new T4jException(dir + ": missing tensor '" + name + "'");
        }
        GPTFiles.requireFloat(dir, r, name);
        int[] actual = r.info(name).shape();
        if (!Arrays.equals(actual, shape)) {
            throw new T4jException(dir + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
                    + " but config.json implies " + Arrays.toString(shape));
        }
        var storage = heap || shape.length != 2 ? null : r.storage(name, false);
        return storage != null ? Tensor.mapped(storage, shape) : Tensor.of(r.readFloats(name), shape);
    }
}
