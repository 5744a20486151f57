package org.transformer4j.generate;

import java.util.Arrays;
import java.util.function.IntPredicate;

import org.transformer4j.T4jException;
import org.transformer4j.model.CausalLM;
import org.transformer4j.nn.KVCache;

/**
 * Autoregressive generation over a KV cache: the prompt is processed in one batched pass, then each new token
 * costs one single-position step, so the prefix is never recomputed.
 *
 * <p>When the sequence outgrows the model's context, the window slides: the cache is rebuilt from the most recent
 * three quarters of the context (one batched pass), leaving room for a quarter of a context of cached steps
 * before the next slide. Models with learned absolute positions (GPT) must re-encode the kept tokens at their
 * new positions anyway, so this is the cheapest exact way to keep going.
 */
public final class Generator {
    private final CausalLM model;

    public Generator(CausalLM model) {
        this.model = model;
    }

    /** Result of a generation: the new ids (the prompt not included) and whether the prompt was cut. */
    public record Result(int[] ids, boolean promptTruncated) {}

    /**
     * Generates up to {@code maxNewTokens} ids after {@code prompt}.
     *
     * @param onToken called with each new id as it is chosen (for streaming); returning false stops generation
     */
    public Result generate(int[] prompt, int maxNewTokens, Sampler sampler, IntPredicate onToken) {
        if (prompt.length == 0) {
            throw new T4jException("the prompt is empty: give at least one token");
        }
        if (maxNewTokens < 0) {
            throw new T4jException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        int vocab = model.vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new T4jException("prompt token id " + prompt[i] + " at position " + i
                        + " is outside the vocabulary of size " + vocab);
            }
        }
        int context = model.contextLength();
        boolean truncated = prompt.length > context;
        int[] window = truncated ? Arrays.copyOfRange(prompt, prompt.length - context, prompt.length) : prompt;
        // The sequence we may need to re-encode when the window slides: prompt window + generated ids.
        int[] seq = Arrays.copyOf(window, window.length + maxNewTokens);
        int len = window.length;
        int[] out = new int[maxNewTokens];
        KVCache cache = model.newCache(context);
        float[] logits = null;
        int produced = 0;
        if (maxNewTokens > 0) {
            logits = model.forwardCached(window, cache);
        }
        while (produced < maxNewTokens) {
            int next = sampler.next(logits);
            out[produced++] = next;
            seq[len++] = next;
            if (!onToken.test(next) || produced == maxNewTokens) {
                break;
            }
            logits = cache.length() < context ? model.forwardCached(new int[] {next}, cache)
                    : slide(seq, len, cache, context);
        }
        return new Result(Arrays.copyOf(out, produced), truncated);
    }

    /** Rebuilds the cache from the last 3/4 of the context and returns the logits after the last token. */
    private float[] slide(int[] seq, int len, KVCache cache, int context) {
        int keep = Math.max(1, context - context / 4);
        cache.clear();
        return model.forwardCached(Arrays.copyOfRange(seq, len - keep, len), cache);
    }
}
