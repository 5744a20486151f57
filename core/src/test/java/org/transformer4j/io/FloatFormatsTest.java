package org.transformer4j.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Checks the 16-bit float conversions against a reference built here from the format definitions alone: the value of
 * a pattern computed in double arithmetic from its exponent and mantissa fields, and narrowing done by searching the
 * (monotonic) table of positive patterns for the nearest value, ties to the even pattern.
 */
class FloatFormatsTest {
    /** A 16-bit float format with {@code mantBits} stored mantissa bits and an IEEE-style exponent. */
    private record Format(int mantBits, int expBits) {
        int bias() {
            return (1 << (expBits - 1)) - 1;
        }

        int infBits() {
            return ((1 << expBits) - 1) << mantBits;
        }

        /** Value of a non-negative pattern up to and including infBits (treated as the next power of two). */
        double value(int p) {
            int e = p >>> mantBits;
            int m = p & ((1 << mantBits) - 1);
            if (e == 0) {
                return Math.scalb((double) m, 1 - bias() - mantBits);
            }
            return Math.scalb((double) ((1 << mantBits) + m), e - bias() - mantBits);
        }

        /** Reference decode of any 16-bit pattern. */
        double decode(int bits) {
            int p = bits & 0x7FFF;
            double sign = (bits & 0x8000) != 0 ? -1 : 1;
            if (p > infBits()) {
                return Double.NaN;
            }
            return p == infBits() ? sign * Double.POSITIVE_INFINITY : sign * value(p);
        }

        /** Reference round-to-nearest-even encode of a non-NaN float. */
        int encode(float f) {
            int sign = Float.floatToRawIntBits(f) < 0 ? 0x8000 : 0;
            double x = Math.abs((double) f);
            int lo = 0;
            int hi = infBits();
            if (x >= value(hi)) {
                return sign | hi;
            }
            while (hi - lo > 1) { // invariant: value(lo) <= x < value(hi)
                int mid = (lo + hi) >>> 1;
                if (value(mid) <= x) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            double dLo = x - value(lo);
            double dHi = value(hi) - x;
            int p = dLo < dHi ? lo : dHi < dLo ? hi : ((lo & 1) == 0 ? lo : hi);
            return sign | p;
        }
    }

    private static final Format F16 = new Format(10, 5);
    private static final Format BF16 = new Format(7, 8);

    @Test
    void f16ToFloatIsExactForAll65536Patterns() {
        for (int bits = 0; bits < 65536; bits++) {
            float got = FloatFormats.f16ToFloat((short) bits);
            double want = F16.decode(bits);
            if (Double.isNaN(want)) {
                assertThat(Float.isNaN(got)).as("pattern %04x", bits).isTrue();
            } else {
                assertThat((double) got).as("pattern %04x", bits).isEqualTo(want);
                assertThat(Float.floatToRawIntBits(got) < 0).as("sign of %04x", bits).isEqualTo(bits >= 0x8000);
            }
        }
    }

    @Test
    void bf16ToFloatIsExactForAll65536Patterns() {
        for (int bits = 0; bits < 65536; bits++) {
            float got = FloatFormats.bf16ToFloat((short) bits);
            double want = BF16.decode(bits);
            if (Double.isNaN(want)) {
                assertThat(Float.isNaN(got)).as("pattern %04x", bits).isTrue();
            } else {
                assertThat((double) got).as("pattern %04x", bits).isEqualTo(want);
                assertThat(Float.floatToRawIntBits(got) < 0).as("sign of %04x", bits).isEqualTo(bits >= 0x8000);
            }
        }
    }

    @Test
    void narrowingOfEveryRepresentableValueGivesItsPatternBack() {
        for (int bits = 0; bits < 65536; bits++) {
            float f16 = FloatFormats.f16ToFloat((short) bits);
            float bf16 = FloatFormats.bf16ToFloat((short) bits);
            if (Float.isNaN(f16)) {
                assertThat(Float.isNaN(FloatFormats.f16ToFloat(FloatFormats.floatToF16(f16)))).isTrue();
            } else {
                assertThat(FloatFormats.floatToF16(f16) & 0xFFFF).as("f16 %04x", bits).isEqualTo(bits);
            }
            if (Float.isNaN(bf16)) {
                // payload bits only in the low half: plain truncation would have produced infinity
                assertThat(Float.isNaN(FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(bf16)))).isTrue();
            } else {
                assertThat(FloatFormats.floatToBf16(bf16) & 0xFFFF).as("bf16 %04x", bits).isEqualTo(bits);
            }
        }
        float lowPayloadNaN = Float.intBitsToFloat(0x7F800001);
        assertThat(Float.isNaN(FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(lowPayloadNaN)))).isTrue();
    }

    @Test
    void narrowingRoundsToNearestEvenAtEveryTieAndNeighbour() {
        // Midpoints between consecutive patterns (exact ties) and one float ulp either side, all positive patterns
        // and their negatives: this covers subnormals, the normal/subnormal boundary and overflow to infinity.
        for (Format fmt : new Format[] {F16, BF16}) {
            for (int p = 0; p < fmt.infBits(); p++) {
                float mid = (float) ((fmt.value(p) + fmt.value(p + 1)) / 2);
                for (float f : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                    checkNarrow(fmt, f);
                    checkNarrow(fmt, -f);
                }
            }
        }
    }

    @Test
    void narrowingMatchesReferenceOnRandomFloats() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 300_000; i++) {
            float f = Float.intBitsToFloat(rng.nextInt());
            if (!Float.isNaN(f)) {
                checkNarrow(F16, f);
                checkNarrow(BF16, f);
            }
        }
    }

    private static void checkNarrow(Format fmt, float f) {
        int got = (fmt == F16 ? FloatFormats.floatToF16(f) : FloatFormats.floatToBf16(f)) & 0xFFFF;
        assertThat(got).as("%s of %s (%08x)", fmt == F16 ? "f16" : "bf16", f, Float.floatToRawIntBits(f))
                .isEqualTo(fmt.encode(f));
    }
}
