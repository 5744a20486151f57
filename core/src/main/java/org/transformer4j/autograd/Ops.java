package org.transformer4j.autograd;

import java.util.SplittableRandom;

import org.transformer4j.tensor.Tensor;

/**
 * The differentiable operations models are built from (the counterpart of torch.nn.functional).
 *
 * <p>Every op returns a new tensor. When {@link GradMode#enabled()} and any input {@linkplain
 * Tensor#requiresGrad() requires grad}, the output requires grad too and carries a {@link Node} whose backward
 * adds the input gradients. Inputs are never modified. "Rows" means the tensor seen as a matrix
 * [size / lastDim, lastDim]: ops that work per row (norms, softmax, linear) accept any leading shape.
 *
 * <p>Shape errors throw {@link IllegalArgumentException} naming the op and the shapes.
 */
public final class Ops {
    private Ops() {}

    private static UnsupportedOperationException todo() {
        return new UnsupportedOperationException("not implemented yet");
    }

    /** y = x·Wᵀ + b. x [..., in], w [out, in] (PyTorch's Linear layout), b [out] or null; y [..., out]. */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        throw todo();
    }

    /** C = A·B for 2-D a [m, k] and b [k, n]. */
    public static Tensor matmul(Tensor a, Tensor b) {
        throw todo();
    }

    /** Element-wise a + b (same shape). */
    public static Tensor add(Tensor a, Tensor b) {
        throw todo();
    }

    /** Element-wise a * b (same shape). */
    public static Tensor mul(Tensor a, Tensor b) {
        throw todo();
    }

    /** a * s for a constant s. */
    public static Tensor scale(Tensor a, float s) {
        throw todo();
    }

    /**
     * Row lookup: out[i, :] = table[ids[i], :]. table [V, C]; the output has shape {@code outShape} + [C]
     * (outShape's product must equal ids.length). An id outside [0, V) throws {@link IllegalArgumentException}
     * naming the id and V. Backward scatters-adds into the table's gradient.
     */
    public static Tensor embedding(Tensor table, int[] ids, int... outShape) {
        throw todo();
    }

    /** Layer normalisation over the last dimension: (x - mean) / sqrt(var + eps) * gamma + beta (beta nullable). */
    public static Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        throw todo();
    }

    /** RMS normalisation over the last dimension: x / sqrt(mean(x^2) + eps) * gamma. */
    public static Tensor rmsNorm(Tensor x, Tensor gamma, float eps) {
        throw todo();
    }

    /** GELU: exact (erf) when {@code tanhApproximation} is false, else the tanh approximation (GPT-2's). */
    public static Tensor gelu(Tensor x, boolean tanhApproximation) {
        throw todo();
    }

    public static Tensor relu(Tensor x) {
        throw todo();
    }

    /** SiLU (swish): x * sigmoid(x). */
    public static Tensor silu(Tensor x) {
        throw todo();
    }

    /**
     * Inverted dropout: when {@code training} and p > 0, zeroes each element with probability p and scales the rest
     * by 1/(1-p); otherwise returns x itself. The mask is drawn from {@code rng}, so a seeded run is repeatable.
     */
    public static Tensor dropout(Tensor x, float p, boolean training, SplittableRandom rng) {
        throw todo();
    }

    /** Splits the last dimension into {@code parts} equal pieces (e.g. a fused QKV projection into q, k, v). */
    public static Tensor[] split(Tensor x, int parts) {
        throw todo();
    }

    /** Softmax over the last dimension. */
    public static Tensor softmax(Tensor x) {
        throw todo();
    }

    /**
     * Mean cross-entropy of softmax(logits) against target ids, fused (never materialises log-softmax as an op).
     * logits [..., V] seen as rows [N, V]; targets has N entries; a target of -1 is ignored (not counted in the
     * mean). A target outside [0, V) other than -1 throws. Returns a scalar.
     */
    public static Tensor crossEntropy(Tensor logits, int[] targets) {
        throw todo();
    }

    /** Sum of all elements, as a scalar. */
    public static Tensor sum(Tensor x) {
        throw todo();
    }

    /** Mean of all elements, as a scalar. */
    public static Tensor mean(Tensor x) {
        throw todo();
    }

    /**
     * Multi-head scaled dot-product attention, fused (one op, one backward).
     *
     * <p>q [B, T, C], k and v [B, S, C], C = nHead * headDim. Head h uses columns h*headDim..(h+1)*headDim-1 of
     * each (the layout of a PyTorch view(B, T, nHead, headDim)). For each batch row and head:
     * out = softmax(scale * q·kᵀ + bias, masked) · v, giving [B, T, C] with the heads concatenated back.
     *
     * @param scale  the logit scale, usually 1/sqrt(headDim) (T5 uses 1)
     * @param bias   an additive logit bias [nHead, T, S] shared over the batch (T5's relative position bias), or
     *               null; it is differentiable
     * @param probs  when not null, receives the attention weights [B, nHead, T, S] (for inspection)
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, int nHead, AttentionMask mask, float scale,
                                   Tensor bias, float[] probs) {
        throw todo();
    }
}
