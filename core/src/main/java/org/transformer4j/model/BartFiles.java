package org.transformer4j.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.transformer4j.T4jException;
import org.transformer4j.io.Json;
import org.transformer4j.nn.Activation;

/**
 * Hugging Face BartForConditionalGeneration directories (model_type "bart"): BART as {@link EncoderDecoder}
 * builds it: learned absolute positions whose table starts at row 2 (BART's offset), token embeddings scaled by
 * sqrt(d_model) when scale_embedding, a LayerNorm right after the embedding (layernorm_embedding), post-LN blocks
 * with biases, exact GELU, no final norm, a tied head plus final_logits_bias. Names map as
 * <pre>
 *   model.shared, model.{en,de}coder.embed_positions, .layernorm_embedding      shared, {en,de}coder.*
 *   model.encoder.layers.N.self_attn.{q,k,v,out}_proj, .self_attn_layer_norm  encoder.blocks.N.self_attn.{q,k,v,o}, _norm
 *   model.decoder.layers.N.encoder_attn.*, .encoder_attn_layer_norm           decoder.blocks.N.cross_attn.*, _norm
 *   model.*.layers.N.fc1, fc2, final_layer_norm                              *.blocks.N.ffn.wi, ffn.wo, ffn_norm
 * </pre>
 */
public final class BartFiles {
    private static final Pattern BLOCK = Pattern.compile("(encoder|decoder)\\.blocks\\.(\\d+)\\.([a-z_]+)\\.(.*)");

    private BartFiles() {}

    public static EncoderDecoder load(Path dir) {
        EncoderDecoder model = new EncoderDecoder(readConfig(dir.resolve(EncoderDecoderFiles.CONFIG)));
        EncoderDecoderFiles.readWeights(dir, model, BartFiles::hfName);
        return model;
    }

    static Seq2SeqConfig readConfig(Path file) {
        Map<String, Object> m = Json.parseObject(file);
        try {
            int d = Json.getInt(m, "d_model");
            int heads = Json.getInt(m, "encoder_attention_heads");
            int ffn = Json.getInt(m, "encoder_ffn_dim");
            if (Json.getInt(m, "decoder_attention_heads", heads) != heads || Json.getInt(m, "decoder_ffn_dim", ffn) != ffn) {
                throw new T4jException("encoder and decoder of different widths are not supported");
            }
            if (d % heads != 0) {
                throw new T4jException("d_model " + d + " is not divisible by " + heads + " heads");
            }
            String act = Json.getString(m, "activation_function", "gelu");
            Activation a;
            try {
                a = Activation.fromHfName(act);
            } catch (T4jException e) {
                throw new T4jException("activation_function: " + e.getMessage(), e);
            }
            return new Seq2SeqConfig("bart", Json.getInt(m, "vocab_size"), d, heads, d / heads, ffn,
                    Json.getInt(m, "encoder_layers"), Json.getInt(m, "decoder_layers"), a, false, false, 1e-5f, true,
                    true, (float) Json.getDouble(m, "dropout", 0.1), 0, 0, Json.getBool(m, "scale_embedding", false),
                    Json.getBool(m, "tie_word_embeddings", true), false, Json.getInt(m, "pad_token_id", 1),
                    Json.getInt(m, "eos_token_id", 2), Json.getInt(m, "decoder_start_token_id", 2),
                    Json.getInt(m, "max_position_embeddings", 1024), 2, true, true);
        } catch (T4jException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new T4jException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * config.json as transformers' save_pretrained writes a BartForConditionalGeneration (keys sorted, as it does).
     * We keep no separate bos id: bos_token_id is written as the decoder start token, which is what our
     * vocabularies begin a target with.
     */
    static Map<String, Object> configJson(Seq2SeqConfig c) {
        if (!c.tiedHead() || c.preNorm() || c.rmsNorm() || !c.embeddingNorm() || !c.finalLogitsBias()
                || c.positionOffset() != 2 || c.learnedPositions() == 0) {
            throw new T4jException("this encoder-decoder is not BART-shaped (BART: learned positions at offset 2, "
                    + "post-LN LayerNorm, layernorm_embedding, a tied head with final_logits_bias)");
        }
        Map<String, Object> m = new java.util.TreeMap<>();
        m.put("activation_dropout", EncoderDecoderFiles.decimal(c.block().activationDropout()));
        m.put("activation_function", c.activation().hfName());
        m.put("architectures", java.util.List.of("BartForConditionalGeneration"));
        m.put("attention_dropout", EncoderDecoderFiles.decimal(c.dropout()));
        m.put("bos_token_id", c.decoderStartId());
        m.put("classifier_dropout", 0.0);
        m.put("d_model", c.dModel());
        m.put("decoder_attention_heads", c.nHead());
        m.put("decoder_ffn_dim", c.dFF());
        m.put("decoder_layerdrop", 0.0);
        m.put("decoder_layers", c.nDecoderLayers());
        m.put("decoder_start_token_id", c.decoderStartId());
        m.put("dropout", EncoderDecoderFiles.decimal(c.dropout()));
        m.put("dtype", "float32");
        m.put("encoder_attention_heads", c.nHead());
        m.put("encoder_ffn_dim", c.dFF());
        m.put("encoder_layerdrop", 0.0);
        m.put("encoder_layers", c.nEncoderLayers());
        m.put("eos_token_id", c.eosId());
        m.put("forced_eos_token_id", null);
        m.put("init_std", 0.02);
        m.put("is_decoder", false);
        m.put("is_encoder_decoder", true);
        m.put("max_position_embeddings", c.learnedPositions());
        m.put("model_type", "bart");
        m.put("pad_token_id", c.padId());
        m.put("scale_embedding", c.scaleEmbeddings());
        m.put("tie_word_embeddings", true);
        m.put("use_cache", true);
        m.put("vocab_size", c.vocabSize());
        return m;
    }

    static String hfName(String ours) {
        if (ours.equals("final_logits_bias") || ours.equals("lm_head.weight")) {
            return ours;
        }
        Matcher x = BLOCK.matcher(ours);
        if (!x.matches()) {
            return "model." + ours; // shared, embed_positions, layernorm_embedding
        }
        String prefix = "model." + x.group(1) + ".layers." + x.group(2) + ".";
        String rest = x.group(4);
        int dot = Math.max(0, rest.indexOf('.'));
        String proj = switch (rest.substring(0, dot)) {
            case "q" -> "q_proj";
            case "k" -> "k_proj";
            case "v" -> "v_proj";
            case "o" -> "out_proj";
            case "wi" -> "fc1";
            case "wo" -> "fc2";
            default -> null;
        };
        String tail = rest.substring(dot);
        return switch (x.group(3)) {
            case "self_attn" -> prefix + "self_attn." + proj + tail;
            case "cross_attn" -> prefix + "encoder_attn." + proj + tail;
            case "self_attn_norm" -> prefix + "self_attn_layer_norm." + rest;
            case "cross_attn_norm" -> prefix + "encoder_attn_layer_norm." + rest;
            case "ffn" -> prefix + proj + tail;
            case "ffn_norm" -> prefix + "final_layer_norm." + rest;
            default -> throw new IllegalStateException("no BART name for " + ours);
        };
    }
}
