package org.transformer4j.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits: greedy, or sampling with temperature, top-k and top-p (nucleus).
 * Keeps its scratch arrays between calls, so a generation loop allocates nothing per token here.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom rng;
    private double[] probs = new double[0];
    private Integer[] order = new Integer[0];
    private int[] index = new int[0];

    public Sampler(SamplingParams params, long seed) {
        this.params = params;
        this.rng = new SplittableRandom(seed);
    }

    /** The index of the largest logit (the lowest index among ties). */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    public int next(float[] logits) {
        if (params.isGreedy()) {
            return argmax(logits);
        }
        int v = logits.length;
        ensure(v);
        // Candidates: all ids, or the top k by logit (ties broken by lower id, so the choice is deterministic).
        int n = v;
        for (int i = 0; i < v; i++) {
            index[i] = i;
        }
        if (params.topK() > 0 && params.topK() < v) {
            sortByLogitDescending(logits, v);
            n = params.topK();
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[index[i]]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double p = Math.exp((logits[index[i]] - max) / params.temperature());
            probs[i] = p;
            sum += p;
        }
        for (int i = 0; i < n; i++) {
            probs[i] /= sum;
        }
        if (params.topP() < 1) {
            if (n == v) { // not sorted yet
                sortByLogitDescending(logits, v);
                for (int i = 0; i < n; i++) {
                    probs[i] = Math.exp((logits[index[i]] - max) / params.temperature()) / sum;
                }
            }
            double cumulative = 0;
            int keep = 0;
            while (keep < n) {
                cumulative += probs[keep++];
                if (cumulative >= params.topP()) {
                    break;
                }
            }
            n = keep;
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += probs[i];
            }
            for (int i = 0; i < n; i++) {
                probs[i] /= s;
            }
        }
        double u = rng.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += probs[i];
            if (u < cumulative) {
                return index[i];
            }
        }
        return index[n - 1]; // u fell in the rounding slack at the end
    }

    private void sortByLogitDescending(float[] logits, int v) {
        for (int i = 0; i < v; i++) {
            order[i] = i;
        }
        Arrays.sort(order, 0, v, (a, b) -> {
            int c = Float.compare(logits[b], logits[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        for (int i = 0; i < v; i++) {
            index[i] = order[i];
        }
    }

    private void ensure(int v) {
        if (probs.length < v) {
            probs = new double[v];
            order = new Integer[v];
            index = new int[v];
        }
    }
}
