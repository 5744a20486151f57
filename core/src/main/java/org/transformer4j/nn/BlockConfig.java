package org.transformer4j.nn;

/**
 * The shape of a {@link Block}, general enough for every family: GPT-2 and Llama (decoder-only), BERT
 * (encoder-only), the original Transformer, T5 and BART (encoder-decoder). Each model file says which
 * configuration it is (GPT.block, Llama.block, Bert.block, Seq2SeqConfig.block).
 *
 * @param dModel            width of the residual stream
 * @param nHead             attention (query) heads
 * @param nKvHead           key/value heads: nHead for multi-head attention, fewer for grouped-query (Llama 2/3)
 * @param dHead             width of one head (d_model / n_head except T5's d_kv)
 * @param dFF               hidden width of the feed-forward network
 * @param activation        the feed-forward nonlinearity (ReLU in the original, GELU in BERT, GPT-2's tanh GELU,
 *                          gated-GELU in T5 v1.1, gated-SiLU (SwiGLU) in Llama)
 * @param preNorm           true: x + f(norm(x)) (GPT-2, Llama, T5); false: norm(x + f(x)) (the original, BERT, BART)
 * @param rmsNorm           RMS norm without bias (Llama, T5) instead of LayerNorm
 * @param normEps           the norm's epsilon
 * @param bias              biases in the projections and the LayerNorms (none in Llama and T5)
 * @param scaledAttention   logits scaled by 1/sqrt(dHead) (false in T5, which folds it into the initialisation)
 * @param dropout           dropout on each sublayer's output before the residual sum (0 in Llama)
 * @param attentionDropout  dropout on the attention weights
 * @param activationDropout dropout on the feed-forward hidden activation: T5 and fairseq have it, BERT and GPT-2 not
 * @param names             the family's names for the parts (see {@link BlockNames})
 */
public record BlockConfig(int dModel, int nHead, int nKvHead, int dHead, int dFF, Activation activation,
                          boolean preNorm, boolean rmsNorm, float normEps, boolean bias, boolean scaledAttention,
                          float dropout, float attentionDropout, float activationDropout, BlockNames names) {
    public BlockConfig {
        if (nHead <= 0 || nKvHead <= 0 || nHead % nKvHead != 0) {
            throw new IllegalArgumentException("n_head " + nHead + " does not split into n_kv_head " + nKvHead
                    + " groups");
        }
        if (names.qkv() != null && nKvHead != nHead) {
            throw new IllegalArgumentException("a fused q/k/v projection needs n_kv_head = n_head");
        }
    }

    /**
     * An encoder or decoder block of the encoder families (our {@link BlockNames#SEQ2SEQ} names, multi-head
     * attention, the residual dropout on the attention weights too).
     */
    public BlockConfig(int dModel, int nHead, int dHead, int dFF, Activation activation, boolean preNorm,
                       boolean rmsNorm, float normEps, boolean bias, boolean scaledAttention, float dropout,
                       float activationDropout) {
        this(dModel, nHead, nHead, dHead, dFF, activation, preNorm, rmsNorm, normEps, bias, scaledAttention, dropout,
                dropout, activationDropout, BlockNames.SEQ2SEQ);
    }

    /** As above with dropout {@code dropout} on the feed-forward hidden activation too (the original, T5, BART). */
    public BlockConfig(int dModel, int nHead, int dHead, int dFF, Activation activation, boolean preNorm,
                       boolean rmsNorm, float normEps, boolean bias, boolean scaledAttention, float dropout) {
        this(dModel, nHead, dHead, dFF, activation, preNorm, rmsNorm, normEps, bias, scaledAttention, dropout, dropout);
    }

    /** Width of the projected keys and values (nKvHead * dHead): a KV cache holds this much per position. */
    public int kvWidth() {
        return nKvHead * dHead;
    }
}
