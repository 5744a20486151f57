package org.transformer4j.nn;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * Multi-head attention whose queries come from one sequence and keys and values from another (the decoder
 * attending to the encoder's output in an encoder-decoder Transformer). Queries are projected by q_proj, keys
 * and values together by kv_proj (one matrix multiply), the heads' outputs by out_proj. The same fused
 * {@link Ops#attention} op as {@link SelfAttention} does the work; only where K and V come from differs.
 */
public final class CrossAttention extends Module {
    public final Linear q_proj;
    public final Linear kv_proj;
    public final Linear out_proj;
    public final Dropout attn_dropout;
    public final Dropout resid_dropout;
    public final int nHead;
    public final int nEmbd;

    public CrossAttention(int nEmbd, int nHead, boolean bias, float dropout) {
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd " + nEmbd + " is not divisible by n_head " + nHead);
        }
        this.nEmbd = nEmbd;
        this.nHead = nHead;
        this.q_proj = child("q_proj", new Linear(nEmbd, nEmbd, bias));
        this.kv_proj = child("kv_proj", new Linear(nEmbd, 2 * nEmbd, bias));
        this.out_proj = child("out_proj", new Linear(nEmbd, nEmbd, bias));
        this.attn_dropout = child("attn_dropout", new Dropout(dropout));
        this.resid_dropout = child("resid_dropout", new Dropout(dropout));
    }

    /**
     * x [B, T, C] attends to memory [B, S, C]; {@code mask} is usually {@link AttentionMask#none()} or
     * {@link AttentionMask#padding} with the memory's valid lengths.
     */
    public Tensor forward(Tensor x, Tensor memory, AttentionMask mask, ForwardContext ctx) {
        Tensor q = q_proj.forward(x);
        Tensor[] kv = Ops.split(kv_proj.forward(memory), 2);
        int b = x.dim(0);
        int t = x.dim(1);
        int s = memory.dim(1);
        Capture capture = ctx.capture();
        float[] probs = capture != null && capture.wantsAttention() ? new float[b * nHead * t * s] : null;
        float scale = (float) (1.0 / Math.sqrt(nEmbd / nHead));
        Tensor y = Ops.attention(q, kv[0], kv[1], nHead, mask, scale, null, probs, attn_dropout.p,
                isTraining() ? ctx.rng() : null);
        if (probs != null) {
            capture.attention(Tensor.of(probs, b, nHead, t, s));
        }
        return resid_dropout.forward(out_proj.forward(y), ctx.rng());
    }
}
