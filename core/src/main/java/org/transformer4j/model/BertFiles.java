package org.transformer4j.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * A BERT as a Hugging Face model directory: config.json (model_type "bert") and model.safetensors.
 *
 * <p>Reads both namings found in the wild: BertModel's ("embeddings.word_embeddings.weight",
 * "encoder.layer.0.attention.self.query.weight", "pooler.dense.weight") and BertForMaskedLM's /
 * BertForPreTraining's / BertForSequenceClassification's, which put "bert." in front and add
 * "cls.predictions.transform.dense.weight", "cls.predictions.bias" (or "cls.predictions.decoder.bias") and
 * "classifier.weight". Which heads the model gets follows from which tensors the file has. The buffer
 * "embeddings.position_ids", a saved copy of the tied decoder weight and next-sentence weights are ignored; old
 * TensorFlow-era names "LayerNorm.gamma"/"LayerNorm.beta" are accepted.
 *
 * <p>Our encoder layers are the {@link org.transformer4j.nn.Block} every encoder family shares; its
 * parameters are Hugging Face's one for one (same shapes, [out, in] matrices), so reading and writing is a rename
 * ({@link #hfName}). Saving writes the BertForMaskedLM layout (BertForSequenceClassification when there is a
 * classifier), so transformers loads it.
 */
public final class BertFiles {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";

    /** Our names inside an encoder layer (nn.Block's) and the Hugging Face names they stand for. */
    private static final Map<String, String> LAYER_NAMES = Map.of(
            "self_attn.q.", "attention.self.query.",
            "self_attn.k.", "attention.self.key.",
            "self_attn.v.", "attention.self.value.",
            "self_attn.o.", "attention.output.dense.",
            "self_attn_norm.", "attention.output.LayerNorm.",
            "ffn.wi.", "intermediate.dense.",
            "ffn.wo.", "output.dense.",
            "ffn_norm.", "output.LayerNorm.");

    private BertFiles() {}

    /** True when {@code dir} holds a config.json whose model_type is "bert". */
    public static boolean isBert(Path dir) {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        return "bert".equals(Json.getString(Json.parseObject(file), "model_type", ""));
    }

    /** Reads config.json of a BERT directory; problems are errors naming the file and the key. */
    public static BertConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new T4jException(dir + " is not a model directory: " + CONFIG + " is missing");
        }
        Map<String, Object> m = Json.parseObject(file);
        try {
            String type = Json.getString(m, "model_type", null);
            if (!"bert".equals(type)) {
                throw new T4jException("model_type " + (type == null ? "is missing" : "'" + type + "' is not bert"));
            }
            String positions = Json.getString(m, "position_embedding_type", "absolute");
            if (!positions.equals("absolute")) {
                throw new T4jException("position_embedding_type '" + positions + "' is not supported (only absolute)");
            }
            List<String> labels = new ArrayList<>();
            Map<String, Object> id2label = Json.getObject(m, "id2label");
            if (id2label != null) {
                for (int i = 0; i < id2label.size(); i++) {
                    Object label = id2label.get(Integer.toString(i));
                    if (label == null) {
                        throw new T4jException("id2label has no entry \"" + i + "\" (ids must be 0.." + (id2label.size() - 1) + ")");
                    }
                    labels.add(label.toString());
                }
            }
            return new BertConfig(Json.getInt(m, "vocab_size"), Json.getInt(m, "hidden_size"),
                    Json.getInt(m, "num_hidden_layers"), Json.getInt(m, "num_attention_heads"),
                    Json.getInt(m, "intermediate_size"), Activation.fromHfName(Json.getString(m, "hidden_act", "gelu")),
                    Json.getInt(m, "max_position_embeddings", 512), Json.getInt(m, "type_vocab_size", 2),
                    (float) Json.getDouble(m, "layer_norm_eps", 1e-12), (float) Json.getDouble(m, "hidden_dropout_prob", 0.1),
                    Json.getInt(m, "mask_token_id", -1), Json.getInt(m, "cls_token_id", -1), labels);
        } catch (T4jException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new T4jException(file + ": " + e.getMessage(), e);
        }
    }

    /** config.json as transformers' BertConfig writes it, plus t4j's mask_token_id and cls_token_id when known. */
    public static Map<String, Object> configJson(BertConfig c, boolean withClassifier) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of(withClassifier ? "BertForSequenceClassification" : "BertForMaskedLM"));
        m.put("model_type", "bert");
        m.put("vocab_size", c.vocabSize());
        m.put("hidden_size", c.hiddenSize());
        m.put("num_hidden_layers", c.numLayers());
        m.put("num_attention_heads", c.numHeads());
        m.put("intermediate_size", c.intermediateSize());
        m.put("hidden_act", c.activation().hfName());
        m.put("hidden_dropout_prob", shortest(c.dropout()));
        m.put("attention_probs_dropout_prob", shortest(c.dropout()));
        m.put("max_position_embeddings", c.maxPositions());
        m.put("type_vocab_size", c.typeVocabSize());
        m.put("initializer_range", 0.02);
        m.put("layer_norm_eps", shortest(c.layerNormEps()));
        m.put("pad_token_id", 0);
        m.put("position_embedding_type", "absolute");
        m.put("tie_word_embeddings", true);
        m.put("dtype", "float32");
        if (c.maskTokenId() >= 0) {
            m.put("mask_token_id", c.maskTokenId());
        }
        if (c.clsTokenId() >= 0) {
            m.put("cls_token_id", c.clsTokenId());
        }
        if (withClassifier) {
            Map<String, Object> id2label = new LinkedHashMap<>();
            Map<String, Object> label2id = new LinkedHashMap<>();
            for (int i = 0; i < c.numLabels(); i++) {
                id2label.put(Integer.toString(i), c.labels().get(i));
                label2id.put(c.labels().get(i), i);
            }
            m.put("id2label", id2label);
            m.put("label2id", label2id);
        }
        return m;
    }

    /** Writes config.json and model.safetensors (BertForMaskedLM names) into {@code dir}, each atomically. */
    public static void save(Bert model, Path dir, Map<String, String> metadata) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new T4jException("cannot create model directory " + dir + ": " + e.getMessage(), e);
        }
        AtomicFiles.writeString(dir.resolve(CONFIG),
                Json.writePretty(configJson(model.config, model.classifier != null)) + "\n");
        LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
        for (var e : model.namedParameters().entrySet()) {
            tensors.put(hfName(e.getKey()), TensorData.f32(e.getValue().data(), e.getValue().shape()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        Safetensors.write(dir.resolve(WEIGHTS), tensors, meta);
    }

    /**
     * Loads a BERT directory: model.safetensors or its shards. Missing tensors and wrong shapes are errors naming
     * the file and the tensor.
     */
    public static Bert load(Path dir) {
        BertConfig config = readConfig(dir);
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file) && !Files.isRegularFile(dir.resolve(Safetensors.INDEX_FILE))) {
            throw new T4jException(dir + " is not a model directory: " + WEIGHTS + " is missing");
        }
        try (TensorReader sf = Safetensors.openDirectory(dir)) {
            String prefix;
            if (sf.contains("bert.embeddings.word_embeddings.weight")) {
                prefix = "bert.";
            } else if (sf.contains("embeddings.word_embeddings.weight")) {
                prefix = "";
            } else {
                throw new T4jException(file + ": missing tensor 'bert.embeddings.word_embeddings.weight' (or "
                        + "'embeddings.word_embeddings.weight' as BertModel names it)");
            }
            boolean mlm = sf.contains("cls.predictions.transform.dense.weight");
            boolean pooler = sf.contains(prefix + "pooler.dense.weight");
            if (sf.contains("classifier.weight")) {
                int n = sf.info("classifier.weight").shape()[0];
                if (config.numLabels() != n) {
                    List<String> labels = new ArrayList<>();
                    if (config.numLabels() != 0) {
                        throw new T4jException(file + ": tensor 'classifier.weight' has " + n + " rows but id2label in "
                                + CONFIG + " names " + config.numLabels() + " labels");
                    }
                    for (int i = 0; i < n; i++) {
                        labels.add("LABEL_" + i);
                    }
                    config = config.withLabels(labels);
                }
                if (!pooler) {
                    throw new T4jException(file + ": has 'classifier.weight' but no '" + prefix + "pooler.dense.weight'");
                }
            } else {
                config = config.withLabels(List.of());
            }
            Bert model = new Bert(config, mlm, pooler);
            for (var e : model.namedParameters().entrySet()) {
                Tensor t = e.getValue();
                String stored = stored(prefix, hfName(e.getKey()));
                if (!sf.contains(stored) && stored.endsWith("cls.predictions.bias")) {
                    stored = "cls.predictions.decoder.bias";
                }
                if (!sf.contains(stored) && stored.contains("LayerNorm.")) {
                    String old = stored.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
                    stored = sf.contains(old) ? old : stored;
                }
                float[] v = read(file, sf, stored, t.shape());
                System.arraycopy(v, 0, t.data(), 0, v.length);
            }
            return model;
        }
    }

    private static float[] read(Path file, TensorReader sf, String name, int[] expected) {
        if (!sf.contains(name)) {
            throw new T4jException(file + ": missing tensor '" + name + "'");
        }
        GPTFiles.requireFloat(file, sf, name);
        int[] actual = sf.info(name).shape();
        if (!Arrays.equals(expected, actual)) {
            throw new T4jException(file + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
                    + " but config.json implies " + Arrays.toString(expected));
        }
        return sf.readFloats(name);
    }

    /** A name as stored: our "bert." trunk names take the file's prefix ("bert." or none); heads keep theirs. */
    private static String stored(String prefix, String hf) {
        return hf.startsWith("bert.") ? prefix + hf.substring("bert.".length()) : hf;
    }

    /** "bert.encoder.layer.3." for a parameter inside encoder layer 3, else null. */
    private static String layerPrefix(String name) {
        String p = "bert.encoder.layer.";
        if (!name.startsWith(p)) {
            return null;
        }
        int dot = name.indexOf('.', p.length());
        return name.substring(0, dot + 1);
    }

    /** Our parameter name → Hugging Face's BertForMaskedLM name. */
    static String hfName(String name) {
        String layer = layerPrefix(name);
        if (layer == null) {
            return name;
        }
        String rest = name.substring(layer.length());
        for (var e : LAYER_NAMES.entrySet()) {
            if (rest.startsWith(e.getKey())) {
                return layer + e.getValue() + rest.substring(e.getKey().length());
            }
        }
        throw new IllegalStateException("no Hugging Face name for " + name);
    }

    /** The double with the float's shortest decimal form (1e-12f is written 1e-12). */
    private static double shortest(float f) {
        return Double.parseDouble(Float.toString(f));
    }
}
