package org.transformer4j.kernels;

/**
 * A float buffer per thread that grows on demand: a kernel's working space (packed panels, widened weights,
 * reordered inputs, partial sums) without an allocation per call. Each thread gets its own, so workers of one
 * parallel loop never share one; a grown buffer is a new zeroed array, otherwise it holds what its last use left.
 */
final class Scratch {
    private final ThreadLocal<float[]> local;

    /** Buffers that start empty. */
    Scratch() {
        this(0);
    }

    /** Buffers that start at {@code initial} floats. */
    Scratch(int initial) {
        local = ThreadLocal.withInitial(() -> new float[initial]);
    }

    /** The calling thread's buffer, grown to at least n floats. */
    float[] get(int n) {
        float[] b = local.get();
        if (b.length < n) {
            b = new float[n];
            local.set(b);
        }
        return b;
    }
}
