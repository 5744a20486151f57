package org.transformer4j.kernels;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs loops over all cores. PLACEHOLDER implementation (plain executor); the real one spins briefly, then parks.
 *
 * <p>Chunk boundaries depend only on the range length and the thread count, so results are deterministic for a
 * given thread count.
 */
public final class Parallel {
    /** Body of a parallel loop over [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static volatile int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static ExecutorService pool;

    private Parallel() {}

    public static int threads() {
        return threads;
    }

    /** Sets the number of worker threads (including the caller). */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        threads = n;
    }

    /** Runs {@code body} over [0, n) split into at most {@link #threads()} contiguous chunks. */
    public static void forRange(int n, RangeBody body) {
        int t = Math.min(threads, n);
        if (t <= 1) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        ExecutorService p = pool();
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[t - 1];
        for (int i = 1; i < t; i++) {
            int from = (int) ((long) n * i / t);
            int to = (int) ((long) n * (i + 1) / t);
            futures[i - 1] = p.submit(() -> body.run(from, to));
        }
        body.run(0, (int) ((long) n / t));
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    private static synchronized ExecutorService pool() {
        if (pool == null) {
            pool = Executors.newCachedThreadPool(r -> {
                Thread th = new Thread(r, "t4j-worker");
                th.setDaemon(true);
                return th;
            });
        }
        return pool;
    }
}
