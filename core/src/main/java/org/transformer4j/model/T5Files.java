package org.transformer4j.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.transformer4j.T4jException;
import org.transformer4j.io.Json;
import org.transformer4j.nn.Activation;

/**
 * Hugging Face T5ForConditionalGeneration directories: config.json (model_type "t5") and model.safetensors.
 *
 * <p>T5 as {@link EncoderDecoder} builds it: pre-LN blocks with T5's layer norm (RMS, no bias, no mean
 * subtraction), no biases anywhere, unscaled attention logits, relative position bias buckets owned by the first
 * layer of each stack and shared by all, no position embeddings, ReLU or gated-GELU feed-forward
 * (feed_forward_proj), and the decoder output scaled by d_model^-0.5 before a tied head (transformers 5 writes
 * this as scale_decoder_outputs; older configs imply it from tie_word_embeddings). Tensor names map as
 * <pre>
 *   encoder.block.N.layer.0.SelfAttention.{q,k,v,o}     encoder.blocks.N.self_attn.{q,k,v,o}
 *   encoder.block.N.layer.0.layer_norm                  encoder.blocks.N.self_attn_norm
 *   encoder.block.N.layer.1.DenseReluDense.{wi,wi_0,wi_1,wo}, .layer_norm   encoder.blocks.N.ffn.*, ffn_norm
 *   decoder.block.N.layer.1.EncDecAttention.*, .layer_norm                  decoder.blocks.N.cross_attn.*, _norm
 *   decoder.block.N.layer.2.DenseReluDense.*, .layer_norm                   decoder.blocks.N.ffn.*, ffn_norm
 *   {en,de}coder.block.0.layer.0.SelfAttention.relative_attention_bias      {en,de}coder.relative_attention_bias
 *   {en,de}coder.final_layer_norm                        {en,de}coder.final_norm
 * </pre>
 */
public final class T5Files {
    private static final Pattern BLOCK = Pattern.compile("(encoder|decoder)\\.blocks\\.(\\d+)\\.([a-z_]+)\\.(.*)");

    private T5Files() {}

    public static EncoderDecoder load(Path dir) {
        Path file = dir.resolve(EncoderDecoderFiles.CONFIG);
        EncoderDecoder model = new EncoderDecoder(readConfig(file));
        EncoderDecoderFiles.readWeights(dir, model, T5Files::hfName);
        return model;
    }

    static Seq2SeqConfig readConfig(Path file) {
        Map<String, Object> m = Json.parseObject(file);
        try {
            int layers = Json.getInt(m, "num_layers");
            boolean tied = Json.getBool(m, "tie_word_embeddings", true);
            boolean scaleOut = m.containsKey("scale_decoder_outputs") ? Json.getBool(m, "scale_decoder_outputs") : tied;
            return new Seq2SeqConfig("t5", Json.getInt(m, "vocab_size"), Json.getInt(m, "d_model"),
                    Json.getInt(m, "num_heads"), Json.getInt(m, "d_kv"), Json.getInt(m, "d_ff"), layers,
                    Json.getInt(m, "num_decoder_layers", layers),
                    Activation.parse(Json.getString(m, "feed_forward_proj", "relu")), true, true,
                    (float) Json.getDouble(m, "layer_norm_epsilon", 1e-6), false, false,
                    (float) Json.getDouble(m, "dropout_rate", 0.1), Json.getInt(m, "relative_attention_num_buckets", 32),
                    Json.getInt(m, "relative_attention_max_distance", 128), false, tied, scaleOut,
                    Json.getInt(m, "pad_token_id", 0), Json.getInt(m, "eos_token_id", 1),
                    Json.getInt(m, "decoder_start_token_id", 0), 0, 0, false, false);
        } catch (T4jException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new T4jException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * config.json as transformers' save_pretrained writes a T5ForConditionalGeneration (keys sorted, as it does).
     * An untied head is written as older transformers wrote T5 v1.1 (tie_word_embeddings false, no
     * scale_decoder_outputs): transformers 5 reads that as "do not scale" but ties the head regardless.
     */
    static Map<String, Object> configJson(Seq2SeqConfig c) {
        if (c.tiedHead() != c.scaleDecoderOutputs()) {
            throw new T4jException("a T5 config.json cannot express a " + (c.tiedHead() ? "tied" : "untied")
                    + " head with scale_decoder_outputs " + c.scaleDecoderOutputs());
        }
        Map<String, Object> m = new java.util.TreeMap<>();
        m.put("architectures", java.util.List.of("T5ForConditionalGeneration"));
        m.put("classifier_dropout", 0.0);
        m.put("d_ff", c.dFF());
        m.put("d_kv", c.dHead());
        m.put("d_model", c.dModel());
        m.put("decoder_start_token_id", c.decoderStartId());
        m.put("dense_act_fn", c.activation().gated() ? c.activation().base().hfName() : c.activation().hfName());
        m.put("dropout_rate", EncoderDecoderFiles.decimal(c.dropout()));
        m.put("dtype", "float32");
        m.put("eos_token_id", c.eosId());
        m.put("feed_forward_proj", c.activation().hfName());
        m.put("initializer_factor", 1.0);
        m.put("is_decoder", false);
        m.put("is_encoder_decoder", true);
        m.put("is_gated_act", c.activation().gated());
        m.put("layer_norm_epsilon", EncoderDecoderFiles.decimal(c.normEps()));
        m.put("model_type", "t5");
        m.put("num_decoder_layers", c.nDecoderLayers());
        m.put("num_heads", c.nHead());
        m.put("num_layers", c.nEncoderLayers());
        m.put("pad_token_id", c.padId());
        m.put("relative_attention_max_distance", c.relativeMaxDistance());
        m.put("relative_attention_num_buckets", c.relativeBuckets());
        if (c.tiedHead()) {
            m.put("scale_decoder_outputs", true);
        }
        m.put("tie_word_embeddings", c.tiedHead());
        m.put("use_cache", true);
        m.put("vocab_size", c.vocabSize());
        return m;
    }

    /** The Hugging Face name of one of our parameter names. */
    static String hfName(String ours) {
        if (ours.equals("encoder.relative_attention_bias.weight") || ours.equals("decoder.relative_attention_bias.weight")) {
            return ours.substring(0, 7) + ".block.0.layer.0.SelfAttention.relative_attention_bias.weight";
        }
        if (ours.endsWith(".final_norm.weight")) {
            return ours.substring(0, 7) + ".final_layer_norm.weight";
        }
        Matcher x = BLOCK.matcher(ours);
        if (!x.matches()) {
            return ours; // shared.weight, lm_head.weight
        }
        boolean dec = x.group(1).equals("decoder");
        String prefix = x.group(1) + ".block." + x.group(2) + ".layer.";
        String rest = x.group(4);
        return switch (x.group(3)) {
            case "self_attn" -> prefix + "0.SelfAttention." + rest;
            case "self_attn_norm" -> prefix + "0.layer_norm." + rest;
            case "cross_attn" -> prefix + "1.EncDecAttention." + rest;
            case "cross_attn_norm" -> prefix + "1.layer_norm." + rest;
            case "ffn" -> prefix + (dec ? "2" : "1") + ".DenseReluDense." + rest;
            case "ffn_norm" -> prefix + (dec ? "2" : "1") + ".layer_norm." + rest;
            default -> throw new IllegalStateException("no T5 name for " + ours);
        };
    }
}
