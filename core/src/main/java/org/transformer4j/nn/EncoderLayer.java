package org.transformer4j.nn;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * The encoder block of every encoder family (BERT, the original Transformer, T5, BART): bidirectional
 * self-attention, then the feed-forward network, each a residual sublayer with dropout on its output and a norm
 * placed after the residual sum or inside the branch ({@link BlockConfig#preNorm}):
 *
 * <pre>
 *   post-LN:  x = self_attn_norm(x + drop(self_attn(x)));   x = ffn_norm(x + drop(ffn(x)))   original, BERT, BART
 *   pre-LN:   x = x + drop(self_attn(self_attn_norm(x)));   x = x + drop(ffn(ffn_norm(x)))   T5 (and GPT-2's Block)
 * </pre>
 *
 * The mask is {@link AttentionMask#none()} or {@link AttentionMask#padding} (each row's real length, padding on the
 * right); padded positions still produce outputs, which callers ignore. T5's relative position bias arrives as
 * {@code bias} (null for the others). Attention weights also get dropout; the feed-forward hidden activation gets
 * {@link BlockConfig#activationDropout} (0 for BERT, as Hugging Face's BertIntermediate has none).
 */
public final class EncoderLayer extends Module {
    public final MultiHeadAttention self_attn;
    public final Module self_attn_norm;
    public final FeedForward ffn;
    public final Module ffn_norm;
    public final Dropout dropout;
    private final boolean preNorm;

    public EncoderLayer(BlockConfig c) {
        this.preNorm = c.preNorm();
        this.self_attn = child("self_attn", new MultiHeadAttention(c.dModel(), c.nHead(), c.dHead(), c.bias(),
                c.scaledAttention(), c.dropout()));
        this.self_attn_norm = child("self_attn_norm", Norm.of(c.rmsNorm(), c.dModel(), c.bias(), c.normEps()));
        this.ffn = child("ffn", new FeedForward(c.dModel(), c.dFF(), c.activation(), c.bias(),
                c.activationDropout()));
        this.ffn_norm = child("ffn_norm", Norm.of(c.rmsNorm(), c.dModel(), c.bias(), c.normEps()));
        this.dropout = child("dropout", new Dropout(c.dropout()));
    }

    /** x [B, S, C]; {@code bias} [nHead, S, S] or null. */
    public Tensor forward(Tensor x, AttentionMask mask, Tensor bias, ForwardContext ctx) {
        if (preNorm) {
            Tensor h = Norm.apply(self_attn_norm, x);
            x = Ops.add(x, dropout.forward(self_attn.forward(h, h, mask, bias, ctx), ctx.rng()));
            return Ops.add(x, dropout.forward(ffn.forward(Norm.apply(ffn_norm, x), ctx), ctx.rng()));
        }
        x = Norm.apply(self_attn_norm, Ops.add(x, dropout.forward(self_attn.forward(x, x, mask, bias, ctx), ctx.rng())));
        return Norm.apply(ffn_norm, Ops.add(x, dropout.forward(ffn.forward(x, ctx), ctx.rng())));
    }
}
