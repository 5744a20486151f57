package org.transformer4j.nn;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * Multi-head attention, the one attention module of every family. What varies between them is configuration:
 *
 * <pre>
 *   projections   separate q, k, v, o (Llama, T5, BART, BERT) or one fused [C, 3C] qkv and o (GPT-2's c_attn)
 *   heads         nKvHead = nHead, or fewer key/value heads each shared by nHead / nKvHead consecutive query
 *                 heads (grouped-query attention, Ainslie et al. 2023: Llama 2/3's smaller KV cache)
 *   positions     rotary embeddings on q and k (Llama), an additive bias [nHead, T, S] on the logits (T5's
 *                 relative positions), or neither (positions were added to the embeddings)
 *   scale         1/sqrt(dHead), or 1 (T5 folds it into the initialisation)
 *   mask          causal, none, padding (any {@link AttentionMask})
 *   keys/values   from the same sequence (self-attention) or another one (cross-attention to the encoder output)
 * </pre>
 *
 * One fused op ({@link Ops#attention}) does the work in every case. Incremental decoding
 * ({@link #forwardCached}) appends the new keys and values to a {@link KVCache} and reads it in place.
 */
public final class MultiHeadAttention extends Module {
    /** The query, key and value projections, or null when they are fused into {@link #qkv}. */
    public final Linear q;
    public final Linear k;
    public final Linear v;
    /** The fused projection (GPT-2), or null. */
    public final Linear qkv;
    public final Linear o;
    public final int nHead;
    public final int nKvHead;
    public final int dHead;
    public final float scale;
    /** Dropout probability of an attention weight in training. */
    public final float dropout;

    public MultiHeadAttention(BlockConfig c) {
        BlockNames n = c.names();
        this.nHead = c.nHead();
        this.nKvHead = c.nKvHead();
        this.dHead = c.dHead();
        int inner = nHead * dHead;
        int kv = nKvHead * dHead;
        if (n.qkv() != null) {
            this.qkv = child(n.qkv(), new Linear(c.dModel(), 3 * inner, c.bias()));
            this.q = null;
            this.k = null;
            this.v = null;
        } else {
            this.qkv = null;
            this.q = child(n.q(), new Linear(c.dModel(), inner, c.bias()));
            this.k = child(n.k(), new Linear(c.dModel(), kv, c.bias()));
            this.v = child(n.v(), new Linear(c.dModel(), kv, c.bias()));
        }
        this.o = child(n.o(), new Linear(inner, c.dModel(), c.bias()));
        this.scale = c.scaledAttention() ? (float) (1.0 / Math.sqrt(dHead)) : 1f;
        this.dropout = c.attentionDropout();
    }

    /** Width of the projected queries (nHead * dHead). */
    public int inner() {
        return nHead * dHead;
    }

    /**
     * x [B, T, C] attends to {@code source} [B, S, C] (x itself for self-attention) under {@code mask}, with an
     * optional additive {@code bias} [nHead, T, S].
     */
    public Tensor forward(Tensor x, Tensor source, AttentionMask mask, Tensor bias, ForwardContext ctx) {
        return forward(x, source, mask, bias, null, ctx);
    }

    /** As above, queries and keys rotated by {@code rope} (the tables of their positions) when it is not null. */
    public Tensor forward(Tensor x, Tensor source, AttentionMask mask, Tensor bias, RotaryEmbedding.Tables rope,
                          ForwardContext ctx) {
        Tensor[] p = project(x, source, rope);
        return attend(p[0], p[1], p[2], mask, bias, ctx);
    }

    /** Keys and values of {@code memory} [B, S, C], computed once per generation for cross-attention. */
    public Tensor[] keysValues(Tensor memory) {
        requireSeparate("cross-attention keys");
        return new Tensor[] {k.forward(memory), v.forward(memory)};
    }

    /** Cross-attention over keys and values made by {@link #keysValues}. */
    public Tensor forwardWithKeysValues(Tensor x, Tensor keys, Tensor values, AttentionMask mask, Tensor bias,
                                        ForwardContext ctx) {
        requireSeparate("cross-attention");
        return attend(q.forward(x), keys, values, mask, bias, ctx);
    }

    /**
     * A self-attention step of incremental decoding: x [B, t, C] holds t new positions of each of the cache's B
     * rows ({@code rope} their tables, or null). Their keys and values are appended to layer {@code layer} of the
     * cache (the caller advances it after the last layer) and the queries attend causally over everything cached.
     * The cache is read in place, [B, capacity, width], not copied: the causal mask with offset {@code past} lets
     * query i see keys [0, past + i] only, and the attention kernel stops at the last visible key. So
     * {@code bias}, when given, is [nHead, t, capacity].
     */
    public Tensor forwardCached(Tensor x, KVCache cache, int layer, Tensor bias, RotaryEmbedding.Tables rope) {
        int b = x.dim(0);
        int t = x.dim(1);
        int past = cache.length();
        Tensor[] p = project(x, x, rope);
        cache.append(layer, p[1].data(), p[2].data(), t);
        Tensor keys = Tensor.of(cache.keys(layer), b, cache.capacity(), cache.width());
        Tensor values = Tensor.of(cache.values(layer), b, cache.capacity(), cache.width());
        return attend(p[0], keys, values, AttentionMask.causal(past), bias, ForwardContext.INFERENCE);
    }

    /** Queries of x, keys and values of source, the queries and keys rotated when {@code rope} is given. */
    private Tensor[] project(Tensor x, Tensor source, RotaryEmbedding.Tables rope) {
        Tensor[] p;
        if (qkv != null) {
            if (source != x) {
                throw new IllegalArgumentException("a fused q/k/v projection cannot attend to another sequence");
            }
            p = Ops.split(qkv.forward(x), 3);
        } else {
            p = new Tensor[] {q.forward(x), k.forward(source), v.forward(source)};
        }
        if (rope != null) {
            p[0] = rope.rotate(p[0]);
            p[1] = rope.rotate(p[1]);
        }
        return p;
    }

    private Tensor attend(Tensor qs, Tensor ks, Tensor vs, AttentionMask mask, Tensor bias, ForwardContext ctx) {
        int b = qs.dim(0);
        int t = qs.dim(1);
        int s = ks.dim(1);
        Capture capture = ctx.capture();
        float[] probs = capture != null && capture.wantsAttention() ? new float[b * nHead * t * s] : null;
        var rng = isTraining() ? ctx.rng() : null;
        Tensor y;
        if (nKvHead == nHead) {
            y = Ops.attention(qs, ks, vs, nHead, mask, scale, bias, probs, dropout, rng);
        } else {
            if (bias != null) {
                throw new IllegalArgumentException("an additive attention bias with grouped-query attention");
            }
            y = Ops.groupedQueryAttention(qs, ks, vs, nHead, nKvHead, mask, scale, probs, dropout, rng);
        }
        if (probs != null) {
            capture.attention(Tensor.of(probs, b, nHead, t, s));
        }
        return o.forward(y);
    }

    private void requireSeparate(String what) {
        if (qkv != null) {
            throw new IllegalStateException(what + " need separate q, k, v projections, not a fused one");
        }
    }
}
