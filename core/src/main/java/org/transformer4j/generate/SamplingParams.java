package org.transformer4j.generate;

import org.transformer4j.T4jException;

/**
 * How the next token is chosen from the logits.
 *
 * @param temperature logits are divided by it; 0 means greedy (always the most likely token)
 * @param topK        keep only the k most likely tokens (0 = no limit)
 * @param topP        keep the smallest set of most likely tokens whose probability reaches p (1 = no limit)
 */
public record SamplingParams(double temperature, int topK, double topP) {
    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new T4jException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new T4jException("top-k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new T4jException("top-p must be in (0, 1], got " + topP);
        }
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0, 0, 1);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
