package org.transformer4j.nn;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * Multi-head attention with separate query, key, value and output projections (q, k, v, o, as T5 names them),
 * used by the encoder-decoder blocks for self-attention (keys from the same sequence) and cross-attention (keys
 * from the encoder's output). The projections map d_model to nHead * dHead, which need not equal d_model (T5's
 * d_kv). The logit scale is 1/sqrt(dHead) in the original Transformer and 1 in T5, which folds it into the
 * initialisation; an additive bias [nHead, T, S] carries T5's relative positions.
 */
public final class MultiHeadAttention extends Module {
    public final Linear q;
    public final Linear k;
    public final Linear v;
    public final Linear o;
    public final Dropout attn_dropout;
    public final int nHead;
    public final int dHead;
    public final float scale;

    /** @param scaled whether logits are scaled by 1/sqrt(dHead) (false for T5) */
    public MultiHeadAttention(int dModel, int nHead, int dHead, boolean bias, boolean scaled, float dropout) {
        this.nHead = nHead;
        this.dHead = dHead;
        int inner = nHead * dHead;
        this.q = child("q", new Linear(dModel, inner, bias));
        this.k = child("k", new Linear(dModel, inner, bias));
        this.v = child("v", new Linear(dModel, inner, bias));
        this.o = child("o", new Linear(inner, dModel, bias));
        this.attn_dropout = child("attn_dropout", new Dropout(dropout));
        this.scale = scaled ? (float) (1.0 / Math.sqrt(dHead)) : 1f;
    }

    /** Width of the projected queries, keys and values (nHead * dHead). */
    public int inner() {
        return nHead * dHead;
    }

    /**
     * x [B, T, C] attends to {@code source} [B, S, C] (x itself for self-attention) under {@code mask}, with an
     * optional additive {@code bias} [nHead, T, S].
     */
    public Tensor forward(Tensor x, Tensor source, AttentionMask mask, Tensor bias, ForwardContext ctx) {
        return attend(q.forward(x), k.forward(source), v.forward(source), mask, bias, ctx);
    }

    /** Keys and values of {@code memory} [B, S, C], computed once per generation for cross-attention. */
    public Tensor[] keysValues(Tensor memory) {
        return new Tensor[] {k.forward(memory), v.forward(memory)};
    }

    /** Cross-attention over keys and values made by {@link #keysValues}. */
    public Tensor forwardWithKeysValues(Tensor x, Tensor keys, Tensor values, AttentionMask mask, Tensor bias,
                                        ForwardContext ctx) {
        return attend(q.forward(x), keys, values, mask, bias, ctx);
    }

    /**
     * A self-attention step of incremental decoding: x [B, t, C] holds t new positions of each of the B rows;
     * their keys and values are appended to layer {@code layer} of the cache (the caller advances it after the
     * last layer) and the queries attend causally over everything cached. {@code bias} is [nHead, t, past + t].
     */
    public Tensor forwardCached(Tensor x, DecoderCache cache, int layer, Tensor bias) {
        int b = x.dim(0);
        int t = x.dim(1);
        int past = cache.length();
        int w = inner();
        Tensor kn = k.forward(x);
        Tensor vn = v.forward(x);
        cache.append(layer, kn.data(), vn.data(), t);
        int s = past + t;
        Tensor keys = Tensor.of(cache.gather(cache.keys(layer), s), b, s, w);
        Tensor values = Tensor.of(cache.gather(cache.values(layer), s), b, s, w);
        return attend(q.forward(x), keys, values, AttentionMask.causal(past), bias, ForwardContext.INFERENCE);
    }

    private Tensor attend(Tensor qs, Tensor ks, Tensor vs, AttentionMask mask, Tensor bias, ForwardContext ctx) {
        int b = qs.dim(0);
        int t = qs.dim(1);
        int s = ks.dim(1);
        Capture capture = ctx.capture();
        float[] probs = capture != null && capture.wantsAttention() ? new float[b * nHead * t * s] : null;
        Tensor y = Ops.attention(qs, ks, vs, nHead, mask, scale, bias, probs, attn_dropout.p,
                isTraining() ? ctx.rng() : null);
        if (probs != null) {
            capture.attention(Tensor.of(probs, b, nHead, t, s));
        }
        return o.forward(y);
    }
}
