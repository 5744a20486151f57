package org.transformer4j.nn;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * Rotary position embeddings (RoPE): queries and keys are rotated, pair by pair within each head, by an angle
 * proportional to their position, so that q·k depends only on the distance between them. Pair i turns at
 * frequency invFreq[i] radians per position. No parameters (Hugging Face's rotary_emb holds only the frequencies,
 * which it does not save).
 */
public final class RotaryEmbedding extends Module {
    /**
     * cos and sin of every (position, pair) angle for a run of positions, [T, headSize/2] each, with the layout
     * they rotate in, so attention can apply them without knowing the embedding.
     */
    public record Tables(float[] cos, float[] sin, int positions, int headSize, boolean interleaved) {
        /** Rotates x [B, T, heads * headSize] whose T positions these tables describe. */
        public Tensor rotate(Tensor x) {
            return Ops.rope(x, headSize, cos, sin, interleaved);
        }
    }

    private final int headSize;
    private final float[] invFreq;
    private final boolean interleaved;

    /**
     * @param invFreq     headSize/2 frequencies, radians per position
     * @param interleaved llama2.c's layout, rotating pairs (2i, 2i+1) of a head; false for Hugging Face's
     *                    rotate-half layout, rotating pairs (i, i + headSize/2)
     */
    public RotaryEmbedding(int headSize, float[] invFreq, boolean interleaved) {
        if (invFreq.length != headSize / 2) {
            throw new IllegalArgumentException("RoPE: " + invFreq.length + " frequencies for head size " + headSize);
        }
        this.headSize = headSize;
        this.invFreq = invFreq.clone();
        this.interleaved = interleaved;
    }

    /**
     * The tables for positions pos0..pos0+count-1. The angle is pos * invFreq[i] in float, as llama2.c computes
     * it, so rotations match it to the last bit.
     */
    public Tables tables(int pos0, int count) {
        int half = headSize / 2;
        float[] cos = new float[count * half];
        float[] sin = new float[count * half];
        for (int t = 0; t < count; t++) {
            int pos = pos0 + t;
            for (int i = 0; i < half; i++) {
                float angle = pos * invFreq[i];
                cos[t * half + i] = (float) Math.cos(angle);
                sin[t * half + i] = (float) Math.sin(angle);
            }
        }
        return new Tables(cos, sin, count, headSize, interleaved);
    }

    /** Rotates x [B, T, heads * headSize] whose T positions the tables describe. */
    public Tensor forward(Tensor x, Tables tables) {
        return tables.rotate(x);
    }
}
