package org.transformer4j.train;

/**
 * nanoGPT's learning-rate schedule ({@code get_lr} in train.py): linear warmup, cosine decay to {@code min_lr},
 * then constant {@code min_lr}; or a constant {@code learning_rate} when {@code decay_lr} is False.
 */
public final class LrSchedule {
    private final double learningRate;
    private final int warmupIters;
    private final int lrDecayIters;
    private final double minLr;
    private final boolean decayLr;

    public LrSchedule(double learningRate, int warmupIters, int lrDecayIters, double minLr, boolean decayLr) {
        if (decayLr && lrDecayIters < warmupIters) {
            throw new IllegalArgumentException("lr_decay_iters " + lrDecayIters + " < warmup_iters " + warmupIters);
        }
        this.learningRate = learningRate;
        this.warmupIters = warmupIters;
        this.lrDecayIters = lrDecayIters;
        this.minLr = minLr;
        this.decayLr = decayLr;
    }

    public static LrSchedule of(TrainConfig c) {
        return new LrSchedule(c.learningRate(), c.warmupIters(), c.lrDecayIters(), c.minLr(), c.decayLr());
    }

    /** The learning rate for iteration {@code it} (0-based, the iteration about to be taken). */
    public double lr(long it) {
        if (!decayLr) {
            return learningRate;
        }
        if (it < warmupIters) {
            // nanoGPT: learning_rate * (it + 1) / (warmup_iters + 1), so the first step is not taken at lr 0.
            return learningRate * (it + 1) / (warmupIters + 1);
        }
        if (it > lrDecayIters) {
            return minLr;
        }
        // When lr_decay_iters == warmup_iters nanoGPT divides by zero here; the only such iteration is the first
        // after warmup, and the cosine's value at its start (the full rate) is the natural answer.
        double decayRatio = lrDecayIters == warmupIters ? 0.0
                : (double) (it - warmupIters) / (lrDecayIters - warmupIters);
        double coeff = 0.5 * (1.0 + Math.cos(Math.PI * decayRatio));
        return minLr + coeff * (learningRate - minLr);
    }
}
