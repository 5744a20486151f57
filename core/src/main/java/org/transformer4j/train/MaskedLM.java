package org.transformer4j.train;

import java.util.SplittableRandom;

/**
 * BERT's masked-LM corruption (Devlin et al., 2018, section 3.1): each maskable position is chosen with
 * probability {@code probability} (0.15); a chosen token is replaced by [MASK] with probability 0.8, by a random
 * token with probability 0.1 and kept with probability 0.1, and becomes a target. Positions not chosen get target
 * -1, which the loss ignores. A pure function of the generator: the same rng state gives the same batch.
 */
public final class MaskedLM {
    /** The share of positions chosen for prediction (BERT's 15%). */
    public static final double PROBABILITY = 0.15;

    private MaskedLM() {}

    /**
     * Corrupts {@code ids} into {@code input} and writes the targets (the original id at chosen positions, -1
     * elsewhere). Random replacements are drawn from [0, randomVocab), the real tokens (never [MASK] or [CLS]).
     * Per position the draws are: one uniform for "chosen?", then for a chosen one a uniform for the action and,
     * for a random replacement, the token.
     *
     * @param maskable   which positions may be chosen (false for [CLS], [SEP], padding), or null for all
     * @return the number of chosen positions
     */
    public static int apply(int[] ids, boolean[] maskable, double probability, int maskId, int randomVocab,
                            SplittableRandom rng, int[] input, int[] targets) {
        if (!(probability > 0 && probability <= 1)) {
            throw new IllegalArgumentException("masking probability must be in (0, 1], got " + probability);
        }
        if (randomVocab <= 0) {
            throw new IllegalArgumentException("randomVocab must be positive, got " + randomVocab);
        }
        int chosen = 0;
        for (int i = 0; i < ids.length; i++) {
            input[i] = ids[i];
            targets[i] = -1;
            if (maskable != null && !maskable[i]) {
                continue;
            }
            if (rng.nextDouble() >= probability) {
                continue;
            }
            chosen++;
            targets[i] = ids[i];
            double action = rng.nextDouble();
            if (action < 0.8) {
                input[i] = maskId;
            } else if (action < 0.9) {
                input[i] = rng.nextInt(randomVocab);
            }
        }
        return chosen;
    }
}
