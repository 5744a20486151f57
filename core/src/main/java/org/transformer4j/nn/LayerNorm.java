package org.transformer4j.nn;

import java.util.Arrays;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/** Layer normalisation over the last dimension, with a gain and an optional bias (nanoGPT's bias=False drops it). */
public final class LayerNorm extends Module implements Norm {
    public final Tensor weight;
    public final Tensor bias;
    public final float eps;

    public LayerNorm(int dim, boolean bias, float eps) {
        this.weight = param("weight", Tensor.zeros(dim));
        Arrays.fill(weight.data(), 1f);
        this.bias = bias ? param("bias", Tensor.zeros(dim)) : null;
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return Ops.layerNorm(x, weight, bias, eps);
    }
}
