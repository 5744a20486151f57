package org.transformer4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Read-only weights that stay where they are: usually a slice of a memory-mapped checkpoint file, in the file's
 * own element format (float32, bfloat16 or IEEE half), little-endian. A {@link Tensor} backed by one of these
 * never copies its values into the Java heap; the inference kernels ({@code kernels.WeightKernels}) read it in
 * place and widen 16-bit values to float32 in registers.
 *
 * <p>Layout: a 2-D tensor of logical shape [rows, cols] is stored row-major, or, when {@code transposed}, as its
 * transpose [cols, rows] row-major. The transposed case is GPT-2's Conv1D weight, stored [in, out] on disk where
 * a Linear layer means [out, in]; the kernels have a loop for each layout, so it is never transposed into a copy.
 *
 * <p>{@link Format#INT8} is made at load time by {@link #quantizeInt8} (it is not a checkpoint format): symmetric
 * int8 with one float32 scale per {@link #GROUP} consecutive elements of a row (like llama.cpp's Q8_0), value =
 * scale · q with q in [-127, 127]. It is always stored row-major [rows, cols] (never transposed), so that a group
 * runs along the contracted dimension {@code in} of a Linear weight and the matrix-vector kernel applies one scale
 * per group of 32 products.
 *
 * @param segment    the stored bytes, exactly {@code elements * format.bytes()} long
 * @param format     the element format
 * @param transposed whether a 2-D tensor is stored as its transpose
 * @param scales     INT8 only: one float32 (native byte order) per group of {@link #GROUP} elements; null otherwise
 */
public record WeightStorage(MemorySegment segment, Format format, boolean transposed, MemorySegment scales) {
    /** Elements per int8 quantisation group (one scale each), along a row. */
    public static final int GROUP = 32;

    /** Element formats the kernels read in place. */
    public enum Format {
        F32(4), BF16(2), F16(2), INT8(1);

        private final int bytes;

        Format(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32_NATIVE = ValueLayout.JAVA_FLOAT_UNALIGNED;

    public WeightStorage {
        if (segment == null || format == null) {
            throw new IllegalArgumentException("weight storage needs a segment and a format");
        }
        if (segment.byteSize() % format.bytes() != 0) {
            throw new IllegalArgumentException("a segment of " + segment.byteSize() + " bytes does not hold whole "
                    + format + " elements");
        }
        if ((format == Format.INT8) != (scales != null)) {
            throw new IllegalArgumentException("int8 storage needs scales, and only int8 storage has them");
        }
        if (format == Format.INT8) {
            if (transposed) {
                throw new IllegalArgumentException("int8 storage is always row-major");
            }
            if (segment.byteSize() % GROUP != 0 || scales.byteSize() != segment.byteSize() / GROUP * 4) {
                throw new IllegalArgumentException("int8 storage of " + segment.byteSize() + " elements needs "
                        + segment.byteSize() / GROUP + " scales, got " + scales.byteSize() / 4);
            }
        }
    }

    /** Storage of a checkpoint format (F32, BF16, F16). */
    public WeightStorage(MemorySegment segment, Format format, boolean transposed) {
        this(segment, format, transposed, null);
    }

    /** Number of stored elements. */
    public long elements() {
        return segment.byteSize() / format.bytes();
    }

    /** Bytes the kernels read for the whole matrix (values, plus the scales of INT8). */
    public long bytes() {
        return segment.byteSize() + (scales == null ? 0 : scales.byteSize());
    }

    /** Stored element {@code i} (in storage order), widened to float32 exactly (INT8: scale · q, rounded once). */
    public float load(long i) {
        return switch (format) {
            case F32 -> segment.get(F32_LE, 4 * i);
            case BF16 -> Float.intBitsToFloat((segment.get(I16_LE, 2 * i) & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(segment.get(I16_LE, 2 * i));
            case INT8 -> scales.get(F32_NATIVE, 4 * (i / GROUP)) * segment.get(ValueLayout.JAVA_BYTE, i);
        };
    }

    /** True if {@link #quantizeInt8} accepts a [rows, cols] matrix: whole groups along each row. */
    public static boolean canQuantizeInt8(int rows, int cols) {
        return rows > 0 && cols > 0 && cols % GROUP == 0;
    }

    /**
     * The logical [rows, cols] matrix held by {@code w}, quantised to {@link Format#INT8} in fresh memory of
     * {@code arena} (row-major, whatever the layout of {@code w}). Each group of {@link #GROUP} elements of a row
     * gets scale = max|v| / 127 and q = round(v / scale), so every element is within scale / 2 of its value
     * (an all-zero group gets scale 0). Rows are quantised in parallel (common fork-join pool); each
     * row's result depends on that row alone, so it is deterministic.
     */
    public static WeightStorage quantizeInt8(WeightStorage w, int rows, int cols, Arena arena) {
        if (!canQuantizeInt8(rows, cols)) {
            throw new IllegalArgumentException("int8 quantisation needs a row length that is a multiple of " + GROUP
                    + ", got [" + rows + ", " + cols + "]");
        }
        if ((long) rows * cols != w.elements()) {
            throw new IllegalArgumentException("[" + rows + ", " + cols + "] does not match " + w.elements() + " stored elements");
        }
        long n = (long) rows * cols;
        MemorySegment q = arena.allocate(n, 64);
        MemorySegment sc = arena.allocate(n / GROUP * 4, 64);
        // Blocks of 64 rows, in parallel (each block writes its own rows, so the result is the same either way);
        // a transposed source is read along its stored rows, 64 contiguous elements at a time.
        int block = 64;
        java.util.stream.IntStream.range(0, (rows + block - 1) / block).parallel().forEach(b -> {
            int r0 = b * block, r1 = Math.min(rows, r0 + block);
            float[] buf = new float[(r1 - r0) * cols];
            if (w.transposed()) {
                for (int c = 0; c < cols; c++) {
                    for (int r = r0; r < r1; r++) {
                        buf[(r - r0) * cols + c] = w.load((long) c * rows + r);
                    }
                }
            } else {
                for (int r = r0; r < r1; r++) {
                    for (int c = 0; c < cols; c++) {
                        buf[(r - r0) * cols + c] = w.load((long) r * cols + c);
                    }
                }
            }
            for (int r = r0; r < r1; r++) {
                quantizeRow(buf, (r - r0) * cols, r, cols, q, sc);
            }
        });
        return new WeightStorage(q.asReadOnly(), Format.INT8, false, sc.asReadOnly());
    }

    private static void quantizeRow(float[] row, int off, int r, int cols, MemorySegment q, MemorySegment sc) {
        for (int g = 0; g < cols; g += GROUP) {
            float max = 0f;
            for (int c = g; c < g + GROUP; c++) {
                float v = row[off + c];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("cannot quantise a non-finite weight (" + v + ") at [" + r + ", "
                            + c + "]");
                }
                max = Math.max(max, Math.abs(v));
            }
            float scale = max / 127f;
            long e = (long) r * cols + g;
            sc.set(F32_NATIVE, 4 * (e / GROUP), scale);
            for (int c = g; c < g + GROUP; c++) {
                int v = scale == 0f ? 0 : Math.round(row[off + c] / scale);
                q.set(ValueLayout.JAVA_BYTE, e + c - g, (byte) Math.max(-127, Math.min(127, v)));
            }
        }
    }

    /** int8 quantisation into memory freed by the garbage collector: see {@link #quantizeInt8(WeightStorage, int, int, Arena)}. */
    public static WeightStorage quantizeInt8(WeightStorage w, int rows, int cols) {
        return quantizeInt8(w, rows, cols, Arena.ofAuto());
    }

    /**
     * A copy of this storage in memory of {@code arena}, 64-byte aligned (as a mapped file's data usually is
     * not): for benchmarks that must read weights off the heap, like a mapped checkpoint.
     */
    public WeightStorage offHeap(Arena arena) {
        MemorySegment s = arena.allocate(segment.byteSize(), 64).copyFrom(segment);
        MemorySegment sc = scales == null ? null : arena.allocate(scales.byteSize(), 64).copyFrom(scales).asReadOnly();
        return new WeightStorage(s.asReadOnly(), format, transposed, sc);
    }

    /** Logical element (r, c) of a [rows, cols] matrix (or flat element c of a tensor, with r = 0). */
    public float get(int rows, int cols, int r, int c) {
        return transposed ? load((long) c * rows + r) : load((long) r * cols + c);
    }

    /** All values in logical row-major order [rows, cols], widened to float32 (a heap copy). */
    public float[] toFloats(int rows, int cols) {
        long n = (long) rows * cols;
        if (n != elements()) {
            throw new IllegalArgumentException("[" + rows + ", " + cols + "] does not match " + elements() + " stored elements");
        }
        float[] out = new float[Math.toIntExact(n)];
        if (!transposed && format == Format.F32) {
            MemorySegment.copy(segment, F32_LE, 0, out, 0, out.length);
            return out;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = get(rows, cols, r, c);
            }
        }
        return out;
    }

    /** Heap storage for tests and for small 16-bit tensors: the raw values in storage order. */
    public static WeightStorage ofFloats(float[] values, boolean transposed) {
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            seg.set(F32_LE, 4L * i, values[i]);
        }
        return new WeightStorage(seg.asReadOnly(), Format.F32, transposed);
    }

    /** Heap storage of raw 16-bit patterns (BF16 or F16) in storage order. */
    public static WeightStorage ofHalves(short[] bits, Format format, boolean transposed) {
        if (format.bytes() != 2) {
            throw new IllegalArgumentException(format + " is not a 16-bit format");
        }
        MemorySegment seg = MemorySegment.ofArray(new byte[bits.length * 2]);
        for (int i = 0; i < bits.length; i++) {
            seg.set(I16_LE, 2L * i, bits[i]);
        }
        return new WeightStorage(seg.asReadOnly(), format, transposed);
    }
}
