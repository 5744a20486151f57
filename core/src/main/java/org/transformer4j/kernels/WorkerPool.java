package org.transformer4j.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Fixed set of daemon worker threads behind {@link Parallel}. One job runs at a time: the caller publishes a
 * {@link Job}, runs chunk 0, then, like the workers it woke, claims the remaining chunks one at a time from a
 * counter and finally waits for chunks still running elsewhere. Claiming (rather than worker w always running
 * chunk w) matters on a loaded machine: a worker that is parked or descheduled delays nothing, because
 * whoever is running takes its chunk. Chunk boundaries stay fixed, so results do not depend on who ran what.
 *
 * <p>Waiting (workers for a job, the caller for completion) spins with {@link Thread#onSpinWait()} for
 * {@link #SPIN_NANOS}, then parks. Spinning keeps the hand-off of back-to-back small kernels at about a
 * microsecond (a park/unpark round trip costs tens of microseconds); parking afterwards matters when other
 * processes load the cores: a pool that only spins steals the time slices its own busy threads need (a
 * spin-only probe fell from ~450 to 3-12 GFLOP/s on a loaded 2-core machine).
 *
 * <p>Wake-ups use the Dekker pattern on volatile fields: the waiter sets its {@code sleeping} flag, then
 * re-checks the condition before parking; the waker changes the condition, then reads the flag. Under the Java
 * memory model at least one of the two sees the other's write, so no wake-up is lost.
 */
final class WorkerPool {
    /** How long a waiting thread spins before parking: {@code t4j.spinMicros} system property, default 50 µs. */
    static final long SPIN_NANOS = Math.max(0, Long.getLong("t4j.spinMicros", 50)) * 1000L;

    /** One parallel loop; a new object per loop, so a late worker never mixes two jobs. */
    static final class Job {
        final long seq;
        final Parallel.ChunkBody body;
        final int n;
        final int chunks;
        final Thread caller = Thread.currentThread();
        /** Next chunk to claim (chunk 0 is the caller's). */
        final AtomicInteger next = new AtomicInteger(1);
        /** Chunks 1 .. chunks-1 not yet finished. */
        final AtomicInteger pending;
        final AtomicReference<Throwable> error = new AtomicReference<>();
        volatile boolean callerSleeping;

        Job(long seq, Parallel.ChunkBody body, int n, int chunks) {
            this.seq = seq;
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.pending = new AtomicInteger(chunks - 1);
        }

        void runChunk(int i) {
            try {
                body.run(i, Parallel.chunkStart(n, chunks, i), Parallel.chunkStart(n, chunks, i + 1));
            } catch (Throwable t) {
                error.compareAndSet(null, t);
            }
        }

        /** Runs unclaimed chunks until none is left; wakes the caller after the last one if it sleeps. */
        void runClaimed() {
            for (int i; (i = next.getAndIncrement()) < chunks; ) {
                runChunk(i);
                if (pending.decrementAndGet() == 0 && callerSleeping) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    final int size;
    private final Worker[] workers;
    /** Held by the thread that dispatches the current job; a failed acquire means "run inline". */
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Thread owner;
    /** The running job, null between jobs (so the pool does not keep the last loop's arrays reachable). */
    private volatile Job job;
    private long seq;
    private volatile boolean shutdown;

    WorkerPool(int size) {
        this.size = size;
        this.workers = new Worker[size - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** True if the calling thread is one of this pool's workers or is dispatching a job on it. */
    boolean isInside() {
        return owner == Thread.currentThread() || Thread.currentThread() instanceof Worker w && w.pool() == this;
    }

    /**
     * Runs all chunks; returns false without running anything if the pool is busy (nested or concurrent use),
     * in which case the caller runs the chunks inline.
     */
    boolean tryRun(Parallel.ChunkBody body, int n, int chunks) {
        if (!busy.compareAndSet(false, true)) {
            return false;
        }
        owner = Thread.currentThread();
        Job j = new Job(++seq, body, n, chunks);
        try {
            job = j;
            for (int w = 1; w < chunks; w++) {
                Worker worker = workers[w - 1];
                if (worker.sleeping) {
                    LockSupport.unpark(worker);
                }
            }
            j.runChunk(0);
            j.runClaimed();
            awaitCompletion(j);
        } finally {
            job = null;
            owner = null;
            busy.set(false);
        }
        Throwable t = j.error.get();
        if (t != null) {
            Parallel.rethrow(t);
        }
        return true;
    }

    private static void awaitCompletion(Job j) {
        long start = System.nanoTime();
        while (j.pending.get() != 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            j.callerSleeping = true;
            if (j.pending.get() != 0) {
                LockSupport.park(j);
            }
            j.callerSleeping = false;
        }
    }

    /** Stops the workers once no job is running; later calls on this pool run inline. */
    void shutdown() {
        if (isInside()) {
            throw new IllegalStateException("Parallel.setThreads must not be called from inside a parallel loop");
        }
        while (!busy.compareAndSet(false, true)) {
            Thread.onSpinWait();
        }
        shutdown = true; // busy stays held forever: nothing can be dispatched on this pool again
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    private final class Worker extends Thread {
        volatile boolean sleeping;

        Worker(int index) {
            super("t4j-worker-" + index);
            setDaemon(true);
        }

        WorkerPool pool() {
            return WorkerPool.this;
        }

        @Override
        public void run() {
            long last = 0;
            while (true) {
                Job j = await(last);
                if (j == null) {
                    return;
                }
                last = j.seq;
                j.runClaimed();
            }
        }

        /** Next job with a sequence number other than {@code last}, or null on shutdown (checked after jobs). */
        private Job await(long last) {
            long start = System.nanoTime();
            while (true) {
                Job j = job;
                if (j != null && j.seq != last) {
                    return j;
                }
                if (shutdown) {
                    return null;
                }
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                sleeping = true;
                j = job;
                if ((j == null || j.seq == last) && !shutdown) {
                    LockSupport.park(this);
                }
                sleeping = false;
                start = System.nanoTime(); // after a wake-up, spin again: the next job often follows quickly
            }
        }
    }
}
