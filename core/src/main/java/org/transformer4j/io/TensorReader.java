package org.transformer4j.io;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

import org.transformer4j.tensor.Tensor;
import org.transformer4j.tensor.WeightStorage;

/**
 * Read access to the named tensors of a checkpoint: one safetensors file ({@link SafetensorsFile}) or a sharded
 * set of them ({@link ShardedSafetensors}). Get one with {@link Safetensors#open}. Closing it unmaps the files;
 * segments obtained before must not be used afterwards (access throws {@link IllegalStateException}).
 * Instances may be read from several threads at once.
 */
public interface TensorReader extends AutoCloseable {
    /** Tensor names, in the order of the header (or of the index's weight map). */
    List<String> names();

    boolean contains(String name);

    /** Type, shape and byte range of a tensor; throws {@link org.transformer4j.T4jException} naming it if absent. */
    TensorInfo info(String name);

    /** The tensor's raw little-endian bytes, mapped from the file, not copied. */
    MemorySegment segment(String name);

    /** The values widened or converted to float32 (exact for F32, F16, BF16; rounded for F64 and big integers). */
    float[] readFloats(String name);

    /** The values as doubles (exact for every readable type except I64/U32 beyond 2^53). */
    double[] readDoubles(String name);

    /** The values of an integer or BOOL tensor as longs. */
    long[] readLongs(String name);

    /** The values as a float32 {@link Tensor} of the stored shape. */
    default Tensor tensor(String name) {
        return Tensor.of(readFloats(name), info(name).shape());
    }

    /**
     * The tensor as read-only {@link WeightStorage} over its mapped bytes (no copy), or null when its dtype is not
     * one the kernels read in place (F32, BF16, F16). {@code transposed} says the stored matrix is the transpose of
     * the logical one (GPT-2's Conv1D). The storage is valid while the mapping is: open the reader with
     * {@link Safetensors#mapDirectory} (mapping kept while the storage is reachable) for a model that outlives it.
     */
    default WeightStorage storage(String name, boolean transposed) {
        WeightStorage.Format f = switch (info(name).dtype()) {
            case F32 -> WeightStorage.Format.F32;
            case BF16 -> WeightStorage.Format.BF16;
            case F16 -> WeightStorage.Format.F16;
            default -> null;
        };
        return f == null ? null : new WeightStorage(segment(name).asReadOnly(), f, transposed);
    }

    /** The {@code __metadata__} string map (empty if absent). */
    Map<String, String> metadata();

    @Override
    void close();
}
