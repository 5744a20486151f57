package org.transformer4j.nn;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.tensor.Tensor;

/**
 * What incremental decoding keeps between steps, for a batch of B rows (B = 1 for a language model's one
 * sequence; the sources, or the beams of one source, of an encoder-decoder): per layer, the self-attention keys
 * and values of the positions processed so far, [B, capacity, width] filled up to {@link #length()}, which
 * {@link MultiHeadAttention#forwardCached} appends to and reads in place, so the prefix is never recomputed
 * or copied. An encoder-decoder's cache also holds each decoder layer's cross-attention keys and values of the
 * encoder output ([B, S, width]), computed once because the encoder output does not change while decoding.
 * Beam search reorders the rows with {@link #reorder} when beams are extended from other beams.
 */
public final class KVCache {
    private final int batch;
    private final int capacity;
    private final int width;
    private final float[][] keys;
    private final float[][] values;
    private final Tensor[] crossKeys;
    private final Tensor[] crossValues;
    private AttentionMask crossMask;
    private int length;

    /**
     * A cache for one sequence of a decoder-only model.
     *
     * @param layers   number of attention layers
     * @param capacity maximum number of positions
     * @param width    floats per position per layer (nKvHead * headDim)
     */
    public KVCache(int layers, int capacity, int width) {
        this(layers, 1, capacity, width, null);
    }

    /**
     * A cache for B rows of an encoder-decoder's decoder.
     *
     * @param crossMask the cross-attention mask (the sources' valid lengths), shared by every decoder layer
     */
    public KVCache(int layers, int batch, int capacity, int width, AttentionMask crossMask) {
        this.batch = batch;
        this.capacity = capacity;
        this.width = width;
        this.keys = new float[layers][batch * capacity * width];
        this.values = new float[layers][batch * capacity * width];
        this.crossKeys = new Tensor[layers];
        this.crossValues = new Tensor[layers];
        this.crossMask = crossMask;
    }

    public int batch() {
        return batch;
    }

    /** Number of cached positions (of every row). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int width() {
        return width;
    }

    /** Layer {@code layer}'s keys, [B, capacity, width]. */
    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    public AttentionMask crossMask() {
        return crossMask;
    }

    public void setCross(int layer, Tensor k, Tensor v) {
        crossKeys[layer] = k;
        crossValues[layer] = v;
    }

    public Tensor crossKeys(int layer) {
        return crossKeys[layer];
    }

    public Tensor crossValues(int layer) {
        return crossValues[layer];
    }

    /** Writes t new positions per row (k and v are [B, t, width]) after the cached ones of layer {@code layer}. */
    void append(int layer, float[] k, float[] v, int t) {
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache overflow: " + (length + t) + " > " + capacity);
        }
        if (k.length != batch * t * width) {
            throw new IllegalArgumentException("KV cache: " + k.length + " floats for " + batch + " rows of " + t
                    + " positions of width " + width);
        }
        for (int b = 0; b < batch; b++) {
            int dst = (b * capacity + length) * width;
            System.arraycopy(k, b * t * width, keys[layer], dst, t * width);
            System.arraycopy(v, b * t * width, values[layer], dst, t * width);
        }
    }

    /** Marks {@code n} more positions as filled (after every layer has written them). */
    public void advance(int n) {
        if (length + n > capacity) {
            throw new IllegalStateException("KV cache overflow: " + (length + n) + " > " + capacity);
        }
        length += n;
    }

    /** Forgets every position (the cross-attention entries stay). */
    public void clear() {
        length = 0;
    }

    /**
     * Row b becomes what row {@code from[b]} was (beam search keeps the extended beams). Cross-attention rows are
     * reordered too, so beams of different sources may share one cache.
     */
    public void reorder(int[] from) {
        if (from.length != batch) {
            throw new IllegalArgumentException("reorder: " + from.length + " rows for a batch of " + batch);
        }
        int row = capacity * width;
        int[] lengths = crossMask == null ? null : crossMask.keyLengths();
        if (lengths != null) {
            int[] moved = new int[batch];
            for (int b = 0; b < batch; b++) {
                moved[b] = lengths[from[b]];
            }
            crossMask = AttentionMask.padding(moved);
        }
        for (int l = 0; l < keys.length; l++) {
            keys[l] = reorderRows(keys[l], from, row, length * width);
            values[l] = reorderRows(values[l], from, row, length * width);
            if (crossKeys[l] != null) {
                crossKeys[l] = reorderTensor(crossKeys[l], from);
                crossValues[l] = reorderTensor(crossValues[l], from);
            }
        }
    }

    private static float[] reorderRows(float[] a, int[] from, int row, int used) {
        float[] out = new float[a.length];
        for (int b = 0; b < from.length; b++) {
            System.arraycopy(a, from[b] * row, out, b * row, used);
        }
        return out;
    }

    private static Tensor reorderTensor(Tensor t, int[] from) {
        boolean identity = true;
        for (int b = 0; b < from.length; b++) {
            identity &= from[b] == b;
        }
        if (identity) {
            return t;
        }
        int row = t.size() / t.dim(0);
        return Tensor.of(reorderRows(t.data(), from, row, row), t.shape());
    }
}
