package org.transformer4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Deterministic float exp and tanh, as a {@link FloatVector} lane function and as a scalar function that returns
 * bit-identical results.
 *
 * <p>Why not {@code lanewise(VectorOperators.EXP)}: its interpreted/C1 fallback rounds {@code Math.exp} per lane
 * while C2 calls an SVML intrinsic, and the two differ by an ulp, so the same training step could give different
 * losses before and after the JIT compiles a kernel. These functions use only operations that IEEE 754 and the
 * Java spec define exactly (add, sub, mul, div, fma, min/max, compares, blends, integer shifts, bit
 * reinterpretation), so every execution mode, and the scalar tail loops, produce the same bits. The scalar twin
 * performs the same operations in the same order; VectorMathTest checks the identity on millions of inputs.
 *
 * <p>exp accuracy: at most 1 ulp from the correctly rounded result over all floats (measured by VectorMathTest,
 * which steps through every float in [-104, 89]). Gradual underflow is exact (the result is rounded once into
 * the subnormal range); x &lt;= -104 gives +0, x &gt;= 88.7228 gives +inf, NaN gives NaN.
 *
 * <p>tanh accuracy: at most 2 ulp relative error and 1e-7 absolute error (measured 1.34 ulp, 8e-8); saturates
 * to +-1, keeps the sign of zero, NaN gives NaN.
 */
public final class VectorMath {
    private VectorMath() {}

    /* ---- exp: x = n ln2 + r, |r| <= ln2/2 (plus a rounding ulp), e^x = 2^n e^r. ---- */

    /** Below this e^x < 2^-150, which rounds to 0; clamping here also keeps n in the range the 2^n trick covers. */
    private static final float EXP_LO = -104f;
    /** Above 88.7228 e^x overflows; 89 still overflows through the 2^n scaling and bounds n by 128. */
    private static final float EXP_HI = 89f;
    private static final float LOG2E = 1.44269504f;
    /*
     * Cody-Waite split of ln2. LN2_HI = float(ln2); with fma the product n * LN2_HI is exact and x - n*LN2_HI is a
     * multiple of 2^-25 below 0.5 in magnitude, so the first reduction step is exact; LN2_LO adds the remainder.
     */
    private static final float LN2_HI = 0.693147182f;
    private static final float LN2_LO = -1.90465421e-9f;
    /**
     * 1.5 * 2^23: adding it rounds x*log2(e) to the nearest integer n (the sum lies in [2^23, 2^24), whose ulp is 1),
     * and the sum's low mantissa bits are then n itself, so n is read from the bits without a float-to-int cast.
     */
    private static final float SHIFTER = 12582912f;
    private static final int SHIFTER_BITS = Float.floatToRawIntBits(SHIFTER);
    /*
     * e^r = 1 + r * Q(r), Q of degree 5. Fitted for this project by iteratively reweighted least squares (toward
     * minimax) on [-ln2/2 - 0.01, ln2/2 + 0.01] for the relative error of e^r: 2.4e-9, a few hundredths of an ulp.
     */
    private static final float Q0 = 1f;
    private static final float Q1 = 0.49999994f;
    private static final float Q2 = 0.16666403f;
    private static final float Q3 = 0.041668165f;
    private static final float Q4 = 0.008376513f;
    private static final float Q5 = 0.0013840907f;

    /** e^x per lane; bit-identical to {@link #exp(float)} on each lane. */
    /**
     * x clamped to [lo, hi] with two compares and two blends: the same lanes as {@code x.max(lo).min(hi)} for every
     * x when lo and hi are not zero, or when x is never -0.0 (a NaN lane compares false and stays NaN, as with
     * max/min). Written out because C2 turns each of Java's vector max and min into a five-instruction sequence
     * (NaN and signed-zero rules) that made the clamps a quarter of exp's time on AVX2 (0.50 ns per element for
     * max then min against 0.19 for a compare and blend, 1 thread, 2026-12-02).
     */
    static FloatVector clamp(FloatVector x, float lo, float hi) {
        FloatVector up = x.blend(lo, x.compare(VectorOperators.LT, lo));
        return up.blend(hi, up.compare(VectorOperators.GT, hi));
    }

    public static FloatVector exp(FloatVector x) {
        FloatVector xc = clamp(x, EXP_LO, EXP_HI); // NaN stays NaN and flows through to the result
        FloatVector t = xc.fma(LOG2E, SHIFTER);
        FloatVector n = t.sub(SHIFTER);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), xc);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector q = r.fma(Q5, Q4);
        q = q.fma(r, x.broadcast(Q3));
        q = q.fma(r, x.broadcast(Q2));
        q = q.fma(r, x.broadcast(Q1));
        q = q.fma(r, x.broadcast(Q0));
        FloatVector p = q.fma(r, x.broadcast(1f));
        // 2^n as two factors 2^n1 * 2^n2 (n in [-150, 128]): each is a normal float, p * 2^n1 is exact, and the
        // second product rounds once, so overflow gives inf and gradual underflow is correctly rounded.
        IntVector ni = t.reinterpretAsInts().sub(SHIFTER_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /** e^x; the same operations in the same order as {@link #exp(FloatVector)}. */
    public static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(xc, LOG2E, SHIFTER);
        float n = t - SHIFTER;
        float r = Math.fma(n, -LN2_HI, xc);
        r = Math.fma(n, -LN2_LO, r);
        float q = Math.fma(r, Q5, Q4);
        q = Math.fma(q, r, Q3);
        q = Math.fma(q, r, Q2);
        q = Math.fma(q, r, Q1);
        q = Math.fma(q, r, Q0);
        float p = Math.fma(q, r, 1f);
        int ni = Float.floatToRawIntBits(t) - SHIFTER_BITS;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        float s1 = Float.intBitsToFloat((n1 + 127) << 23);
        float s2 = Float.intBitsToFloat((n2 + 127) << 23);
        return p * s1 * s2;
    }

    /* ---- tanh ---- */

    /**
     * Below this |x|, 1 - 2/(e^2|x| + 1) would lose relative accuracy to cancellation, so an odd polynomial is used:
     * tanh(x) = x + x^3 P(x^2), P of degree 4, fitted like Q above on (0, 0.625] (relative error 4.4e-9).
     */
    private static final float TANH_SMALL = 0.625f;
    private static final float P0 = -0.3333328f;
    private static final float P1 = 0.13331442f;
    private static final float P2 = -0.053739715f;
    private static final float P3 = 0.020639088f;
    private static final float P4 = -0.005704987f;
    /**
     * tanh rounds to 1 once 2/(e^2|x| + 1) is below 2^-25 (half an ulp under 1), i.e. from |x| = 13 ln2 = 9.01 on;
     * at the clamp 10 the term is 4e-9, so the result is exactly 1, and e^20 cannot overflow.
     */
    private static final float TANH_SAT = 10f;
    private static final int SIGN = 0x80000000;

    /** tanh(x) per lane; bit-identical to {@link #tanh(float)} on each lane. Branch-free: both pieces are blended. */
    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        // a.min(TANH_SAT) as a compare and blend (see clamp): a is never -0.0, and NaN stays NaN
        FloatVector e = exp(a.blend(TANH_SAT, a.compare(VectorOperators.GT, TANH_SAT)).mul(2f));
        FloatVector one = x.broadcast(1f);
        FloatVector large = one.sub(x.broadcast(2f).div(e.add(1f)));
        FloatVector u = a.mul(a);
        FloatVector p = u.fma(P4, P3);
        p = p.fma(u, x.broadcast(P2));
        p = p.fma(u, x.broadcast(P1));
        p = p.fma(u, x.broadcast(P0));
        FloatVector small = a.mul(u).fma(p, a);
        VectorMask<Float> isSmall = a.compare(VectorOperators.LT, TANH_SMALL);
        FloatVector y = large.blend(small, isSmall);
        // y >= 0 (or NaN): OR in x's sign bit, which also keeps tanh(-0) = -0.
        return y.reinterpretAsInts().or(x.reinterpretAsInts().and(SIGN)).reinterpretAsFloats();
    }

    /** tanh(x); the same operations in the same order as {@link #tanh(FloatVector)}. */
    public static float tanh(float x) {
        float a = Math.abs(x);
        float e = exp(Math.min(a, TANH_SAT) * 2f);
        float large = 1f - 2f / (e + 1f);
        float u = a * a;
        float p = Math.fma(u, P4, P3);
        p = Math.fma(p, u, P2);
        p = Math.fma(p, u, P1);
        p = Math.fma(p, u, P0);
        float small = Math.fma(a * u, p, a);
        float y = a < TANH_SMALL ? small : large;
        return Float.intBitsToFloat(Float.floatToRawIntBits(y) | (Float.floatToRawIntBits(x) & SIGN));
    }
}
