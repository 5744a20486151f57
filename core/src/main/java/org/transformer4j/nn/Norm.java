package org.transformer4j.nn;

import org.transformer4j.tensor.Tensor;

/**
 * A normalisation over the last dimension: {@link LayerNorm} (mean and variance, gain and optional bias) or
 * {@link RMSNorm} (root mean square and gain only, T5's and Llama's). Blocks hold one of the two.
 */
public interface Norm {
    Tensor forward(Tensor x);

    /** A LayerNorm or an RMSNorm of width {@code dim}, as a module to register with {@code child}. */
    static Module of(boolean rms, int dim, boolean bias, float eps) {
        return rms ? new RMSNorm(dim, eps) : new LayerNorm(dim, bias, eps);
    }

    /** {@code norm}'s forward; {@code norm} is a module made by {@link #of}. */
    static Tensor apply(Module norm, Tensor x) {
        return ((Norm) norm).forward(x);
    }
}
