package org.transformer4j.generate;

import org.transformer4j.T4jException;

/**
 * Beam search settings, as Hugging Face's generate names them.
 *
 * @param numBeams      beams kept per step (1 is greedy)
 * @param lengthPenalty a finished hypothesis scores sum(log p) / length^lengthPenalty (0: raw log-probability;
 *                      above 0 favours longer sequences)
 * @param earlyStopping stop as soon as numBeams hypotheses have finished; otherwise continue until no running
 *                      beam can still beat the worst finished one (transformers' early_stopping=False heuristic)
 */
public record BeamParams(int numBeams, double lengthPenalty, boolean earlyStopping) {
    public BeamParams {
        if (numBeams < 1) {
            throw new T4jException("num_beams must be >= 1, got " + numBeams);
        }
        if (!Double.isFinite(lengthPenalty)) {
            throw new T4jException("length_penalty must be finite, got " + lengthPenalty);
        }
    }

    public static BeamParams of(int numBeams) {
        return new BeamParams(numBeams, 1.0, false);
    }
}
