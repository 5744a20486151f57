package org.transformer4j.nn;

import java.util.Arrays;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * Llama's causal self-attention: separate q/k/v/o projections without biases, rotary position embeddings on the
 * queries and keys, and grouped-query attention (Ainslie et al., 2023): nKvHead key/value heads, each shared by
 * nHead / nKvHead consecutive query heads, so the KV cache is nHead / nKvHead times smaller. Hugging Face's
 * LlamaAttention names.
 */
public final class GroupedQueryAttention extends Module {
    public final Linear q_proj;
    public final Linear k_proj;
    public final Linear v_proj;
    public final Linear o_proj;
    public final int nHead;
    public final int nKvHead;
    public final int headSize;
    private final float dropout;

    /** @param dropout probability of dropping an attention weight in training (Hugging Face's attention_dropout) */
    public GroupedQueryAttention(int dim, int nHead, int nKvHead, float dropout) {
        if (dim % nHead != 0 || nHead % nKvHead != 0) {
            throw new IllegalArgumentException("dim " + dim + ", n_head " + nHead + ", n_kv_head " + nKvHead
                    + ": dim must split into n_head heads and n_head into n_kv_head groups");
        }
        this.nHead = nHead;
        this.nKvHead = nKvHead;
        this.headSize = dim / nHead;
        this.dropout = dropout;
        this.q_proj = child("q_proj", new Linear(dim, nHead * headSize, false));
        this.k_proj = child("k_proj", new Linear(dim, nKvHead * headSize, false));
        this.v_proj = child("v_proj", new Linear(dim, nKvHead * headSize, false));
        this.o_proj = child("o_proj", new Linear(nHead * headSize, dim, false));
    }

    /** x [B, T, C] attends causally to itself; {@code rope} holds the tables for positions 0..T-1. */
    public Tensor forward(Tensor x, RotaryEmbedding rotary, RotaryEmbedding.Tables rope, ForwardContext ctx) {
        Tensor q = rotary.forward(q_proj.forward(x), rope);
        Tensor k = rotary.forward(k_proj.forward(x), rope);
        Tensor v = v_proj.forward(x);
        return o_proj.forward(attend(q, k, v, AttentionMask.causal(), ctx, isTraining() ? dropout : 0f));
    }

    /**
     * Inference step with a KV cache (batch 1): x [1, T, C] holds the new positions, {@code rope} their tables.
     * Their rotated keys and their values are appended to layer {@code layer} of the cache (the caller advances
     * it after the last layer), and the queries attend over the whole cache.
     */
    public Tensor forwardCached(Tensor x, RotaryEmbedding rotary, RotaryEmbedding.Tables rope, KVCache cache,
                                int layer, ForwardContext ctx) {
        int t = x.dim(1);
        int past = cache.length();
        int kvDim = nKvHead * headSize;
        Tensor q = rotary.forward(q_proj.forward(x), rope);
        Tensor k = rotary.forward(k_proj.forward(x), rope);
        Tensor v = v_proj.forward(x);
        float[] kc = cache.keys(layer);
        float[] vc = cache.values(layer);
        System.arraycopy(k.data(), 0, kc, past * kvDim, t * kvDim);
        System.arraycopy(v.data(), 0, vc, past * kvDim, t * kvDim);
        int s = past + t;
        Tensor keys = Tensor.of(Arrays.copyOf(kc, s * kvDim), 1, s, kvDim);
        Tensor values = Tensor.of(Arrays.copyOf(vc, s * kvDim), 1, s, kvDim);
        return o_proj.forward(attend(q, keys, values, AttentionMask.causal(past), ctx, 0f));
    }

    private Tensor attend(Tensor q, Tensor k, Tensor v, AttentionMask mask, ForwardContext ctx, float p) {
        int b = q.dim(0);
        int t = q.dim(1);
        int s = k.dim(1);
        Capture capture = ctx.capture();
        float[] probs = capture != null && capture.wantsAttention() ? new float[b * nHead * t * s] : null;
        float scale = (float) (1.0 / Math.sqrt(headSize));
        Tensor y = Ops.groupedQueryAttention(q, k, v, nHead, nKvHead, mask, scale, probs, p,
                p > 0f ? ctx.rng() : null);
        if (probs != null) {
            capture.attention(Tensor.of(probs, b, nHead, t, s));
        }
        return y;
    }
}
