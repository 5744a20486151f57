package org.transformer4j.tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

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
 */
public final class Tensor {
    private final int[] shape;
    private final float[] data;
    private float[] grad;
    private boolean requiresGrad;
    private Node gradFn;

    private Tensor(float[] data, int[] shape) {
        this.shape = shape.clone();
        this.data = data;
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

    /** A new tensor of zeros. */
    public static Tensor zeros(int... shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " is too large");
        }
        return new Tensor(new float[(int) n], shape);
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
        return data.length;
    }

    /** The size of the last dimension (1 for a scalar). */
    public int cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    /** The number of rows when the tensor is seen as a matrix [size / cols, cols]. */
    public int rows() {
        int c = cols();
        return c == 0 ? 0 : data.length / c;
    }

    /** The flat row-major storage (not a copy). */
    public float[] data() {
        return data;
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (data.length != 1) {
            throw new IllegalStateException("item() needs a one-element tensor, shape is " + Arrays.toString(shape));
        }
        return data[0];
    }

    /** The element at a multi-index. */
    public float get(int... index) {
        return data[offset(index)];
    }

    public void set(float value, int... index) {
        data[offset(index)] = value;
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
        return of(data, newShape);
    }

    /** A deep copy of the data (no grad, no history). */
    public Tensor copy() {
        return new Tensor(data.clone(), shape);
    }

    // ---- autograd ----------------------------------------------------------------------------------------

    public boolean requiresGrad() {
        return requiresGrad;
    }

    public Tensor requiresGrad(boolean value) {
        this.requiresGrad = value;
        return this;
    }

    /** The gradient, allocated as zeros on first use. */
    public float[] grad() {
        if (grad == null) {
            grad = new float[data.length];
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
        if (data.length != 1) {
            throw new IllegalStateException("backward() without a seed needs a scalar, shape is "
                    + Arrays.toString(shape));
        }
        Backprop.run(this);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(shape)).append(' ');
        int n = Math.min(data.length, 8);
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(data[i]);
        }
        if (data.length > n) {
            sb.append(", ...");
        }
        return sb.append(']').toString();
    }
}
