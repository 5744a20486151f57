package org.transformer4j.nn;

/**
 * Keys and values of the positions already processed, per layer, for one sequence (batch 1). Generation appends
 * one position per step and attends over the whole cache, so the prefix is never recomputed.
 */
public final class KVCache {
    private final float[][] keys;
    private final float[][] values;
    private final int capacity;
    private final int width;
    private int length;

    /**
     * @param layers   number of attention layers
     * @param capacity maximum number of positions
     * @param width    floats per position per layer (nKvHead * headDim)
     */
    public KVCache(int layers, int capacity, int width) {
        this.keys = new float[layers][capacity * width];
        this.values = new float[layers][capacity * width];
        this.capacity = capacity;
        this.width = width;
    }

    /** Number of cached positions. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int width() {
        return width;
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /** Marks {@code n} more positions as filled (after every layer has written them). */
    public void advance(int n) {
        if (length + n > capacity) {
            throw new IllegalStateException("KV cache overflow: " + (length + n) + " > " + capacity);
        }
        length += n;
    }

    /** Forgets every position. */
    public void clear() {
        length = 0;
    }
}
