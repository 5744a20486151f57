package org.transformer4j.nn;

import java.util.SplittableRandom;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * Inverted dropout, active only in training mode. The random source is handed in per call by the caller (the
 * trainer derives it from the seed and the iteration), so a run is repeatable and resumable without saving
 * generator state.
 */
public final class Dropout extends Module {
    public final float p;

    public Dropout(float p) {
        this.p = p;
    }

    public Tensor forward(Tensor x, SplittableRandom rng) {
        return Ops.dropout(x, p, isTraining() && rng != null, rng);
    }
}
