package org.transformer4j.nn;

import java.util.Arrays;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * Root-mean-square normalisation over the last dimension (Zhang and Sennrich, 2019): x / sqrt(mean(x²) + eps) * weight.
 * Unlike {@link LayerNorm} it neither centres nor has a bias; Llama uses it everywhere LayerNorm would be.
 */
public final class RMSNorm extends Module implements Norm {
    public final Tensor weight;
    public final float eps;

    public RMSNorm(int dim, float eps) {
        this.weight = param("weight", Tensor.zeros(dim));
        Arrays.fill(weight.data(), 1f);
        this.eps = eps;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Ops.rmsNorm(x, weight, eps);
    }
}
