package org.transformer4j.tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.Backprop;
import org.transformer4j.autograd.Node;

/**
 * A dense, row-major float32 tensor: a shape and a flat {@code float[]}.
 *
 * <p>Tensors are always contiguous; there are no strided views. Kernels take the flat array plus offsets, so a
 * "view" (one head of an attention block, one row of a batch) is just an offset into {@link #data()}.
 *
 * <p>A tensor that {@linkplain #requiresGrad() requires grad} collects its gradient in {@link #grad()}, an array
 * of the same length as the data, allocated on first use. A tensor produced by a differentiable op while grad
 * mode is on remembers that op as its {@link #gradFn()}; {@link #backward()} walks those records in reverse.
 *
 * <p>Weights loaded from a checkpoint may instead live in read-only {@link WeightStorage} (the mapped file, in its
 * own float32/bfloat16/half format): such a tensor is {@linkplain #isMapped() mapped}, has no float[] and
 * {@link #data()} refuses it; {@code Ops.linear} and {@code Ops.embedding} read it through the inference kernels.
 * {@link #toHeap()} turns it into an ordinary heap tensor (for training). A {@linkplain #lazyZeros lazy} tensor
 * allocates its zeros on first use, so a model built only to be loaded never allocates its weights.
 */
public final class Tensor {
    private final int[] shape;
    private final int size;
    private volatile float[] data;
    private volatile WeightStorage mapped;
    private float[] grad;
    private boolean requiresGrad;
    private Node gradFn;
    /** The arena this tensor's arrays came from (null: the heap), and the scope it was made in. */
    private Arena arena;
    private int epoch;

    private Tensor(float[] data, int[] shape) {
        this.shape = shape.clone();
        this.data = data;
        this.size = data.length;
    }

    private Tensor(int[] shape, int size) {
        this.shape = shape.clone();
        this.size = size;
    }

    /** Wraps {@code data} (not copied) as a tensor of the given shape. */
    public static Tensor of(float[] data, int... shape) {
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                    + " elements, data has " + data.length);
        }
        return new Tensor(data, shape);
    }

    /**
     * A new tensor of zeros. Inside an open {@link Arena} scope its array (and later its gradient) comes from the
     * arena and the tensor must not be used after the scope closes.
     */
    public static Tensor zeros(int... shape) {
        return fresh(true, shape);
    }

    /**
     * A new tensor for an op that writes every element before anything reads it (a matrix product's output, an
     * element-wise op's result). Outside an {@link Arena} scope it is {@link #zeros}; inside one its array is a
     * reused one whose old contents are left in place: zeroing the ~80 MB of a training step's arrays that are
     * overwritten anyway cost ~10% of a step (docs/PERFORMANCE.md, 2026-12-02). An op that might leave an element
     * unwritten (a causal mask's skipped entries, rows of ignored targets) must use {@link #zeros}; the
     * {@code arenaPoisonFindsOpsThatReadUnwrittenElements} tests fill these arrays with NaN to check that.
     */
    public static Tensor forOverwrite(int... shape) {
        return fresh(false, shape);
    }

    private static Tensor fresh(boolean zeroed, int... shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " is too large");
        }
        Arena a = Arena.current();
        if (a == null) {
            return new Tensor(new float[(int) n], shape);
        }
        Tensor t = new Tensor(a.take((int) n, zeroed), shape);
        t.arena = a;
        t.epoch = a.epoch();
        return t;
    }

    /**
     * A tensor of zeros whose array is allocated on first {@link #data()}: for parameters that a loader will
     * usually point at {@linkplain #useMapped mapped weights} instead.
     */
    public static Tensor lazyZeros(int... shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " is too large");
        }
        return new Tensor(shape, (int) n);
    }

    /** A read-only tensor over stored weights (see {@link WeightStorage}); never requires grad. */
    public static Tensor mapped(WeightStorage weights, int... shape) {
        Tensor t = lazyZeros(shape);
        t.useMapped(weights);
        return t;
    }

    /** A scalar (rank-0) tensor. */
    public static Tensor scalar(float value) {
        return new Tensor(new float[] {value}, new int[0]);
    }

    /** A new tensor with entries drawn from N(0, std^2), using a deterministic generator. */
    public static Tensor randn(SplittableRandom rng, float std, int... shape) {
        Tensor t = zeros(shape);
        float[] d = t.data;
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (Gaussian.next(rng) * std);
        }
        return t;
    }

    /** The number of elements a shape holds. */
    public static long numel(int... shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= s;
        }
        return n;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end, as in Python. */
    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** Total number of elements. */
    public int size() {
        return size;
    }

    /** The size of the last dimension (1 for a scalar). */
    public int cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    /** The number of rows when the tensor is seen as a matrix [size / cols, cols]. */
    public int rows() {
        int c = cols();
        return c == 0 ? 0 : size / c;
    }

    /**
     * The flat row-major storage (not a copy). A mapped tensor has none: this throws a {@link T4jException}
     * saying so (call {@link #toHeap()} first, as training does).
     */
    public float[] data() {
        float[] d = data;
        if (d == null) {
            d = materialize();
        }
        if (arena != null) {
            arena.checkAlive(epoch, this);
        }
        return d;
    }

    private synchronized float[] materialize() {
        if (mapped != null) {
            throw new T4jException("tensor " + Arrays.toString(shape) + " holds read-only " + mapped.format()
                    + " weights mapped from a checkpoint, which cannot be used as a float[] or written; copy the"
                    + " model to the heap first (Module.toHeap() / Tensor.toHeap(), as training does)");
        }
        if (data == null) {
            data = new float[size];
        }
        return data;
    }

    /** True when the values live in read-only {@link WeightStorage} rather than a float[]. */
    public boolean isMapped() {
        return mapped != null;
    }

    /** The read-only storage of a mapped tensor, or null. */
    public WeightStorage mapped() {
        return mapped;
    }

    /**
     * Points this tensor at read-only stored weights, dropping any float[] it had. The storage must hold exactly
     * {@link #size()} elements; a transposed storage needs a 2-D tensor. The tensor stops requiring grad.
     */
    public synchronized Tensor useMapped(WeightStorage weights) {
        if (weights.elements() != size) {
            throw new IllegalArgumentException("storage of " + weights.elements() + " elements for a tensor of shape "
                    + Arrays.toString(shape));
        }
        if (weights.transposed() && shape.length != 2) {
            throw new IllegalArgumentException("transposed storage needs a 2-D tensor, shape is " + Arrays.toString(shape));
        }
        mapped = weights;
        data = null;
        requiresGrad = false;
        return this;
    }

    /**
     * Makes a mapped tensor an ordinary heap tensor: its values are widened to float32 into a new array (in the
     * logical row-major layout, so a transposed storage is transposed here, once). A heap tensor is unchanged.
     */
    public synchronized Tensor toHeap() {
        WeightStorage w = mapped;
        if (w != null) {
            data = shape.length == 2 ? w.toFloats(shape[0], shape[1]) : w.toFloats(1, size);
            mapped = null;
        }
        return this;
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (size != 1) {
            throw new IllegalStateException("item() needs a one-element tensor, shape is " + Arrays.toString(shape));
        }
        return get(new int[shape.length]);
    }

    /** The element at a multi-index. */
    public float get(int... index) {
        int off = offset(index);
        WeightStorage w = mapped;
        if (w != null) {
            return shape.length == 2 ? w.get(shape[0], shape[1], index[0], index[1]) : w.load(off);
        }
        return data()[off];
    }

    public void set(float value, int... index) {
        data()[offset(index)] = value;
    }

    private int offset(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index of rank " + index.length + " for tensor of rank " + shape.length);
        }
        int off = 0;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside shape "
                        + Arrays.toString(shape));
            }
            off = off * shape[i] + index[i];
        }
        return off;
    }

    /** True when this tensor and {@code other} have the same shape. */
    public boolean sameShape(Tensor other) {
        return Arrays.equals(shape, other.shape);
    }

    /** A tensor sharing this one's data with another shape of the same size. Not differentiable. */
    public Tensor view(int... newShape) {
        Tensor t = of(data(), newShape);
        t.arena = arena;
        t.epoch = epoch;
        return t;
    }

    /** True when this tensor's arrays come from an {@link Arena} (it dies when the arena's scope closes). */
    public boolean inArena() {
        return arena != null;
    }

    /** A deep copy of the data (no grad, no history); of a mapped tensor, a widened heap copy. */
    public Tensor copy() {
        WeightStorage w = mapped;
        if (w != null) {
            return new Tensor(shape.length == 2 ? w.toFloats(shape[0], shape[1]) : w.toFloats(1, size), shape);
        }
        return new Tensor(data().clone(), shape);
    }

    // ---- autograd ----------------------------------------------------------------------------------------

    public boolean requiresGrad() {
        return requiresGrad;
    }

    public Tensor requiresGrad(boolean value) {
        this.requiresGrad = value;
        return this;
    }

    /**
     * The gradient, allocated as zeros on first use: from the tensor's {@link Arena} when it was made in one (a
     * parameter's gradient is always a heap array, it lives across steps).
     */
    public float[] grad() {
        Arena a = arena;
        if (a != null) {
            a.checkAlive(epoch, this);
        }
        if (grad == null) {
            grad = a == null ? new float[size] : a.take(size, true);
        }
        return grad;
    }

    /** True when a gradient array has been allocated. */
    public boolean hasGrad() {
        return grad != null;
    }

    /** Sets the gradient to zero (keeps the array). */
    public void zeroGrad() {
        if (grad != null) {
            Arrays.fill(grad, 0f);
        }
    }

    /** Drops the gradient array. */
    public void clearGrad() {
        grad = null;
    }

    public Node gradFn() {
        return gradFn;
    }

    public void gradFn(Node node) {
        this.gradFn = node;
    }

    /** Back-propagates from this scalar: its gradient is seeded with 1. */
    public void backward() {
        if (size != 1) {
            throw new IllegalStateException("backward() without a seed needs a scalar, shape is "
                    + Arrays.toString(shape));
        }
        Backprop.run(this);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(shape)).append(' ');
        WeightStorage w = mapped;
        if (w != null) {
            sb.append(w.format()).append(w.transposed() ? " mapped, transposed " : " mapped ");
        }
        int n = Math.min(size, 8);
        int cols = cols();
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(w == null ? data()[i] : shape.length == 2 ? w.get(shape[0], cols, i / cols, i % cols) : w.load(i));
        }
        if (size > n) {
            sb.append(", ...");
        }
        return sb.append(']').toString();
    }
}
