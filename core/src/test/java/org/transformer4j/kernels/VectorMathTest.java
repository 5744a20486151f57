package org.transformer4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Error of got in ulps of the float nearest to ref (the ulp of a subnormal is Float.MIN_VALUE). */
    private static double ulps(float got, double ref) {
        return Math.abs(got - ref) / Math.ulp((float) ref);
    }

    /** Applies the vector function to a whole array (length a multiple of the lane count). */
    private static float[] vectorExp(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += F.length()) {
            VectorMath.exp(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return y;
    }

    private static float[] vectorTanh(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += F.length()) {
            VectorMath.tanh(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return y;
    }

    /** Every stride-th float bit pattern in [lo, hi] (both signs walked separately), padded to whole vectors with 0. */
    private static float[] sweep(float lo, float hi, int stride) {
        int negCount = Float.floatToRawIntBits(-lo) / stride + 1;
        int posCount = Float.floatToRawIntBits(hi) / stride + 1;
        int n = negCount + posCount;
        float[] x = new float[(n + F.length() - 1) / F.length() * F.length()];
        for (int i = 0; i < negCount; i++) {
            x[i] = -Float.intBitsToFloat(i * stride);
        }
        for (int i = 0; i < posCount; i++) {
            x[negCount + i] = Float.intBitsToFloat(i * stride);
        }
        return x;
    }

    @Test
    void expIsWithinOneUlpOfCorrectlyRoundedOverTheWholeFiniteRange() {
        // 8.9M floats: every 251st bit pattern in [-104, 89], which covers gradual underflow (below -87.3) and the
        // overflow edge. Math.exp in double, rounded to float, is the correctly rounded reference (its own error
        // is ~2^-29 float ulps). An exhaustive run of all 2.2e9 floats gave max 1.09 ulp vs the exact value.
        float[] x = sweep(-104f, 89f, 251);
        float[] v = vectorExp(x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            float s = VectorMath.exp(x[i]);
            float ref = (float) Math.exp(x[i]);
            // plain checks, not AssertJ, in these loops over millions of values: they stay fast
            if (Float.floatToIntBits(s) != Float.floatToIntBits(v[i])) {
                throw new AssertionError("vector " + v[i] + " != scalar " + s + " at " + x[i]);
            }
            if (Float.isInfinite(ref)) {
                if (s != ref) {
                    throw new AssertionError("exp(" + x[i] + ") = " + s + ", expected " + ref);
                }
            } else {
                worst = Math.max(worst, Math.abs(s - ref) / Math.ulp(ref));
            }
        }
        assertThat(worst).isLessThanOrEqualTo(1.0);
    }

    @Test
    void expSpecialValues() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
            -Float.MIN_VALUE, 1e-10f, 1f, -1f, 88.72283f, 88.7229f, 89f, 1e30f, Float.MAX_VALUE, -87.33655f,
            -103.2789f, -103.9720f, -103.9721f, -104f, -1e30f, -Float.MAX_VALUE, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
            0f};
        float[] expected = {Float.NaN, Float.POSITIVE_INFINITY, 0f, 1f, 1f, 1f, 1f, 1f, (float) Math.E,
            (float) Math.exp(-1), (float) Math.exp(88.72283f), Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY,
            Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, (float) Math.exp(-87.33655f),
            (float) Math.exp(-103.2789f), Float.MIN_VALUE, 0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f};
        float[] xv = Arrays.copyOf(x, (x.length + F.length() - 1) / F.length() * F.length());
        float[] v = vectorExp(xv);
        for (int i = 0; i < x.length; i++) {
            // compared as bits (floatToIntBits makes NaN equal to NaN)
            assertThat(Float.floatToIntBits(VectorMath.exp(x[i]))).as("exp(%s)", x[i])
                    .isEqualTo(Float.floatToIntBits(expected[i]));
            assertThat(Float.floatToIntBits(v[i])).as("vector exp(%s)", x[i])
                    .isEqualTo(Float.floatToIntBits(expected[i]));
        }
        assertThat(expected[10]).isFinite().isGreaterThan(3.4e38f); // the largest finite result is reachable
        assertThat(expected[15]).isLessThan(Float.MIN_NORMAL);      // and subnormal results are exact
    }

    @Test
    void tanhIsWithinTwoUlpsAnd1e7Absolute() {
        // Every 251st float in [-12, 12]: both pieces (odd polynomial below 0.625, exp formula above), the switch
        // point, and saturation. Measured max 1.34 ulp and 8.0e-8 absolute; the claim in VectorMath is 2 ulp / 1e-7.
        float[] x = sweep(-12f, 12f, 251);
        float[] v = vectorTanh(x);
        double worstUlp = 0;
        double worstAbs = 0;
        for (int i = 0; i < x.length; i++) {
            float s = VectorMath.tanh(x[i]);
            double ref = Math.tanh(x[i]);
            if (Float.floatToIntBits(s) != Float.floatToIntBits(v[i])) {
                throw new AssertionError("vector " + v[i] + " != scalar " + s + " at " + x[i]);
            }
            worstUlp = Math.max(worstUlp, ulps(s, ref));
            worstAbs = Math.max(worstAbs, Math.abs(s - ref));
        }
        assertThat(worstUlp).isLessThanOrEqualTo(2.0);
        assertThat(worstAbs).isLessThanOrEqualTo(1e-7);
    }

    @Test
    void tanhSpecialValues() {
        assertThat(VectorMath.tanh(Float.NaN)).isNaN();
        assertThat(VectorMath.tanh(Float.POSITIVE_INFINITY)).isEqualTo(1f);
        assertThat(VectorMath.tanh(Float.NEGATIVE_INFINITY)).isEqualTo(-1f);
        assertThat(VectorMath.tanh(9f)).isEqualTo((float) Math.tanh(9)); // 1 - 3.05e-8 rounds to 1 - 2^-24
        assertThat(VectorMath.tanh(9.02f)).isEqualTo(1f);
        assertThat(VectorMath.tanh(-1e30f)).isEqualTo(-1f);
        assertThat(Float.floatToRawIntBits(VectorMath.tanh(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(Float.floatToRawIntBits(VectorMath.tanh(0f))).isEqualTo(0);
        assertThat(VectorMath.tanh(Float.MIN_VALUE)).isEqualTo(Float.MIN_VALUE);
        assertThat(VectorMath.tanh(-1e-20f)).isEqualTo(-1e-20f);
        float[] x = new float[F.length()];
        Arrays.fill(x, -0f);
        x[0] = Float.NaN;
        float[] v = vectorTanh(x);
        assertThat(v[0]).isNaN();
        assertThat(Float.floatToRawIntBits(v[1])).isEqualTo(Float.floatToRawIntBits(-0f));
    }

    @Test
    void vectorLanesEqualScalarOnRandomBitPatterns() {
        // 4M arbitrary bit patterns (NaNs, infinities, subnormals, huge values included). Comparing with
        // floatToIntBits treats all NaNs as one value.
        SplittableRandom rng = new SplittableRandom(7);
        float[] x = new float[1 << 22];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.intBitsToFloat(rng.nextInt());
            if (i % 2 == 1) {
                x[i] = x[i] % 120f; // half of them in the interesting range
            }
        }
        float[] e = vectorExp(x);
        float[] t = vectorTanh(x);
        for (int i = 0; i < x.length; i++) {
            if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(VectorMath.exp(x[i]))
                    || Float.floatToIntBits(t[i]) != Float.floatToIntBits(VectorMath.tanh(x[i]))) {
                throw new AssertionError("vector != scalar at x = " + x[i] + " (bits " + Float.floatToRawIntBits(x[i])
                        + ")");
            }
        }
    }

    @Test
    void softmaxAndCrossEntropyGiveTheSameBitsColdAndAfterJitWarmUp() {
        // The property training needs: a kernel call gives the same bits before and after the JIT compiles it.
        // This may not catch a mode-dependent function in a short test (the "cold" call may already run compiled
        // code if another test warmed the kernel up in this JVM). The real guarantee is by construction: VectorMath
        // uses only exactly-rounded operations, and its vector and scalar forms agree bit for bit (tested above),
        // so interpreter, C1 and C2 all compute the same values.
        SplittableRandom rng = new SplittableRandom(3);
        int rows = 4;
        int vocab = 1003; // odd, so the scalar tail runs too
        float[] logits = new float[rows * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (rng.nextGaussian() * 5);
        }
        int[] targets = {5, 1002, CrossEntropy.IGNORE, 17};

        float[] sm0 = new float[vocab];
        Softmax.row(logits, vocab, sm0, 0, vocab);
        float[] lse0 = new float[rows];
        float[] loss0 = new float[rows];
        double total0 = CrossEntropy.forward(logits, targets, rows, vocab, lse0, loss0);
        float[] grad0 = new float[logits.length];
        CrossEntropy.backwardAcc(logits, targets, lse0, 0.25f, grad0, rows, vocab);

        float[] sm = new float[vocab];
        float[] lse = new float[rows];
        float[] loss = new float[rows];
        float[] grad = new float[logits.length];
        double total = 0;
        for (int it = 0; it < 20_000; it++) {
            Softmax.row(logits, vocab, sm, 0, vocab);
            if (it % 10 == 0) {
                total = CrossEntropy.forward(logits, targets, rows, vocab, lse, loss);
                Arrays.fill(grad, 0f);
                CrossEntropy.backwardAcc(logits, targets, lse, 0.25f, grad, rows, vocab);
            }
        }
        assertThat(sm).isEqualTo(sm0);
        assertThat(total).isEqualTo(total0);
        assertThat(lse).isEqualTo(lse0);
        assertThat(grad).isEqualTo(grad0);
    }
}
