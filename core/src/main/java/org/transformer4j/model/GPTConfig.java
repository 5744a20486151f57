package org.transformer4j.model;

/**
 * The shape of a GPT (nanoGPT's GPTConfig, spelled with Hugging Face GPT-2 config.json names where it is saved).
 *
 * @param vocabSize      number of token ids (vocab_size)
 * @param blockSize      longest context, the number of learned positions (n_positions; nanoGPT's block_size)
 * @param nLayer         number of blocks (n_layer)
 * @param nHead          attention heads per block (n_head)
 * @param nEmbd          width of the residual stream (n_embd)
 * @param nInner         hidden width of the MLP (n_inner; 4 * n_embd when absent)
 * @param bias           whether Linear and LayerNorm layers have biases (nanoGPT's bias; GPT-2 has them)
 * @param dropout        dropout probability (nanoGPT's single dropout; resid/embd/attn_pdrop in config.json)
 * @param layerNormEps   layer_norm_epsilon
 * @param tanhGelu       true for GPT-2's "gelu_new" tanh approximation, false for exact GELU (nanoGPT's nn.GELU)
 */
public record GPTConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, int nInner, boolean bias,
                        float dropout, float layerNormEps, boolean tanhGelu) {
    public GPTConfig {
        require(vocabSize > 0, "vocab_size must be positive, got " + vocabSize);
        require(blockSize > 0, "n_positions (block_size) must be positive, got " + blockSize);
        require(nLayer > 0, "n_layer must be positive, got " + nLayer);
        require(nHead > 0, "n_head must be positive, got " + nHead);
        require(nEmbd > 0 && nEmbd % nHead == 0, "n_embd (" + nEmbd + ") must be a positive multiple of n_head ("
                + nHead + ")");
        require(nInner > 0, "n_inner must be positive, got " + nInner);
        require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
        require(layerNormEps > 0, "layer_norm_epsilon must be positive, got " + layerNormEps);
    }

    /** nanoGPT's model: exact GELU, 4x MLP, eps 1e-5. */
    public static GPTConfig nanoGPT(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, boolean bias,
                                    float dropout) {
        return new GPTConfig(vocabSize, blockSize, nLayer, nHead, nEmbd, 4 * nEmbd, bias, dropout, 1e-5f, false);
    }

    public int headDim() {
        return nEmbd / nHead;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new org.transformer4j.T4jException("bad GPT config: " + message);
        }
    }
}
