package org.transformer4j.kernels;

/**
 * Runs loops over all cores with a persistent pool of daemon worker threads (see {@link WorkerPool}).
 *
 * <p>A loop over [0, n) is split into {@code c} contiguous chunks, {@code c = max(1, min(threads(), n / grain))};
 * chunk {@code i} is [{@link #chunkStart}(n, c, i), chunkStart(n, c, i + 1)). The boundaries depend only on
 * n, grain and {@link #threads()}, never on timing, so a loop whose chunks write disjoint outputs gives
 * bit-identical results run to run. Each chunk runs exactly once, on one thread: the caller runs chunk 0, the
 * other chunks go to whichever thread claims them first (normally one per worker; a thread that finishes early
 * takes the chunk of a worker that is slow to wake up or was descheduled by another process).
 *
 * <p>Nested calls (from inside a chunk) and calls from a second thread while the pool is busy do not wait: they
 * run their chunks one after another on the calling thread, with the same boundaries.
 *
 * <p>If a chunk throws, the first exception is rethrown to the caller after all chunks have finished (inline
 * execution stops at the first exception).
 *
 * <p>Thread count: system property {@code t4j.threads}, default {@code Runtime.availableProcessors()}.
 */
public final class Parallel {
    /** Body of a parallel loop over [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Body of a parallel loop that also receives its chunk index in [0, {@link #chunks}(n, grain)): use it to
     * pick a per-chunk scratch buffer. Chunks never run concurrently with themselves, but a nested loop run
     * inline reuses the same indices, so do not share one scratch array between an outer and an inner loop.
     */
    @FunctionalInterface
    public interface ChunkBody {
        void run(int chunk, int from, int to);
    }

    private static volatile int threads = initialThreads();
    private static volatile WorkerPool pool;

    private Parallel() {}

    private static int initialThreads() {
        int def = Math.max(1, Runtime.getRuntime().availableProcessors());
        String s = System.getProperty("t4j.threads");
        if (s == null || s.isBlank()) {
            return def;
        }
        try {
            int t = Integer.parseInt(s.trim());
            return t >= 1 ? t : def;
        } catch (NumberFormatException e) {
            return def;
        }
    }

    /** Number of threads a loop uses, the caller included. */
    public static int threads() {
        return threads;
    }

    /**
     * Sets the number of threads (including the caller); the old workers stop once their current loop ends.
     * Must not be called from inside a parallel loop.
     */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        WorkerPool old = pool;
        if (old != null && old.isInside()) {
            throw new IllegalStateException("Parallel.setThreads must not be called from inside a parallel loop");
        }
        if (n == threads) {
            return;
        }
        pool = null;
        threads = n;
        if (old != null) {
            old.shutdown();
        }
    }

    /** Number of chunks a loop over n items with the given grain (minimum items per chunk) uses. */
    public static int chunks(int n, int grain) {
        if (n <= 0) {
            return 0;
        }
        return Math.max(1, Math.min(threads, n / Math.max(1, grain)));
    }

    /** First index of chunk {@code i} of {@code chunks} over [0, n); {@code i == chunks} gives n. */
    public static int chunkStart(int n, int chunks, int i) {
        return (int) ((long) n * i / chunks);
    }

    /** Runs {@code body} over [0, n) split into at most {@link #threads()} contiguous chunks. */
    public static void forRange(int n, RangeBody body) {
        forRange(n, 1, body);
    }

    /**
     * Like {@link #forRange(int, RangeBody)}, but every chunk has at least {@code grain} items, so a loop with
     * fewer than {@code 2 * grain} items runs on the caller alone (cheap loops are not worth a hand-off).
     */
    public static void forRange(int n, int grain, RangeBody body) {
        forEachChunk(n, grain, (chunk, from, to) -> body.run(from, to));
    }

    /** Runs {@code body} once per chunk of [0, n) (see the class comment), passing the chunk index. */
    public static void forEachChunk(int n, int grain, ChunkBody body) {
        int c = chunks(n, grain);
        if (c == 0) {
            return;
        }
        if (c > 1) {
            WorkerPool p = pool();
            if (p.size >= c && p.tryRun(body, n, c)) {
                return;
            }
        }
        for (int i = 0; i < c; i++) {
            body.run(i, chunkStart(n, c, i), chunkStart(n, c, i + 1));
        }
    }

    private static WorkerPool pool() {
        WorkerPool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new WorkerPool(threads);
                    pool = p;
                }
            }
        }
        return p;
    }

    static void rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new RuntimeException(t);
    }
}
