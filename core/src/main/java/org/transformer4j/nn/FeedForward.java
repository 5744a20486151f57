package org.transformer4j.nn;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * The position-wise feed-forward network of every family, plain or gated ({@link Activation#gated()}):
 * <pre>
 *   plain:  wo(act(wi(x)))                   GPT-2 (c_fc, c_proj; tanh GELU), BERT and BART (GELU), the original (ReLU)
 *   gated:  wo(act(wi_0(x)) * wi_1(x))       Llama's SwiGLU (gate_proj, up_proj, down_proj; Shazeer 2020),
 *                                            T5 v1.1's gated-GELU
 * </pre>
 * Child names come from {@link BlockNames} (T5's wi/wo here). Dropout sits on the hidden activation (T5 and
 * fairseq put it there; BERT, GPT-2 and Llama pass 0) and none on the output (the block applies residual dropout).
 */
public final class FeedForward extends Module {
    public final Linear wi;
    public final Linear wi_0;
    public final Linear wi_1;
    public final Linear wo;
    public final Dropout dropout;
    public final Activation activation;

    /** A feed-forward network with our names (wi, wi_0, wi_1, wo). */
    public FeedForward(int dModel, int dFF, Activation activation, boolean bias, float dropout) {
        this(dModel, dFF, activation, bias, dropout, BlockNames.SEQ2SEQ);
    }

    public FeedForward(int dModel, int dFF, Activation activation, boolean bias, float dropout, BlockNames n) {
        this.activation = activation;
        if (activation.gated() ? n.wi0() == null : n.wi() == null) {
            throw new IllegalArgumentException("this family's feed-forward has no " + (activation.gated()
                    ? "gated pair of input projections for " : "single input projection for ") + activation);
        }
        if (activation.gated()) {
            this.wi = null;
            this.wi_0 = child(n.wi0(), new Linear(dModel, dFF, bias));
            this.wi_1 = child(n.wi1(), new Linear(dModel, dFF, bias));
        } else {
            this.wi = child(n.wi(), new Linear(dModel, dFF, bias));
            this.wi_0 = null;
            this.wi_1 = null;
        }
        this.wo = child(n.wo(), new Linear(dFF, dModel, bias));
        this.dropout = child("dropout", new Dropout(dropout));
    }

    public Tensor forward(Tensor x, ForwardContext ctx) {
        Tensor h = activation.gated() ? Ops.mul(activation.apply(wi_0.forward(x)), wi_1.forward(x))
                : activation.apply(wi.forward(x));
        return wo.forward(dropout.forward(h, ctx.rng()));
    }
}
