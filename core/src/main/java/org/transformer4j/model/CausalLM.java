package org.transformer4j.model;

import org.transformer4j.nn.KVCache;

/** A model that predicts the next token, run one step at a time over a KV cache (what generation needs). */
public interface CausalLM {
    int vocabSize();

    /** The longest sequence the model can attend over (its learned or trained context). */
    int contextLength();

    /** A fresh, empty cache for up to {@code capacity} positions. */
    KVCache newCache(int capacity);

    /**
     * Runs the new {@code tokens} (at positions cache.length() onward), appends them to the cache and returns the
     * logits [vocabSize] that predict the token after the last one. All tokens are processed as one batch
     * (matrix-matrix), so a long prompt costs one pass.
     */
    float[] forwardCached(int[] tokens, KVCache cache);
}
