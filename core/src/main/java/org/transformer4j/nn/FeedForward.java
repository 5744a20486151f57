package org.transformer4j.nn;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * The position-wise feed-forward network of an encoder or decoder block, named as T5 names it:
 * <pre>
 *   plain:  wo(act(wi(x)))                    the original Transformer (ReLU), BERT and BART (GELU)
 *   gated:  wo(act(wi_0(x)) * wi_1(x))        T5 v1.1 "gated-gelu" (GELU's tanh form), Llama's SwiGLU
 * </pre>
 * with dropout on the hidden activation (T5 and fairseq put it there) and none on the output (the block applies
 * residual dropout).
 */
public final class FeedForward extends Module {
    /** The nonlinearity, and whether the hidden layer is gated by a second projection. */
    public enum Activation {
        RELU("relu", false), GELU("gelu", false), GELU_TANH("gelu_new", false), GATED_GELU("gated-gelu", true),
        GATED_SILU("gated-silu", true);

        /** T5's feed_forward_proj spelling. */
        public final String spelling;
        public final boolean gated;

        Activation(String spelling, boolean gated) {
            this.spelling = spelling;
            this.gated = gated;
        }

        /** Parses T5's feed_forward_proj ("relu", "gated-gelu", ...) or an activation name. */
        public static Activation parse(String s) {
            for (Activation a : values()) {
                if (a.spelling.equals(s)) {
                    return a;
                }
            }
            return switch (s) {
                case "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
                case "gated-silu", "gated-swish" -> GATED_SILU;
                default -> throw new T4jException("unsupported feed-forward activation '" + s
                        + "' (supported: relu, gelu, gelu_new, gated-gelu, gated-silu)");
            };
        }
    }

    public final Linear wi;
    public final Linear wi_0;
    public final Linear wi_1;
    public final Linear wo;
    public final Dropout dropout;
    public final Activation activation;

    public FeedForward(int dModel, int dFF, Activation activation, boolean bias, float dropout) {
        this.activation = activation;
        if (activation.gated) {
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
        Tensor h = switch (activation) {
            case RELU -> Ops.relu(wi.forward(x));
            case GELU -> Ops.gelu(wi.forward(x), false);
            case GELU_TANH -> Ops.gelu(wi.forward(x), true);
            case GATED_GELU -> Ops.mul(Ops.gelu(wi_0.forward(x), true), wi_1.forward(x));
            case GATED_SILU -> Ops.mul(Ops.silu(wi_0.forward(x)), wi_1.forward(x));
        };
        return wo.forward(dropout.forward(h, ctx.rng()));
    }
}
