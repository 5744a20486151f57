package org.transformer4j.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import org.transformer4j.tensor.WeightStorage;

/**
 * Matrix-vector products y[i, :] = x[i, :] · Wᵀ (a few rows i) with W read in place from a {@link WeightStorage}:
 * generation is bound by memory bandwidth, so every weight is loaded exactly once per call, at its stored width,
 * and widened in registers.
 *
 * <p>Widening: bfloat16 is the top half of a float32, so a lane is sign-extended to 32 bits and shifted left by 16.
 * IEEE half is rebuilt with integer operations (the Vector API has no half-to-float conversion): exponent and
 * mantissa shifted into place and multiplied by 2^112 (which rebiases the exponent and turns half subnormals into
 * float normals exactly), infinities and NaN get the all-ones exponent, then the sign is or-ed in. Both are exact
 * for all 65536 patterns (tested against {@link Float#float16ToFloat}).
 *
 * <p>Two loops, one per layout of W (logical [out, in]):
 * <ul>
 *   <li>{@link #rows}: W stored [out, in]. Each output is a dot product along a stored row; four rows share each
 *       load of x. Threads split the rows.</li>
 *   <li>{@link #columns}: W stored transposed, [in, out] (GPT-2's Conv1D). y += x[p] · W_stored[p, :] for p
 *       ascending, four stored rows per pass over a segment of y that stays in L1. Threads split the columns.</li>
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
    /** Minimum multiply-adds per parallel chunk: below this the hand-off costs more than it saves. */
    private static final long MIN_CHUNK_FMAS = 1L << 15;
    /** Columns of y per segment in {@link #columns}: four rows of y segments (4 KB each) stay in L1. */
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

    private static FloatVector bf16(MemorySegment s, long byteOff) {
        IntVector i = (IntVector) ShortVector.fromMemorySegment(SH, s, byteOff, LE).convertShape(VectorOperators.S2I, SI, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector f16(MemorySegment s, long byteOff) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SH, s, byteOff, LE).convertShape(VectorOperators.S2I, SI, 0);
        IntVector em = h.and(0x7FFF);
        IntVector bits = em.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> infNan = em.compare(VectorOperators.GT, 0x7BFF);
        bits = bits.lanewise(VectorOperators.OR, 0x7F800000, infNan);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    private static float f32s(MemorySegment s, long i) {
        return s.get(F32_LE, 4 * i);
    }

    private static float bf16s(MemorySegment s, long i) {
        return Float.intBitsToFloat((s.get(I16_LE, 2 * i) & 0xFFFF) << 16);
    }

    private static float f16s(MemorySegment s, long i) {
        return Float.float16ToFloat(s.get(I16_LE, 2 * i));
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
            for (; j < end; j += L) {
                f16(s, 2 * (first + j)).intoArray(dst, d + j);
            }
            for (; j < n; j++) {
                dst[d + j] = f16s(s, first + j);
            }
        }
    }

    // ---- W stored [out, in]: dot products along stored rows --------------------------------------------------

    static void rows(int m, int in, int out, float[] x, WeightStorage w, float[] y) {
        int quads = (out + 3) / 4;
        MemorySegment s = w.segment();
        WeightStorage.Format f = w.format();
        Parallel.forRange(quads, grain((long) m * in * 4), (q0, q1) -> {
            for (int q = q0; q < q1; q++) {
                int j = q * 4;
                for (int i = 0; i < m; i++) {
                    if (j + 4 <= out) {
                        switch (f) {
                            case F32 -> dot4F32(in, x, i * in, s, j, y, i * out + j);
                            case BF16 -> dot4Bf16(in, x, i * in, s, j, y, i * out + j);
                            case F16 -> dot4F16(in, x, i * in, s, j, y, i * out + j);
                        }
                    } else {
                        for (int jj = j; jj < out; jj++) {
                            y[i * out + jj] = dot1(f, in, x, i * in, s, (long) jj * in);
                        }
                    }
                }
            }
        });
    }

    private static void dot4F32(int k, float[] x, int xi, MemorySegment s, int j, float[] y, int yi) {
        long b0 = 4L * j * k, b1 = b0 + 4L * k, b2 = b1 + 4L * k, b3 = b2 + 4L * k;
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
        long e0 = (long) j * k;
        for (; p < k; p++) {
            float xv = x[xi + p];
            r0 = Math.fma(f32s(s, e0 + p), xv, r0);
            r1 = Math.fma(f32s(s, e0 + k + p), xv, r1);
            r2 = Math.fma(f32s(s, e0 + 2L * k + p), xv, r2);
            r3 = Math.fma(f32s(s, e0 + 3L * k + p), xv, r3);
        }
        y[yi] = r0;
        y[yi + 1] = r1;
        y[yi + 2] = r2;
        y[yi + 3] = r3;
    }

    private static void dot4Bf16(int k, float[] x, int xi, MemorySegment s, int j, float[] y, int yi) {
        long b0 = 2L * j * k, b1 = b0 + 2L * k, b2 = b1 + 2L * k, b3 = b2 + 2L * k;
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xi + p);
            long o = 2L * p;
            s0 = bf16(s, b0 + o).fma(xv, s0);
            s1 = bf16(s, b1 + o).fma(xv, s1);
            s2 = bf16(s, b2 + o).fma(xv, s2);
            s3 = bf16(s, b3 + o).fma(xv, s3);
        }
        float r0 = Lanes.sum(s0), r1 = Lanes.sum(s1), r2 = Lanes.sum(s2), r3 = Lanes.sum(s3);
        long e0 = (long) j * k;
        for (; p < k; p++) {
            float xv = x[xi + p];
            r0 = Math.fma(bf16s(s, e0 + p), xv, r0);
            r1 = Math.fma(bf16s(s, e0 + k + p), xv, r1);
            r2 = Math.fma(bf16s(s, e0 + 2L * k + p), xv, r2);
            r3 = Math.fma(bf16s(s, e0 + 3L * k + p), xv, r3);
        }
        y[yi] = r0;
        y[yi + 1] = r1;
        y[yi + 2] = r2;
        y[yi + 3] = r3;
    }

    private static void dot4F16(int k, float[] x, int xi, MemorySegment s, int j, float[] y, int yi) {
        long b0 = 2L * j * k, b1 = b0 + 2L * k, b2 = b1 + 2L * k, b3 = b2 + 2L * k;
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xi + p);
            long o = 2L * p;
            s0 = f16(s, b0 + o).fma(xv, s0);
            s1 = f16(s, b1 + o).fma(xv, s1);
            s2 = f16(s, b2 + o).fma(xv, s2);
            s3 = f16(s, b3 + o).fma(xv, s3);
        }
        float r0 = Lanes.sum(s0), r1 = Lanes.sum(s1), r2 = Lanes.sum(s2), r3 = Lanes.sum(s3);
        long e0 = (long) j * k;
        for (; p < k; p++) {
            float xv = x[xi + p];
            r0 = Math.fma(f16s(s, e0 + p), xv, r0);
            r1 = Math.fma(f16s(s, e0 + k + p), xv, r1);
            r2 = Math.fma(f16s(s, e0 + 2L * k + p), xv, r2);
            r3 = Math.fma(f16s(s, e0 + 3L * k + p), xv, r3);
        }
        y[yi] = r0;
        y[yi + 1] = r1;
        y[yi + 2] = r2;
        y[yi + 3] = r3;
    }

    /** One dot product of x[xi ..] with the stored row starting at element e (the last rows, out % 4). */
    private static float dot1(WeightStorage.Format f, int k, float[] x, int xi, MemorySegment s, long e) {
        FloatVector acc = FloatVector.zero(S);
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xi + p);
            long o = e + p;
            FloatVector wv = switch (f) {
                case F32 -> f32(s, 4 * o);
                case BF16 -> bf16(s, 2 * o);
                case F16 -> f16(s, 2 * o);
            };
            acc = wv.fma(xv, acc);
        }
        float r = Lanes.sum(acc);
        for (; p < k; p++) {
            r = Math.fma(scalar(f, s, e + p), x[xi + p], r);
        }
        return r;
    }

    private static float scalar(WeightStorage.Format f, MemorySegment s, long i) {
        return switch (f) {
            case F32 -> f32s(s, i);
            case BF16 -> bf16s(s, i);
            case F16 -> f16s(s, i);
        };
    }

    // ---- W stored [in, out] (transposed): y += x[p] · stored row p -------------------------------------------

    static void columns(int m, int in, int out, float[] x, WeightStorage w, float[] y) {
        int vectors = (out + L - 1) / L;
        MemorySegment s = w.segment();
        WeightStorage.Format f = w.format();
        Parallel.forRange(vectors, grain((long) m * in * L), (v0, v1) -> {
            int c1 = Math.min(out, v1 * L);
            for (int j0 = v0 * L; j0 < c1; j0 += SEGMENT) {
                int width = Math.min(SEGMENT, c1 - j0);
                for (int i = 0; i < m; i++) {
                    java.util.Arrays.fill(y, i * out + j0, i * out + j0 + width, 0f);
                }
                switch (f) {
                    case F32 -> segmentF32(m, in, out, x, s, y, j0, width);
                    case BF16 -> segmentBf16(m, in, out, x, s, y, j0, width);
                    case F16 -> segmentF16(m, in, out, x, s, y, j0, width);
                }
            }
        });
    }

    private static void segmentF32(int m, int in, int out, float[] x, MemorySegment s, float[] y, int j0, int width) {
        int full = S.loopBound(width);
        int p = 0;
        for (; p + 4 <= in; p += 4) {
            long r0 = 4L * ((long) p * out + j0), r1 = r0 + 4L * out, r2 = r1 + 4L * out, r3 = r2 + 4L * out;
            for (int i = 0; i < m; i++) {
                FloatVector x0 = FloatVector.broadcast(S, x[i * in + p]);
                FloatVector x1 = FloatVector.broadcast(S, x[i * in + p + 1]);
                FloatVector x2 = FloatVector.broadcast(S, x[i * in + p + 2]);
                FloatVector x3 = FloatVector.broadcast(S, x[i * in + p + 3]);
                int yi = i * out + j0;
                for (int j = 0; j < full; j += L) {
                    long o = 4L * j;
                    FloatVector acc = FloatVector.fromArray(S, y, yi + j);
                    acc = f32(s, r0 + o).fma(x0, acc);
                    acc = f32(s, r1 + o).fma(x1, acc);
                    acc = f32(s, r2 + o).fma(x2, acc);
                    acc = f32(s, r3 + o).fma(x3, acc);
                    acc.intoArray(y, yi + j);
                }
            }
        }
        for (; p < in; p++) {
            long r0 = 4L * ((long) p * out + j0);
            for (int i = 0; i < m; i++) {
                FloatVector x0 = FloatVector.broadcast(S, x[i * in + p]);
                int yi = i * out + j0;
                for (int j = 0; j < full; j += L) {
                    f32(s, r0 + 4L * j).fma(x0, FloatVector.fromArray(S, y, yi + j)).intoArray(y, yi + j);
                }
            }
        }
        columnTail(WeightStorage.Format.F32, m, in, out, x, s, y, j0 + full, width - full);
    }

    private static void segmentBf16(int m, int in, int out, float[] x, MemorySegment s, float[] y, int j0, int width) {
        int full = S.loopBound(width);
        int p = 0;
        for (; p + 4 <= in; p += 4) {
            long r0 = 2L * ((long) p * out + j0), r1 = r0 + 2L * out, r2 = r1 + 2L * out, r3 = r2 + 2L * out;
            for (int i = 0; i < m; i++) {
                FloatVector x0 = FloatVector.broadcast(S, x[i * in + p]);
                FloatVector x1 = FloatVector.broadcast(S, x[i * in + p + 1]);
                FloatVector x2 = FloatVector.broadcast(S, x[i * in + p + 2]);
                FloatVector x3 = FloatVector.broadcast(S, x[i * in + p + 3]);
                int yi = i * out + j0;
                for (int j = 0; j < full; j += L) {
                    long o = 2L * j;
                    FloatVector acc = FloatVector.fromArray(S, y, yi + j);
                    acc = bf16(s, r0 + o).fma(x0, acc);
                    acc = bf16(s, r1 + o).fma(x1, acc);
                    acc = bf16(s, r2 + o).fma(x2, acc);
                    acc = bf16(s, r3 + o).fma(x3, acc);
                    acc.intoArray(y, yi + j);
                }
            }
        }
        for (; p < in; p++) {
            long r0 = 2L * ((long) p * out + j0);
            for (int i = 0; i < m; i++) {
                FloatVector x0 = FloatVector.broadcast(S, x[i * in + p]);
                int yi = i * out + j0;
                for (int j = 0; j < full; j += L) {
                    bf16(s, r0 + 2L * j).fma(x0, FloatVector.fromArray(S, y, yi + j)).intoArray(y, yi + j);
                }
            }
        }
        columnTail(WeightStorage.Format.BF16, m, in, out, x, s, y, j0 + full, width - full);
    }

    private static void segmentF16(int m, int in, int out, float[] x, MemorySegment s, float[] y, int j0, int width) {
        int full = S.loopBound(width);
        int p = 0;
        for (; p + 4 <= in; p += 4) {
            long r0 = 2L * ((long) p * out + j0), r1 = r0 + 2L * out, r2 = r1 + 2L * out, r3 = r2 + 2L * out;
            for (int i = 0; i < m; i++) {
                FloatVector x0 = FloatVector.broadcast(S, x[i * in + p]);
                FloatVector x1 = FloatVector.broadcast(S, x[i * in + p + 1]);
                FloatVector x2 = FloatVector.broadcast(S, x[i * in + p + 2]);
                FloatVector x3 = FloatVector.broadcast(S, x[i * in + p + 3]);
                int yi = i * out + j0;
                for (int j = 0; j < full; j += L) {
                    long o = 2L * j;
                    FloatVector acc = FloatVector.fromArray(S, y, yi + j);
                    acc = f16(s, r0 + o).fma(x0, acc);
                    acc = f16(s, r1 + o).fma(x1, acc);
                    acc = f16(s, r2 + o).fma(x2, acc);
                    acc = f16(s, r3 + o).fma(x3, acc);
                    acc.intoArray(y, yi + j);
                }
            }
        }
        for (; p < in; p++) {
            long r0 = 2L * ((long) p * out + j0);
            for (int i = 0; i < m; i++) {
                FloatVector x0 = FloatVector.broadcast(S, x[i * in + p]);
                int yi = i * out + j0;
                for (int j = 0; j < full; j += L) {
                    f16(s, r0 + 2L * j).fma(x0, FloatVector.fromArray(S, y, yi + j)).intoArray(y, yi + j);
                }
            }
        }
        columnTail(WeightStorage.Format.F16, m, in, out, x, s, y, j0 + full, width - full);
    }

    /** Columns [j0, j0 + n) past the last whole vector, scalar, in the same order (p ascending). */
    private static void columnTail(WeightStorage.Format f, int m, int in, int out, float[] x, MemorySegment s,
                                   float[] y, int j0, int n) {
        for (int i = 0; i < m; i++) {
            for (int j = j0; j < j0 + n; j++) {
                float acc = 0f;
                for (int p = 0; p < in; p++) {
                    acc = Math.fma(scalar(f, s, (long) p * out + j), x[i * in + p], acc);
                }
                y[i * out + j] = acc;
            }
        }
    }
}
