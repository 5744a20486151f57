package org.transformer4j.nn;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * A Llama decoder layer, pre-norm like GPT-2's {@link Block} but with RMSNorm, rotary grouped-query attention and
 * a SwiGLU MLP: x = x + self_attn(input_layernorm(x)); x = x + mlp(post_attention_layernorm(x)).
 * Hugging Face's LlamaDecoderLayer names.
 */
public final class LlamaBlock extends Module {
    public final RMSNorm input_layernorm;
    public final GroupedQueryAttention self_attn;
    public final RMSNorm post_attention_layernorm;
    public final SwiGLU mlp;

    public LlamaBlock(int dim, int nHead, int nKvHead, int hidden, float eps, float attentionDropout) {
        this.input_layernorm = child("input_layernorm", new RMSNorm(dim, eps));
        this.self_attn = child("self_attn", new GroupedQueryAttention(dim, nHead, nKvHead, attentionDropout));
        this.post_attention_layernorm = child("post_attention_layernorm", new RMSNorm(dim, eps));
        this.mlp = child("mlp", new SwiGLU(dim, hidden));
    }

    public Tensor forward(Tensor x, RotaryEmbedding rotary, RotaryEmbedding.Tables rope, ForwardContext ctx) {
        x = Ops.add(x, self_attn.forward(input_layernorm.forward(x), rotary, rope, ctx));
        return Ops.add(x, mlp.forward(post_attention_layernorm.forward(x)));
    }

    /** One inference step over new positions with the KV cache of layer {@code layer}. */
    public Tensor forwardCached(Tensor x, RotaryEmbedding rotary, RotaryEmbedding.Tables rope, KVCache cache,
                                int layer, ForwardContext ctx) {
        x = Ops.add(x, self_attn.forwardCached(input_layernorm.forward(x), rotary, rope, cache, layer, ctx));
        return Ops.add(x, mlp.forward(post_attention_layernorm.forward(x)));
    }
}
