package org.transformer4j.tensor;

import java.util.SplittableRandom;

/** Standard normal samples from a {@link SplittableRandom}, by Box-Muller (deterministic for a given seed). */
public final class Gaussian {
    private Gaussian() {}

    /** One N(0, 1) sample. Uses two uniforms per call so the stream does not depend on call history. */
    public static double next(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble(); // in (0, 1], so log is finite
        double u2 = rng.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
