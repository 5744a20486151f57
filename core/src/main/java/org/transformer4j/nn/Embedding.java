package org.transformer4j.nn;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/** A lookup table of {@code count} vectors of width {@code dim}. */
public final class Embedding extends Module {
    public final Tensor weight;

    public Embedding(int count, int dim) {
        this.weight = param("weight", Tensor.lazyZeros(count, dim)); // lazy: a loader may map it instead
    }

    /** The rows of {@code ids}, shaped {@code shape} + [dim]. */
    public Tensor forward(int[] ids, int... shape) {
        return Ops.embedding(weight, ids, shape);
    }
}
