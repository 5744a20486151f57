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
import org.transformer4j.nn.Activation;
import org.transformer4j.tensor.Tensor;

/**
 * Encoder-decoder model directories: config.json + model.safetensors. Our own models (model_type
 * "t4j-seq2seq") are stored under {@link EncoderDecoder}'s parameter names with a config in T5's vocabulary
 * (d_model, d_kv, d_ff, num_layers, feed_forward_proj, ...); Hugging Face T5 directories (model_type "t5") are
 * read by {@link T5Files}.
 */
public final class EncoderDecoderFiles {
    public static final String MODEL_TYPE = "t4j-seq2seq";
    static final String CONFIG = "config.json";
    static final String WEIGHTS = "model.safetensors";

    private EncoderDecoderFiles() {}

    /** The model_type of a model directory's config.json ("gpt2" when absent), or null without a config. */
    public static String modelType(Path dir) {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        return Json.getString(Json.parseObject(file), "model_type", "gpt2");
    }

    /** Whether {@code dir} holds an encoder-decoder this package can load (ours or T5). */
    public static boolean isEncoderDecoder(Path dir) {
        String type = modelType(dir);
        return MODEL_TYPE.equals(type) || "t5".equals(type) || "bart".equals(type);
    }

    /** Loads our encoder-decoder or a Hugging Face T5ForConditionalGeneration or BartForConditionalGeneration directory. */
    public static EncoderDecoder load(Path dir) {
        String type = modelType(dir);
        if (type == null) {
            throw new T4jException(dir + " is not a model directory: " + CONFIG + " is missing");
        }
        return switch (type) {
            case "t5" -> T5Files.load(dir);
            case "bart" -> BartFiles.load(dir);
            case MODEL_TYPE -> {
                EncoderDecoder m = new EncoderDecoder(readConfig(dir.resolve(CONFIG)));
                readWeights(dir, m, name -> name);
                yield m;
            }
            default -> throw new T4jException(dir.resolve(CONFIG) + ": model_type '" + type
                    + "' is not an encoder-decoder (supported: " + MODEL_TYPE + ", t5, bart)");
        };
    }

    /**
     * Writes config.json and model.safetensors (each atomically) into {@code dir}, in the layout of the model's
     * family: ours for the original, Hugging Face's T5ForConditionalGeneration or BartForConditionalGeneration
     * layout (config keys and tensor names as transformers' save_pretrained writes them) for T5 and BART.
     */
    public static void save(EncoderDecoder model, Path dir, Map<String, String> metadata) {
        switch (model.config.modelType()) {
            case "transformer" -> write(model, dir, configJson(model.config), name -> name, metadata);
            case "t5" -> write(model, dir, T5Files.configJson(model.config), T5Files::hfName, metadata);
            case "bart" -> write(model, dir, BartFiles.configJson(model.config), BartFiles::hfName, metadata);
            default -> throw new T4jException("saving a " + model.config.modelType() + " model is not supported");
        }
    }

    /**
     * config.json, then model.safetensors with each parameter under {@code stored}'s name. A rank-1
     * final_logits_bias is written as [1, V], the shape transformers registers for BART's buffer.
     */
    static void write(EncoderDecoder model, Path dir, Map<String, Object> config,
                      java.util.function.UnaryOperator<String> stored, Map<String, String> metadata) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new T4jException("cannot create model directory " + dir + ": " + e.getMessage(), e);
        }
        AtomicFiles.writeString(dir.resolve(CONFIG), Json.writePretty(config) + "\n");
        LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
        for (var e : model.namedParameters().entrySet()) {
            int[] shape = e.getValue().shape();
            if (e.getKey().equals("final_logits_bias")) {
                shape = new int[] {1, shape[0]};
            }
            tensors.put(stored.apply(e.getKey()), TensorData.f32(e.getValue().data(), shape));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        Safetensors.write(dir.resolve(WEIGHTS), tensors, meta);
    }

    static Map<String, Object> configJson(Seq2SeqConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_type", MODEL_TYPE);
        m.put("architectures", List.of("T4jEncoderDecoder"));
        m.put("vocab_size", c.vocabSize());
        m.put("d_model", c.dModel());
        m.put("num_heads", c.nHead());
        m.put("d_kv", c.dHead());
        m.put("d_ff", c.dFF());
        m.put("num_layers", c.nEncoderLayers());
        m.put("num_decoder_layers", c.nDecoderLayers());
        m.put("feed_forward_proj", c.activation().hfName());
        m.put("positions", "sinusoidal");
        m.put("norm", "post-layernorm");
        m.put("layer_norm_epsilon", Double.parseDouble(Float.toString(c.normEps())));
        m.put("dropout_rate", Double.parseDouble(Float.toString(c.dropout())));
        m.put("tie_word_embeddings", true);
        m.put("scale_embeddings", true);
        m.put("pad_token_id", c.padId());
        m.put("eos_token_id", c.eosId());
        m.put("decoder_start_token_id", c.decoderStartId());
        m.put("torch_dtype", "float32");
        return m;
    }

    /** A float setting as the decimal it was written as (1e-6f as 1.0E-6, not 9.999999974752427E-7). */
    static double decimal(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    static Seq2SeqConfig readConfig(Path file) {
        Map<String, Object> m = Json.parseObject(file);
        try {
            String positions = Json.getString(m, "positions", "sinusoidal");
            String norm = Json.getString(m, "norm", "post-layernorm");
            if (!positions.equals("sinusoidal") || !norm.equals("post-layernorm")) {
                throw new T4jException("positions '" + positions + "' with norm '" + norm
                        + "' is not supported (supported: sinusoidal, post-layernorm)");
            }
            int d = Json.getInt(m, "d_model");
            int h = Json.getInt(m, "num_heads");
            int layers = Json.getInt(m, "num_layers");
            Seq2SeqConfig base = Seq2SeqConfig.transformer(Json.getInt(m, "vocab_size"), d, h, Json.getInt(m, "d_ff"),
                    layers, Json.getInt(m, "num_decoder_layers", layers), (float) Json.getDouble(m, "dropout_rate", 0),
                    Json.getInt(m, "pad_token_id"), Json.getInt(m, "decoder_start_token_id"),
                    Json.getInt(m, "eos_token_id"));
            Activation act = Activation.parse(Json.getString(m, "feed_forward_proj", "relu"));
            return new Seq2SeqConfig(base.modelType(), base.vocabSize(), d, h, Json.getInt(m, "d_kv", d / h),
                    base.dFF(), base.nEncoderLayers(), base.nDecoderLayers(), act, false, false,
                    (float) Json.getDouble(m, "layer_norm_epsilon", 1e-5), true, true, base.dropout(), 0, 0, true,
                    true, false, base.padId(), base.eosId(), base.decoderStartId(), 0, 0, false, false);
        } catch (T4jException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new T4jException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies every parameter from the directory's safetensors, where {@code stored} maps our parameter name to
     * the name in the file. A missing tensor, a wrong shape or a non-float dtype is an error naming the tensor.
     */
    static void readWeights(Path dir, EncoderDecoder model, java.util.function.UnaryOperator<String> stored) {
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file) && !Files.isRegularFile(dir.resolve(Safetensors.INDEX_FILE))) {
            throw new T4jException(dir + " is not a model directory: " + WEIGHTS + " is missing");
        }
        try (TensorReader sf = Safetensors.openDirectory(dir)) {
            for (var e : model.namedParameters().entrySet()) {
                String name = stored.apply(e.getKey());
                if (!sf.contains(name)) {
                    throw new T4jException(file + ": missing tensor '" + name + "'");
                }
                GPTFiles.requireFloat(file, sf, name);
                Tensor t = e.getValue();
                int[] actual = sf.info(name).shape();
                // BART stores final_logits_bias as [1, V]: a leading 1 is the same tensor.
                boolean leadingOne = actual.length == t.rank() + 1 && actual[0] == 1
                        && Arrays.equals(Arrays.copyOfRange(actual, 1, actual.length), t.shape());
                if (!Arrays.equals(actual, t.shape()) && !leadingOne) {
                    throw new T4jException(file + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
                            + " but config.json implies " + Arrays.toString(t.shape()));
                }
                float[] v = sf.readFloats(name);
                System.arraycopy(v, 0, t.data(), 0, v.length);
            }
        }
    }
}
