package org.transformer4j.kernels;

import static org.transformer4j.kernels.ElementWise.F;
import static org.transformer4j.kernels.ElementWise.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Smooth activations (GELU exact and tanh-approximated, SiLU) and the error function GELU needs.
 *
 * <p>Backward kernels recompute what they need from the forward's input x rather than saving intermediates: the
 * recomputation is cheaper than the memory traffic of a saved buffer. The exception is exact GELU's Phi(x): erf
 * costs more than the traffic, so a forward that records a graph saves it (same values, same gradient bits).
 */
public final class Activations {
    private Activations() {}

    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final float GELU_CUBIC = 0.044715f;

    /*
     * erf in float with a maximum absolute error below 1e-7 over the whole line (measured against a
     * high-precision reference; ErfTest checks it against a double series). Two pieces, fitted for this project
     * by weighted least squares on 2000 Chebyshev nodes against a 40-digit reference:
     *   |x| < 1:      erf(x) = x + x * A(x^2), A of degree 6 (fit error 3e-9). Writing x + x*A rather than
     *                 x * P keeps the large leading term exact, so float rounding stays under an ulp.
     *   1 <= |x| < 4: erf(x) = 1 - exp(-x^2) * B(1/x), B of degree 10 approximating the scaled complement
     *                 exp(x^2) erfc(x) (smooth, between 0.14 and 0.43; relative fit error 3e-9).
     *   |x| >= 4:     erfc(4) = 1.5e-8 is below half an ulp of 1, so erf rounds to +-1; clamping x at 4 gives it.
     * The worst case, 7.6e-8 near |x| = 1, is the final rounding plus the float exp's error.
     */
    private static final float[] ERF_A = {
        0.12837916615919617f, -0.376126270085429f, 0.1128361032579559f, -0.02685540721931675f,
        0.005192273150479661f, -0.0008051736074662988f, 8.010416466554607e-05f};
    private static final float[] ERF_B = {
        2.5961348033740398e-05f, 0.5637192282586101f, 0.0030154582244111827f, -0.28518630847949583f,
        -0.06926850895776451f, 0.8994859751145196f, -1.5240539611739488f, 1.424004876868628f,
        -0.8106041753411956f, 0.2646626340409938f, -0.03821760491240495f};

    /** The error function, float-accurate (max abs error < 1e-7). */
    public static float erf(float x) {
        float ax = Math.abs(x);
        float y;
        if (ax < 1f) {
            float u = ax * ax;
            float r = ERF_A[ERF_A.length - 1];
            for (int i = ERF_A.length - 2; i >= 0; i--) {
                r = Math.fma(r, u, ERF_A[i]);
            }
            y = Math.fma(ax, r, ax);
        } else {
            float a = Math.min(ax, 4f);
            float s = 1f / a;
            float q = ERF_B[ERF_B.length - 1];
            for (int i = ERF_B.length - 2; i >= 0; i--) {
                q = Math.fma(q, s, ERF_B[i]);
            }
            float e = VectorMath.exp(-(a * a));
            y = Math.fma(-e, q, 1f);
        }
        return Math.copySign(y, x);
    }

    /** erf on a vector: both pieces are evaluated and blended (branch-free). */
    static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector u = ax.mul(ax);
        FloatVector r = FloatVector.broadcast(F, ERF_A[ERF_A.length - 1]);
        for (int i = ERF_A.length - 2; i >= 0; i--) {
            r = r.fma(u, FloatVector.broadcast(F, ERF_A[i]));
        }
        FloatVector small = ax.fma(r, ax);
        FloatVector a = VectorMath.clamp(ax, 1f, 4f);
        FloatVector s = FloatVector.broadcast(F, 1f).div(a);
        FloatVector q = FloatVector.broadcast(F, ERF_B[ERF_B.length - 1]);
        for (int i = ERF_B.length - 2; i >= 0; i--) {
            q = q.fma(s, FloatVector.broadcast(F, ERF_B[i]));
        }
        FloatVector e = VectorMath.exp(a.mul(a).neg());
        FloatVector large = e.neg().fma(q, FloatVector.broadcast(F, 1f));
        FloatVector y = large.blend(small, ax.compare(VectorOperators.LT, 1f));
        return y.blend(y.neg(), x.compare(VectorOperators.LT, 0f));
    }

    /*
     * Each kernel is written out as its own loop (no functional interface for the per-vector function): a
     * FloatVector passed through a megamorphic interface call cannot be kept in registers and gets boxed.
     * Op codes select the per-op loop (see forwardGeluExactLoop for why the loops are not shared); the scalar
     * tails share forwardS / derivS, which perform the same operations as the vector functions.
     */
    private static final int GELU_EXACT = 0;
    private static final int GELU_TANH = 1;
    private static final int SILU = 2;

    private static FloatVector forwardGeluExact(FloatVector v) {
        return v.mul(0.5f).mul(erf(v.mul(INV_SQRT2)).add(1f));
    }

    private static FloatVector forwardGeluTanh(FloatVector v) {
        return v.mul(0.5f).mul(VectorMath.tanh(tanhArg(v)).add(1f));
    }

    private static FloatVector forwardSilu(FloatVector v) {
        return v.mul(sigmoid(v));
    }

    private static float forwardS(int op, float a) {
        return switch (op) {
            case GELU_EXACT -> 0.5f * a * (1f + erf(a * INV_SQRT2));
            case GELU_TANH -> 0.5f * a * (1f + VectorMath.tanh(Math.fma(a * a, GELU_CUBIC, 1f) * a * SQRT_2_OVER_PI));
            default -> a * sigmoid(a);
        };
    }

    /** Phi(x), the first term of GELU'(x) = Phi(x) + x * phi(x). */
    private static FloatVector geluExactCdf(FloatVector v) {
        return erf(v.mul(INV_SQRT2)).add(1f).mul(0.5f);
    }

    /** GELU'(x) = Phi(x) + x * phi(x), given Phi(x). */
    private static FloatVector derivGeluExact(FloatVector v, FloatVector cdf) {
        FloatVector pdf = VectorMath.exp(v.mul(v).mul(-0.5f)).mul(INV_SQRT_2PI);
        return v.fma(pdf, cdf);
    }

    /** (1 + t)/2 + x/2 * (1 - t^2) * sqrt(2/pi) * (1 + 3 * 0.044715 x^2). */
    private static FloatVector derivGeluTanh(FloatVector v) {
        FloatVector t = VectorMath.tanh(tanhArg(v));
        FloatVector du = v.mul(v).fma(3 * GELU_CUBIC, 1f).mul(SQRT_2_OVER_PI);
        FloatVector sech2 = t.mul(t).neg().add(1f);
        return t.add(1f).mul(0.5f).add(v.mul(0.5f).mul(sech2).mul(du));
    }

    /** sigmoid(x) * (1 + x * (1 - sigmoid(x))). */
    private static FloatVector derivSilu(FloatVector v) {
        FloatVector sg = sigmoid(v);
        return sg.mul(v.mul(sg.neg().add(1f)).add(1f));
    }

    private static float derivS(int op, float a) {
        switch (op) {
            case GELU_EXACT -> {
                return Math.fma(a, VectorMath.exp(a * a * -0.5f) * INV_SQRT_2PI, 0.5f * (1f + erf(a * INV_SQRT2)));
            }
            case GELU_TANH -> {
                float t = VectorMath.tanh(Math.fma(a * a, GELU_CUBIC, 1f) * a * SQRT_2_OVER_PI);
                float du = SQRT_2_OVER_PI * (1f + 3 * GELU_CUBIC * a * a);
                return 0.5f * (1f + t) + 0.5f * a * (1f - t * t) * du;
            }
            default -> {
                float sg = sigmoid(a);
                return sg * (1f + a * (1f - sg));
            }
        }
    }

    private static FloatVector tanhArg(FloatVector v) {
        return v.mul(v).fma(GELU_CUBIC, 1f).mul(v).mul(SQRT_2_OVER_PI);
    }

    private static FloatVector sigmoid(FloatVector v) {
        return FloatVector.broadcast(F, 1f).div(VectorMath.exp(v.neg()).add(1f));
    }

    private static float sigmoid(float a) {
        return 1f / (VectorMath.exp(-a) + 1f);
    }

    private static void forward(int op, float[] x, float[] out, int n) {
        ElementWise.forElements(n, (from, to) -> {
            int end = from + F.loopBound(to - from);
            switch (op) {
                case GELU_EXACT -> forwardGeluExactLoop(x, out, from, end);
                case GELU_TANH -> forwardGeluTanhLoop(x, out, from, end);
                default -> forwardSiluLoop(x, out, from, end);
            }
            for (int i = end; i < to; i++) {
                out[i] = forwardS(op, x[i]);
            }
        });
    }

    /*
     * One vector loop per op, each calling only its own per-vector function. With the switch inside one shared
     * loop, C2 inlined all three functions into one compilation unit, hit its node-count inlining cutoff and left
     * VectorMath.exp as an out-of-line call; a vector crossing a non-inlined call is boxed and the callee's
     * vector ops then run the non-intrinsic Java fallback (FloatVector.lanewiseTemplate in profiles, ~4% of a
     * training step). Small per-op loops keep every vector op inlined and intrinsic.
     */
    private static void forwardGeluExactLoop(float[] x, float[] out, int from, int end) {
        for (int i = from; i < end; i += L) {
            forwardGeluExact(FloatVector.fromArray(F, x, i)).intoArray(out, i);
        }
    }

    private static void forwardGeluTanhLoop(float[] x, float[] out, int from, int end) {
        for (int i = from; i < end; i += L) {
            forwardGeluTanh(FloatVector.fromArray(F, x, i)).intoArray(out, i);
        }
    }

    private static void forwardSiluLoop(float[] x, float[] out, int from, int end) {
        for (int i = from; i < end; i += L) {
            forwardSilu(FloatVector.fromArray(F, x, i)).intoArray(out, i);
        }
    }

    /** gx += g * f'(x). */
    private static void backwardAcc(int op, float[] x, float[] g, float[] gx, int n) {
        ElementWise.forElements(n, (from, to) -> {
            int end = from + F.loopBound(to - from);
            switch (op) {
                case GELU_EXACT -> backwardGeluExactLoop(x, g, gx, from, end);
                case GELU_TANH -> backwardGeluTanhLoop(x, g, gx, from, end);
                default -> backwardSiluLoop(x, g, gx, from, end);
            }
            for (int i = end; i < to; i++) {
                gx[i] += derivS(op, x[i]) * g[i];
            }
        });
    }

    // One loop per op, for the reason given above forwardGeluExactLoop.
    /**
     * Block of elements per pass of {@link #backwardGeluExactLoop}: its Phi(x) buffer (2 KB) stays in L1.
     * A multiple of every vector length.
     */
    private static final int GELU_BLOCK = 512;

    /*
     * Two passes per block, Phi(x) (erf) into a buffer, then phi(x) (exp) and the update: erf and exp together
     * still exceeded C2's node-count inlining cutoff in one loop and left exp out of line. Same operations in the
     * same order as derivS, so the results are unchanged.
     */
    private static void backwardGeluExactLoop(float[] x, float[] g, float[] gx, int from, int end) {
        float[] cdf = new float[Math.min(GELU_BLOCK, end - from)];
        for (int b = from; b < end; b += GELU_BLOCK) {
            int e = Math.min(end, b + GELU_BLOCK);
            geluExactCdfLoop(x, cdf, b, e);
            geluExactUpdateLoop(x, cdf, g, gx, b, e);
        }
    }

    private static void geluExactCdfLoop(float[] x, float[] cdf, int from, int end) {
        for (int i = from; i < end; i += L) {
            geluExactCdf(FloatVector.fromArray(F, x, i)).intoArray(cdf, i - from);
        }
    }

    private static void geluExactUpdateLoop(float[] x, float[] cdf, float[] g, float[] gx, int from, int end) {
        for (int i = from; i < end; i += L) {
            FloatVector d = derivGeluExact(FloatVector.fromArray(F, x, i), FloatVector.fromArray(F, cdf, i - from));
            d.fma(FloatVector.fromArray(F, g, i), FloatVector.fromArray(F, gx, i)).intoArray(gx, i);
        }
    }

    private static void backwardGeluTanhLoop(float[] x, float[] g, float[] gx, int from, int end) {
        for (int i = from; i < end; i += L) {
            FloatVector d = derivGeluTanh(FloatVector.fromArray(F, x, i));
            d.fma(FloatVector.fromArray(F, g, i), FloatVector.fromArray(F, gx, i)).intoArray(gx, i);
        }
    }

    private static void backwardSiluLoop(float[] x, float[] g, float[] gx, int from, int end) {
        for (int i = from; i < end; i += L) {
            FloatVector d = derivSilu(FloatVector.fromArray(F, x, i));
            d.fma(FloatVector.fromArray(F, g, i), FloatVector.fromArray(F, gx, i)).intoArray(gx, i);
        }
    }

    /** out = x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2 (exact GELU). */
    public static void geluExact(float[] x, float[] out, int n) {
        forward(GELU_EXACT, x, out, n);
    }

    /**
     * {@link #geluExact(float[], float[], int)} that also saves Phi(x) into {@code cdf} for
     * {@link #geluExactBackwardAcc(float[], float[], float[], float[], int)}: erf is the costliest part of the
     * backward, and the forward has already computed it (same values, so the gradient is bit-identical).
     */
    public static void geluExact(float[] x, float[] out, float[] cdf, int n) {
        ElementWise.forElements(n, (from, to) -> {
            int end = from + F.loopBound(to - from);
            forwardGeluExactSaveLoop(x, out, cdf, from, end);
            for (int i = end; i < to; i++) {
                float a = x[i];
                float e = erf(a * INV_SQRT2);
                cdf[i] = 0.5f * (1f + e);
                out[i] = 0.5f * a * (1f + e);
            }
        });
    }

    // Own loop for the reason given above forwardGeluExactLoop. (v / 2) * (erf + 1) as in forwardGeluExact;
    // Phi = (erf + 1) / 2 as in geluExactCdf (halving is exact).
    private static void forwardGeluExactSaveLoop(float[] x, float[] out, float[] cdf, int from, int end) {
        for (int i = from; i < end; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector e1 = erf(v.mul(INV_SQRT2)).add(1f);
            v.mul(0.5f).mul(e1).intoArray(out, i);
            e1.mul(0.5f).intoArray(cdf, i);
        }
    }

    /** gx += g * (Phi(x) + x * phi(x)) with Phi(x) saved by the forward. */
    public static void geluExactBackwardAcc(float[] x, float[] cdf, float[] g, float[] gx, int n) {
        ElementWise.forElements(n, (from, to) -> {
            int end = from + F.loopBound(to - from);
            geluExactSavedUpdateLoop(x, cdf, g, gx, from, end);
            for (int i = end; i < to; i++) {
                float a = x[i];
                gx[i] += Math.fma(a, VectorMath.exp(a * a * -0.5f) * INV_SQRT_2PI, cdf[i]) * g[i];
            }
        });
    }

    private static void geluExactSavedUpdateLoop(float[] x, float[] cdf, float[] g, float[] gx, int from, int end) {
        for (int i = from; i < end; i += L) {
            FloatVector d = derivGeluExact(FloatVector.fromArray(F, x, i), FloatVector.fromArray(F, cdf, i));
            d.fma(FloatVector.fromArray(F, g, i), FloatVector.fromArray(F, gx, i)).intoArray(gx, i);
        }
    }

    /** gx += g * (Phi(x) + x * phi(x)). */
    public static void geluExactBackwardAcc(float[] x, float[] g, float[] gx, int n) {
        backwardAcc(GELU_EXACT, x, g, gx, n);
    }

    /** out = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) (GPT-2's GELU). */
    public static void geluTanh(float[] x, float[] out, int n) {
        forward(GELU_TANH, x, out, n);
    }

    public static void geluTanhBackwardAcc(float[] x, float[] g, float[] gx, int n) {
        backwardAcc(GELU_TANH, x, g, gx, n);
    }

    /** out = x * sigmoid(x). */
    public static void silu(float[] x, float[] out, int n) {
        forward(SILU, x, out, n);
    }

    public static void siluBackwardAcc(float[] x, float[] g, float[] gx, int n) {
        backwardAcc(SILU, x, g, gx, n);
    }
}
