package org.transformer4j.nn;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * Multi-head self-attention with a fused query/key/value projection (c_attn, as GPT-2 names it) and an output
 * projection (c_proj): GPT-2's. Any {@link AttentionMask} works (causal for GPT-2, none or padding for a
 * bidirectional use); the encoder families use {@link MultiHeadAttention} in {@link EncoderLayer} instead.
 */
public final class SelfAttention extends Module {
    public final Linear c_attn;
    public final Linear c_proj;
    public final Dropout attn_dropout;
    public final Dropout resid_dropout;
    public final int nHead;
    public final int nEmbd;

    public SelfAttention(int nEmbd, int nHead, boolean bias, float dropout) {
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd " + nEmbd + " is not divisible by n_head " + nHead);
        }
        this.nEmbd = nEmbd;
        this.nHead = nHead;
        this.c_attn = child("c_attn", new Linear(nEmbd, 3 * nEmbd, bias));
        this.c_proj = child("c_proj", new Linear(nEmbd, nEmbd, bias));
        this.attn_dropout = child("attn_dropout", new Dropout(dropout));
        this.resid_dropout = child("resid_dropout", new Dropout(dropout));
    }

    /** x [B, T, C] attends to itself under {@code mask}. */
    public Tensor forward(Tensor x, AttentionMask mask, ForwardContext ctx) {
        Tensor[] qkv = Ops.split(c_attn.forward(x), 3);
        Tensor y = attend(qkv[0], qkv[1], qkv[2], mask, ctx);
        return resid_dropout.forward(c_proj.forward(y), ctx.rng());
    }

    /**
     * Inference step with a KV cache (batch 1): x [1, T, C] holds the new positions; their keys and values are
     * appended to layer {@code layer} of the cache (the caller advances the cache after the last layer).
     */
    public Tensor forwardCached(Tensor x, KVCache cache, int layer) {
        int t = x.dim(1);
        int past = cache.length();
        Tensor[] qkv = Ops.split(c_attn.forward(x), 3);
        float[] kc = cache.keys(layer);
        float[] vc = cache.values(layer);
        System.arraycopy(qkv[1].data(), 0, kc, past * nEmbd, t * nEmbd);
        System.arraycopy(qkv[2].data(), 0, vc, past * nEmbd, t * nEmbd);
        // The whole cache, not a copy of its filled part: the causal mask with offset `past` lets query i see
        // keys [0, past + i] only, and the attention kernel stops its products at the last visible key.
        Tensor k = Tensor.of(kc, 1, cache.capacity(), nEmbd);
        Tensor v = Tensor.of(vc, 1, cache.capacity(), nEmbd);
        Tensor y = attend(qkv[0], k, v, AttentionMask.causal(past), ForwardContext.INFERENCE);
        return c_proj.forward(y);
    }

    private Tensor attend(Tensor q, Tensor k, Tensor v, AttentionMask mask, ForwardContext ctx) {
        int b = q.dim(0);
        int t = q.dim(1);
        int s = k.dim(1);
        Capture capture = ctx.capture();
        float[] probs = capture != null && capture.wantsAttention() ? new float[b * nHead * t * s] : null;
        float scale = (float) (1.0 / Math.sqrt(nEmbd / nHead));
        Tensor y = Ops.attention(q, k, v, nHead, mask, scale, null, probs, attn_dropout.p,
                isTraining() ? ctx.rng() : null);
        if (probs != null) {
            capture.attention(Tensor.of(probs, b, nHead, t, s));
        }
        return y;
    }
}
