package org.transformer4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParallelTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** Every index is visited exactly once, chunks are the documented contiguous ranges, for many n/grain/threads. */
    @Test
    void chunksCoverRangeExactlyOnce() {
        for (int threads : new int[] {1, 2, 3, 4}) {
            Parallel.setThreads(threads);
            for (int n : new int[] {0, 1, 2, 3, 5, 7, 64, 1001}) {
                for (int grain : new int[] {1, 2, 100}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    int chunks = Parallel.chunks(n, grain);
                    AtomicIntegerArray chunkHits = new AtomicIntegerArray(Math.max(1, chunks));
                    Parallel.forEachChunk(n, grain, (chunk, from, to) -> {
                        assertThat(from).isEqualTo(Parallel.chunkStart(n, chunks, chunk));
                        assertThat(to).isEqualTo(Parallel.chunkStart(n, chunks, chunk + 1));
                        chunkHits.incrementAndGet(chunk);
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertThat(hits.get(i)).as("n=%d grain=%d index %d", n, grain, i).isEqualTo(1);
                    }
                    for (int ch = 0; ch < chunks; ch++) {
                        assertThat(chunkHits.get(ch)).isEqualTo(1);
                    }
                    assertThat(chunks).isLessThanOrEqualTo(threads);
                    if (n > 0) {
                        assertThat(chunks).isEqualTo(Math.max(1, Math.min(threads, n / grain)));
                    }
                }
            }
        }
    }

    /**
     * Chunk 0 (always the caller's) waits until chunk 1 has started, so chunk 1 cannot be taken over by the
     * caller: it must run concurrently on a worker.
     */
    @Test
    void runsChunksConcurrentlyOnWorkers() {
        Parallel.setThreads(2);
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch secondStarted = new CountDownLatch(1);
        Parallel.forEachChunk(2, 1, (chunk, from, to) -> {
            seen.add(Thread.currentThread());
            if (chunk == 1) {
                secondStarted.countDown();
            } else {
                try {
                    assertThat(secondStarted.await(10, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        assertThat(seen).hasSize(2).contains(Thread.currentThread());
    }

    @Test
    void exceptionInWorkerOrCallerChunkPropagates() {
        Parallel.setThreads(2);
        for (int failing = 0; failing < 2; failing++) {
            int f = failing;
            assertThatThrownBy(() -> Parallel.forEachChunk(10, 1, (chunk, from, to) -> {
                if (chunk == f) {
                    throw new IllegalStateException("boom " + chunk);
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom " + f);
        }
        // the pool is still usable afterwards
        AtomicInteger sum = new AtomicInteger();
        Parallel.forRange(100, (from, to) -> sum.addAndGet(to - from));
        assertThat(sum.get()).isEqualTo(100);
    }

    @Test
    void nestedLoopsRunInlineWithoutDeadlock() {
        Parallel.setThreads(2);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            AtomicIntegerArray hits = new AtomicIntegerArray(50 * 40);
            Parallel.forRange(50, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int row = i;
                    Parallel.forRange(40, (f2, t2) -> {
                        for (int j = f2; j < t2; j++) {
                            hits.incrementAndGet(row * 40 + j);
                        }
                    });
                }
            });
            for (int i = 0; i < hits.length(); i++) {
                assertThat(hits.get(i)).isEqualTo(1);
            }
        });
    }

    @Test
    void concurrentCallersAllComplete() throws Exception {
        Parallel.setThreads(2);
        AtomicInteger total = new AtomicInteger();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            callers.add(Thread.ofPlatform().start(() -> {
                for (int rep = 0; rep < 2000; rep++) {
                    Parallel.forRange(10, (from, to) -> total.addAndGet(to - from));
                }
            }));
        }
        for (Thread t : callers) {
            t.join(20_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(total.get()).isEqualTo(4 * 2000 * 10);
    }

    /** Many tiny back-to-back loops (the spin-then-park hand-off) and loops after the workers have parked. */
    @Test
    void manySmallLoopsAndWakeUpAfterPark() throws Exception {
        Parallel.setThreads(2);
        long sum = 0;
        for (int rep = 0; rep < 20_000; rep++) {
            AtomicInteger s = new AtomicInteger();
            Parallel.forRange(2, (from, to) -> s.addAndGet(to - from));
            sum += s.get();
        }
        assertThat(sum).isEqualTo(40_000);
        Thread.sleep(20); // well past the spin window: the worker parks
        AtomicInteger s = new AtomicInteger();
        Parallel.forRange(2, (from, to) -> s.addAndGet(to - from));
        assertThat(s.get()).isEqualTo(2);
    }

    @Test
    void setThreadsValidatesAndResizes() {
        assertThatThrownBy(() -> Parallel.setThreads(0)).isInstanceOf(IllegalArgumentException.class);
        Parallel.setThreads(3);
        assertThat(Parallel.threads()).isEqualTo(3);
        assertThat(Parallel.chunks(100, 1)).isEqualTo(3);
        Parallel.setThreads(1);
        assertThat(Parallel.chunks(100, 1)).isEqualTo(1);
        Parallel.forRange(0, (from, to) -> {
            throw new AssertionError("empty loop must not run");
        });
        Parallel.setThreads(2);
        assertThatThrownBy(() -> Parallel.forRange(2, (from, to) -> Parallel.setThreads(3)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("inside a parallel loop");
        assertThat(Parallel.threads()).isEqualTo(2);
    }
}
