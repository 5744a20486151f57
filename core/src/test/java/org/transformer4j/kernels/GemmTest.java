package org.transformer4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Checks every layout of {@link Gemm} against a double-precision triple loop.
 *
 * <p>Tolerance: each element is a float32 sum of k products computed with FMA (one rounding per step) plus at
 * most a few extra roundings (adding the K-block partial sums to C, the lane reduction of a dot product, the
 * old C value when accumulating). The classical bound for such a sum is |error| <= γ * Σ|terms| with
 * γ = (k + extra) * 2^-24 (to first order), so we allow (k + 16) * 2^-24 * (Σ_p |a_ip * b_pj| + |c_old|).
 * That is a worst-case bound (never a spurious failure) yet about a million times smaller than the error of
 * dropping or duplicating one term of average size, which is what tiling bugs produce.
 */
class GemmTest {
    private static final int[] SIZES = {0, 1, 2, 3, 4, 5, 6, 7, 11, 13, 16, 17, 31, 47, 63, 64, 65, 97, 127, 128,
        131, 191, 192, 193, 255, 256, 257, 300};
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** Layout-independent description of one call, with random offsets and padded leading dimensions. */
    record Case(String layout, int m, int n, int k, int aOff, int lda, int bOff, int ldb, int cOff, int ldc,
                boolean accumulate) {
        int aRows() { return layout.equals("tn") ? k : m; }
        int aCols() { return layout.equals("tn") ? m : k; }
        int bRows() { return layout.equals("nt") ? n : k; }
        int bCols() { return layout.equals("nt") ? k : n; }

        static Case random(String layout, int m, int n, int k, boolean accumulate, Random rnd) {
            int aCols = layout.equals("tn") ? m : k;
            int bCols = layout.equals("nt") ? k : n;
            boolean pad = rnd.nextBoolean();
            return new Case(layout, m, n, k, rnd.nextInt(5), Math.max(1, aCols + (pad ? rnd.nextInt(9) : 0)),
                    rnd.nextInt(5), Math.max(1, bCols + (pad ? rnd.nextInt(9) : 0)), rnd.nextInt(5),
                    Math.max(1, n + (pad ? rnd.nextInt(9) : 0)), accumulate);
        }
    }

    static float[] randomArray(int size, Random rnd) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    static void call(Case t, float[] a, float[] b, float[] c) {
        switch (t.layout) {
            case "nn" -> Gemm.nn(t.m, t.n, t.k, a, t.aOff, t.lda, b, t.bOff, t.ldb, c, t.cOff, t.ldc, t.accumulate);
            case "nt" -> Gemm.nt(t.m, t.n, t.k, a, t.aOff, t.lda, b, t.bOff, t.ldb, c, t.cOff, t.ldc, t.accumulate);
            case "tn" -> Gemm.tn(t.m, t.n, t.k, a, t.aOff, t.lda, b, t.bOff, t.ldb, c, t.cOff, t.ldc, t.accumulate);
            default -> throw new IllegalArgumentException(t.layout);
        }
    }

    /**
     * Runs one case on random data and compares with the double reference; returns an error message or null.
     * Also checks that nothing outside the C block (padding, offset, tail of the array) was written.
     */
    static String check(Case t, Random rnd) {
        float[] a = randomArray(t.aOff + (t.aRows() == 0 ? 0 : (t.aRows() - 1) * t.lda + t.aCols()) + 3, rnd);
        float[] b = randomArray(t.bOff + (t.bRows() == 0 ? 0 : (t.bRows() - 1) * t.ldb + t.bCols()) + 3, rnd);
        float[] c = randomArray(t.cOff + (t.m == 0 ? 0 : (t.m - 1) * t.ldc + t.n) + 3, rnd);
        float[] c0 = c.clone();
        call(t, a, b, c);
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - t.cOff;
            int i = rel >= 0 ? rel / t.ldc : -1, j = rel >= 0 ? rel % t.ldc : -1;
            boolean inside = rel >= 0 && i < t.m && j < t.n;
            if (!inside) {
                if (Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(c0[idx])) {
                    return t + ": wrote outside C at array index " + idx;
                }
                continue;
            }
            double ref = t.accumulate ? c0[idx] : 0, mag = t.accumulate ? Math.abs(c0[idx]) : 0;
            for (int p = 0; p < t.k; p++) {
                double av = t.layout.equals("tn") ? a[t.aOff + p * t.lda + i] : a[t.aOff + i * t.lda + p];
                double bv = t.layout.equals("nt") ? b[t.bOff + j * t.ldb + p] : b[t.bOff + p * t.ldb + j];
                ref += av * bv;
                mag += Math.abs(av * bv);
            }
            double tol = (t.k + 16) * 0x1p-24 * mag;
            if (!(Math.abs(c[idx] - ref) <= tol)) {
                return t + ": C[" + i + "," + j + "] = " + c[idx] + ", expected " + ref + " (tol " + tol + ")";
            }
        }
        return null;
    }

    /** Random shapes from SIZES (tails of every kind, 0, 1, primes, block edges) in all layouts. */
    static List<String> randomCases(long seed, int count) {
        Random rnd = new Random(seed);
        List<String> failures = new ArrayList<>();
        for (int it = 0; it < count; it++) {
            for (String layout : new String[] {"nn", "nt", "tn"}) {
                int m = SIZES[rnd.nextInt(SIZES.length)], n = SIZES[rnd.nextInt(SIZES.length)];
                int k = SIZES[rnd.nextInt(SIZES.length)];
                String f = check(Case.random(layout, m, n, k, rnd.nextBoolean(), rnd), rnd);
                if (f != null) {
                    failures.add(f);
                }
            }
        }
        return failures;
    }

    @Test
    void randomShapesAllLayoutsMatchDoubleReference() {
        assertThat(randomCases(42, 60)).isEmpty();
    }

    @Test
    void randomShapesSingleThread() {
        Parallel.setThreads(1);
        assertThat(randomCases(7, 30)).isEmpty();
    }

    @Test
    void moreThreadsThanCores() {
        Parallel.setThreads(5);
        assertThat(randomCases(11, 20)).isEmpty();
    }

    /** Matrix-vector and few-row products (the unpacked path) and the first packed sizes above it. */
    @Test
    void fewRowsAndMatrixVector() {
        Random rnd = new Random(3);
        List<String> failures = new ArrayList<>();
        for (String layout : new String[] {"nn", "nt", "tn"}) {
            for (int m = 1; m <= Gemm.SMALL_M + 3; m++) {
                for (int[] nk : new int[][] {{1, 1}, {1000, 77}, {129, 768}, {65, 3}, {4, 4}, {7, 33}}) {
                    for (boolean acc : new boolean[] {false, true}) {
                        String f = check(Case.random(layout, m, nk[0], nk[1], acc, rnd), rnd);
                        if (f != null) {
                            failures.add(f);
                        }
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    /** Shapes of the tiny training config and attention, and K / N larger than one block (KC = 256, NC). */
    @Test
    void modelShapesAndMultipleBlocks() {
        Random rnd = new Random(5);
        List<String> failures = new ArrayList<>();
        int[][] shapes = {{768, 128, 384}, {64, 64, 32}, {64, 32, 64}, {130, 70, 600}, {20, 2100, 40}, {9, 5, 513}};
        for (String layout : new String[] {"nn", "nt", "tn"}) {
            for (int[] s : shapes) {
                String f = check(Case.random(layout, s[0], s[1], s[2], rnd.nextBoolean(), rnd), rnd);
                if (f != null) {
                    failures.add(f);
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    /**
     * A B too large to pack at once (k x n > GemmJob.MAX_PACKED floats) is packed and multiplied a few K blocks at
     * a time; the K blocks of a group and across groups must add up in order. Checked with 1 and 2 threads.
     */
    @Test
    void largeBPackedInGroupsOfKBlocks() {
        Random rnd = new Random(11);
        List<String> failures = new ArrayList<>();
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            for (String layout : new String[] {"nn", "nt", "tn"}) {
                String f = check(Case.random(layout, 13, 600, 7500, rnd.nextBoolean(), rnd), rnd);
                if (f != null) {
                    failures.add(f);
                }
            }
        }
        assertThat(GemmJob.MAX_PACKED).isLessThan(600 * 7500);
        assertThat(failures).isEmpty();
    }

    @Test
    void zeroKClearsOrKeepsC() {
        float[] c = {1, 2, 3, 4, 5, 6};
        Gemm.nn(2, 2, 0, new float[0], 0, 0, new float[0], 0, 2, c, 1, 3, true);
        assertThat(c).containsExactly(1, 2, 3, 4, 5, 6);
        Gemm.nt(2, 2, 0, new float[0], 0, 0, new float[0], 0, 0, c, 1, 3, false);
        assertThat(c).containsExactly(1, 0, 0, 4, 0, 0);
    }

    /** Determinism: each element is summed in a fixed order, so 1, 2 and 3 threads give the same bits. */
    @Test
    void sameBitsAcrossThreadCountsAndRuns() {
        Random rnd = new Random(9);
        int[][] shapes = {{768, 128, 384}, {128, 768, 128}, {203, 301, 517}, {3, 2000, 300}, {1, 999, 1001}};
        for (String layout : new String[] {"nn", "nt", "tn"}) {
            for (int[] s : shapes) {
                Case t = Case.random(layout, s[0], s[1], s[2], true, rnd);
                float[] a = randomArray(t.aOff + t.aRows() * t.lda, rnd);
                float[] b = randomArray(t.bOff + t.bRows() * t.ldb, rnd);
                float[] c0 = randomArray(t.cOff + t.m * t.ldc, rnd);
                float[] first = null;
                for (int threads : new int[] {1, 2, 2, 3, 1}) {
                    Parallel.setThreads(threads);
                    float[] c = c0.clone();
                    call(t, a, b, c);
                    if (first == null) {
                        first = c;
                    } else {
                        assertThat(Arrays.equals(c, first)).as("%s with %d threads", t, threads).isTrue();
                    }
                }
            }
        }
    }

    /** Per-head products inside a parallel loop (as attention does) run inline and give the same bits. */
    @Test
    void gemmInsideParallelLoopMatchesSerial() {
        Parallel.setThreads(2);
        Random rnd = new Random(21);
        int heads = 6, t = 64, d = 32;
        float[] q = randomArray(heads * t * d, rnd), k = randomArray(heads * t * d, rnd);
        float[] serial = new float[heads * t * t], nested = new float[heads * t * t];
        for (int h = 0; h < heads; h++) {
            Gemm.nt(t, t, d, q, h * t * d, d, k, h * t * d, d, serial, h * t * t, t, false);
        }
        Parallel.forRange(heads, (from, to) -> {
            for (int h = from; h < to; h++) {
                Gemm.nt(t, t, d, q, h * t * d, d, k, h * t * d, d, nested, h * t * t, t, false);
            }
        });
        assertThat(nested).isEqualTo(serial);
        // and a product large enough to be parallel itself, nested: must not deadlock
        float[] a = randomArray(300 * 300, rnd), c1 = new float[300 * 300], c2 = new float[300 * 300];
        Gemm.nn(300, 300, 300, a, a, c1, false);
        Parallel.forRange(2, (from, to) -> {
            if (from == 0) {
                Gemm.nn(300, 300, 300, a, a, c2, false);
            }
        });
        assertThat(c2).isEqualTo(c1);
    }

    @Test
    void badArgumentsAreRejected() {
        float[] x = new float[12];
        assertThatThrownBy(() -> Gemm.nn(3, 4, 4, x, x, new float[12], false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("B [4 x 4]");
        assertThatThrownBy(() -> Gemm.nt(2, 2, 3, x, 0, 2, x, 0, 3, new float[4], 0, 2, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leading dimension of A");
        assertThatThrownBy(() -> Gemm.tn(2, 2, 2, x, -1, 2, x, 0, 2, new float[4], 0, 2, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset -1");
        assertThatThrownBy(() -> Gemm.nn(-1, 2, 2, x, x, x, false)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The kernels are written for any vector width and for 2 or 4 vectors per register-block row; this JVM uses
     * one fixed choice, so run the random check in child JVMs forced to other widths (t4j.vectorBits) and
     * block shapes (t4j.gemm.nv, t4j.gemm.mr). Each child prints its lanes, NV and MR, which are checked too.
     */
    @Test
    void otherVectorWidthsAndBlockShapesInChildJvm() throws Exception {
        // {vector bits, NV, MR}: every kernel shape, two widths, whatever this JVM uses; the third also small
        // blocks and packed A (mc = 20 is a multiple of MR = 4), the fourth the 6 x 2-vector AVX2 kernel
        int[][] configs = {{128, 2, 4}, {256, 4, 6}, {256, 2, 4}, {256, 2, 6}};
        List<Process> children = new ArrayList<>();
        for (int[] cfg : configs) {
            String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
            boolean tuned = children.size() == 2;
            children.add(new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector",
                    "-Dt4j.vectorBits=" + cfg[0], "-Dt4j.gemm.nv=" + cfg[1], "-Dt4j.gemm.mr=" + cfg[2],
                    "-Dt4j.gemm.kc=" + (tuned ? 40 : 256), "-Dt4j.gemm.mc=" + (tuned ? 20 : 192),
                    "-Dt4j.gemm.packA=" + tuned,
                    "-cp", System.getProperty("java.class.path"), OtherWidth.class.getName())
                    .redirectErrorStream(true).start());
        }
        for (int i = 0; i < configs.length; i++) {
            Process p = children.get(i);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(out).contains(
                    "lanes=" + configs[i][0] / 32 + " nv=" + configs[i][1] + " mr=" + configs[i][2]);
            assertThat(out).contains(i == 2 ? "kc=40 mc=20 packA=true" : "kc=256 mc=192 packA=false");
            assertThat(p.exitValue()).as(out).isZero();
        }
    }

    /** Entry point of the child JVMs of {@link #otherVectorWidthsAndBlockShapesInChildJvm()}. */
    public static final class OtherWidth {
        public static void main(String[] args) {
            System.out.println("lanes=" + GemmKernel.L + " nv=" + GemmKernel.NV + " mr=" + GemmKernel.MR + " kc=" + GemmJob.KC + " mc="
                    + GemmJob.MC + " packA=" + GemmJob.PACK_A);
            List<String> failures = randomCases(13, 6);
            failures.forEach(System.out::println);
            System.exit(failures.isEmpty() ? 0 : 1);
        }
    }
}
