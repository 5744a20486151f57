package org.transformer4j.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;
import org.transformer4j.io.Json;
import org.transformer4j.io.Safetensors;
import org.transformer4j.io.TensorReader;
import org.transformer4j.io.TensorData;
import org.transformer4j.tensor.Tensor;

/**
 * A GPT as a Hugging Face model directory: config.json (model_type "gpt2") and model.safetensors with GPT-2's
 * tensor names. GPT-2 stores its four projection matrices as Conv1D weights, [in, out]; our Linear layers hold
 * [out, in], so those four are transposed on the way out, and on the way in either kept in their stored layout
 * ({@link #map}, inference) or transposed into the heap ({@link #load}, training). Both spellings of the names found in the
 * wild are read: "transformer.h.0..." (GPT2LMHeadModel saves) and plain "h.0..." (the released gpt2 checkpoint).
 */
public final class GPTFiles {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    private static final List<String> CONV1D = List.of("attn.c_attn.weight", "attn.c_proj.weight",
            "mlp.c_fc.weight", "mlp.c_proj.weight");

    private GPTFiles() {}

    /** Writes config.json and model.safetensors into {@code dir} (created if needed), each atomically. */
    public static void save(GPT model, Path dir, Map<String, String> metadata) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new T4jException("cannot create model directory " + dir + ": " + e.getMessage(), e);
        }
        org.transformer4j.io.AtomicFiles.writeString(dir.resolve(CONFIG), Json.writePretty(configJson(model.config)) + "\n");
        LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
        for (var e : model.namedParameters().entrySet()) {
            Tensor t = e.getValue();
            float[] d = t.isMapped() ? t.copy().data() : t.data(); // a mapped model is saved from a widened copy
            if (isConv1D(e.getKey())) {
                tensors.put(e.getKey(), TensorData.f32(transpose(d, t.dim(0), t.dim(1)), t.dim(1), t.dim(0)));
            } else {
                tensors.put(e.getKey(), TensorData.f32(d, t.shape()));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        Safetensors.write(dir.resolve(WEIGHTS), tensors, meta);
    }

    /** config.json as Hugging Face's GPT2Config writes it (plus "bias", which GPT-2 itself always has). */
    public static Map<String, Object> configJson(GPTConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_type", "gpt2");
        m.put("architectures", List.of("GPT2LMHeadModel"));
        m.put("vocab_size", c.vocabSize());
        m.put("n_positions", c.blockSize());
        m.put("n_ctx", c.blockSize());
        m.put("n_embd", c.nEmbd());
        m.put("n_layer", c.nLayer());
        m.put("n_head", c.nHead());
        m.put("n_inner", c.nInner());
        m.put("activation_function", c.tanhGelu() ? "gelu_new" : "gelu");
        m.put("layer_norm_epsilon", shortest(c.layerNormEps()));
        m.put("resid_pdrop", shortest(c.dropout()));
        m.put("embd_pdrop", shortest(c.dropout()));
        m.put("attn_pdrop", shortest(c.dropout()));
        m.put("tie_word_embeddings", true);
        m.put("bias", c.bias());
        m.put("torch_dtype", "float32");
        return m;
    }

    /** Reads config.json of a GPT-2 style model directory. */
    public static GPTConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new T4jException(dir + " is not a model directory: " + CONFIG + " is missing");
        }
        Map<String, Object> m = Json.parseObject(file);
        String type = Json.getString(m, "model_type", "gpt2");
        if (!type.equals("gpt2")) {
            throw new T4jException(file + ": model_type '" + type + "' is not supported (supported: gpt2, llama)");
        }
        try {
            int nEmbd = Json.getInt(m, "n_embd");
            Object inner = m.get("n_inner");
            String act = Json.getString(m, "activation_function", "gelu_new");
            boolean tanh = switch (act) {
                case "gelu" -> false;
                case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> true;
                default -> throw new T4jException(file + ": activation_function '" + act + "' is not supported");
            };
            return new GPTConfig(Json.getInt(m, "vocab_size"), Json.getInt(m, "n_positions", Json.getInt(m, "n_ctx", 1024)),
                    Json.getInt(m, "n_layer"), Json.getInt(m, "n_head"), nEmbd,
                    inner == null ? 4 * nEmbd : Json.getInt(m, "n_inner"), Json.getBool(m, "bias", true),
                    (float) Json.getDouble(m, "resid_pdrop", 0.0), (float) Json.getDouble(m, "layer_norm_epsilon", 1e-5),
                    tanh);
        } catch (T4jException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new T4jException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a GPT from a model directory into the heap, trainable: {@link #map} followed by {@link GPT#toHeap()}
     * (F16 and BF16 widened to float32, Conv1D weights transposed into the Linear layout).
     */
    public static GPT load(Path dir) {
        GPT model = map(dir);
        model.toHeap();
        return model;
    }

    /**
     * Opens a GPT for inference with its weight matrices left in the memory-mapped model.safetensors (or the shards
     * named by model.safetensors.index.json): F32, BF16 and F16 matrices are read in place by the kernels (16-bit
     * ones widened in registers), GPT-2's Conv1D [in, out] weights in their stored layout; nothing of them is
     * copied into the heap. Vectors (biases, LayerNorm gains) and F64 tensors are copied as float32. The weights
     * are read-only: {@link GPT#toHeap()} before training. Tensors the model does not use, such as GPT-2's
     * attention-mask buffers h.N.attn.bias and h.N.attn.masked_bias or a saved copy of the tied lm_head.weight,
     * are ignored.
     */
    public static GPT map(Path dir) {
        GPT model = new GPT(readConfig(dir));
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file) && !Files.isRegularFile(dir.resolve(Safetensors.INDEX_FILE))) {
            throw new T4jException(dir + " is not a model directory: " + WEIGHTS + " is missing");
        }
        TensorReader sf = Safetensors.mapDirectory(dir); // not closed: the mapping lives as long as the tensors
        for (var e : model.namedParameters().entrySet()) {
            String name = e.getKey();
            String stored = sf.contains(name) ? name : name.substring("transformer.".length());
            if (!sf.contains(stored)) {
                throw new T4jException(file + ": missing tensor '" + name + "'");
            }
            Tensor t = e.getValue();
            boolean conv = isConv1D(name);
            int[] expected = conv ? new int[] {t.dim(1), t.dim(0)} : t.shape();
            requireFloat(file, sf, stored);
            int[] actual = sf.info(stored).shape();
            if (!Arrays.equals(expected, actual)) {
                throw new T4jException(file + ": tensor '" + stored + "' has shape " + Arrays.toString(actual)
                        + " but config.json implies " + Arrays.toString(expected));
            }
            var storage = t.rank() == 2 ? sf.storage(stored, conv) : null;
            if (storage != null) {
                t.useMapped(storage);
            } else {
                float[] v = sf.readFloats(stored);
                System.arraycopy(conv ? transpose(v, expected[0], expected[1]) : v, 0, t.data(), 0, v.length);
            }
        }
        return model;
    }

    /** A weight must be stored as a floating-point type (F32, F16, BF16, F64), not as integers or booleans. */
    static void requireFloat(Path where, TensorReader r, String name) {
        var dtype = r.info(name).dtype();
        if (!dtype.isFloatingPoint() || dtype.byteSize() < 2) {
            throw new T4jException(where + ": tensor '" + name + "' has dtype " + dtype + ", expected F32, F16, BF16 or F64");
        }
    }

    /** The double with the float's shortest decimal form (1e-5f is written 1e-05, not 9.99999974737875e-06). */
    private static double shortest(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    private static boolean isConv1D(String name) {
        for (String suffix : CONV1D) {
            if (name.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    /** [rows, cols] -> [cols, rows]. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] out = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = a[r * cols + c];
            }
        }
        return out;
    }
}
