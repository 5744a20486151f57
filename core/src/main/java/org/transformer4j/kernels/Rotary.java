package org.transformer4j.kernels;

/**
 * Rotary position embedding (RoPE) on [B, T, nHead * headSize] rows: in every head, pair i of the row at sequence
 * index t is rotated by the angle whose cosine and sine are cos[t * half + i] and sin[t * half + i] (half =
 * headSize / 2). The pair is (2i, 2i+1) in llama2.c's interleaved layout and (i, i + half) in Hugging Face's
 * rotate-half layout. A rotation is orthogonal, so the backward is the inverse rotation (the angle negated).
 */
public final class Rotary {
    private Rotary() {}

    /**
     * out = rotate(x) ({@code inverse} false) or gOut += rotate⁻¹(x) ({@code inverse} true, for the backward,
     * where x is the output gradient). {@code rows} = B * T rows of {@code width} floats; row r is sequence index
     * r % T.
     */
    public static void apply(float[] x, float[] out, int rows, int time, int width, int headSize, float[] cos,
                             float[] sin, boolean interleaved, boolean inverse) {
        int half = headSize / 2;
        ElementWise.forRows(rows, 3L * width, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int tab = (r % time) * half;
                for (int head = 0; head < width; head += headSize) {
                    int base = r * width + head;
                    for (int i = 0; i < half; i++) {
                        float c = cos[tab + i];
                        float s = sin[tab + i];
                        int o0 = base + (interleaved ? 2 * i : i);
                        int o1 = o0 + (interleaved ? 1 : half);
                        float v0 = x[o0];
                        float v1 = x[o1];
                        if (inverse) {
                            out[o0] += v0 * c + v1 * s;
                            out[o1] += v1 * c - v0 * s;
                        } else {
                            out[o0] = v0 * c - v1 * s;
                            out[o1] = v0 * s + v1 * c;
                        }
                    }
                }
            }
        });
    }
}
