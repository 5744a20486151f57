package org.transformer4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.transformer4j.tensor.Tensor;

/**
 * One tensor to be written by {@link Safetensors#write}: a shape, a target dtype and the values. Float values can be
 * stored as F32, F16 or BF16 (narrowed with round to nearest even when written); longs as I64; any dtype from raw
 * little-endian bytes. The arrays are not copied: do not change them until written.
 */
public final class TensorData {
    private final DType dtype;
    private final int[] shape;
    private final float[] floats;
    private final long[] longs;
    private final byte[] raw;

    private TensorData(DType dtype, int[] shape, float[] floats, long[] longs, byte[] raw) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.floats = floats;
        this.longs = longs;
        this.raw = raw;
        long n = Tensor.numel(this.shape);
        long have = floats != null ? floats.length : longs != null ? longs.length : raw.length / dtype.byteSize();
        if (have != n || (raw != null && raw.length % dtype.byteSize() != 0)) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " elements of "
                    + dtype + ", data has " + (raw != null ? raw.length + " bytes" : have + " elements"));
        }
    }

    /** Float values stored as {@code dtype}, which must be F32, F16 or BF16. */
    public static TensorData of(float[] data, DType dtype, int... shape) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("float data can be written as F32, F16 or BF16, not " + dtype);
        }
        return new TensorData(dtype, shape, data, null, null);
    }

    public static TensorData f32(float[] data, int... shape) {
        return of(data, DType.F32, shape);
    }

    public static TensorData f16(float[] data, int... shape) {
        return of(data, DType.F16, shape);
    }

    public static TensorData bf16(float[] data, int... shape) {
        return of(data, DType.BF16, shape);
    }

    /** A tensor's values (not its gradient) stored as F32, F16 or BF16. */
    public static TensorData of(Tensor t, DType dtype) {
        return of(t.data(), dtype, t.shape());
    }

    /** Long values stored as I64. */
    public static TensorData i64(long[] data, int... shape) {
        return new TensorData(DType.I64, shape, null, data, null);
    }

    /** Raw little-endian element bytes of any dtype, written as they are. */
    public static TensorData raw(DType dtype, byte[] bytes, int... shape) {
        return new TensorData(dtype, shape, null, null, bytes);
    }

    public DType dtype() {
        return dtype;
    }

    public int[] shape() {
        return shape.clone();
    }

    /** Bytes this tensor takes in the file. */
    public long byteSize() {
        return Tensor.numel(shape) * dtype.byteSize();
    }

    /** Writes the element bytes, little-endian, converting in chunks so no copy of the whole tensor is made. */
    void writeTo(OutputStream out) throws IOException {
        if (raw != null) {
            out.write(raw);
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        int n = floats != null ? floats.length : longs.length;
        int per = buf.capacity() / dtype.byteSize();
        for (int start = 0; start < n; start += per) {
            int end = Math.min(n, start + per);
            buf.clear();
            switch (dtype) {
                case F32 -> buf.asFloatBuffer().put(floats, start, end - start);
                case F16 -> {
                    for (int i = start; i < end; i++) {
                        buf.putShort(2 * (i - start), FloatFormats.floatToF16(floats[i]));
                    }
                }
                case BF16 -> {
                    for (int i = start; i < end; i++) {
                        buf.putShort(2 * (i - start), FloatFormats.floatToBf16(floats[i]));
                    }
                }
                case I64 -> buf.asLongBuffer().put(longs, start, end - start);
                default -> throw new AssertionError(dtype);
            }
            out.write(buf.array(), 0, (end - start) * dtype.byteSize());
        }
    }
}
