package org.transformer4j.nn;

import java.util.function.UnaryOperator;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * The Transformer block of every family: self-attention, optionally cross-attention to an encoder's output (the
 * "memory"), then the feed-forward network, each a residual sublayer with dropout on its output and a norm placed
 * inside the branch or after the residual sum ({@link BlockConfig#preNorm}):
 *
 * <pre>
 *   pre-LN:   x = x + drop(f(norm(x)))     GPT-2, Llama, T5: the residual stream is only normalised at the end
 *   post-LN:  x = norm(x + drop(f(x)))     the original Transformer, BERT, BART
 * </pre>
 *
 * A decoder-only model (GPT-2, Llama) stacks blocks without cross-attention under a causal mask; an encoder
 * (BERT, the encoders of the original, T5, BART) the same blocks under a none or padding mask; the decoder of an
 * encoder-decoder {@linkplain #withCrossAttention blocks with cross-attention}. {@link BlockConfig} holds the
 * rest (norm kind, activation, heads, biases, names), and positions come in per call: rotary tables (Llama) or an
 * additive bias (T5) or neither (positions already added to the embeddings).
 */
public final class Block extends Module {
    public final MultiHeadAttention self_attn;
    public final Module self_attn_norm;
    /** Cross-attention and its norm, or null in a block without cross-attention. */
    public final MultiHeadAttention cross_attn;
    public final Module cross_attn_norm;
    public final FeedForward ffn;
    public final Module ffn_norm;
    public final Dropout dropout;
    private final boolean preNorm;

    /** A block with self-attention and the feed-forward network only (decoder-only models and encoders). */
    public Block(BlockConfig c) {
        this(c, false);
    }

    /** A decoder block of an encoder-decoder: self-attention, cross-attention, feed-forward. */
    public static Block withCrossAttention(BlockConfig c) {
        return new Block(c, true);
    }

    private Block(BlockConfig c, boolean crossAttention) {
        BlockNames n = c.names();
        this.preNorm = c.preNorm();
        // Registration order is parameter order, which initialisation follows: each family keeps its own.
        if (n.normsFirst()) {
            this.self_attn_norm = child(n.selfAttnNorm(), norm(c));
            this.self_attn = child(n.selfAttn(), new MultiHeadAttention(c));
        } else {
            this.self_attn = child(n.selfAttn(), new MultiHeadAttention(c));
            this.self_attn_norm = child(n.selfAttnNorm(), norm(c));
        }
        if (crossAttention && n.normsFirst()) {
            this.cross_attn_norm = child(n.crossAttnNorm(), norm(c));
            this.cross_attn = child(n.crossAttn(), new MultiHeadAttention(c));
        } else if (crossAttention) {
            this.cross_attn = child(n.crossAttn(), new MultiHeadAttention(c));
            this.cross_attn_norm = child(n.crossAttnNorm(), norm(c));
        } else {
            this.cross_attn = null;
            this.cross_attn_norm = null;
        }
        FeedForward f = new FeedForward(c.dModel(), c.dFF(), c.activation(), c.bias(), c.activationDropout(), n);
        if (n.normsFirst()) {
            this.ffn_norm = child(n.ffnNorm(), norm(c));
            this.ffn = child(n.ffn(), f);
        } else {
            this.ffn = child(n.ffn(), f);
            this.ffn_norm = child(n.ffnNorm(), norm(c));
        }
        this.dropout = child("dropout", new Dropout(c.dropout()));
    }

    private static Module norm(BlockConfig c) {
        return Norm.of(c.rmsNorm(), c.dModel(), c.bias(), c.normEps());
    }

    /** x [B, T, C] attends to itself under {@code mask}; {@code bias} [nHead, T, T] or null. */
    public Tensor forward(Tensor x, AttentionMask mask, Tensor bias, ForwardContext ctx) {
        return forward(x, mask, bias, null, ctx);
    }

    /** As above, with queries and keys rotated by {@code rope} (the tables of positions 0..T-1) when not null. */
    public Tensor forward(Tensor x, AttentionMask mask, Tensor bias, RotaryEmbedding.Tables rope, ForwardContext ctx) {
        x = sublayer(x, self_attn_norm, h -> self_attn.forward(h, h, mask, bias, rope, ctx), ctx);
        return sublayer(x, ffn_norm, h -> ffn.forward(h, ctx), ctx);
    }

    /**
     * Teacher forcing in a decoder block: x [B, T, C] attends causally to itself (with {@code selfBias}
     * [nHead, T, T] or null) and to {@code memory} [B, S, C] under {@code crossMask}. Cross-attention weights go
     * to {@code crossCapture} when it wants them; self-attention weights to the context's capture.
     */
    public Tensor forward(Tensor x, Tensor memory, Tensor selfBias, AttentionMask crossMask, ForwardContext ctx,
                          Capture crossCapture) {
        ForwardContext crossCtx = new ForwardContext(ctx.rng(), crossCapture);
        x = sublayer(x, self_attn_norm, h -> self_attn.forward(h, h, AttentionMask.causal(), selfBias, ctx), ctx);
        x = sublayer(x, cross_attn_norm, h -> cross_attn.forward(h, memory, crossMask, null, crossCtx), ctx);
        return sublayer(x, ffn_norm, h -> ffn.forward(h, ctx), ctx);
    }

    /**
     * One inference step over new positions x [B, t, C] with layer {@code layer} of the cache: self-attention
     * appends to and reads the cache ({@code selfBias} [nHead, t, capacity] or null, {@code rope} the new
     * positions' tables or null); cross-attention, in a decoder block, reads the memory's keys and values the
     * cache holds instead of projecting the memory again.
     */
    public Tensor forwardCached(Tensor x, KVCache cache, int layer, Tensor selfBias, RotaryEmbedding.Tables rope) {
        ForwardContext ctx = ForwardContext.INFERENCE;
        x = sublayer(x, self_attn_norm, h -> self_attn.forwardCached(h, cache, layer, selfBias, rope), ctx);
        if (cross_attn != null) {
            x = sublayer(x, cross_attn_norm, h -> cross_attn.forwardWithKeysValues(h, cache.crossKeys(layer),
                    cache.crossValues(layer), cache.crossMask(), null, ctx), ctx);
        }
        return sublayer(x, ffn_norm, h -> ffn.forward(h, ctx), ctx);
    }

    /** {@link #forwardCached(Tensor, KVCache, int, Tensor, RotaryEmbedding.Tables)} without rotary positions. */
    public Tensor forwardCached(Tensor x, KVCache cache, int layer, Tensor selfBias) {
        return forwardCached(x, cache, layer, selfBias, null);
    }

    /** One residual sublayer f with its norm and output dropout, pre- or post-norm. */
    private Tensor sublayer(Tensor x, Module norm, UnaryOperator<Tensor> f, ForwardContext ctx) {
        if (preNorm) {
            return Ops.add(x, dropout.forward(f.apply(Norm.apply(norm, x)), ctx.rng()));
        }
        return Norm.apply(norm, Ops.add(x, dropout.forward(f.apply(x), ctx.rng())));
    }
}
