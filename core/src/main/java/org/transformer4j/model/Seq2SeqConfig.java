package org.transformer4j.model;

import org.transformer4j.T4jException;
import org.transformer4j.nn.BlockConfig;
import org.transformer4j.nn.Activation;

/**
 * The shape of an encoder-decoder Transformer. Two families are presets of it: {@link #transformer} (Vaswani et
 * al. 2017: sinusoidal positions, post-LN, ReLU, embeddings scaled by sqrt(d_model)) and T5 (read from a Hugging
 * Face config by {@link T5Files}: relative position bias, pre-LN RMS norm, no biases, unscaled attention).
 *
 * @param modelType           "transformer" (ours) or "t5"
 * @param vocabSize           shared source/target vocabulary
 * @param dModel              residual width
 * @param nHead               attention heads
 * @param dHead               width of one head
 * @param dFF                 feed-forward hidden width
 * @param nEncoderLayers      encoder blocks
 * @param nDecoderLayers      decoder blocks
 * @param activation          feed-forward nonlinearity
 * @param preNorm             pre-LN blocks with a final norm after each stack (T5); else post-LN, no final norm
 * @param rmsNorm             RMS norm (T5) instead of LayerNorm
 * @param normEps             norm epsilon
 * @param bias                biases in projections and norms
 * @param scaledAttention     logits scaled by 1/sqrt(dHead)
 * @param dropout             dropout probability (training only)
 * @param relativeBuckets     T5's relative_attention_num_buckets; 0 means sinusoidal absolute positions instead
 * @param relativeMaxDistance T5's relative_attention_max_distance
 * @param scaleEmbeddings     token embeddings multiplied by sqrt(d_model) (the original)
 * @param tiedHead            output projection is the shared embedding (else a separate lm_head)
 * @param scaleDecoderOutputs decoder output multiplied by d_model^-0.5 before the head (T5 with a tied head)
 * @param padId               padding id (source and target)
 * @param eosId               end-of-sequence id
 * @param decoderStartId      the first decoder input (bos in ours, pad in T5)
 * @param learnedPositions    learned absolute positions (BART's max_position_embeddings); 0 for none
 * @param positionOffset      row of position 0 in the learned table (BART: 2)
 * @param embeddingNorm       a LayerNorm right after the embedding (BART's layernorm_embedding)
 * @param finalLogitsBias     a bias added to the logits (BART's final_logits_bias)
 */
public record Seq2SeqConfig(String modelType, int vocabSize, int dModel, int nHead, int dHead, int dFF,
                            int nEncoderLayers, int nDecoderLayers, Activation activation, boolean preNorm,
                            boolean rmsNorm, float normEps, boolean bias, boolean scaledAttention, float dropout,
                            int relativeBuckets, int relativeMaxDistance, boolean scaleEmbeddings, boolean tiedHead,
                            boolean scaleDecoderOutputs, int padId, int eosId, int decoderStartId,
                            int learnedPositions, int positionOffset, boolean embeddingNorm, boolean finalLogitsBias) {
    public Seq2SeqConfig {
        require(vocabSize > 0, "vocab_size must be positive, got " + vocabSize);
        require(dModel > 0 && nHead > 0 && dHead > 0 && dFF > 0, "d_model, n_head, d_head and d_ff must be positive");
        require(nEncoderLayers > 0 && nDecoderLayers > 0, "the encoder and decoder need at least one layer each");
        require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
        require(normEps > 0, "the norm epsilon must be positive, got " + normEps);
        require(relativeBuckets >= 0, "relative_attention_num_buckets must be >= 0");
        require(learnedPositions >= 0 && positionOffset >= 0, "max_position_embeddings must be >= 0");
        for (int id : new int[] {padId, eosId, decoderStartId}) {
            require(id >= 0 && id < vocabSize, "special token id " + id + " is outside the vocabulary of " + vocabSize);
        }
    }

    /**
     * The original Transformer ("Attention Is All You Need", base model shape scaled down by the arguments):
     * d_head = d_model / n_head, ReLU, post-LN LayerNorm (eps 1e-5) with biases, sinusoidal positions, shared
     * source/target/output embeddings scaled by sqrt(d_model).
     */
    public static Seq2SeqConfig transformer(int vocabSize, int dModel, int nHead, int dFF, int nEncoderLayers,
                                            int nDecoderLayers, float dropout, int padId, int bosId, int eosId) {
        require(dModel % nHead == 0, "d_model (" + dModel + ") must be a multiple of n_head (" + nHead + ")");
        return new Seq2SeqConfig("transformer", vocabSize, dModel, nHead, dModel / nHead, dFF, nEncoderLayers,
                nDecoderLayers, Activation.RELU, false, false, 1e-5f, true, true, dropout, 0, 0, true, true, false,
                padId, eosId, bosId, 0, 0, false, false);
    }

    /**
     * T5 (Raffel et al. 2020) as {@link T5Files} reads it: pre-LN blocks with T5's RMS layer norm (eps 1e-6), no
     * biases, unscaled attention logits, relative position bias buckets, no position embeddings, ReLU or gated-GELU,
     * and with a tied head the decoder output scaled by d_model^-0.5 (the original T5; T5 v1.1 unties the head
     * and does not scale).
     */
    public static Seq2SeqConfig t5(int vocabSize, int dModel, int nHead, int dKv, int dFF, int nEncoderLayers,
                                   int nDecoderLayers, Activation activation, int buckets, int maxDistance,
                                   boolean tiedHead, float dropout, int padId, int decoderStartId, int eosId) {
        require(activation == Activation.RELU || activation == Activation.GATED_GELU,
                "T5's feed_forward_proj must be relu or gated-gelu, got " + activation.hfName());
        return new Seq2SeqConfig("t5", vocabSize, dModel, nHead, dKv, dFF, nEncoderLayers, nDecoderLayers, activation,
                true, true, 1e-6f, false, false, dropout, buckets, maxDistance, false, tiedHead, tiedHead, padId, eosId,
                decoderStartId, 0, 0, false, false);
    }

    /**
     * BART (Lewis et al. 2020) as {@link BartFiles} reads it, with transformers' defaults: learned positions
     * (max_position_embeddings rows after BART's offset of 2), unscaled token embeddings followed by a LayerNorm,
     * post-LN blocks with biases (LayerNorm eps 1e-5), exact GELU, scaled attention, a tied head plus
     * final_logits_bias.
     */
    public static Seq2SeqConfig bart(int vocabSize, int dModel, int nHead, int dFF, int nEncoderLayers,
                                     int nDecoderLayers, int maxPositions, float dropout, int padId,
                                     int decoderStartId, int eosId) {
        require(dModel % nHead == 0, "d_model (" + dModel + ") must be a multiple of n_head (" + nHead + ")");
        require(maxPositions > 0, "max_position_embeddings must be positive, got " + maxPositions);
        return new Seq2SeqConfig("bart", vocabSize, dModel, nHead, dModel / nHead, dFF, nEncoderLayers, nDecoderLayers,
                Activation.GELU, false, false, 1e-5f, true, true, dropout, 0, 0, false, true, false, padId, eosId,
                decoderStartId, maxPositions, 2, true, true);
    }

    public boolean relativePositions() {
        return relativeBuckets > 0;
    }

    /** Sinusoids are added unless the model has relative or learned positions. */
    public boolean sinusoidalPositions() {
        return relativeBuckets == 0 && learnedPositions == 0;
    }

    /** The blocks' shape. */
    public BlockConfig block() {
        return new BlockConfig(dModel, nHead, dHead, dFF, activation, preNorm, rmsNorm, normEps, bias, scaledAttention,
                dropout);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new T4jException("bad encoder-decoder config: " + message);
        }
    }
}
