package org.transformer4j.train;

import java.util.SplittableRandom;

/**
 * Random sources derived from (seed, iteration, micro-step, stream) instead of one generator advanced through the
 * run. Every batch and dropout mask is then a pure function of where it is used, so a resumed run draws exactly
 * what the uninterrupted run would have drawn, with no generator state to save.
 */
final class Seeds {
    static final int TRAIN_BATCH = 1;
    static final int DROPOUT = 2;
    static final int EVAL_TRAIN = 3;
    static final int EVAL_VAL = 4;

    private Seeds() {}

    static SplittableRandom derive(long seed, long iter, long micro, int stream) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        h = mix(h ^ iter);
        h = mix(h ^ (micro * 0xBF58476D1CE4E5B9L));
        h = mix(h ^ ((long) stream << 56));
        return new SplittableRandom(h);
    }

    /** SplitMix64's finaliser: a bijective 64-bit mixer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
