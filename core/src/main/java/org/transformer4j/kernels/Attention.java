package org.transformer4j.kernels;

import java.util.Arrays;

/**
 * Fused multi-head scaled dot-product attention on [B, T, C] queries and [B, S, Ckv] keys/values, query head h
 * occupying columns h*headDim..(h+1)*headDim-1. Heads are addressed in place through offsets (no reshaping copies).
 * With fewer key/value heads than query heads (grouped-query attention, Ckv = kvHeads * headDim), query head h
 * reads key/value head h / (heads / kvHeads): consecutive query heads share one, as Hugging Face's repeat_kv does.
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

    /** Shapes and masking of one attention call; {@code kvHeads} divides {@code heads}. */
    public record Dims(int batch, int queries, int keys, int channels, int heads, boolean causal, int offset,
                       int[] keyLengths, int kvHeads) {
        /** Multi-head attention: as many key/value heads as query heads. */
        public Dims(int batch, int queries, int keys, int channels, int heads, boolean causal, int offset,
                    int[] keyLengths) {
            this(batch, queries, keys, channels, heads, causal, offset, keyLengths, heads);
        }

        public int headDim() {
            return channels / heads;
        }

        /** Width of a key or value row. */
        public int kvChannels() {
            return kvHeads * headDim();
        }

        /** Query heads per key/value head. */
        public int group() {
            return heads / kvHeads;
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
        int rows = d.queries() * d.keys();
        ElementWise.forRows(pairs, work, (p0, p1) -> {
            float[] logits = p == null ? new float[rows] : null;
            float[] weights = keep == null ? null : new float[rows];
            for (int pair = p0; pair < p1; pair++) {
                forwardPair(d, pair / d.heads(), pair % d.heads(), q, k, v, bias, scale, out, p, keep, logits,
                        weights);
            }
        });
    }

    /** Keys [0, kMax) are the only ones any query of batch row b may see; products stop there. */
    private static int maxVisible(Dims d, int b) {
        int n = 0;
        for (int t = 0; t < d.queries(); t++) {
            n = Math.max(n, d.visible(b, t));
        }
        return n;
    }

    /*
     * One (batch, head) pair as three steps: the logits of all its queries against its visible keys in one GEMM
     * (the head's columns addressed in place through the leading dimension C), the masked softmax per row, then
     * out = P·V in a second GEMM. Per-(query, key) dot products spent most of their time in lane reductions;
     * the GEMM kernel keeps whole tiles in registers. With a causal mask the GEMMs go block of rows by block of
     * rows, each stopping at the block's last visible key (see rowBlock); the few masked logits inside a block
     * are computed and discarded, their probabilities are exactly 0.
     */
    private static void forwardPair(Dims d, int b, int h, float[] q, float[] k, float[] v, float[] bias,
                                    float scale, float[] out, float[] p, float[] keep, float[] logits,
                                    float[] weights) {
        int T = d.queries();
        int S = d.keys();
        int C = d.channels();
        int hd = d.headDim();
        int KC = d.kvChannels();
        int qOff = b * T * C + h * hd;
        int kvOff = b * S * KC + (h / d.group()) * hd;
        int pairOff = (b * d.heads() + h) * T * S;
        float[] row = p == null ? logits : p;
        int base = p == null ? 0 : pairOff;
        int kMax = maxVisible(d, b);
        int rb = rowBlock(d);
        for (int t0 = 0; t0 < T; t0 += rb) {
            int t1 = Math.min(T, t0 + rb);
            Gemm.nt(t1 - t0, d.visible(b, t1 - 1), hd, q, qOff + t0 * C, C, k, kvOff, KC, row, base + t0 * S, S,
                    false);
        }
        for (int t = 0; t < T; t++) {
            int rOff = base + t * S;
            int n = d.visible(b, t);
            for (int s = 0; s < n; s++) {
                row[rOff + s] *= scale;
            }
            if (bias != null) {
                int bOff = (h * T + t) * S;
                for (int s = 0; s < n; s++) {
                    row[rOff + s] += bias[bOff + s];
                }
            }
            float max = ElementWise.max(row, rOff, n);
            if (max == Float.NEGATIVE_INFINITY) {
                // No visible key (or all logits -inf): the row attends to nothing.
                n = 0;
            } else {
                float sum = Softmax.expShifted(row, rOff, row, rOff, n, max);
                Softmax.scaleInPlace(row, rOff, n, 1f / sum);
            }
            Arrays.fill(row, rOff + n, rOff + S, 0f);
            if (keep != null) {
                int kOff = pairOff + t * S;
                for (int s = 0; s < S; s++) {
                    weights[t * S + s] = row[rOff + s] * keep[kOff + s];
                }
            }
        }
        float[] w = keep == null ? row : weights;
        int wBase = keep == null ? base : 0;
        for (int t0 = 0; t0 < T; t0 += rb) {
            int t1 = Math.min(T, t0 + rb);
            Gemm.nn(t1 - t0, hd, d.visible(b, t1 - 1), w, wBase + t0 * S, S, v, kvOff, KC, out, qOff + t0 * C, C,
                    false);
        }
    }

    /**
     * Query rows per block of the per-pair GEMMs. Every mask here is a prefix of the keys that grows with t, so a
     * block of rows [t0, t1) needs only keys [0, visible(t1 - 1)): with a causal mask, blocks of 24 rows (a
     * multiple of the GEMM's 6-row register block) skip most masked logits (T = 64: 67% of the work, T = 256:
     * 55%). The skipped products are exact zeros, so the sums are the same. Without a causal mask every row sees
     * the same keys: one block.
     */
    private static int rowBlock(Dims d) {
        return d.causal() ? 24 : Math.max(1, d.queries());
    }

    /** First query row of batch row b that sees key s (T if none); rows only gain keys as t grows. */
    private static int firstRowSeeing(Dims d, int b, int s) {
        int t = 0;
        while (t < d.queries() && d.visible(b, t) <= s) {
            t++;
        }
        return t;
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
        int group = d.group();
        // Work is split over (batch, key/value head) units: the query heads sharing a key/value head add into the
        // same gk and gv columns, so one thread handles them all, in head order (race-free, deterministic).
        int units = d.batch() * d.kvHeads();
        // Logit gradients per batch row, summed into gBias afterwards in batch order (writing gBias directly from
        // several (batch, head) pairs of the same head would race).
        float[] dsAll = gBias == null ? null : new float[p.length];
        ElementWise.forRows(units, 4L * group * T * S * hd, (u0, u1) -> {
            float[] ds = new float[T * S];
            float[] weights = keep == null ? null : new float[T * S];
            for (int unit = u0; unit < u1; unit++) {
                int b = unit / d.kvHeads();
                int kvh = unit % d.kvHeads();
                for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                    backwardPair(d, b, h, q, k, v, p, keep, scale, g, gq, gk, gv, dsAll, ds, weights);
                }
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

    /*
     * Per pair, as GEMMs over the head's columns in place (see forwardPair): dP = G·Vᵀ, then per row the softmax
     * backward dS = P * (dP - sum(P * dP)) at the undropped probabilities, then gq += scale dS·K,
     * gk += scale dSᵀ·Q and gv += (P ∘ keep)ᵀ·G. Entries of dS past a row's visible keys are 0.
     */
    private static void backwardPair(Dims d, int b, int h, float[] q, float[] k, float[] v, float[] p, float[] keep,
                                     float scale, float[] g, float[] gq, float[] gk, float[] gv, float[] dsAll,
                                     float[] ds, float[] weights) {
        int T = d.queries();
        int S = d.keys();
        int C = d.channels();
        int hd = d.headDim();
        int KC = d.kvChannels();
        int qOff = b * T * C + h * hd;
        int kvOff = b * S * KC + (h / d.group()) * hd;
        int pairOff = (b * d.heads() + h) * T * S;
        int kMax = maxVisible(d, b);
        int rb = rowBlock(d);
        for (int t0 = 0; t0 < T; t0 += rb) {
            int t1 = Math.min(T, t0 + rb);
            Gemm.nt(t1 - t0, d.visible(b, t1 - 1), hd, g, qOff + t0 * C, C, v, kvOff, KC, ds, t0 * S, S, false);
        }
        for (int t = 0; t < T; t++) {
            int pOff = pairOff + t * S;
            int r = t * S;
            int n = d.visible(b, t);
            // dP[s] = keep[s] * (g_t · v_s): dropout's mask passes through.
            float dot = 0f;
            for (int s = 0; s < n; s++) {
                float m = keep == null ? 1f : keep[pOff + s];
                float dp = m * ds[r + s];
                ds[r + s] = dp;
                dot += dp * p[pOff + s];
            }
            for (int s = 0; s < n; s++) {
                ds[r + s] = p[pOff + s] * (ds[r + s] - dot);
            }
            Arrays.fill(ds, r + n, r + kMax, 0f);
            if (dsAll != null) {
                System.arraycopy(ds, r, dsAll, pOff, n);
            }
            for (int s = 0; s < n; s++) {
                ds[r + s] *= scale;
            }
            if (keep != null) {
                for (int s = 0; s < kMax; s++) {
                    weights[r + s] = p[pOff + s] * keep[pOff + s];
                }
            }
        }
        // Blocks as in the forward (see rowBlock): query rows for gq, key rows for gk and gv, each GEMM limited
        // to the non-zero part of dS and P (keys [0, visible(t1 - 1)) of a row block; queries [first row seeing
        // s0, T) of a key block).
        for (int t0 = 0; t0 < T; t0 += rb) {
            int t1 = Math.min(T, t0 + rb);
            if (gq != null) {
                Gemm.nn(t1 - t0, hd, d.visible(b, t1 - 1), ds, t0 * S, S, k, kvOff, KC, gq, qOff + t0 * C, C,
                        true);
            }
        }
        int sb = d.causal() ? rb : Math.max(1, kMax);
        for (int s0 = 0; s0 < kMax; s0 += sb) {
            int s1 = Math.min(kMax, s0 + sb);
            int tStart = firstRowSeeing(d, b, s0);
            int n = T - tStart;
            if (gk != null) {
                Gemm.tn(s1 - s0, hd, n, ds, tStart * S + s0, S, q, qOff + tStart * C, C, gk, kvOff + s0 * KC,
                        KC, true);
            }
            if (gv != null) {
                if (keep == null) {
                    Gemm.tn(s1 - s0, hd, n, p, pairOff + tStart * S + s0, S, g, qOff + tStart * C, C, gv,
                            kvOff + s0 * KC, KC, true);
                } else {
                    Gemm.tn(s1 - s0, hd, n, weights, tStart * S + s0, S, g, qOff + tStart * C, C, gv,
                            kvOff + s0 * KC, KC, true);
                }
            }
        }
    }
}
