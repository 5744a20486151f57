package org.transformer4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.transformer4j.io.FloatFormats;
import org.transformer4j.tensor.WeightStorage;
import org.transformer4j.tensor.WeightStorage.Format;

/**
 * The inference kernels over stored weights, for every format and both layouts, against a plain double-precision
 * product of the widened stored values.
 *
 * <p>Tolerance: each output is a float32 sum of {@code in} products, computed with fused multiply-adds in some
 * fixed order; its rounding error is at most about in·u·Σ|x_p·w_p| (u = 2^-24 ≈ 6e-8). We allow
 * 4·in·u·Σ|x_p·w_p| + 1e-30, a true bound for any summation order, so the test holds for the blocked GEMM as well
 * as for the matrix-vector loops, while an indexing bug (a wrong row, a transposed read, a skipped tail) gives
 * errors of the order of Σ|x_p·w_p| itself. The 16-bit formats are compared against the exactly widened values,
 * so this checks "widen, then compute in float32".
 */
class WeightKernelsTest {
    /**
     * [in, out]: single element, below one vector, exactly one vector, odd sizes with tails, a 4-row remainder;
     * in >= 64 splits the columns layout into its 4 parts (in = 129: the last part takes the odd row), and
     * out = 3100 runs past one y segment of the columns layout. [221, 333]: enough rows for two threads to split
     * the rows layout (into 166 and 167 rows: rows grouped into quads of distant rows differently than with one
     * thread, 1-3 rows left alone), in = 221 gives the row kernels a scalar tail, and the columns layout's parts
     * (55-56 stored rows) are read as quarters plus leftovers.
     */
    private static final int[][] SIZES = {{1, 1}, {7, 5}, {8, 8}, {37, 29}, {129, 67}, {70, 3100}, {221, 333}};
    /** 1 and 4 rows: matrix-vector loops (4 = the most they take); 3: an odd count; 9: the blocked GEMM path. */
    private static final int[] ROWS = {1, 3, 4, 9};

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** Stored values (already representable in the format) and the storage holding them. */
    private record Stored(float[] values, WeightStorage storage) {}

    private static Stored random(Format f, int n, boolean transposed, SplittableRandom rng) {
        float[] v = new float[n];
        short[] bits = new short[n];
        for (int i = 0; i < n; i++) {
            float x = (float) (rng.nextDouble() * 2 - 1);
            switch (f) {
                case F32 -> v[i] = x;
                case BF16 -> {
                    bits[i] = FloatFormats.floatToBf16(x);
                    v[i] = FloatFormats.bf16ToFloat(bits[i]);
                }
                case F16 -> {
                    bits[i] = FloatFormats.floatToF16(x);
                    v[i] = FloatFormats.f16ToFloat(bits[i]);
                }
            }
        }
        return new Stored(v, f == Format.F32 ? WeightStorage.ofFloats(v, transposed)
                : WeightStorage.ofHalves(bits, f, transposed));
    }

    @ParameterizedTest
    @EnumSource(value = Format.class, names = {"F32", "BF16", "F16"})
    void linearMatchesWidenedProductInBothLayoutsAndThreadCounts(Format f) {
        SplittableRandom rng = new SplittableRandom(f.ordinal());
        for (boolean transposed : new boolean[] {false, true}) {
            for (int[] size : SIZES) {
                int in = size[0];
                int out = size[1];
                Stored w = random(f, in * out, transposed, rng);
                for (int m : ROWS) {
                    float[] x = new float[m * in];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (rng.nextDouble() * 2 - 1);
                    }
                    float[][] results = new float[2][];
                    for (int threads = 1; threads <= 2; threads++) {
                        Parallel.setThreads(threads);
                        float[] y = new float[m * out];
                        java.util.Arrays.fill(y, Float.NaN); // must be overwritten
                        WeightKernels.linear(m, in, out, x, w.storage(), y);
                        results[threads - 1] = y;
                    }
                    String what = f + (transposed ? " transposed" : " rows") + " in=" + in + " out=" + out + " m=" + m;
                    assertThat(results[1]).as("%s: 1 and 2 threads give identical bits", what).isEqualTo(results[0]);
                    // the GEMM path cut into several blocks of 2 rows of W (the last one partial) must agree too
                    float[] blocked = new float[m * out];
                    WeightKernels.blocked(m, in, out, x, w.storage(), blocked, 2 * in + 1);
                    for (float[] y : new float[][] {results[0], blocked}) {
                        String worst = null;
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < out; j++) {
                                double exact = 0;
                                double magnitude = 0;
                                for (int p = 0; p < in; p++) {
                                    float wv = transposed ? w.values()[p * out + j] : w.values()[j * in + p];
                                    exact += (double) x[i * in + p] * wv;
                                    magnitude += Math.abs((double) x[i * in + p] * wv);
                                }
                                double tol = 4.0 * in * 0x1p-24 * magnitude + 1e-30;
                                if (worst == null && !(Math.abs(y[i * out + j] - exact) <= tol)) {
                                    worst = what + " at (" + i + ", " + j + "): " + y[i * out + j] + " vs " + exact
                                            + " (tolerance " + tol + ")";
                                }
                            }
                        }
                        assertThat(worst).as("first element outside the tolerance").isNull();
                    }
                }
            }
        }
    }

    /**
     * int8: quantisation error per element within half a step of its group (the rounding bound), and the kernels
     * (matrix-vector and blocked) against a double product of the dequantised values. The kernel sums each group
     * of 32 products in float32, scales it once and adds it to the row's sum: every rounding is then at most u
     * relative on a partial sum bounded by Σ|x_p·w_p| (the scale is exact in the dequantised value), so the same
     * 4·in·u·Σ|x_p·w_p| bound as for float32 applies.
     */
    @Test
    void int8QuantisesWithinHalfAStepAndLinearMatchesTheDequantisedProduct() {
        SplittableRandom rng = new SplittableRandom(8);
        // [224, 333]: two threads split the rows (166 and 167), so rows are grouped differently than with one thread
        int[][] sizes = {{32, 1}, {32, 7}, {64, 4}, {96, 37}, {768, 9}, {224, 333}};
        for (int[] size : sizes) {
            int in = size[0];
            int out = size[1];
            float[] v = new float[in * out];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((rng.nextDouble() * 2 - 1) * (i % 64 == 5 ? 10 : 1)); // an outlier in some groups
            }
            v[0] = 0f;
            for (boolean transposed : new boolean[] {false, true}) {
                float[] stored = transposed ? transpose(v, out, in) : v;
                WeightStorage q = WeightStorage.quantizeInt8(WeightStorage.ofFloats(stored, transposed), out, in);
                assertThat(q.transposed()).isFalse();
                float[] deq = new float[v.length];
                for (int r = 0; r < out; r++) {
                    for (int g = 0; g < in; g += WeightStorage.GROUP) {
                        float max = 0f;
                        for (int c = g; c < g + WeightStorage.GROUP; c++) {
                            max = Math.max(max, Math.abs(v[r * in + c]));
                        }
                        float step = max / 127f;
                        for (int c = g; c < g + WeightStorage.GROUP; c++) {
                            deq[r * in + c] = q.load((long) r * in + c);
                            assertThat(Math.abs(deq[r * in + c] - v[r * in + c]))
                                    .as("[%d, %d] of [%d, %d]", r, c, out, in).isLessThanOrEqualTo(step * 0.5f * 1.0001f);
                        }
                    }
                }
                for (int m : ROWS) {
                    float[] x = new float[m * in];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (rng.nextDouble() * 2 - 1);
                    }
                    float[][] results = new float[2][];
                    for (int threads = 1; threads <= 2; threads++) {
                        Parallel.setThreads(threads);
                        float[] y = new float[m * out];
                        java.util.Arrays.fill(y, Float.NaN);
                        WeightKernels.linear(m, in, out, x, q, y);
                        results[threads - 1] = y;
                    }
                    assertThat(results[1]).as("1 and 2 threads give identical bits").isEqualTo(results[0]);
                    float[] blocked = new float[m * out];
                    WeightKernels.blocked(m, in, out, x, q, blocked, 2 * in + 1);
                    for (float[] y : new float[][] {results[0], blocked}) {
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < out; j++) {
                                double exact = 0;
                                double magnitude = 0;
                                for (int p = 0; p < in; p++) {
                                    exact += (double) x[i * in + p] * deq[j * in + p];
                                    magnitude += Math.abs((double) x[i * in + p] * deq[j * in + p]);
                                }
                                double tol = 4.0 * in * 0x1p-24 * magnitude + 1e-30;
                                assertThat(Math.abs(y[i * out + j] - exact)).as("int8 in=%d out=%d m=%d at (%d, %d)",
                                        in, out, m, i, j).isLessThanOrEqualTo(tol);
                            }
                        }
                    }
                }
            }
        }
        assertThat(WeightStorage.canQuantizeInt8(4, 33)).isFalse();
    }

    private static float[] transpose(float[] w, int rows, int cols) {
        float[] t = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = w[r * cols + c];
            }
        }
        return t;
    }

    @Test
    void widening16BitIsExactForEveryPattern() { // every non-NaN pattern bit-exact, NaN stays NaN
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        for (Format f : new Format[] {Format.BF16, Format.F16}) {
            WeightStorage w = WeightStorage.ofHalves(all, f, false);
            // odd length and offset, so both the vector loop and the scalar tail run
            float[] out = new float[all.length + 3];
            WeightMatVec.widen16(w, 0, all.length - 1, out, 3);
            String bad = null;
            for (int i = 0; i < all.length - 1 && bad == null; i++) {
                float expected = f == Format.F16 ? Float.float16ToFloat(all[i]) : FloatFormats.bf16ToFloat(all[i]);
                float got = out[3 + i];
                // NaN stays NaN; whether a signalling NaN comes out quieted differs even within the JDK (F16C
                // quiets it), so only NaN-ness is required there. Every other pattern must match bit for bit.
                boolean ok = Float.isNaN(expected) ? Float.isNaN(got) && Float.isNaN(w.load(i))
                        : Float.floatToRawIntBits(got) == Float.floatToRawIntBits(expected)
                                && Float.floatToRawIntBits(w.load(i)) == Float.floatToRawIntBits(expected);
                if (!ok) {
                    bad = String.format("%s pattern 0x%04x: %s (load %s), expected %s", f, i, got, w.load(i), expected);
                }
            }
            assertThat(bad).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Format.class, names = {"F32", "BF16", "F16"})
    void gatherRowsCopiesTheWidenedRows(Format f) {
        int vocab = 11;
        int dim = 19;
        Stored t = random(f, vocab * dim, false, new SplittableRandom(3));
        int[] ids = {10, 0, 3, 3, 7};
        float[] y = new float[ids.length * dim];
        WeightKernels.gatherRows(t.storage(), dim, ids, y);
        for (int i = 0; i < ids.length; i++) {
            for (int c = 0; c < dim; c++) {
                assertThat(y[i * dim + c]).isEqualTo(t.values()[ids[i] * dim + c]);
            }
        }
    }

    @Test
    void gatherRowsOfInt8GivesTheDequantisedRows() {
        int vocab = 11;
        int dim = 64;
        Stored t = random(Format.F32, vocab * dim, false, new SplittableRandom(4));
        WeightStorage q = WeightStorage.quantizeInt8(t.storage(), vocab, dim);
        int[] ids = {10, 0, 3, 3, 7};
        float[] y = new float[ids.length * dim];
        WeightKernels.gatherRows(q, dim, ids, y);
        for (int i = 0; i < ids.length; i++) {
            for (int c = 0; c < dim; c++) {
                assertThat(y[i * dim + c]).isEqualTo(q.load((long) ids[i] * dim + c));
            }
        }
    }
}
