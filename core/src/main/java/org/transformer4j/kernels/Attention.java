package org.transformer4j.kernels;

import java.util.Arrays;

/**
 * Fused multi-head scaled dot-product attention on [B, T, C] queries and [B, S, C] keys/values, head h occupying
 * columns h*headDim..(h+1)*headDim-1. Heads are addressed in place through offsets (no reshaping copies).
 *
 * <p>Masks here are always a prefix of the keys: a query row sees keys [0, visible) where visible combines the
 * causal limit (offset + t + 1) and the batch row's key length. Masked keys get probability exactly 0, and a row
 * that sees no key at all gets zero probabilities and a zero output (never NaN).
 *
 * <p>Work is split over (batch, head) pairs. Each pair is computed start to finish by one thread in a fixed order,
 * so the results do not depend on the thread count; the scratch row buffers are allocated once per chunk of pairs.
 */
public final class Attention {
    private Attention() {}

    /** Shapes and masking of one attention call. */
    public record Dims(int batch, int queries, int keys, int channels, int heads, boolean causal, int offset,
                       int[] keyLengths) {
        public int headDim() {
            return channels / heads;
        }

        /** Number of keys query t of batch row b may see: they are keys [0, visible). */
        public int visible(int b, int t) {
            int n = keys;
            if (causal) {
                n = (int) Math.min(n, Math.max(0L, (long) offset + t + 1));
            }
            if (keyLengths != null) {
                n = Math.min(n, keyLengths[b]);
            }
            return Math.max(0, n);
        }
    }

    /**
     * out = softmax(scale * q·kᵀ + bias, masked)·v. {@code p}, when not null, receives the probabilities
     * [B, H, T, S] (needed by the backward); {@code bias} [H, T, S] may be null.
     */
    public static void forward(Dims d, float[] q, float[] k, float[] v, float[] bias, float scale, float[] out,
                               float[] p) {
        forward(d, q, k, v, bias, scale, out, p, null);
    }

    /**
     * As above, with dropout on the attention weights: {@code keep} [B, H, T, S] holds 0 for a dropped weight and
     * 1/(1-p) for a kept one (null: no dropout), so out = (P ∘ keep)·v while {@code p} still receives the
     * undropped probabilities, which the softmax backward needs.
     */
    public static void forward(Dims d, float[] q, float[] k, float[] v, float[] bias, float scale, float[] out,
                               float[] p, float[] keep) {
        int hd = d.headDim();
        int pairs = d.batch() * d.heads();
        long work = 2L * d.queries() * d.keys() * hd;
        ElementWise.forRows(pairs, work, (p0, p1) -> {
            float[] scratch = p == null ? new float[d.keys()] : null;
            float[] kT = new float[hd * d.keys()];
            for (int pair = p0; pair < p1; pair++) {
                forwardPair(d, pair / d.heads(), pair % d.heads(), q, k, v, bias, scale, out, p, keep, scratch, kT);
            }
        });
    }

    private static void forwardPair(Dims d, int b, int h, float[] q, float[] k, float[] v, float[] bias,
                                    float scale, float[] out, float[] p, float[] keep, float[] scratch,
                                    float[] kT) {
        int T = d.queries();
        int S = d.keys();
        int C = d.channels();
        int hd = d.headDim();
        int col = h * hd;
        // This head's keys transposed, kT[j][s] = k_s[j], so that a query's scores over all keys are hd
        // vectorised multiply-adds along s instead of one dot product (and one lane reduction) per key.
        transposeHead(k, b, S, C, col, hd, kT);
        for (int t = 0; t < T; t++) {
            int qOff = (b * T + t) * C + col;
            float[] row = p == null ? scratch : p;
            int rOff = p == null ? 0 : ((b * d.heads() + h) * T + t) * S;
            int n = d.visible(b, t);
            Arrays.fill(row, rOff, rOff + n, 0f);
            for (int j = 0; j < hd; j++) {
                ElementWise.axpy(n, scale * q[qOff + j], kT, j * S, row, rOff);
            }
            if (bias != null) {
                int bOff = (h * T + t) * S;
                for (int s = 0; s < n; s++) {
                    row[rOff + s] += bias[bOff + s];
                }
            }
            Arrays.fill(out, qOff, qOff + hd, 0f);
            float max = ElementWise.max(row, rOff, n);
            if (max == Float.NEGATIVE_INFINITY) {
                // No visible key (or all logits -inf): the row attends to nothing.
                n = 0;
            } else {
                float sum = Softmax.expShifted(row, rOff, row, rOff, n, max);
                Softmax.scaleInPlace(row, rOff, n, 1f / sum);
            }
            Arrays.fill(row, rOff + n, rOff + S, 0f);
            int kOff = ((b * d.heads() + h) * T + t) * S;
            for (int s = 0; s < n; s++) {
                float w = keep == null ? row[rOff + s] : row[rOff + s] * keep[kOff + s];
                ElementWise.axpy(hd, w, v, (b * S + s) * C + col, out, qOff);
            }
        }
    }

    /**
     * Backward from the output gradient {@code g} [B, T, C] and the saved probabilities {@code p}. Adds into gq,
     * gk, gv (each may be null) and, when gBias is not null, into gBias [H, T, S] the sum over batch rows of the
     * logit gradients.
     */
    public static void backwardAcc(Dims d, float[] q, float[] k, float[] v, float[] p, float scale, float[] g,
                                   float[] gq, float[] gk, float[] gv, float[] gBias) {
        backwardAcc(d, q, k, v, p, null, scale, g, gq, gk, gv, gBias);
    }

    /** Backward of the dropout variant of {@link #forward}; {@code keep} as given to the forward (or null). */
    public static void backwardAcc(Dims d, float[] q, float[] k, float[] v, float[] p, float[] keep, float scale,
                                   float[] g, float[] gq, float[] gk, float[] gv, float[] gBias) {
        int hd = d.headDim();
        int T = d.queries();
        int S = d.keys();
        int H = d.heads();
        int pairs = d.batch() * H;
        // Logit gradients per batch row, summed into gBias afterwards in batch order (writing gBias directly from
        // several (batch, head) pairs of the same head would race).
        float[] dsAll = gBias == null ? null : new float[p.length];
        ElementWise.forRows(pairs, 4L * T * S * hd, (p0, p1) -> {
            float[] ds = new float[S];
            float[] vT = new float[hd * S];
            for (int pair = p0; pair < p1; pair++) {
                backwardPair(d, pair / H, pair % H, q, k, v, p, keep, scale, g, gq, gk, gv, dsAll, ds, vT);
            }
        });
        if (gBias != null) {
            int B = d.batch();
            ElementWise.forRows(H * T, (long) B * S, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int h = r / T;
                    int t = r % T;
                    for (int b = 0; b < B; b++) {
                        int src = ((b * H + h) * T + t) * S;
                        int dst = (h * T + t) * S;
                        for (int s = 0; s < S; s++) {
                            gBias[dst + s] += dsAll[src + s];
                        }
                    }
                }
            });
        }
    }

    private static void backwardPair(Dims d, int b, int h, float[] q, float[] k, float[] v, float[] p, float[] keep,
                                     float scale, float[] g, float[] gq, float[] gk, float[] gv, float[] dsAll,
                                     float[] ds, float[] vT) {
        int T = d.queries();
        int S = d.keys();
        int C = d.channels();
        int hd = d.headDim();
        int col = h * hd;
        transposeHead(v, b, S, C, col, hd, vT);
        for (int t = 0; t < T; t++) {
            int qOff = (b * T + t) * C + col;
            int pOff = ((b * d.heads() + h) * T + t) * S;
            int n = d.visible(b, t);
            // dP[s] = keep[s] * (g_t · v_s) (dropout's mask passes through), then dS = P * (dP - sum(P * dP)):
            // the softmax Jacobian, taken at the undropped probabilities. g_t · v_s for all s at once from the
            // transposed values, as the forward does for the scores.
            Arrays.fill(ds, 0, n, 0f);
            for (int j = 0; j < hd; j++) {
                ElementWise.axpy(n, g[qOff + j], vT, j * S, ds, 0);
            }
            float dot = 0f;
            for (int s = 0; s < n; s++) {
                int kvOff = (b * S + s) * C + col;
                float m = keep == null ? 1f : keep[pOff + s];
                float dp = m * ds[s];
                ds[s] = dp;
                dot += dp * p[pOff + s];
                if (gv != null) {
                    ElementWise.axpy(hd, p[pOff + s] * m, g, qOff, gv, kvOff);
                }
            }
            for (int s = 0; s < n; s++) {
                ds[s] = p[pOff + s] * (ds[s] - dot);
            }
            for (int s = 0; s < n; s++) {
                int kvOff = (b * S + s) * C + col;
                float a = scale * ds[s];
                if (gq != null) {
                    ElementWise.axpy(hd, a, k, kvOff, gq, qOff);
                }
                if (gk != null) {
                    ElementWise.axpy(hd, a, q, qOff, gk, kvOff);
                }
            }
            if (dsAll != null) {
                System.arraycopy(ds, 0, dsAll, pOff, n);
            }
        }
    }

    /** dst[j * S + s] = src[(b * S + s) * C + col + j]: one head of one batch row, transposed to [hd, S]. */
    private static void transposeHead(float[] src, int b, int S, int C, int col, int hd, float[] dst) {
        for (int s = 0; s < S; s++) {
            int o = (b * S + s) * C + col;
            for (int j = 0; j < hd; j++) {
                dst[j * S + s] = src[o + j];
            }
        }
    }
}
