package org.transformer4j.nn;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * A Transformer encoder layer: bidirectional self-attention and a feed-forward network, each in a residual
 * branch, with the layer norms either after the residual sum (post-LN, "Attention Is All You Need" and BERT) or
 * inside the branch (pre-LN, as GPT-2's {@link Block}):
 *
 * <pre>
 *   POST:  x = ln_1(x + attn(x));   x = ln_2(x + mlp(x))
 *   PRE:   x = x + attn(ln_1(x));   x = x + mlp(ln_2(x))
 * </pre>
 *
 * The mask is normally {@link AttentionMask#none()} or {@link AttentionMask#padding} (each sequence's real length,
 * padding on the right); padded positions still produce outputs, which callers ignore. The activation of the
 * feed-forward network is configurable (GELU for BERT, ReLU for the original Transformer). Dropout sits where BERT
 * and the paper put it: on the attention weights and on each branch's output before the residual sum.
 */
public final class EncoderBlock extends Module {
    /** Where the layer norms sit relative to the residual connections. */
    public enum Norm { PRE, POST }

    public final SelfAttention attn;
    public final LayerNorm ln_1;
    public final MLP mlp;
    public final LayerNorm ln_2;
    public final Norm norm;

    public EncoderBlock(int nEmbd, int nHead, int nInner, boolean bias, float dropout, float eps, Activation activation,
                        Norm norm) {
        this.attn = child("attn", new SelfAttention(nEmbd, nHead, bias, dropout));
        this.ln_1 = child("ln_1", new LayerNorm(nEmbd, bias, eps));
        this.mlp = child("mlp", new MLP(nEmbd, nInner, bias, dropout, activation));
        this.ln_2 = child("ln_2", new LayerNorm(nEmbd, bias, eps));
        this.norm = norm;
    }

    public Tensor forward(Tensor x, AttentionMask mask, ForwardContext ctx) {
        if (norm == Norm.POST) {
            x = ln_1.forward(Ops.add(x, attn.forward(x, mask, ctx)));
            return ln_2.forward(Ops.add(x, mlp.forward(x, ctx)));
        }
        x = Ops.add(x, attn.forward(ln_1.forward(x), mask, ctx));
        return Ops.add(x, mlp.forward(ln_2.forward(x), ctx));
    }
}
