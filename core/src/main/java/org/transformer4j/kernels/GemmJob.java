package org.transformer4j.kernels;

import static org.transformer4j.kernels.GemmKernel.MR;
import static org.transformer4j.kernels.GemmKernel.NR;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One blocked matrix multiply (the packed path of {@link Gemm}). Loop nest, outermost first:
 * <pre>
 *   jc: columns in blocks of NC     (bounds the packed-B buffer: KC x NC floats = 2 MB, L3-resident)
 *   pc: k in blocks of KC = 256     (a KC x NR packed panel, 16 KB with AVX2, 64 KB with AVX-512, stays
 *                                    in L1 / L2 while MC / MR micro-kernel calls reuse it)
 *     pack B[pc.., jc..] into NR-wide panels            (parallel over panels)
 *     tasks (mBlock, panel), mBlock-major               (parallel, runs of tasks claimed dynamically)
 *       ir: rows of the mBlock in steps of MR -> micro-kernel on one B panel (tile), tile -> C
 * </pre>
 * Each task sweeps one B panel over up to MC = 192 rows of A, so the panel is loaded once per 32
 * micro-kernel calls, while A (6 scalars per step, from an MC x KC block of 192 KB that stays in L2) is cheap
 * to stream. A is read in place except for tn, where Aᵀ is packed per row block (see {@link GemmPack}).
 * Packing A for nn / nt as well was measured here: no clear gain at 1024^3 and 7-14% slower at n = 128-384,
 * where the copy of A is shared by only n / NR panels.
 * With many rows the threads mostly split M (each reads all of B, from L3); with few rows the row blocks are
 * made smaller so that blocks x panels still gives every thread work, i.e. they split N as well.
 */
final class GemmJob {
    static final int NN = 0, NT = 1, TN = 2;
    static final int KC = 256;
    static final int MC = 192;
    static final int NC = Math.max(NR, 2048 / NR * NR);
    /** Below this many multiply-adds a product runs on the calling thread (a hand-off costs ~1-50 us). */
    static final long PARALLEL_MIN_FMAS = 1L << 18;
    /** Work units per thread for dynamic scheduling: small enough to rebalance, large enough to keep locality. */
    static final int UNITS_PER_THREAD = 4;

    private static final ThreadLocal<float[]> PACKED_B = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> PACKED_A = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);
    private static final ThreadLocal<float[]> EDGE_A = ThreadLocal.withInitial(() -> new float[0]);

    private final int layout, m, n, k;
    private final float[] a, b, c;
    private final int aOff, lda, bOff, ldb, cOff, ldc;
    private final boolean accumulate;
    private final boolean parallel;
    private final float[] packedB;
    private final int mc, mBlocks;
    // current (jc, pc) block, written by the caller before each parallel phase
    private int jc, nc, panels, pc, kc;
    private boolean add;

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
        int maxPanels = (Math.min(NC, n) + NR - 1) / NR;
        this.packedB = scratch(PACKED_B, KC * maxPanels * NR);
        // Row blocks: at most MC rows; with several threads, a multiple of the thread count (so M splits evenly)
        // or, when M is too small for that, enough blocks that blocks x panels gives each thread two tasks.
        int blocks = (m + MC - 1) / MC;
        int tiles = (m + MR - 1) / MR;
        if (parallel) {
            if (blocks >= threads) {
                blocks = (blocks + threads - 1) / threads * threads;
            } else if (blocks * maxPanels < 2 * threads) {
                blocks = (2 * threads + maxPanels - 1) / maxPanels;
            }
            blocks = Math.min(blocks, tiles);
        }
        this.mc = ((m + blocks - 1) / blocks + MR - 1) / MR * MR;
        this.mBlocks = (m + mc - 1) / mc;
    }

    private static float[] scratch(ThreadLocal<float[]> tl, int size) {
        float[] s = tl.get();
        if (s.length < size) {
            s = new float[size];
            tl.set(s);
        }
        return s;
    }

    void run() {
        for (jc = 0; jc < n; jc += NC) {
            nc = Math.min(NC, n - jc);
            panels = (nc + NR - 1) / NR;
            for (pc = 0; pc < k; pc += KC) {
                kc = Math.min(KC, k - pc);
                add = accumulate || pc > 0;
                if (parallel) {
                    Parallel.forRange(panels, 2, this::pack);
                    int tasks = mBlocks * panels;
                    // whole row blocks per unit when there are enough (no A block packed by two threads)
                    int units = mBlocks >= 2 * Parallel.threads() ? mBlocks
                            : Math.min(tasks, UNITS_PER_THREAD * Parallel.threads());
                    AtomicInteger next = new AtomicInteger();
                    Parallel.forRange(Parallel.threads(), (from, to) -> computeUnits(next, units, tasks));
                } else {
                    pack(0, panels);
                    compute(0, mBlocks * panels, -1);
                }
            }
        }
    }

    private void pack(int from, int to) {
        for (int jr = from; jr < to; jr++) {
            int j = jc + jr * NR;
            int cols = Math.min(NR, n - j);
            int d = jr * kc * NR;
            if (layout == NT) {
                GemmPack.panelBt(b, bOff + j * ldb + pc, ldb, kc, cols, packedB, d);
            } else {
                GemmPack.panelB(b, bOff + pc * ldb + j, ldb, kc, cols, packedB, d);
            }
        }
    }

    /**
     * Claims units (contiguous runs of tasks) until none are left. Dynamic, unlike Parallel's fixed chunks:
     * when another process takes a core away from one of our threads, the others do its share instead of
     * waiting for it. Results do not change, since each element is computed the same way by any thread.
     */
    private void computeUnits(AtomicInteger next, int units, int tasks) {
        int packedBlock = -1;
        for (int u; (u = next.getAndIncrement()) < units; ) {
            packedBlock = compute(Parallel.chunkStart(tasks, units, u), Parallel.chunkStart(tasks, units, u + 1),
                    packedBlock);
        }
    }

    /** Runs tasks [from, to); returns the row block whose A is in this thread's packed-A buffer (tn), or -1. */
    private int compute(int from, int to, int packedBlock) {
        float[] packedA = layout == TN ? scratch(PACKED_A, mc * KC) : null;
        float[] tile = TILE.get();
        float[] edgeA = scratch(EDGE_A, MR * KC);
        for (int t = from; t < to; t++) {
            int mb = t / panels, jr = t % panels;
            int i0 = mb * mc;
            int rows = Math.min(mc, m - i0);
            int cols = Math.min(NR, nc - jr * NR);
            int bi = jr * kc * NR;
            int ci = cOff + i0 * ldc + jc + jr * NR;
            // A: in place (row r at ai + r * lda), or for tn the packed block (row r at r * kc)
            float[] as = a;
            int ai = aOff + i0 * lda + pc, rs = lda;
            if (layout == TN) {
                if (mb != packedBlock) {
                    GemmPack.blockAt(a, aOff + pc * lda + i0, lda, kc, rows, packedA);
                    packedBlock = mb;
                }
                as = packedA;
                ai = 0;
                rs = kc;
            }
            int r = 0;
            for (; r + MR <= rows; r += MR) {
                GemmKernel.kernel6(kc, as, ai + r * rs, rs, packedB, bi, tile);
                GemmKernel.update(tile, MR, cols, c, ci + r * ldc, ldc, add);
            }
            if (r < rows) {
                // 1-5 leftover rows: copy them into a zero-padded 6-row block and run the same kernel. A 1-row
                // kernel has a single FMA dependency chain per vector and ran several times slower per row.
                for (int q = 0; q < MR; q++) {
                    if (r + q < rows) {
                        System.arraycopy(as, ai + (r + q) * rs, edgeA, q * kc, kc);
                    } else {
                        Arrays.fill(edgeA, q * kc, (q + 1) * kc, 0f);
                    }
                }
                GemmKernel.kernel6(kc, edgeA, 0, kc, packedB, bi, tile);
                GemmKernel.update(tile, rows - r, cols, c, ci + r * ldc, ldc, add);
            }
        }
        return packedBlock;
    }
}
