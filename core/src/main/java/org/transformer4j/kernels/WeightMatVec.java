package org.transformer4j.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import org.transformer4j.tensor.WeightStorage;

/**
 * Matrix-vector products y[i, :] = x[i, :] · Wᵀ (a few rows i) with W read in place from a {@link WeightStorage}:
 * generation is bound by memory bandwidth, so every weight is loaded exactly once per call, at its stored width,
 * and widened in registers.
 *
 * <p>Widening: bfloat16 is the top half of a float32. bfloat16 is read as 32-bit lanes holding two weights each:
 * shifting left by 16 gives the even-numbered one, masking the low half the odd-numbered one, and x is used in the
 * matching even/odd order. IEEE half is widened into a small float scratch first (a plain
 * {@link Float#float16ToFloat} loop, which C2 compiles to the hardware conversion), then float[] kernels run on it.
 * <ul>
 *   <li>{@link #rows}: W stored [out, in]. Each output is a dot product along a stored row. Threads split the
 *       rows; each reads four rows far apart at once (four sequential streams, which the hardware prefetchers
 *       follow far better than four adjacent rows).</li>
 *   <li>{@link #columns}: W stored transposed, [in, out] (GPT-2's Conv1D). y += x[p] · W_stored[p, :] over a
 *       segment of y that stays in L1/L2, several distant stored rows per pass. The stored rows are cut into
 *       {@link #PARTS} fixed parts; threads take whole parts (each streams contiguous memory) and the partial
 *       sums are added in a fixed order.</li>
 *   <li>INT8 (always [out, in]): two distant rows per pass; per group of 32 the products are summed in one vector, then
 *       scaled and added to the row's sum.</li>
 * </ul>
 * Summation order depends only on the sizes, so results are identical for any thread count.
 */
final class WeightMatVec {
    static final VectorSpecies<Float> S = species();
    static final int L = S.length();
    private static final VectorSpecies<Integer> SI = VectorSpecies.of(int.class, S.vectorShape());
    private static final VectorSpecies<Short> SH =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, S.vectorBitSize() / 2)));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfFloat F32_NATIVE = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Minimum multiply-adds per parallel chunk: below this the hand-off costs more than it saves. */
    private static final long MIN_CHUNK_FMAS = 1L << 15;
    /** Columns per segment in {@link #columns}: the y segment (4 KB) and four widened rows (16 KB) stay in L1. */
    private static final int SEGMENT = 1024;


    private WeightMatVec() {}

    /** The float species; the same choice as the GEMM kernels (-Dt4j.vectorBits overrides it for tests). */
    private static VectorSpecies<Float> species() {
        return switch (Integer.getInteger("t4j.vectorBits", 0)) {
            case 128 -> FloatVector.SPECIES_128;
            case 256 -> FloatVector.SPECIES_256;
            case 512 -> FloatVector.SPECIES_512;
            default -> FloatVector.SPECIES_PREFERRED.length() >= 4 ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_128;
        };
    }

    private static int grain(long fmasPerItem) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, MIN_CHUNK_FMAS / Math.max(1, fmasPerItem)));
    }

    // ---- widening ----------------------------------------------------------------------------------------

    private static FloatVector f32(MemorySegment s, long byteOff) {
        return FloatVector.fromMemorySegment(S, s, byteOff, LE);
    }

    private static float f32s(MemorySegment s, long i) {
        return s.get(F32_LE, 4 * i);
    }

    private static FloatVector bf16(MemorySegment s, long byteOff) {
        IntVector i = (IntVector) ShortVector.fromMemorySegment(SH, s, byteOff, LE).convertShape(VectorOperators.S2I, SI, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float bf16s(MemorySegment s, long i) {
        return Float.intBitsToFloat((s.get(I16_LE, 2 * i) & 0xFFFF) << 16);
    }

    private static float f16s(MemorySegment s, long i) {
        return Float.float16ToFloat(s.get(I16_LE, 2 * i));
    }

    private static final ThreadLocal<short[]> HALVES = ThreadLocal.withInitial(() -> new short[2048]);

    private static void halvesToFloats(short[] h, int n, float[] dst, int d) {
        for (int i = 0; i < n; i++) {
            dst[d + i] = Float.float16ToFloat(h[i]);
        }
    }

    /** dst[d .. d + n) = the 16-bit stored elements [first, first + n), widened. */
    static void widen16(WeightStorage w, long first, int n, float[] dst, int d) {
        MemorySegment s = w.segment();
        int j = 0;
        int end = S.loopBound(n);
        if (w.format() == WeightStorage.Format.BF16) {
            for (; j < end; j += L) {
                bf16(s, 2 * (first + j)).intoArray(dst, d + j);
            }
            for (; j < n; j++) {
                dst[d + j] = bf16s(s, first + j);
            }
        } else {
            // Copy the raw halves to a short[] and convert with Float.float16ToFloat in a plain loop: C2
            // auto-vectorises that loop with the hardware conversion (F16C's vcvtph2ps on x86), which beats
            // rebuilding the float with integer vector operations.
            short[] h = HALVES.get();
            for (int c = 0; c < n; c += h.length) {
                int len = Math.min(h.length, n - c);
                MemorySegment.copy(s, I16_LE, 2 * (first + c), h, 0, len);
                halvesToFloats(h, len, dst, d + c);
            }
        }
    }

    // ---- dispatch -------------------------------------------------------------------------------------------
    //
    // Float32 and bfloat16 are read straight from the segment into the FMAs. bfloat16 is loaded as 32-bit lanes,
    // each holding two weights: shifting left by 16 gives the even-numbered one, masking the low half the
    // odd-numbered one, so a 2L-element block costs one load and two integer operations and no lane shuffle;
    // x (rows layout) or y (columns layout) is used in the matching even/odd order. Half precision needs about ten
    // vector operations per conversion, which inlined four times into one loop exceeds what C2 inlines per
    // method (NodeCountInliningCutoff; a vector op that is not inlined is boxed and runs hundreds of times
    // slower), so it is widened into a small float scratch first and the loops then run on arrays.

    /** y[i, j] = x[i, :] · W[j, :] for W stored [out, in]. */
    static void rows(int m, int in, int out, float[] x, WeightStorage w, float[] y) {
        switch (w.format()) {
            case F32 -> rowsF32(m, in, out, x, w.segment(), y);
            case BF16 -> rowsBf16(m, in, out, x, w.segment(), y);
            case F16 -> rowsScratch(m, in, out, x, w, y);
            case INT8 -> rowsInt8(m, in, out, x, w, y);
        }
    }

    /** y[i, j] = Σ_p x[i, p] · W_stored[p, j] for W stored transposed, [in, out]. */
    static void columns(int m, int in, int out, float[] x, WeightStorage w, float[] y) {
        switch (w.format()) {
            case F32, BF16 -> columnsDirect(m, in, out, x, w, y);
            case F16 -> columnsScratch(m, in, out, x, w, y);
            case INT8 -> throw new IllegalArgumentException("int8 storage is never transposed");
        }
    }

    // ---- float32, rows layout -------------------------------------------------------------------------------

    /**
     * Threads split the rows; each takes its range [j0, j1) as quads of rows (t, t + d, t + 2d, t + 3d), d = a
     * quarter of the range, and the last (j1 - j0) % 4 rows one at a time, each row summed in the same order.
     * Four distant rows per pass are four plain sequential streams, which the hardware prefetchers follow far
     * better than four adjacent rows (one stream read in four places at once): Llama 110M F32 generation 36-38
     * tokens/s with adjacent rows, 43 with distant ones (same minutes); bfloat16 51-53 against 62-67.
     */
    private static void rowsF32(int m, int in, int out, float[] x, MemorySegment s, float[] y) {
        Parallel.forRange(out, grain((long) m * in), (j0, j1) -> {
            int d = (j1 - j0) / 4;
            for (int t = j0; t < j0 + d; t++) {
                for (int i = 0; i < m; i++) {
                    quadF32(in, x, i * in, s, 4L * in * t, 4L * in * (t + d), 4L * in * (t + 2 * d),
                            4L * in * (t + 3 * d), y, i * out + t, d);
                }
            }
            for (int j = j0 + 4 * d; j < j1; j++) {
                for (int i = 0; i < m; i++) {
                    y[i * out + j] = rowF32(in, x, i * in, s, 4L * j * in);
                }
            }
        });
    }

    /** Four float32 rows at bytes b0..b3 against x into y[yi + r·d]; each row summed as {@link #rowF32} sums it. */
    private static void quadF32(int k, float[] x, int xi, MemorySegment s, long b0, long b1, long b2, long b3,
                                float[] y, int yi, int d) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xi + p);
            long o = 4L * p;
            s0 = f32(s, b0 + o).fma(xv, s0);
            s1 = f32(s, b1 + o).fma(xv, s1);
            s2 = f32(s, b2 + o).fma(xv, s2);
            s3 = f32(s, b3 + o).fma(xv, s3);
        }
        float r0 = Lanes.sum(s0), r1 = Lanes.sum(s1), r2 = Lanes.sum(s2), r3 = Lanes.sum(s3);
        for (; p < k; p++) {
            float xv = x[xi + p];
            r0 = Math.fma(s.get(F32_LE, b0 + 4L * p), xv, r0);
            r1 = Math.fma(s.get(F32_LE, b1 + 4L * p), xv, r1);
            r2 = Math.fma(s.get(F32_LE, b2 + 4L * p), xv, r2);
            r3 = Math.fma(s.get(F32_LE, b3 + 4L * p), xv, r3);
        }
        y[yi] = r0;
        y[yi + d] = r1;
        y[yi + 2 * d] = r2;
        y[yi + 3 * d] = r3;
    }

    /** One float32 row (at byte b) against x: one accumulator of L lanes, then scalar. */
    private static float rowF32(int k, float[] x, int xi, MemorySegment s, long b) {
        FloatVector a0 = FloatVector.zero(S);
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
            a0 = f32(s, b + 4L * p).fma(FloatVector.fromArray(S, x, xi + p), a0);
        }
        float r = Lanes.sum(a0);
        for (; p < k; p++) {
            r = Math.fma(s.get(F32_LE, b + 4L * p), x[xi + p], r);
        }
        return r;
    }

    // ---- bfloat16, rows layout: even/odd lanes --------------------------------------------------------------

    private static final Scratch X_EVEN = new Scratch();
    private static final Scratch X_ODD = new Scratch();

    private static void rowsBf16(int m, int in, int out, float[] x, MemorySegment s, float[] y) {
        int block = 2 * L;
        int kv = in - in % block; // elements covered by whole 2L blocks; the rest is a scalar tail
        int half = kv / 2;
        float[] xe = X_EVEN.get(Math.max(1, m * half)); // the caller's: no allocation per token
        float[] xo = X_ODD.get(Math.max(1, m * half));
        for (int i = 0; i < m; i++) {
            for (int t = 0; t < half; t++) {
                xe[i * half + t] = x[i * in + 2 * t];
                xo[i * half + t] = x[i * in + 2 * t + 1];
            }
        }
        Parallel.forRange(out, grain((long) m * in), (j0, j1) -> { // quads of distant rows, as in rowsF32
            int d = (j1 - j0) / 4;
            for (int t = j0; t < j0 + d; t++) {
                for (int i = 0; i < m; i++) {
                    quadBf16(in, kv, xe, xo, i * half, x, i * in, s, (long) in * t, (long) in * (t + d),
                            (long) in * (t + 2 * d), (long) in * (t + 3 * d), y, i * out + t, d);
                }
            }
            for (int j = j0 + 4 * d; j < j1; j++) {
                for (int i = 0; i < m; i++) {
                    y[i * out + j] = rowBf16(in, kv, xe, xo, i * half, x, i * in, s, (long) j * in);
                }
            }
        });
    }

    /**
     * Four bfloat16 rows starting at elements e0_..e3_ against x (even/odd halves xe, xo from hi; x itself from xi
     * for the scalar tail) into y[yi + r·d]; each row summed as {@link #rowBf16} sums it.
     */
    private static void quadBf16(int k, int kv, float[] xe, float[] xo, int hi, float[] x, int xi, MemorySegment s,
                                 long e0_, long e1_, long e2_, long e3_, float[] y, int yi, int d) {
        FloatVector e0 = FloatVector.zero(S), o0 = e0, e1 = e0, o1 = e0, e2 = e0, o2 = e0, e3 = e0, o3 = e0;
        long b0 = 2 * e0_, b1 = 2 * e1_, b2 = 2 * e2_, b3 = 2 * e3_;
        for (int p = 0; p < kv; p += 2 * L) {
            int t = hi + p / 2;
            FloatVector xev = FloatVector.fromArray(S, xe, t), xov = FloatVector.fromArray(S, xo, t);
            long o = 2L * p;
            IntVector v0 = IntVector.fromMemorySegment(SI, s, b0 + o, LE);
            IntVector v1 = IntVector.fromMemorySegment(SI, s, b1 + o, LE);
            IntVector v2 = IntVector.fromMemorySegment(SI, s, b2 + o, LE);
            IntVector v3 = IntVector.fromMemorySegment(SI, s, b3 + o, LE);
            e0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xev, e0);
            o0 = v0.and(0xFFFF0000).reinterpretAsFloats().fma(xov, o0);
            e1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xev, e1);
            o1 = v1.and(0xFFFF0000).reinterpretAsFloats().fma(xov, o1);
            e2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xev, e2);
            o2 = v2.and(0xFFFF0000).reinterpretAsFloats().fma(xov, o2);
            e3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xev, e3);
            o3 = v3.and(0xFFFF0000).reinterpretAsFloats().fma(xov, o3);
        }
        float r0 = Lanes.sum(e0.add(o0)), r1 = Lanes.sum(e1.add(o1)), r2 = Lanes.sum(e2.add(o2)), r3 = Lanes.sum(e3.add(o3));
        for (int p = kv; p < k; p++) {
            float xv = x[xi + p];
            r0 = Math.fma(bf16s(s, e0_ + p), xv, r0);
            r1 = Math.fma(bf16s(s, e1_ + p), xv, r1);
            r2 = Math.fma(bf16s(s, e2_ + p), xv, r2);
            r3 = Math.fma(bf16s(s, e3_ + p), xv, r3);
        }
        y[yi] = r0;
        y[yi + d] = r1;
        y[yi + 2 * d] = r2;
        y[yi + 3 * d] = r3;
    }

    /** One bfloat16 row (starting at element e) against x: even and odd accumulators, then scalar. */
    private static float rowBf16(int k, int kv, float[] xe, float[] xo, int hi, float[] x, int xi, MemorySegment s,
                                  long e) {
        FloatVector ae = FloatVector.zero(S), ao = ae;
        long base = 2 * e;
        for (int p = 0; p < kv; p += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(SI, s, base + 2L * p, LE);
            int t = hi + p / 2;
            ae = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(S, xe, t), ae);
            ao = v.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(S, xo, t), ao);
        }
        float r = Lanes.sum(ae.add(ao));
        for (int p = kv; p < k; p++) {
            r = Math.fma(bf16s(s, e + p), x[xi + p], r);
        }
        return r;
    }

    // ---- int8 (one scale per group of 32 along a row), rows layout -------------------------------------------

    private static final VectorSpecies<Byte> SB = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, S.vectorBitSize() / 4)));

    /**
     * Whether int8 is widened from 32-bit lanes (each holding four weights, taken apart with two shifts) rather
     * than with a byte-to-float conversion of every 8-byte piece: needs a group to be whole blocks of 4L weights.
     */
    static final boolean I8_LANES = WeightStorage.GROUP % (4 * L) == 0 && !Boolean.getBoolean("t4j.int8Convert");

    private static void rowsInt8(int m, int in, int out, float[] x, WeightStorage w, float[] y) {
        if (I8_LANES) {
            rowsInt8Lanes(m, in, out, x, w, y);
            return;
        }
        MemorySegment q = w.segment(), sc = w.scales();
        int quads = (out + 3) / 4;
        Parallel.forRange(quads, grain((long) m * in * 4), (q0, q1) -> {
            for (int qd = q0; qd < q1; qd++) {
                int j = qd * 4;
                for (int i = 0; i < m; i++) {
                    if (j + 4 <= out) {
                        dot4Int8(in, x, i * in, q, sc, j, y, i * out + j);
                    } else {
                        for (int jj = j; jj < out; jj++) {
                            y[i * out + jj] = dot1Int8(in, x, i * in, q, sc, (long) jj * in);
                        }
                    }
                }
            }
        });
    }

    private static final Scratch X_LANES = new Scratch();

    /**
     * int8 from 32-bit lanes: a block of 4L weights is loaded as L ints; weight 4i + k of the block sits in byte k
     * of lane i, so shifting it to the top and arithmetic-shifting back by 24 gives L weights (sign-extended)
     * at a time. x is reordered once per call to match (xl[block + k·L + i] = x[block + 4i + k]).
     */
    private static void rowsInt8Lanes(int m, int in, int out, float[] x, WeightStorage w, float[] y) {
        MemorySegment q = w.segment(), sc = w.scales();
        float[] xl = X_LANES.get(m * in);
        int blk = 4 * L;
        for (int i = 0; i < m * in; i += blk) {
            for (int k = 0; k < 4; k++) {
                for (int t = 0; t < L; t++) {
                    xl[i + k * L + t] = x[i + 4 * t + k];
                }
            }
        }
        float[] xs = xl;
        Parallel.forRange(out, grain((long) m * in), (j0, j1) -> { // pairs of distant rows: int8 is bound by the core
            // (two shifts and a conversion per weight); GPT-2 124M int8 measured 51-54 tokens/s with two distant
            // rows per pass, 47 with four (15 minutes later), 38-40 with four adjacent rows
            int h = (j1 - j0) / 2;
            for (int t = j0; t < j0 + h; t++) {
                for (int i = 0; i < m; i++) {
                    pairInt8Lanes(in, xs, i * in, q, sc, (long) t * in, (long) (t + h) * in, y, i * out + t,
                            i * out + t + h);
                }
            }
            for (int j = j0 + 2 * h; j < j1; j++) {
                for (int i = 0; i < m; i++) {
                    y[i * out + j] = dot1Int8Lanes(in, xs, i * in, q, sc, (long) j * in);
                }
            }
        });
    }

    /** Two int8 rows far apart (starting at elements ea and eb), each summed exactly as {@link #dot1Int8Lanes}. */
    private static void pairInt8Lanes(int k, float[] xl, int xi, MemorySegment q, MemorySegment sc, long ea, long eb,
                                      float[] y, int ya, int yb) {
        FloatVector sa = FloatVector.zero(S), sb = sa;
        for (int p = 0; p < k; p += WeightStorage.GROUP) {
            FloatVector a0 = FloatVector.zero(S), b0 = a0;
            for (int t = p; t < p + WeightStorage.GROUP; t += 4 * L) {
                IntVector va = IntVector.fromMemorySegment(SI, q, ea + t, LE);
                IntVector vb = IntVector.fromMemorySegment(SI, q, eb + t, LE);
                for (int kk = 0; kk < 4; kk++) {
                    FloatVector xv = FloatVector.fromArray(S, xl, xi + t + kk * L);
                    a0 = byteK(va, kk).fma(xv, a0);
                    b0 = byteK(vb, kk).fma(xv, b0);
                }
            }
            sa = a0.fma(FloatVector.broadcast(S, sc.get(F32_NATIVE, (ea + p) / WeightStorage.GROUP * 4)), sa);
            sb = b0.fma(FloatVector.broadcast(S, sc.get(F32_NATIVE, (eb + p) / WeightStorage.GROUP * 4)), sb);
        }
        y[ya] = Lanes.sum(sa);
        y[yb] = Lanes.sum(sb);
    }

    /** Weights 4i + k (i < L) of the 4L int8 weights packed in v, as floats. */
    private static FloatVector byteK(IntVector v, int k) {
        IntVector top = k == 3 ? v : v.lanewise(VectorOperators.LSHL, 24 - 8 * k);
        return (FloatVector) top.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
    }

    /** One int8 row starting at element e: per group, L-lane products summed in one vector, then scaled. */
    private static float dot1Int8Lanes(int k, float[] xl, int xi, MemorySegment q, MemorySegment sc, long e) {
        FloatVector s0 = FloatVector.zero(S);
        for (int p = 0; p < k; p += WeightStorage.GROUP) {
            FloatVector a0 = FloatVector.zero(S);
            for (int t = p; t < p + WeightStorage.GROUP; t += 4 * L) {
                IntVector v0 = IntVector.fromMemorySegment(SI, q, e + t, LE);
                for (int kk = 0; kk < 4; kk++) {
                    a0 = byteK(v0, kk).fma(FloatVector.fromArray(S, xl, xi + t + kk * L), a0);
                }
            }
            s0 = a0.fma(FloatVector.broadcast(S, sc.get(F32_NATIVE, (e + p) / WeightStorage.GROUP * 4)), s0);
        }
        return Lanes.sum(s0);
    }

    /** Lanes of int8 weights at byte offset {@code off}, widened to float (exact: |q| <= 127). */
    private static FloatVector i8(MemorySegment q, long off) {
        return (FloatVector) ByteVector.fromMemorySegment(SB, q, off, LE).convertShape(VectorOperators.B2F, S, 0);
    }

    /**
     * Four int8 rows j..j+3 against x: per group of 32, the 32 products of each row are summed in one vector
     * (in lane order, fixed), then multiplied by the row's group scale and added to the row's accumulator.
     */
    private static void dot4Int8(int k, float[] x, int xi, MemorySegment q, MemorySegment sc, int j, float[] y, int yi) {
        long b0 = (long) j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
        long g0 = b0 / WeightStorage.GROUP * 4, gs = (long) k / WeightStorage.GROUP * 4;
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        for (int p = 0; p < k; p += WeightStorage.GROUP) {
            FloatVector xv = FloatVector.fromArray(S, x, xi + p);
            FloatVector a0 = i8(q, b0 + p).mul(xv), a1 = i8(q, b1 + p).mul(xv);
            FloatVector a2 = i8(q, b2 + p).mul(xv), a3 = i8(q, b3 + p).mul(xv);
            for (int t = L; t < WeightStorage.GROUP; t += L) {
                xv = FloatVector.fromArray(S, x, xi + p + t);
                a0 = i8(q, b0 + p + t).fma(xv, a0);
                a1 = i8(q, b1 + p + t).fma(xv, a1);
                a2 = i8(q, b2 + p + t).fma(xv, a2);
                a3 = i8(q, b3 + p + t).fma(xv, a3);
            }
            long g = g0 + (long) p / WeightStorage.GROUP * 4;
            s0 = a0.fma(FloatVector.broadcast(S, sc.get(F32_NATIVE, g)), s0);
            s1 = a1.fma(FloatVector.broadcast(S, sc.get(F32_NATIVE, g + gs)), s1);
            s2 = a2.fma(FloatVector.broadcast(S, sc.get(F32_NATIVE, g + 2 * gs)), s2);
            s3 = a3.fma(FloatVector.broadcast(S, sc.get(F32_NATIVE, g + 3 * gs)), s3);
        }
        y[yi] = Lanes.sum(s0);
        y[yi + 1] = Lanes.sum(s1);
        y[yi + 2] = Lanes.sum(s2);
        y[yi + 3] = Lanes.sum(s3);
    }

    /** One int8 row starting at element e, in the same order as a row of {@link #dot4Int8}. */
    private static float dot1Int8(int k, float[] x, int xi, MemorySegment q, MemorySegment sc, long e) {
        FloatVector s0 = FloatVector.zero(S);
        for (int p = 0; p < k; p += WeightStorage.GROUP) {
            FloatVector a0 = i8(q, e + p).mul(FloatVector.fromArray(S, x, xi + p));
            for (int t = L; t < WeightStorage.GROUP; t += L) {
                a0 = i8(q, e + p + t).fma(FloatVector.fromArray(S, x, xi + p + t), a0);
            }
            s0 = a0.fma(FloatVector.broadcast(S, sc.get(F32_NATIVE, (e + p) / WeightStorage.GROUP * 4)), s0);
        }
        return Lanes.sum(s0);
    }

    /** dst[d .. d + n) = int8 elements [first, first + n) times their scales (as {@link WeightStorage#load}). */
    static void widenInt8(WeightStorage w, long first, int n, float[] dst, int d) {
        MemorySegment q = w.segment(), sc = w.scales();
        for (int j = 0; j < n; j++) {
            long e = first + j;
            dst[d + j] = sc.get(F32_NATIVE, e / WeightStorage.GROUP * 4) * q.get(ValueLayout.JAVA_BYTE, e);
        }
    }

    // ---- float32 and bfloat16, columns layout ---------------------------------------------------------------
    //
    // W is stored [in, out]: stored row p holds the weights that x[p] multiplies. The contracted dimension is cut
    // into PARTS contiguous ranges of stored rows; each part adds x[p]·W[p, :] for its p (ascending) into a partial
    // y of its own, and threads take whole parts, so every thread streams one contiguous region of memory.
    // (Splitting the columns between threads instead, as before, left each thread reading short pieces of every
    // row: ~40% more time per byte than the rows layout in a profile of GPT-2 generation.) The parts depend on
    // the sizes only and are summed in a fixed order, y = ((part0 + part1) + part2) + part3, so results do not
    // depend on the thread count.

    /** Parts of the contracted dimension in {@link #columnsDirect} (when in >= 16 · PARTS). */
    static final int PARTS = 4;
    /** Columns of a y segment in {@link #columnsDirect}: a whole row of every GPT-2 124M matrix (12 KB of y). */
    private static final int DIRECT_SEGMENT = 3072;
    private static final Scratch PARTIALS = new Scratch();
    private static final Scratch EVEN_ODD = new Scratch(DIRECT_SEGMENT);

    private static void columnsDirect(int m, int in, int out, float[] x, WeightStorage w, float[] y) {
        MemorySegment s = w.segment();
        boolean bf16 = w.format() == WeightStorage.Format.BF16;
        int parts = in >= PARTS * 16 ? PARTS : 1;
        int quads = in / 4; // parts start on multiples of 4 stored rows; the last one also takes in % 4
        int size = m * out;
        float[] partial = parts > 1 ? PARTIALS.get((parts - 1) * size) : y;
        Parallel.forRange(parts, grain((long) m * out * (in / parts)), (c0, c1) -> {
            float[] acc = bf16 ? EVEN_ODD.get(DIRECT_SEGMENT) : null;
            for (int part = c0; part < c1; part++) {
                int p0 = Parallel.chunkStart(quads, parts, part) * 4;
                int p1 = part == parts - 1 ? in : Parallel.chunkStart(quads, parts, part + 1) * 4;
                float[] dst = part == 0 ? y : partial;
                int db = part == 0 ? 0 : (part - 1) * size;
                for (int j0 = 0; j0 < out; j0 += DIRECT_SEGMENT) {
                    int width = Math.min(DIRECT_SEGMENT, out - j0);
                    if (bf16) {
                        segmentBf16(m, in, out, x, s, dst, db, j0, width, p0, p1, acc);
                    } else {
                        segmentF32(m, in, out, x, s, dst, db, j0, width, p0, p1);
                    }
                }
            }
        });
        for (int part = 1; part < parts; part++) {
            int pb = (part - 1) * size;
            int j = 0;
            for (int end = S.loopBound(size); j < end; j += L) {
                FloatVector.fromArray(S, y, j).add(FloatVector.fromArray(S, partial, pb + j)).intoArray(y, j);
            }
            for (; j < size; j++) {
                y[j] += partial[pb + j];
            }
        }
    }

    /** dst[db + i·out + j] = Σ_{p0 <= p < p1} x[i, p] · W_stored[p, j] for j in [j0, j0 + width). */
    private static void segmentF32(int m, int in, int out, float[] x, MemorySegment s, float[] dst, int db, int j0,
                                   int width, int p0, int p1) {
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(dst, db + i * out + j0, db + i * out + j0 + width, 0f);
        }
        int full = S.loopBound(width);
        // Stored rows p, p + d, p + 2d, p + 3d per pass, d = a quarter of the part: four distant sequential streams.
        // Four adjacent rows per pass (as before) read each 4-row block in four places at once, which the hardware
        // prefetchers follow worse: GPT-2 124M F32 generation 32-34 tokens/s against 37-38 with this order.
        int d = (p1 - p0) / 4;
        int p = p0;
        for (; p < p0 + d; p++) {
            long r0 = 4L * ((long) p * out + j0), r1 = r0 + 4L * d * out, r2 = r1 + 4L * d * out, r3 = r2 + 4L * d * out;
            for (int i = 0; i < m; i++) {
                FloatVector x0 = FloatVector.broadcast(S, x[i * in + p]);
                FloatVector x1 = FloatVector.broadcast(S, x[i * in + p + d]);
                FloatVector x2 = FloatVector.broadcast(S, x[i * in + p + 2 * d]);
                FloatVector x3 = FloatVector.broadcast(S, x[i * in + p + 3 * d]);
                int yi = db + i * out + j0;
                for (int j = 0; j < full; j += L) {
                    long o = 4L * j;
                    FloatVector acc = FloatVector.fromArray(S, dst, yi + j);
                    acc = f32(s, r0 + o).fma(x0, acc);
                    acc = f32(s, r1 + o).fma(x1, acc);
                    acc = f32(s, r2 + o).fma(x2, acc);
                    acc = f32(s, r3 + o).fma(x3, acc);
                    acc.intoArray(dst, yi + j);
                }
            }
        }
        for (p = p0 + 4 * d; p < p1; p++) {
            long r0 = 4L * ((long) p * out + j0);
            for (int i = 0; i < m; i++) {
                FloatVector x0 = FloatVector.broadcast(S, x[i * in + p]);
                int yi = db + i * out + j0;
                for (int j = 0; j < full; j += L) {
                    f32(s, r0 + 4L * j).fma(x0, FloatVector.fromArray(S, dst, yi + j)).intoArray(dst, yi + j);
                }
            }
        }
        columnTail(WeightStorage.Format.F32, m, in, out, x, s, dst, db, j0 + full, width - full, p0, p1);
    }

    /**
     * bfloat16 columns [j0, j0 + width), stored rows [p0, p1): whole 2L-column blocks accumulate in {@code acc} in
     * even/odd order (block b holds columns 2i of the block in its first L floats, 2i + 1 in the next L), then are
     * put back in order into dst; the remaining columns are scalar. Each column is summed over p ascending.
     */
    private static void segmentBf16(int m, int in, int out, float[] x, MemorySegment s, float[] dst, int db, int j0,
                                    int width, int p0, int p1, float[] acc) {
        int block = 2 * L;
        int wv = width - width % block;
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(acc, 0, wv, 0f);
            int xi = i * in;
            // stored rows p and p + h per pass, h = half the part: two distant sequential streams (see segmentF32)
            int h = (p1 - p0) / 2;
            int p = p0;
            for (; p < p0 + h; p++) {
                FloatVector x0 = FloatVector.broadcast(S, x[xi + p]);
                FloatVector x1 = FloatVector.broadcast(S, x[xi + p + h]);
                long r0 = 2L * ((long) p * out + j0);
                long r1 = r0 + 2L * h * out;
                for (int j = 0; j < wv; j += block) {
                    IntVector a = IntVector.fromMemorySegment(SI, s, r0 + 2L * j, LE);
                    IntVector b = IntVector.fromMemorySegment(SI, s, r1 + 2L * j, LE);
                    FloatVector ev = FloatVector.fromArray(S, acc, j);
                    FloatVector od = FloatVector.fromArray(S, acc, j + L);
                    ev = a.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, ev);
                    od = a.and(0xFFFF0000).reinterpretAsFloats().fma(x0, od);
                    ev = b.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x1, ev);
                    od = b.and(0xFFFF0000).reinterpretAsFloats().fma(x1, od);
                    ev.intoArray(acc, j);
                    od.intoArray(acc, j + L);
                }
            }
            for (p = p0 + 2 * h; p < p1; p++) {
                FloatVector x0 = FloatVector.broadcast(S, x[xi + p]);
                long r0 = 2L * ((long) p * out + j0);
                for (int j = 0; j < wv; j += block) {
                    IntVector a = IntVector.fromMemorySegment(SI, s, r0 + 2L * j, LE);
                    a.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, FloatVector.fromArray(S, acc, j))
                            .intoArray(acc, j);
                    a.and(0xFFFF0000).reinterpretAsFloats().fma(x0, FloatVector.fromArray(S, acc, j + L))
                            .intoArray(acc, j + L);
                }
            }
            int yi = db + i * out + j0;
            for (int j = 0; j < wv; j += block) {
                for (int t = 0; t < L; t++) {
                    dst[yi + j + 2 * t] = acc[j + t];
                    dst[yi + j + 2 * t + 1] = acc[j + L + t];
                }
            }
        }
        columnTail(WeightStorage.Format.BF16, m, in, out, x, s, dst, db, j0 + wv, width - wv, p0, p1);
    }

    /** Columns [j0, j0 + n) past the last whole vector, scalar, in the same order (p ascending over [p0, p1)). */
    private static void columnTail(WeightStorage.Format f, int m, int in, int out, float[] x, MemorySegment s,
                                   float[] dst, int db, int j0, int n, int p0, int p1) {
        for (int i = 0; i < m; i++) {
            for (int j = j0; j < j0 + n; j++) {
                float acc = 0f;
                for (int p = p0; p < p1; p++) {
                    acc = Math.fma(scalar(f, s, (long) p * out + j), x[i * in + p], acc);
                }
                dst[db + i * out + j] = acc;
            }
        }
    }

    private static float scalar(WeightStorage.Format f, MemorySegment s, long i) {
        return switch (f) {
            case F32 -> f32s(s, i);
            case BF16 -> bf16s(s, i);
            case F16 -> f16s(s, i);
            case INT8 -> throw new IllegalArgumentException("int8 has its own kernels");
        };
    }

    // ---- half precision (and any format): widen into a scratch, then array kernels ---------------------------

    /** dst[d .. d + n) = stored elements [first, first + n) widened to float32, any format. */
    static void widen(WeightStorage w, long first, int n, float[] dst, int d) {
        switch (w.format()) {
            case F32 -> MemorySegment.copy(w.segment(), F32_LE, 4 * first, dst, d, n);
            case INT8 -> widenInt8(w, first, n, dst, d);
            default -> widen16(w, first, n, dst, d);
        }
    }

    private static void rowsScratch(int m, int in, int out, float[] x, WeightStorage w, float[] y) {
        int quads = (out + 3) / 4;
        Parallel.forRange(quads, grain((long) m * in * 4), (q0, q1) -> {
            float[] rowsBuf = new float[4 * in];
            for (int q = q0; q < q1; q++) {
                int j = q * 4;
                int nr = Math.min(4, out - j);
                widen(w, (long) j * in, nr * in, rowsBuf, 0);
                for (int i = 0; i < m; i++) {
                    if (nr == 4) {
                        dot4(in, x, i * in, rowsBuf, y, i * out + j);
                    } else {
                        for (int r = 0; r < nr; r++) {
                            y[i * out + j + r] = dot1(in, x, i * in, rowsBuf, r * in);
                        }
                    }
                }
            }
        });
    }

    private static void dot4(int k, float[] x, int xi, float[] b, float[] y, int yi) {
        int b1 = k, b2 = 2 * k, b3 = 3 * k;
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xi + p);
            s0 = FloatVector.fromArray(S, b, p).fma(xv, s0);
            s1 = FloatVector.fromArray(S, b, b1 + p).fma(xv, s1);
            s2 = FloatVector.fromArray(S, b, b2 + p).fma(xv, s2);
            s3 = FloatVector.fromArray(S, b, b3 + p).fma(xv, s3);
        }
        float r0 = Lanes.sum(s0), r1 = Lanes.sum(s1), r2 = Lanes.sum(s2), r3 = Lanes.sum(s3);
        for (; p < k; p++) {
            float xv = x[xi + p];
            r0 = Math.fma(b[p], xv, r0);
            r1 = Math.fma(b[b1 + p], xv, r1);
            r2 = Math.fma(b[b2 + p], xv, r2);
            r3 = Math.fma(b[b3 + p], xv, r3);
        }
        y[yi] = r0;
        y[yi + 1] = r1;
        y[yi + 2] = r2;
        y[yi + 3] = r3;
    }

    private static float dot1(int k, float[] x, int xi, float[] b, int bi) {
        FloatVector acc = FloatVector.zero(S);
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
            acc = FloatVector.fromArray(S, b, bi + p).fma(FloatVector.fromArray(S, x, xi + p), acc);
        }
        float r = Lanes.sum(acc);
        for (; p < k; p++) {
            r = Math.fma(b[bi + p], x[xi + p], r);
        }
        return r;
    }

    private static void columnsScratch(int m, int in, int out, float[] x, WeightStorage w, float[] y) {
        int vectors = (out + L - 1) / L;
        Parallel.forRange(vectors, grain((long) m * in * L), (v0, v1) -> {
            int c1 = Math.min(out, v1 * L);
            float[] buf = new float[4 * SEGMENT];
            for (int j0 = v0 * L; j0 < c1; j0 += SEGMENT) {
                int width = Math.min(SEGMENT, c1 - j0);
                for (int i = 0; i < m; i++) {
                    java.util.Arrays.fill(y, i * out + j0, i * out + j0 + width, 0f);
                }
                int p = 0;
                for (; p + 4 <= in; p += 4) {
                    for (int r = 0; r < 4; r++) {
                        widen(w, (long) (p + r) * out + j0, width, buf, r * SEGMENT);
                    }
                    for (int i = 0; i < m; i++) {
                        axpy4(width, x, i * in + p, buf, y, i * out + j0);
                    }
                }
                for (; p < in; p++) {
                    widen(w, (long) p * out + j0, width, buf, 0);
                    for (int i = 0; i < m; i++) {
                        axpy1(width, x[i * in + p], buf, y, i * out + j0);
                    }
                }
            }
        });
    }

    /** y[yi + j] = (((y + x0·b0[j]) + x1·b1[j]) + x2·b2[j]) + x3·b3[j], rows of b {@link #SEGMENT} apart. */
    private static void axpy4(int n, float[] x, int xi, float[] b, float[] y, int yi) {
        float x0 = x[xi], x1 = x[xi + 1], x2 = x[xi + 2], x3 = x[xi + 3];
        FloatVector v0 = FloatVector.broadcast(S, x0), v1 = FloatVector.broadcast(S, x1);
        FloatVector v2 = FloatVector.broadcast(S, x2), v3 = FloatVector.broadcast(S, x3);
        int j = 0;
        for (int end = S.loopBound(n); j < end; j += L) {
            FloatVector acc = FloatVector.fromArray(S, y, yi + j);
            acc = FloatVector.fromArray(S, b, j).fma(v0, acc);
            acc = FloatVector.fromArray(S, b, SEGMENT + j).fma(v1, acc);
            acc = FloatVector.fromArray(S, b, 2 * SEGMENT + j).fma(v2, acc);
            acc = FloatVector.fromArray(S, b, 3 * SEGMENT + j).fma(v3, acc);
            acc.intoArray(y, yi + j);
        }
        for (; j < n; j++) {
            float acc = y[yi + j];
            acc = Math.fma(b[j], x0, acc);
            acc = Math.fma(b[SEGMENT + j], x1, acc);
            acc = Math.fma(b[2 * SEGMENT + j], x2, acc);
            acc = Math.fma(b[3 * SEGMENT + j], x3, acc);
            y[yi + j] = acc;
        }
    }

    private static void axpy1(int n, float x0, float[] b, float[] y, int yi) {
        FloatVector v0 = FloatVector.broadcast(S, x0);
        int j = 0;
        for (int end = S.loopBound(n); j < end; j += L) {
            FloatVector.fromArray(S, b, j).fma(v0, FloatVector.fromArray(S, y, yi + j)).intoArray(y, yi + j);
        }
        for (; j < n; j++) {
            y[yi + j] = Math.fma(b[j], x0, y[yi + j]);
        }
    }
}
