package org.transformer4j.nn;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * A pre-LN Transformer block (GPT-2): x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)). The normalisation sits
 * inside each residual branch, so the residual stream itself is never normalised until the final ln_f.
 */
public final class Block extends Module {
    public final LayerNorm ln_1;
    public final SelfAttention attn;
    public final LayerNorm ln_2;
    public final MLP mlp;

    public Block(int nEmbd, int nHead, int nInner, boolean bias, float dropout, float eps, boolean tanhGelu) {
        this.ln_1 = child("ln_1", new LayerNorm(nEmbd, bias, eps));
        this.attn = child("attn", new SelfAttention(nEmbd, nHead, bias, dropout));
        this.ln_2 = child("ln_2", new LayerNorm(nEmbd, bias, eps));
        this.mlp = child("mlp", new MLP(nEmbd, nInner, bias, dropout, tanhGelu));
    }

    public Tensor forward(Tensor x, AttentionMask mask, ForwardContext ctx) {
        x = Ops.add(x, attn.forward(ln_1.forward(x), mask, ctx));
        return Ops.add(x, mlp.forward(ln_2.forward(x), ctx));
    }

    /** One inference step over new positions with the KV cache of layer {@code layer}. */
    public Tensor forwardCached(Tensor x, KVCache cache, int layer) {
        x = Ops.add(x, attn.forwardCached(ln_1.forward(x), cache, layer));
        return Ops.add(x, mlp.forward(ln_2.forward(x), ForwardContext.INFERENCE));
    }
}
