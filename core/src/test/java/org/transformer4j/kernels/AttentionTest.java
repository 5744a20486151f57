package org.transformer4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class AttentionTest {
    private static float[] randn(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) org.transformer4j.tensor.Gaussian.next(rng);
        }
        return a;
    }

    /** Naive double-precision attention, masking by the same visibility rule, written from the definition. */
    private static double[] reference(Attention.Dims d, float[] q, float[] k, float[] v, float[] bias, double scale,
                                      double[] probs) {
        int tq = d.queries();
        int s = d.keys();
        int c = d.channels();
        int hd = d.headDim();
        double[] out = new double[d.batch() * tq * c];
        for (int b = 0; b < d.batch(); b++) {
            for (int h = 0; h < d.heads(); h++) {
                for (int t = 0; t < tq; t++) {
                    double[] logit = new double[s];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < s; j++) {
                        boolean visible = (!d.causal() || j <= d.offset() + t)
                                && (d.keyLengths() == null || j < d.keyLengths()[b]);
                        if (!visible) {
                            logit[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int e = 0; e < hd; e++) {
                            dot += (double) q[(b * tq + t) * c + h * hd + e] * k[(b * s + j) * c + h * hd + e];
                        }
                        logit[j] = scale * dot + (bias == null ? 0 : bias[(h * tq + t) * s + j]);
                        max = Math.max(max, logit[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < s; j++) {
                        z += max == Double.NEGATIVE_INFINITY ? 0 : Math.exp(logit[j] - max);
                    }
                    for (int j = 0; j < s; j++) {
                        double p = z == 0 ? 0 : Math.exp(logit[j] - max) / z;
                        probs[((b * d.heads() + h) * tq + t) * s + j] = p;
                        for (int e = 0; e < hd; e++) {
                            out[(b * tq + t) * c + h * hd + e] += p * v[(b * s + j) * c + h * hd + e];
                        }
                    }
                }
            }
        }
        return out;
    }

    private static void compare(Attention.Dims d, boolean withBias, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int c = d.channels();
        float[] q = randn(rng, d.batch() * d.queries() * c);
        float[] k = randn(rng, d.batch() * d.keys() * c);
        float[] v = randn(rng, d.batch() * d.keys() * c);
        float[] bias = withBias ? randn(rng, d.heads() * d.queries() * d.keys()) : null;
        float scale = (float) (1 / Math.sqrt(d.headDim()));
        float[] out = new float[q.length];
        float[] p = new float[d.batch() * d.heads() * d.queries() * d.keys()];
        Attention.forward(d, q, k, v, bias, scale, out, p);
        double[] refP = new double[p.length];
        double[] ref = reference(d, q, k, v, bias, scale, refP);
        for (int i = 0; i < out.length; i++) {
            // Outputs are convex combinations of N(0,1) values (|out| <~ 4) computed with float dot products of
            // length headDim and float exp: 1e-5 absolute is ~100 float ulps of such values at most.
            assertThat(Math.abs(out[i] - ref[i])).as("out[%d]", i).isLessThan(1e-5);
        }
        for (int i = 0; i < p.length; i++) {
            assertThat(Math.abs(p[i] - refP[i])).as("p[%d]", i).isLessThan(1e-6);
            if (refP[i] == 0) {
                assertThat(p[i]).isEqualTo(0f);
            }
        }
        // Without the probabilities buffer (inference path, per-chunk scratch rows) the output is the same. Not
        // bit-identical: the Vector API's exp may run as a Java fallback before the JIT compiles the loop and as
        // the SVML intrinsic after, and those differ in the last ulp.
        float[] out2 = new float[q.length];
        Attention.forward(d, q, k, v, bias, scale, out2, null);
        for (int i = 0; i < out.length; i++) {
            assertThat(Math.abs(out2[i] - out[i])).as("out2[%d]", i).isLessThan(1e-6f);
        }
    }

    @Test
    void forwardMatchesDoubleReferenceForEveryMaskKind() {
        compare(new Attention.Dims(2, 5, 5, 12, 3, false, 0, null), false, 1);
        compare(new Attention.Dims(2, 5, 5, 12, 3, true, 0, null), true, 2);
        compare(new Attention.Dims(2, 3, 7, 8, 2, true, 4, null), true, 3);
        compare(new Attention.Dims(3, 4, 6, 8, 2, false, 0, new int[] {6, 0, 2}), true, 4);
        compare(new Attention.Dims(2, 6, 6, 8, 1, true, 0, new int[] {4, 6}), false, 5);
        compare(new Attention.Dims(2, 3, 9, 10, 2, false, 0, null), false, 6); // headDim 5: scalar tails
    }

    @Test
    void largeShapesRunInParallelAndMatchReference() {
        compare(new Attention.Dims(2, 64, 64, 128, 4, true, 0, null), false, 7);
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Attention.Dims d = new Attention.Dims(3, 40, 40, 64, 4, true, 0, null);
        SplittableRandom rng = new SplittableRandom(8);
        float[] q = randn(rng, 3 * 40 * 64);
        float[] k = randn(rng, 3 * 40 * 64);
        float[] v = randn(rng, 3 * 40 * 64);
        float[] g = randn(rng, 3 * 40 * 64);
        float[] bias = randn(rng, 4 * 40 * 40);
        int saved = Parallel.threads();
        float[][] results = new float[2][];
        try {
            // Warm up first so both compared runs use JIT-compiled code (the interpreted Vector API exp can differ
            // from the compiled intrinsic in the last ulp; that is tiering, not thread-count dependence).
            float[] warm = new float[q.length];
            float[] warmP = new float[3 * 4 * 40 * 40];
            for (int i = 0; i < 300; i++) {
                Attention.forward(d, q, k, v, bias, 0.25f, warm, warmP);
                Attention.backwardAcc(d, q, k, v, warmP, 0.25f, g, warm, warm, warm, null);
            }
            for (int run = 0; run < 2; run++) {
                Parallel.setThreads(run == 0 ? 1 : 3);
                float[] out = new float[q.length];
                float[] p = new float[3 * 4 * 40 * 40];
                Attention.forward(d, q, k, v, bias, 0.25f, out, p);
                float[] gq = new float[q.length];
                float[] gk = new float[q.length];
                float[] gv = new float[q.length];
                float[] gb = new float[bias.length];
                Attention.backwardAcc(d, q, k, v, p, 0.25f, g, gq, gk, gv, gb);
                results[run] = concat(out, gq, gk, gv, gb);
            }
        } finally {
            Parallel.setThreads(saved);
        }
        assertThat(results[1]).isEqualTo(results[0]);
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
