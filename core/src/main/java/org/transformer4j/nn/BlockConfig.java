package org.transformer4j.nn;

/**
 * The shape of an encoder or decoder block, general enough for the original Transformer, BERT, T5 and BART.
 *
 * @param dModel            width of the residual stream
 * @param nHead             attention heads
 * @param dHead             width of one head (d_model / n_head in the original and BERT; T5's d_kv)
 * @param dFF               hidden width of the feed-forward network
 * @param activation        the feed-forward nonlinearity (ReLU in the original, GELU in BERT, gated-GELU in T5 v1.1)
 * @param preNorm           true: x + f(norm(x)) (T5, GPT-2); false: norm(x + f(x)) (the original, BERT, BART)
 * @param rmsNorm           RMS norm without bias (T5) instead of LayerNorm
 * @param normEps           the norm's epsilon
 * @param bias              biases in the attention and feed-forward projections and the LayerNorms (none in T5)
 * @param scaledAttention   logits scaled by 1/sqrt(dHead) (false in T5)
 * @param dropout           residual and attention-weight dropout probability
 * @param activationDropout dropout on the feed-forward hidden activation: T5 and fairseq have it (the same p),
 *                          BERT has none (0)
 */
public record BlockConfig(int dModel, int nHead, int dHead, int dFF, Activation activation,
                          boolean preNorm, boolean rmsNorm, float normEps, boolean bias, boolean scaledAttention,
                          float dropout, float activationDropout) {
    /** A block with dropout {@code dropout} on the feed-forward hidden activation too (the original, T5, BART). */
    public BlockConfig(int dModel, int nHead, int dHead, int dFF, Activation activation, boolean preNorm,
                       boolean rmsNorm, float normEps, boolean bias, boolean scaledAttention, float dropout) {
        this(dModel, nHead, dHead, dFF, activation, preNorm, rmsNorm, normEps, bias, scaledAttention, dropout, dropout);
    }
}
