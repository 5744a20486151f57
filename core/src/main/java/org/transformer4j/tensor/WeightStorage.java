package org.transformer4j.tensor;

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
 * @param segment    the stored bytes, exactly {@code elements * format.bytes()} long
 * @param format     the element format
 * @param transposed whether a 2-D tensor is stored as its transpose
 */
public record WeightStorage(MemorySegment segment, Format format, boolean transposed) {
    /** Element formats the kernels read in place. */
    public enum Format {
        F32(4), BF16(2), F16(2);

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

    public WeightStorage {
        if (segment == null || format == null) {
            throw new IllegalArgumentException("weight storage needs a segment and a format");
        }
        if (segment.byteSize() % format.bytes() != 0) {
            throw new IllegalArgumentException("a segment of " + segment.byteSize() + " bytes does not hold whole "
                    + format + " elements");
        }
    }

    /** Number of stored elements. */
    public long elements() {
        return segment.byteSize() / format.bytes();
    }

    /** Stored element {@code i} (in storage order), widened to float32 exactly. */
    public float load(long i) {
        return switch (format) {
            case F32 -> segment.get(F32_LE, 4 * i);
            case BF16 -> Float.intBitsToFloat((segment.get(I16_LE, 2 * i) & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(segment.get(I16_LE, 2 * i));
        };
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
