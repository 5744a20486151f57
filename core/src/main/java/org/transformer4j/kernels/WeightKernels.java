package org.transformer4j.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.transformer4j.tensor.WeightStorage;

/**
 * Inference kernels over read-only {@link WeightStorage} (weights left in the mapped checkpoint, float32, bfloat16
 * or half, or quantised to int8 on load): y = x·Wᵀ for a Linear weight W of logical shape [out, in], and row gathers for embeddings.
 *
 * <ul>
 *   <li>A few rows of x (generation, m <= {@link #MATVEC_ROWS}): matrix-vector products that read every weight
 *       once, straight from the segment, widening 16-bit values in registers ({@link WeightMatVec}). The rows of W
 *       (or, for a transposed storage, its columns) are split between the threads.</li>
 *   <li>More rows (prompt processing): W is widened block by block into a float32 scratch of about
 *       {@link #BLOCK_FLOATS} floats and multiplied with {@link Gemm}'s blocked kernels; the widening costs one pass
 *       over W per call, small against the m·in·out multiply-adds.</li>
 * </ul>
 * Every output element is summed in an order fixed by the sizes alone (never by the thread count), so results
 * are deterministic.
 */
public final class WeightKernels {
    /** Up to this many rows of x, the matrix-vector kernels run; above it the blocked GEMM. */
    public static final int MATVEC_ROWS = 4;
    /**
     * Floats of W widened per GEMM block (16 MB of scratch): every GPT-2 124M and Llama 110M matrix but the output
     * head fits in one block, so Gemm sees the same call as for a heap weight (smaller blocks measured slower:
     * each call packs and splits its work again).
     */
    static final int BLOCK_FLOATS = 1 << 22;

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Scratch SCRATCH = new Scratch();

    private WeightKernels() {}

    /**
     * y[m, out] = x[m, in] · Wᵀ where W is the logical [out, in] matrix in {@code w}. y is overwritten.
     */
    public static void linear(int m, int in, int out, float[] x, WeightStorage w, float[] y) {
        if (w.elements() != (long) in * out) {
            throw new IllegalArgumentException("WeightKernels.linear: storage of " + w.elements()
                    + " elements for a [" + out + ", " + in + "] weight");
        }
        if ((long) m * in > x.length || (long) m * out > y.length) {
            throw new IllegalArgumentException("WeightKernels.linear: x or y too short for " + m + " rows");
        }
        if (m == 0 || out == 0) {
            return;
        }
        if (in == 0) {
            java.util.Arrays.fill(y, 0, m * out, 0f);
            return;
        }
        if (m <= MATVEC_ROWS) {
            if (w.transposed()) {
                WeightMatVec.columns(m, in, out, x, w, y);
            } else {
                WeightMatVec.rows(m, in, out, x, w, y);
            }
        } else {
            blocked(m, in, out, x, w, y, BLOCK_FLOATS);
        }
    }

    /** Prompt processing: widen a block of about {@code blockFloats} floats of W at a time and hand it to Gemm. */
    static void blocked(int m, int in, int out, float[] x, WeightStorage w, float[] y, int blockFloats) {
        int block = Math.max(1, Math.min(out, blockFloats / in));
        if (block < out && block >= 16) {
            block -= block % 16; // whole GEMM panels
        }
        float[] scratch = SCRATCH.get(block * in);
        for (int j0 = 0; j0 < out; j0 += block) {
            int jb = Math.min(block, out - j0);
            if (w.transposed()) {
                // stored [in, out]: columns j0..j0+jb of every stored row, i.e. a [in, jb] block of B for y = x·B
                widenColumns(w, in, out, j0, jb, scratch);
                Gemm.nn(m, jb, in, x, 0, in, scratch, 0, jb, y, j0, out, false);
            } else {
                // stored [out, in]: rows j0..j0+jb, contiguous
                widen(w, (long) j0 * in, jb * in, scratch, 0);
                Gemm.nt(m, jb, in, x, 0, in, scratch, 0, in, y, j0, out, false);
            }
        }
    }

    /** dst[d .. d + n) = stored elements [first, first + n) widened to float32 (in parallel for long runs). */
    static void widen(WeightStorage w, long first, int n, float[] dst, int d) {
        if (w.format() == WeightStorage.Format.F32) {
            MemorySegment.copy(w.segment(), F32_LE, 4 * first, dst, d, n);
            return;
        }
        int grain = 1 << 15;
        Parallel.forRange((n + grain - 1) / grain, 2, (c0, c1) -> {
            int from = c0 * grain;
            int to = Math.min(n, c1 * grain);
            WeightMatVec.widen(w, first + from, to - from, dst, d + from);
        });
    }

    /** dst[p * jb + j] = W_stored[p, j0 + j] for a storage of shape [in, out]. */
    private static void widenColumns(WeightStorage w, int in, int out, int j0, int jb, float[] dst) {
        Parallel.forRange(in, Math.max(1, (1 << 15) / jb), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                long first = (long) p * out + j0;
                if (w.format() == WeightStorage.Format.F32) {
                    MemorySegment.copy(w.segment(), F32_LE, 4 * first, dst, p * jb, jb);
                } else {
                    WeightMatVec.widen16(w, first, jb, dst, p * jb);
                }
            }
        });
    }

    /**
     * Embedding lookup: y[i, :] = table[ids[i], :] for a [vocab, dim] table stored row-major (not transposed).
     * Ids must already be checked against the vocabulary.
     */
    public static void gatherRows(WeightStorage table, int dim, int[] ids, float[] y) {
        if (table.transposed()) {
            throw new IllegalArgumentException("an embedding table must be stored row-major, not transposed");
        }
        for (int i = 0; i < ids.length; i++) {
            long first = (long) ids[i] * dim;
            WeightMatVec.widen(table, first, dim, y, i * dim);
        }
    }
}
