package org.transformer4j.nn;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/** y = x·Wᵀ + b, with W stored [out, in] as PyTorch stores it. */
public final class Linear extends Module {
    public final Tensor weight;
    public final Tensor bias;

    public Linear(int in, int out, boolean bias) {
        this.weight = param("weight", Tensor.lazyZeros(out, in)); // lazy: a loader may map it instead
        this.bias = bias ? param("bias", Tensor.zeros(out)) : null;
    }

    public Tensor forward(Tensor x) {
        return Ops.linear(x, weight, bias);
    }
}
