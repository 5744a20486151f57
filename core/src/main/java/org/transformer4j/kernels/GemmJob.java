package org.transformer4j.kernels;

import static org.transformer4j.kernels.GemmKernel.MR;
import static org.transformer4j.kernels.GemmKernel.NR;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One blocked matrix multiply (the packed path of {@link Gemm}), in two phases:
 * <pre>
 *   1. pack all of B into NR-wide panels, K block by K block          (parallel over (K block, panel))
 *   2. tasks = (row block of up to MC rows) x (column range of panels)  (parallel, claimed dynamically)
 *        for each K block (KC <= 256 steps):
 *          A rows of the block: in place (nn, nt) or transposed into a row-major copy (tn)
 *          for each panel of the range: for each MR rows: micro-kernel, stored straight into C
 * </pre>
 * One K block of one B panel (KC x NR floats, 16 KB with AVX2) stays in L1 while MC / MR micro-kernel calls
 * reuse it; the MC x KC block of A (192 KB) stays in L2 while the panels of the range sweep over it. Packing
 * all of B up front costs one copy of B and gives a single parallel compute phase per product, with no barrier
 * per K block: any thread can run any task, so the split adapts when another process takes a core away.
 *
 * <p>The threads split M when there are enough row blocks (each task then covers all of N), and N as well when
 * there are not, so that every thread gets work on the small products of training (weight gradients with m = 128 rows).
 * A B larger than {@link #MAX_PACKED} floats (a 50k-token vocabulary's head) is packed and multiplied a few K
 * blocks at a time, one hand-off per group.
 * Below {@link #PARALLEL_MIN_FMAS} multiply-adds everything runs on the calling thread.
 *
 * <p>The K blocks split k evenly (e.g. 384 = 192 + 192); their boundaries depend only on k, and every element
 * of C is summed block by block in ascending order, so results do not depend on the thread count.
 */
final class GemmJob {
    static final int NN = 0, NT = 1, TN = 2;
    /*
     * Block sizes, overridable for tuning on a given machine without a rebuild (T4J_JAVA_OPTS="-Dt4j.gemm.kc=..."):
     * KC steps of K per block (at least 8), MC rows per row block (rounded up to a multiple of MR), and
     * t4j.gemm.packA=true to copy A's row block into a contiguous [rows][kc] scratch for nn and nt as well (tn
     * always packs). On a loaded 2-core machine none of KC = 128 or 384, MC = 96 or 288, or packing A changed the
     * single-thread CPU time by more than the noise (docs/PERFORMANCE.md, 2026-12-02); they are kept for
     * measurements on a quiet machine. The K block boundaries depend on KC, so results are bit-identical only
     * for the same KC.
     */
    static final int KC = Math.max(8, Integer.getInteger("t4j.gemm.kc", 256));
    static final int MC = (Math.max(MR, Integer.getInteger("t4j.gemm.mc", 192)) + MR - 1) / MR * MR;
    static final boolean PACK_A = Boolean.getBoolean("t4j.gemm.packA");
    /** Below this many multiply-adds a product runs on the calling thread (a hand-off costs ~1-50 us). */
    static final long PARALLEL_MIN_FMAS = 1L << 18;
    /** Most floats of packed B held at once (16 MB); a product with a larger B is done a few K blocks at a time. */
    static final int MAX_PACKED = 1 << 22;

    private static final Scratch PACKED_B = new Scratch();
    private static final Scratch PACKED_A = new Scratch();
    private static final Scratch TILE = new Scratch(MR * NR);
    private static final Scratch EDGE_A = new Scratch();

    private final int layout, m, n, k;
    private final float[] a, b, c;
    private final int aOff, lda, bOff, ldb, cOff, ldc;
    private final boolean accumulate;
    private final boolean parallel;
    private final float[] packedB;
    /** Number of K blocks; block q covers steps [kStart(q), kStart(q + 1)). */
    private final int kBlocks;
    /** K blocks packed and computed together: [q0, q1). */
    private int q0, q1;
    private final int panels;
    private final int mc, rowBlocks, colBlocks;
    private final AtomicInteger next = new AtomicInteger();

    GemmJob(int layout, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc, boolean accumulate) {
        this.layout = layout;
        this.m = m;
        this.n = n;
        this.k = k;
        this.a = a;
        this.aOff = aOff;
        this.lda = lda;
        this.b = b;
        this.bOff = bOff;
        this.ldb = ldb;
        this.c = c;
        this.cOff = cOff;
        this.ldc = ldc;
        this.accumulate = accumulate;
        int threads = Parallel.threads();
        this.parallel = threads > 1 && (long) m * n * k >= PARALLEL_MIN_FMAS;
        this.kBlocks = (k + KC - 1) / KC;
        this.panels = (n + NR - 1) / NR;
        this.packedB = PACKED_B.get(Math.min(k, Math.max(KC, MAX_PACKED / (panels * NR))) * panels * NR);
        int tiles = (m + MR - 1) / MR;
        int blocks = (m + MC - 1) / MC;
        int cols = 1;
        if (parallel) {
            if (blocks >= threads) {
                blocks = Math.min(tiles, (blocks + threads - 1) / threads * threads);
            } else {
                // few rows: split the columns too, then (if there are few panels as well) smaller row blocks
                cols = Math.min(panels, (threads + blocks - 1) / blocks);
                if (blocks * cols < threads) {
                    blocks = Math.min(tiles, (threads + cols - 1) / cols);
                }
            }
        }
        this.mc = ((m + blocks - 1) / blocks + MR - 1) / MR * MR;
        this.rowBlocks = (m + mc - 1) / mc;
        this.colBlocks = cols;
    }

    private int kStart(int q) {
        return Parallel.chunkStart(k, kBlocks, q);
    }

    void run() {
        int tasks = rowBlocks * colBlocks;
        int capacity = packedB.length / (panels * NR);
        for (q0 = 0; q0 < kBlocks; q0 = q1) {
            q1 = q0 + 1;
            while (q1 < kBlocks && kStart(q1 + 1) - kStart(q0) <= capacity) {
                q1++;
            }
            int items = (q1 - q0) * panels;
            if (parallel) {
                Parallel.forRange(items, 4, this::pack);
                next.set(0);
                Parallel.forRange(Parallel.threads(), (from, to) -> {
                    for (int t; (t = next.getAndIncrement()) < tasks; ) {
                        compute(t);
                    }
                });
            } else {
                pack(0, items);
                for (int t = 0; t < tasks; t++) {
                    compute(t);
                }
            }
        }
    }

    /** Offset in packedB of K block q (of the current group). */
    private int packedAt(int q) {
        return (kStart(q) - kStart(q0)) * panels * NR;
    }

    /** Packs items [from, to) of the current K blocks, item = (K block q0 + i, panel jr). */
    private void pack(int from, int to) {
        for (int item = from; item < to; item++) {
            int q = q0 + item / panels, jr = item % panels;
            int p0 = kStart(q), kc = kStart(q + 1) - p0;
            int j = jr * NR;
            int cols = Math.min(NR, n - j);
            int d = packedAt(q) + jr * kc * NR;
            if (layout == NT) {
                GemmPack.panelBt(b, bOff + j * ldb + p0, ldb, kc, cols, packedB, d);
            } else {
                GemmPack.panelB(b, bOff + p0 * ldb + j, ldb, kc, cols, packedB, d);
            }
        }
    }

    /** Task t: rows of row block t / colBlocks, panels of column range t % colBlocks, all of K. */
    private void compute(int t) {
        int mb = t / colBlocks, cb = t % colBlocks;
        int i0 = mb * mc;
        int rows = Math.min(mc, m - i0);
        int jr0 = Parallel.chunkStart(panels, colBlocks, cb), jr1 = Parallel.chunkStart(panels, colBlocks, cb + 1);
        boolean packA = layout == TN || PACK_A;
        float[] packedA = packA ? PACKED_A.get(mc * KC) : null;
        float[] tile = TILE.get(MR * NR);
        float[] edgeA = null;
        int full = rows / MR * MR;
        for (int q = q0; q < q1; q++) {
            int p0 = kStart(q), kc = kStart(q + 1) - p0;
            boolean add = accumulate || q > 0;
            // A: in place (row r at ai + r * lda), or for tn the packed block (row r at r * kc)
            float[] as = a;
            int ai = aOff + i0 * lda + p0, rs = lda;
            if (layout == TN) {
                GemmPack.blockAt(a, aOff + p0 * lda + i0, lda, kc, rows, packedA);
                as = packedA;
                ai = 0;
                rs = kc;
            } else if (packA) {
                // rows kc apart instead of lda: no cache-set aliasing when lda is a multiple of 1024 floats
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(a, ai + r * lda, packedA, r * kc, kc);
                }
                as = packedA;
                ai = 0;
                rs = kc;
            }
            if (full < rows) {
                // 1 to MR - 1 leftover rows: copied into a zero-padded MR-row block for the same kernel. A 1-row
                // kernel has a single FMA dependency chain per vector and ran several times slower per row.
                if (edgeA == null) {
                    edgeA = EDGE_A.get(MR * KC);
                }
                for (int r = 0; r < MR; r++) {
                    if (full + r < rows) {
                        System.arraycopy(as, ai + (full + r) * rs, edgeA, r * kc, kc);
                    } else {
                        Arrays.fill(edgeA, r * kc, (r + 1) * kc, 0f);
                    }
                }
            }
            int bq = packedAt(q);
            for (int jr = jr0; jr < jr1; jr++) {
                int bi = bq + jr * kc * NR;
                int j = jr * NR;
                int cols = Math.min(NR, n - j);
                int ci = cOff + i0 * ldc + j;
                int r = 0;
                if (cols == NR) {
                    for (; r < full; r += MR) {
                        GemmKernel.kernel(kc, as, ai + r * rs, rs, packedB, bi, c, ci + r * ldc, ldc, add);
                    }
                } else {
                    for (; r < full; r += MR) {
                        GemmKernel.kernel(kc, as, ai + r * rs, rs, packedB, bi, tile, 0, NR, false);
                        GemmKernel.update(tile, MR, cols, c, ci + r * ldc, ldc, add);
                    }
                }
                if (r < rows) {
                    GemmKernel.kernel(kc, edgeA, 0, kc, packedB, bi, tile, 0, NR, false);
                    GemmKernel.update(tile, rows - r, cols, c, ci + r * ldc, ldc, add);
                }
            }
        }
    }
}
