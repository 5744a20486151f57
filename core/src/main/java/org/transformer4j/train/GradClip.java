package org.transformer4j.train;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import org.transformer4j.kernels.Parallel;
import org.transformer4j.kernels.Lanes;
import org.transformer4j.tensor.Tensor;

/**
 * Global-norm gradient clipping with PyTorch's {@code clip_grad_norm_} semantics, as nanoGPT uses it:
 * the norm is over all gradients together, and they are scaled by {@code maxNorm / (norm + 1e-6)} when that is
 * below 1. Tensors without a gradient array are skipped, as PyTorch skips {@code grad is None}.
 */
public final class GradClip {
    /** PyTorch adds this to the norm before dividing, so a zero gradient does not divide by zero. */
    public static final double EPS = 1e-6;

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats with as many lanes as D, so one load widens into exactly one double vector. */
    private static final VectorSpecies<Float> FH =
            VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * Sums of squares are formed per fixed block and the block sums added in order, so the norm does not depend on
     * the thread count.
     */
    private static final int BLOCK = 1 << 16;

    private GradClip() {}

    /** The L2 norm of all gradients together, accumulated in double. */
    public static double globalNorm(Iterable<Tensor> params) {
        double sum = 0;
        for (Tensor t : params) {
            if (t.hasGrad()) {
                sum += sumOfSquares(t.grad());
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales all gradients so their global norm is at most {@code maxNorm} and returns the norm before clipping
     * (nanoGPT ignores it; we log it). A non-finite norm makes the gradients non-finite, as in PyTorch, so the
     * caller can see it and stop.
     */
    public static double clipGradNorm(Iterable<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        }
        double norm = globalNorm(params);
        double coef = maxNorm / (norm + EPS);
        if (!(coef >= 1.0)) { // also true for NaN, which PyTorch propagates into the gradients
            float c = (float) coef;
            for (Tensor t : params) {
                if (t.hasGrad()) {
                    scale(t.grad(), c);
                }
            }
        }
        return norm;
    }

    static double sumOfSquares(float[] g) {
        int n = g.length;
        int blocks = (n + BLOCK - 1) / BLOCK;
        if (blocks <= 1) {
            return sumOfSquares(g, 0, n);
        }
        double[] partial = new double[blocks];
        Parallel.forRange(blocks, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                partial[b] = sumOfSquares(g, b * BLOCK, Math.min(n, (b + 1) * BLOCK));
            }
        });
        double s = 0;
        for (double p : partial) {
            s += p;
        }
        return s;
    }

    private static double sumOfSquares(float[] g, int from, int to) {
        DoubleVector acc = DoubleVector.zero(D);
        int lanes = D.length();
        int i = from;
        for (; i + lanes <= to; i += lanes) {
            DoubleVector x = (DoubleVector) FloatVector.fromArray(FH, g, i).convertShape(VectorOperators.F2D, D, 0);
            acc = x.fma(x, acc);
        }
        double s = Lanes.sum(acc);
        for (; i < to; i++) {
            s += (double) g[i] * g[i];
        }
        return s;
    }

    private static void scale(float[] g, float c) {
        int i = 0;
        for (int bound = F.loopBound(g.length); i < bound; i += F.length()) {
            FloatVector.fromArray(F, g, i).mul(c).intoArray(g, i);
        }
        for (; i < g.length; i++) {
            g[i] *= c;
        }
    }
}
