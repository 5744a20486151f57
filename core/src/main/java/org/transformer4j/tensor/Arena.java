package org.transformer4j.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.transformer4j.T4jException;

/**
 * A pool of float arrays that the tensors of one scope (a training step: forward, backward, clip, optimizer) draw
 * from, so a steady-state step allocates no new activation or gradient arrays.
 *
 * <p>While an arena is {@linkplain #open() open} on a thread, {@link Tensor#zeros}, the {@link Tensor#grad()} of a
 * tensor made in it, and {@link #floats} (the raw arrays ops save for their backward) take arrays from it instead
 * of the heap. {@linkplain #close() Closing} the scope gives every one of them back; the next scope hands them out
 * again, zeroed, in the same order, so reuse changes no number and is the same run after run. Tensors made inside a
 * scope must not outlive it: their {@link Tensor#data()} and {@link Tensor#grad()} throw once the scope is closed,
 * rather than expose an array that another tensor now owns. (Raw arrays from {@link #floats} carry no such check.)
 *
 * <p>Anything that must outlive the scope (parameters, their gradients, optimizer state, checkpoints) is made
 * outside it: a parameter's gradient is a heap array even when it is first touched inside a scope, because only
 * tensors made inside take gradients from the arena. Worker threads never see an arena (it is per thread), so
 * kernels' scratch buffers stay ordinary arrays.
 *
 * <pre>{@code
 * try (var step = arena.open()) {
 *     loss = model.forward(...); loss.backward(); optimizer.step(lr);
 * }   // every activation and gradient array of the step is back in the pool
 * }</pre>
 */
public final class Arena {
    private static final ThreadLocal<Arena> CURRENT = new ThreadLocal<>();

    /**
     * Free arrays of one length; LIFO so that a step takes the arrays the previous step gave back, in order.
     * {@code lastUsed} is the last scope that asked for this length.
     */
    private static final class Pool {
        final ArrayDeque<float[]> free = new ArrayDeque<>();
        int lastUsed;
    }

    /**
     * A length no scope asked for in this many scopes is dropped from the pool (left to the garbage collector), so
     * batches whose shapes vary from step to step (padded sequences) do not make the pool grow without bound.
     */
    static final int KEEP_UNUSED_SCOPES = 4;

    /** How a reused array is zeroed: {@link Arrays#fill} unless the owner passes a parallel fill. */
    public interface Zeroer {
        void zero(float[] a);
    }

    private final Zeroer zeroer;
    private final Map<Integer, Pool> free = new HashMap<>();
    /** Arrays handed out by the open scope, returned at close. */
    private final ArrayList<float[]> lent = new ArrayList<>();
    /** Counts closed scopes: a tensor made in scope e is dead once epoch != e. */
    private int epoch;
    private Thread owner;
    private Arena outer;
    private long pooledFloats;

    /** An arena that zeroes reused arrays with {@link Arrays#fill}. */
    public Arena() {
        this(a -> Arrays.fill(a, 0f));
    }

    /**
     * An arena that zeroes reused arrays with {@code zeroer} (the trainer passes a fill split between the
     * threads: the gradients of a step are tens of MB, and one thread zeroing them left the other core idle).
     */
    public Arena(Zeroer zeroer) {
        this.zeroer = zeroer;
    }

    /** The arena open on this thread, or null. */
    static Arena current() {
        return CURRENT.get();
    }

    /**
     * Opens a scope on the calling thread: until it is closed, this thread's new tensors draw from the arena.
     * An arena is open on at most one thread at a time, once (scopes of different arenas nest).
     */
    public Scope open() {
        if (owner != null) {
            throw new IllegalStateException("arena is already open on thread " + owner.getName());
        }
        owner = Thread.currentThread();
        outer = CURRENT.get();
        CURRENT.set(this);
        return this::close;
    }

    private synchronized void close() {
        if (owner != Thread.currentThread()) {
            throw new IllegalStateException("arena closed by a thread that did not open it");
        }
        for (int i = lent.size() - 1; i >= 0; i--) {
            float[] a = lent.get(i);
            free.get(a.length).free.push(a);
        }
        lent.clear();
        var it = free.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (epoch - e.getValue().lastUsed >= KEEP_UNUSED_SCOPES) {
                pooledFloats -= (long) e.getKey() * e.getValue().free.size();
                it.remove();
            }
        }
        epoch++;
        CURRENT.set(outer);
        outer = null;
        owner = null;
    }

    /** True while a scope of this arena is open. */
    public boolean isOpen() {
        return owner != null;
    }

    /** Scopes closed so far. */
    int epoch() {
        return epoch;
    }

    /** The number of floats the arena holds (lent or free): the memory it keeps alive. */
    public long pooledFloats() {
        return pooledFloats;
    }

    /**
     * Test hook: when set, arrays handed out for overwriting are filled with NaN instead of keeping their old
     * contents, so an op that reads an element it did not write shows up as NaN rather than as a plausible stale
     * value from the previous step.
     */
    static volatile boolean poison;

    /** Sets the {@link #poison} test hook (tests in other packages). */
    public static void poisonForTests(boolean on) {
        poison = on;
    }

    /**
     * An array of length n: a pooled one if there is one free, else a new one that joins the pool. Zeroed when
     * {@code zeroed}; otherwise a pooled array keeps its old contents (the caller overwrites every element).
     * Synchronized: a backward closure may ask for a gradient inside a parallel task.
     */
    synchronized float[] take(int n, boolean zeroed) {
        Pool pool = free.get(n);
        if (pool == null) {
            pool = new Pool();
            free.put(n, pool);
        }
        pool.lastUsed = epoch;
        float[] a = pool.free.poll();
        if (a == null) {
            a = new float[n];
            pooledFloats += n;
        } else if (zeroed) {
            zeroer.zero(a);
        } else if (poison) {
            Arrays.fill(a, Float.NaN);
        }
        lent.add(a);
        return a;
    }

    /** Checks that a tensor made in scope {@code made} is still alive. */
    void checkAlive(int made, Tensor t) {
        if (made != epoch) {
            throw new T4jException("tensor " + Arrays.toString(t.shape()) + " was made inside a closed arena scope"
                    + " (a finished training step) and its buffer has been reused; copy what must outlive the step"
                    + " before it ends");
        }
    }

    /**
     * A zeroed float array of length n: from the arena open on this thread (returned when its scope closes), or a
     * new array when none is open. For the buffers an op saves for its backward.
     */
    public static float[] floats(int n) {
        Arena a = CURRENT.get();
        return a == null ? new float[n] : a.take(n, true);
    }

    /**
     * Like {@link #floats}, for a buffer whose every element the caller writes before reading it: inside a scope
     * its old contents are left in place (see {@link Tensor#forOverwrite}).
     */
    public static float[] floatsForOverwrite(int n) {
        Arena a = CURRENT.get();
        return a == null ? new float[n] : a.take(n, false);
    }

    /** An open arena scope; closing it returns the scope's arrays to the arena. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
