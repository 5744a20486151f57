package org.transformer4j.kernels;

import static org.transformer4j.kernels.ElementWise.F;
import static org.transformer4j.kernels.ElementWise.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Softmax cross-entropy fused with its gradient. The forward keeps only each row's log-sum-exp (one float per row,
 * not the [rows, V] probabilities, which for a 50k vocabulary would dwarf the logits' own gradient); the backward
 * recomputes softmax = exp(logit - lse) while writing the gradient. Rows whose target is {@link #IGNORE} are
 * skipped in both directions.
 */
public final class CrossEntropy {
    /** The target value that marks a row as ignored (padding). */
    public static final int IGNORE = -1;

    private CrossEntropy() {}

    /** Throws IllegalArgumentException naming the first target outside [0, vocab) that is not {@link #IGNORE}. */
    public static void checkTargets(int[] targets, int vocab) {
        for (int r = 0; r < targets.length; r++) {
            int t = targets[r];
            if (t != IGNORE && (t < 0 || t >= vocab)) {
                throw new IllegalArgumentException("crossEntropy: target " + t + " at row " + r
                        + " is outside the vocabulary of size " + vocab + " (use -1 to ignore a row)");
            }
        }
    }

    /**
     * Per-row loss lse - logit[target] into {@code loss[r]} (0 for ignored rows) and the row's log-sum-exp into
     * {@code lse[r]}. Returns the sum of the losses (in double, in row order, so it is deterministic).
     */
    public static double forward(float[] logits, int[] targets, int rows, int vocab, float[] lse, float[] loss) {
        ElementWise.forRows(rows, 4L * vocab, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                if (targets[r] == IGNORE) {
                    loss[r] = 0f;
                    continue;
                }
                int off = r * vocab;
                float max = ElementWise.max(logits, off, vocab);
                float s = Softmax.sumExpShifted(logits, off, vocab, max);
                float l = max + (float) Math.log(s);
                lse[r] = l;
                loss[r] = l - logits[off + targets[r]];
            }
        });
        double total = 0;
        for (int r = 0; r < rows; r++) {
            total += loss[r];
        }
        return total;
    }

    /** gLogits[r, j] += (softmax(logits[r])[j] - [j == target]) * scale for every counted row. */
    public static void backwardAcc(float[] logits, int[] targets, float[] lse, float scale, float[] gLogits,
                                   int rows, int vocab) {
        ElementWise.forRows(rows, 4L * vocab, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                if (targets[r] == IGNORE) {
                    continue;
                }
                int off = r * vocab;
                float l = lse[r];
                FloatVector sv = FloatVector.broadcast(F, scale);
                int i = 0;
                for (int end = F.loopBound(vocab); i < end; i += L) {
                    FloatVector p = VectorMath.exp(FloatVector.fromArray(F, logits, off + i).sub(l));
                    p.fma(sv, FloatVector.fromArray(F, gLogits, off + i)).intoArray(gLogits, off + i);
                }
                for (; i < vocab; i++) {
                    gLogits[off + i] += VectorMath.exp(logits[off + i] - l) * scale;
                }
                gLogits[off + targets[r]] -= scale;
            }
        });
    }
}
