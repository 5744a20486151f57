package org.transformer4j.nn;

import java.util.SplittableRandom;

/**
 * Per-call state of a forward pass: the random source for dropout (null means no dropout, as in evaluation) and an
 * optional {@link Capture} of activations.
 */
public record ForwardContext(SplittableRandom rng, Capture capture) {
    /** No dropout, no capture: evaluation and generation. */
    public static final ForwardContext INFERENCE = new ForwardContext(null, null);

    public static ForwardContext training(SplittableRandom rng) {
        return new ForwardContext(rng, null);
    }

    public static ForwardContext capturing(Capture capture) {
        return new ForwardContext(null, capture);
    }
}
