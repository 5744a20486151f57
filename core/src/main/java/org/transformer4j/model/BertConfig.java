package org.transformer4j.model;

import java.util.List;

import org.transformer4j.T4jException;
import org.transformer4j.nn.Activation;

/**
 * The shape of a BERT encoder, with the names of Hugging Face's BertConfig (config.json).
 *
 * @param vocabSize             number of token ids (vocab_size)
 * @param hiddenSize            width of the residual stream (hidden_size)
 * @param numLayers             encoder layers (num_hidden_layers)
 * @param numHeads              attention heads per layer (num_attention_heads)
 * @param intermediateSize      hidden width of the feed-forward network (intermediate_size)
 * @param activation            hidden_act, used by the feed-forward network and the MLM head's transform
 * @param maxPositions          number of learned positions (max_position_embeddings)
 * @param typeVocabSize         number of token types / segments (type_vocab_size)
 * @param layerNormEps          layer_norm_eps
 * @param dropout               hidden_dropout_prob (also used for the attention weights)
 * @param maskTokenId           the [MASK] id for masked-LM training, or -1 when unknown
 * @param clsTokenId            the [CLS] id put in front of a sequence for classification, or -1 when unknown
 * @param labels                the class names of a sequence-classification head (id2label), empty for none
 */
public record BertConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
                         Activation activation, int maxPositions, int typeVocabSize, float layerNormEps, float dropout,
                         int maskTokenId, int clsTokenId, List<String> labels) {
    public BertConfig {
        require(vocabSize > 0, "vocab_size must be positive, got " + vocabSize);
        require(numLayers > 0, "num_hidden_layers must be positive, got " + numLayers);
        require(numHeads > 0, "num_attention_heads must be positive, got " + numHeads);
        require(hiddenSize > 0 && hiddenSize % numHeads == 0, "hidden_size (" + hiddenSize
                + ") must be a positive multiple of num_attention_heads (" + numHeads + ")");
        require(intermediateSize > 0, "intermediate_size must be positive, got " + intermediateSize);
        require(!activation.gated(), "hidden_act " + activation.hfName() + " is gated; BERT's feed-forward network has "
                + "one input projection");
        require(maxPositions > 0, "max_position_embeddings must be positive, got " + maxPositions);
        require(typeVocabSize > 0, "type_vocab_size must be positive, got " + typeVocabSize);
        require(layerNormEps > 0, "layer_norm_eps must be positive, got " + layerNormEps);
        require(dropout >= 0 && dropout < 1, "hidden_dropout_prob must be in [0, 1), got " + dropout);
        require(maskTokenId >= -1 && maskTokenId < vocabSize, "mask_token_id " + maskTokenId
                + " is outside the vocabulary of " + vocabSize);
        require(clsTokenId >= -1 && clsTokenId < vocabSize, "cls_token_id " + clsTokenId
                + " is outside the vocabulary of " + vocabSize);
        labels = List.copyOf(labels);
    }

    /** A small BERT of the given shape: exact GELU, 4x feed-forward, 2 token types, eps 1e-12, no special ids. */
    public static BertConfig of(int vocabSize, int maxPositions, int numLayers, int numHeads, int hiddenSize,
                                float dropout) {
        return new BertConfig(vocabSize, hiddenSize, numLayers, numHeads, 4 * hiddenSize, Activation.GELU,
                maxPositions, 2, 1e-12f, dropout, -1, -1, List.of());
    }

    public BertConfig withSpecialIds(int mask, int cls) {
        return new BertConfig(vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, activation, maxPositions,
                typeVocabSize, layerNormEps, dropout, mask, cls, labels);
    }

    public BertConfig withLabels(List<String> newLabels) {
        return new BertConfig(vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, activation, maxPositions,
                typeVocabSize, layerNormEps, dropout, maskTokenId, clsTokenId, newLabels);
    }

    public BertConfig withDropout(float p) {
        return new BertConfig(vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, activation, maxPositions,
                typeVocabSize, layerNormEps, p, maskTokenId, clsTokenId, labels);
    }

    public int numLabels() {
        return labels.size();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new T4jException("bad BERT config: " + message);
        }
    }
}
