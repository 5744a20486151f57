package org.transformer4j.model;

import org.transformer4j.T4jException;

/**
 * The shape of a Llama-family model (llama2.c's Config, with Hugging Face's names in the comments).
 *
 * @param dim          width of the residual stream (hidden_size)
 * @param hiddenDim    width of the SwiGLU MLP (intermediate_size)
 * @param nLayers      number of blocks (num_hidden_layers)
 * @param nHeads       query heads (num_attention_heads)
 * @param nKvHeads     key/value heads (num_key_value_heads); fewer than nHeads is grouped-query attention
 * @param vocabSize    number of token ids
 * @param seqLen       longest context (max_position_embeddings)
 * @param normEps      RMSNorm epsilon (rms_norm_eps)
 * @param ropeTheta    rotary base (rope_theta)
 * @param sharedClassifier whether the output head is the token embedding (tie_word_embeddings)
 * @param ropeInterleaved  llama2.c's rotary layout, rotating pairs (2i, 2i+1) of a head; false for Hugging Face's
 *                         rotate-half layout, rotating pairs (i, i + head_size/2)
 * @param ropeScaling      Llama 3's frequency scaling, or null
 * @param attentionDropout probability of dropping an attention weight in training (attention_dropout; Llama has no
 *                         other dropout)
 */
public record LlamaConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize, int seqLen,
                          float normEps, float ropeTheta, boolean sharedClassifier, boolean ropeInterleaved,
                          RopeScaling ropeScaling, float attentionDropout) {
    /**
     * rope_scaling of type "llama3": wavelengths longer than originalContext/lowFreqFactor are divided by factor,
     * shorter than originalContext/highFreqFactor kept, and those between interpolated smoothly.
     */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, double originalContext) {}

    /** A config without dropout (checkpoints for inference). */
    public LlamaConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize, int seqLen,
                       float normEps, float ropeTheta, boolean sharedClassifier, boolean ropeInterleaved,
                       RopeScaling ropeScaling) {
        this(dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen, normEps, ropeTheta, sharedClassifier,
                ropeInterleaved, ropeScaling, 0f);
    }

    public LlamaConfig {
        check(dim > 0 && hiddenDim > 0 && nLayers > 0 && nHeads > 0 && nKvHeads > 0 && vocabSize > 0 && seqLen > 0,
                "every dimension must be positive");
        check(dim % nHeads == 0, "dim " + dim + " is not divisible by n_heads " + nHeads);
        check(nHeads % nKvHeads == 0, "n_heads " + nHeads + " is not a multiple of n_kv_heads " + nKvHeads);
        check((dim / nHeads) % 2 == 0, "the head size " + dim / nHeads + " must be even for rotary embeddings");
        check(normEps > 0, "rms_norm_eps must be positive, got " + normEps);
        check(ropeTheta > 0, "rope_theta must be positive, got " + ropeTheta);
        check(attentionDropout >= 0 && attentionDropout < 1, "attention_dropout must be in [0, 1), got "
                + attentionDropout);
    }

    /**
     * The rotary frequencies of the headSize/2 pairs, radians per position: theta^(-2i/headSize), computed in
     * float as llama2.c does, then Llama 3's scaling when configured (in double, as transformers does).
     */
    public float[] ropeFrequencies() {
        int half = headSize() / 2;
        float[] invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            invFreq[i] = 1.0f / (float) Math.pow(ropeTheta, (2 * i) / (float) headSize());
        }
        RopeScaling sc = ropeScaling;
        if (sc != null) {
            double lowWavelen = sc.originalContext() / sc.lowFreqFactor();
            double highWavelen = sc.originalContext() / sc.highFreqFactor();
            for (int i = 0; i < half; i++) {
                double f = invFreq[i];
                double wavelen = 2 * Math.PI / f;
                if (wavelen > lowWavelen) {
                    f /= sc.factor();
                } else if (wavelen >= highWavelen) {
                    double smooth = (sc.originalContext() / wavelen - sc.lowFreqFactor())
                            / (sc.highFreqFactor() - sc.lowFreqFactor());
                    f = (1 - smooth) * f / sc.factor() + smooth * f;
                }
                invFreq[i] = (float) f;
            }
        }
        return invFreq;
    }

    public int headSize() {
        return dim / nHeads;
    }

    /** Width of the key and value projections. */
    public int kvDim() {
        return nKvHeads * headSize();
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new T4jException("bad Llama config: " + message);
        }
    }
}
