package org.transformer4j.nn;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * The position-wise feed-forward network of an encoder or decoder block, named as T5 names it:
 * <pre>
 *   plain:  wo(act(wi(x)))                    the original Transformer (ReLU), BERT and BART (GELU)
 *   gated:  wo(act(wi_0(x)) * wi_1(x))        T5 v1.1 "gated-gelu" (GELU's tanh form), Llama's SwiGLU
 * </pre>
 * ({@link Activation}: the same enum as GPT-2's {@link MLP}) with dropout on the hidden activation (T5 and fairseq
 * put it there; BERT passes 0, it has none) and none on the output (the block applies residual dropout).
 */
public final class FeedForward extends Module {
    public final Linear wi;
    public final Linear wi_0;
    public final Linear wi_1;
    public final Linear wo;
    public final Dropout dropout;
    public final Activation activation;

    public FeedForward(int dModel, int dFF, Activation activation, boolean bias, float dropout) {
        this.activation = activation;
        if (activation.gated()) {
            this.wi = null;
            this.wi_0 = child("wi_0", new Linear(dModel, dFF, bias));
            this.wi_1 = child("wi_1", new Linear(dModel, dFF, bias));
        } else {
            this.wi = child("wi", new Linear(dModel, dFF, bias));
            this.wi_0 = null;
            this.wi_1 = null;
        }
        this.wo = child("wo", new Linear(dFF, dModel, bias));
        this.dropout = child("dropout", new Dropout(dropout));
    }

    public Tensor forward(Tensor x, ForwardContext ctx) {
        Tensor h = activation.gated() ? Ops.mul(activation.apply(wi_0.forward(x)), wi_1.forward(x))
                : activation.apply(wi.forward(x));
        return wo.forward(dropout.forward(h, ctx.rng()));
    }
}
