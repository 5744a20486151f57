package org.transformer4j.nn;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * A decoder block of an encoder-decoder: causal self-attention, cross-attention to the encoder output (the
 * "memory"), then the feed-forward network; each a residual sublayer with output dropout, norm placement pre or
 * post as in {@link EncoderLayer}. Incremental decoding ({@link #forwardCached}) appends to a self-attention
 * cache and reads the memory's keys and values from the cache instead of projecting the memory again.
 */
public final class DecoderLayer extends Module {
    public final MultiHeadAttention self_attn;
    public final Module self_attn_norm;
    public final MultiHeadAttention cross_attn;
    public final Module cross_attn_norm;
    public final FeedForward ffn;
    public final Module ffn_norm;
    public final Dropout dropout;
    private final boolean preNorm;

    public DecoderLayer(BlockConfig c) {
        this.preNorm = c.preNorm();
        this.self_attn = child("self_attn", new MultiHeadAttention(c.dModel(), c.nHead(), c.dHead(), c.bias(),
                c.scaledAttention(), c.dropout()));
        this.self_attn_norm = child("self_attn_norm", Norm.of(c.rmsNorm(), c.dModel(), c.bias(), c.normEps()));
        this.cross_attn = child("cross_attn", new MultiHeadAttention(c.dModel(), c.nHead(), c.dHead(), c.bias(),
                c.scaledAttention(), c.dropout()));
        this.cross_attn_norm = child("cross_attn_norm", Norm.of(c.rmsNorm(), c.dModel(), c.bias(), c.normEps()));
        this.ffn = child("ffn", new FeedForward(c.dModel(), c.dFF(), c.activation(), c.bias(),
                c.activationDropout()));
        this.ffn_norm = child("ffn_norm", Norm.of(c.rmsNorm(), c.dModel(), c.bias(), c.normEps()));
        this.dropout = child("dropout", new Dropout(c.dropout()));
    }

    /**
     * Teacher forcing over a whole target: x [B, T, C] attends causally to itself (with {@code selfBias}
     * [nHead, T, T] or null) and to {@code memory} [B, S, C] under {@code crossMask}. Cross-attention weights go
     * to {@code crossCapture} when it wants them; self-attention weights to the context's capture.
     */
    public Tensor forward(Tensor x, Tensor memory, Tensor selfBias, AttentionMask crossMask, ForwardContext ctx,
                          Capture crossCapture) {
        ForwardContext crossCtx = new ForwardContext(ctx.rng(), crossCapture);
        if (preNorm) {
            Tensor h = Norm.apply(self_attn_norm, x);
            x = Ops.add(x, dropout.forward(self_attn.forward(h, h, AttentionMask.causal(), selfBias, ctx), ctx.rng()));
            h = Norm.apply(cross_attn_norm, x);
            x = Ops.add(x, dropout.forward(cross_attn.forward(h, memory, crossMask, null, crossCtx), ctx.rng()));
            return Ops.add(x, dropout.forward(ffn.forward(Norm.apply(ffn_norm, x), ctx), ctx.rng()));
        }
        x = Norm.apply(self_attn_norm,
                Ops.add(x, dropout.forward(self_attn.forward(x, x, AttentionMask.causal(), selfBias, ctx), ctx.rng())));
        x = Norm.apply(cross_attn_norm,
                Ops.add(x, dropout.forward(cross_attn.forward(x, memory, crossMask, null, crossCtx), ctx.rng())));
        return Norm.apply(ffn_norm, Ops.add(x, dropout.forward(ffn.forward(x, ctx), ctx.rng())));
    }

    /** Inference step over new positions x [B, t, C] with layer {@code layer} of the cache. */
    public Tensor forwardCached(Tensor x, DecoderCache cache, int layer, Tensor selfBias) {
        ForwardContext ctx = ForwardContext.INFERENCE;
        Tensor mk = cache.crossKeys(layer);
        Tensor mv = cache.crossValues(layer);
        if (preNorm) {
            x = Ops.add(x, self_attn.forwardCached(Norm.apply(self_attn_norm, x), cache, layer, selfBias));
            x = Ops.add(x, cross_attn.forwardWithKeysValues(Norm.apply(cross_attn_norm, x), mk, mv, cache.crossMask(),
                    null, ctx));
            return Ops.add(x, ffn.forward(Norm.apply(ffn_norm, x), ctx));
        }
        x = Norm.apply(self_attn_norm, Ops.add(x, self_attn.forwardCached(x, cache, layer, selfBias)));
        x = Norm.apply(cross_attn_norm, Ops.add(x, cross_attn.forwardWithKeysValues(x, mk, mv, cache.crossMask(), null,
                ctx)));
        return Norm.apply(ffn_norm, Ops.add(x, ffn.forward(x, ctx)));
    }
}
