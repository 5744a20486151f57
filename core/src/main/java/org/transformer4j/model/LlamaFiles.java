package org.transformer4j.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;
import org.transformer4j.io.AtomicFiles;
import org.transformer4j.io.Json;
import org.transformer4j.io.Safetensors;
import org.transformer4j.io.TensorData;
import org.transformer4j.io.TensorReader;
import org.transformer4j.tensor.Tensor;

/**
 * A Hugging Face LlamaForCausalLM directory: config.json (model_type "llama") and model.safetensors or shards.
 * Both spellings of the rotary settings found in the wild are read: rope_theta + rope_scaling (most published
 * checkpoints) and transformers 5's rope_parameters. F16 and BF16 weights are widened to float32 on load.
 * {@link #save} writes the same layout (rope_theta + rope_scaling, which transformers 4 and 5 both read).
 */
public final class LlamaFiles {
    private LlamaFiles() {}

    /**
     * Writes config.json and model.safetensors (float32, LlamaForCausalLM's names; a tied model without
     * lm_head.weight, as save_pretrained writes it) into {@code dir}, each atomically. A model with llama2.c's
     * interleaved RoPE is written in Hugging Face's rotate-half layout: the rows of q_proj and k_proj are permuted
     * within each head so that pair (2i, 2i+1) becomes pair (i, i + head_size/2), which leaves every attention
     * score unchanged (the permutation Meta's weights went through on their way to transformers).
     */
    public static void save(Llama model, Path dir, Map<String, String> metadata) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new T4jException("cannot create model directory " + dir + ": " + e.getMessage(), e);
        }
        LlamaConfig c = model.config;
        AtomicFiles.writeString(dir.resolve(GPTFiles.CONFIG), Json.writePretty(configJson(c)) + "\n");
        LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
        for (var e : model.namedParameters().entrySet()) {
            Tensor t = e.getValue();
            String name = e.getKey();
            boolean rotated = name.endsWith("self_attn.q_proj.weight") || name.endsWith("self_attn.k_proj.weight");
            float[] data = c.ropeInterleaved() && rotated ? toRotateHalf(t.data(), t.dim(0), t.dim(1), c.headSize())
                    : t.data();
            tensors.put(name, TensorData.f32(data, t.shape()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        Safetensors.write(dir.resolve(GPTFiles.WEIGHTS), tensors, meta);
    }

    /** config.json as transformers' LlamaConfig writes it (with rope_theta/rope_scaling at the top level). */
    public static Map<String, Object> configJson(LlamaConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_type", "llama");
        m.put("architectures", List.of("LlamaForCausalLM"));
        m.put("vocab_size", c.vocabSize());
        m.put("hidden_size", c.dim());
        m.put("intermediate_size", c.hiddenDim());
        m.put("num_hidden_layers", c.nLayers());
        m.put("num_attention_heads", c.nHeads());
        m.put("num_key_value_heads", c.nKvHeads());
        m.put("head_dim", c.headSize());
        m.put("hidden_act", "silu");
        m.put("max_position_embeddings", c.seqLen());
        m.put("rms_norm_eps", shortest(c.normEps()));
        m.put("rope_theta", shortest(c.ropeTheta()));
        LlamaConfig.RopeScaling sc = c.ropeScaling();
        if (sc != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rope_type", "llama3");
            r.put("factor", sc.factor());
            r.put("low_freq_factor", sc.lowFreqFactor());
            r.put("high_freq_factor", sc.highFreqFactor());
            r.put("original_max_position_embeddings", (int) sc.originalContext());
            m.put("rope_scaling", r);
        }
        m.put("attention_bias", false);
        m.put("mlp_bias", false);
        m.put("attention_dropout", shortest(c.attentionDropout()));
        m.put("tie_word_embeddings", c.sharedClassifier());
        // No special tokens: transformers' LlamaConfig would otherwise assume bos 1 and eos 2, and its generate()
        // would stop at id 2, an ordinary character in a model trained here.
        m.put("bos_token_id", null);
        m.put("eos_token_id", null);
        m.put("torch_dtype", "float32");
        return m;
    }

    /** Rows [out, in] of a q or k projection: within each head, row 2i goes to i and row 2i+1 to i + hs/2. */
    private static float[] toRotateHalf(float[] w, int rows, int cols, int hs) {
        float[] out = new float[w.length];
        int half = hs / 2;
        for (int r = 0; r < rows; r++) {
            int head = r / hs;
            int j = r % hs;
            int to = head * hs + (j % 2 == 0 ? j / 2 : half + j / 2);
            System.arraycopy(w, r * cols, out, to * cols, cols);
        }
        return out;
    }

    /** The double with the float's shortest decimal form (1e-5f is written 1e-05, not 9.99999974737875e-06). */
    private static double shortest(float f) {
        return Double.parseDouble(Float.toString(f));
    }

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
                    (float) theta, Json.getBool(m, "tie_word_embeddings", false), false, scaling,
                    (float) Json.getDouble(m, "attention_dropout", 0.0));
        } catch (T4jException e) {
            throw new T4jException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a LlamaForCausalLM directory into the heap, trainable: {@link #map} followed by {@link Llama#toHeap()}
     * (F16 and BF16 widened to float32).
     */
    public static Llama load(Path dir) {
        Llama model = map(dir);
        model.toHeap();
        return model;
    }

    /**
     * Opens a LlamaForCausalLM directory for inference with its weight matrices left in the memory-mapped
     * safetensors file(s): F32, BF16 and F16 matrices stay in their stored format (16-bit ones are widened inside
     * the kernels) and are never copied into the heap; the norm vectors (and F64 tensors) are copied as float32.
     * Every parameter of {@link Llama} is read by its Hugging Face name, its shape checked against config.json.
     * A tied model ignores a saved copy of lm_head.weight; an untied one without lm_head.weight falls back to the
     * embedding (some exports drop it). The weights are read-only: {@link Llama#toHeap()} before training.
     */
    public static Llama map(Path dir) {
        LlamaConfig c = readConfig(dir);
        TensorReader r = Safetensors.mapDirectory(dir); // not closed: the mapping lives as long as the tensors
        if (!c.sharedClassifier() && !r.contains("lm_head.weight")) {
            c = new LlamaConfig(c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.vocabSize(),
                    c.seqLen(), c.normEps(), c.ropeTheta(), true, c.ropeInterleaved(), c.ropeScaling(),
                    c.attentionDropout());
        }
        Llama model = new Llama(c);
        for (var e : model.namedParameters().entrySet()) {
            Tensor p = e.getValue();
            String name = e.getKey();
            check(r, dir, name, p.shape());
            var storage = p.rank() == 2 ? r.storage(name, false) : null;
            if (storage != null) {
                p.useMapped(storage);
            } else {
                float[] v = r.readFloats(name);
                System.arraycopy(v, 0, p.data(), 0, v.length);
            }
        }
        return model;
    }

    private static void check(TensorReader r, Path dir, String name, int... shape) {
        if (!r.contains(name)) {
            throw new T4jException(dir + ": missing tensor '" + name + "'");
        }
        GPTFiles.requireFloat(dir, r, name);
        int[] actual = r.info(name).shape();
        if (!Arrays.equals(actual, shape)) {
            throw new T4jException(dir + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
                    + " but config.json implies " + Arrays.toString(shape));
        }
    }
}
