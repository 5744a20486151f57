package org.transformer4j.io;

/**
 * Conversions between float32 and the two 16-bit float formats found in checkpoints. Halves are passed around as
 * the low 16 bits of a {@code short} (the raw bit pattern, as stored in a file).
 *
 * <p>Widening is exact for every one of the 65536 patterns (both formats are subsets of float32). Narrowing rounds
 * to nearest, ties to even, as PyTorch and numpy do; NaN stays NaN (quiet), infinities stay infinite, and values too
 * large for the format become infinity.
 */
public final class FloatFormats {
    private FloatFormats() {
    }

    /** IEEE binary16 to float32, exact (subnormals, infinities and NaN included). */
    public static float f16ToFloat(short bits) {
        // The JDK method is an intrinsic (F16C on x86) and is exact.
        return Float.float16ToFloat(bits);
    }

    /** float32 to IEEE binary16, round to nearest even. */
    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }

    /** bfloat16 to float32: bfloat16 is the upper half of a float32, so this is a shift and exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float32 to bfloat16, round to nearest even. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            // NaN: plain truncation could drop every payload bit and turn it into infinity; keep it a quiet NaN.
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Add half an ulp of the result, plus one if the kept part is odd, so ties go to the even neighbour.
        // Overflow carries into the exponent, which is exactly the rounding up to infinity we want.
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
