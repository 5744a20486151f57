package org.transformer4j.kernels;

import static org.transformer4j.kernels.ElementWise.F;
import static org.transformer4j.kernels.ElementWise.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row-wise softmax. The row maximum is subtracted before exponentiating, so large logits cannot overflow, and the
 * largest term is exactly exp(0) = 1, so the normaliser is at least 1.
 */
public final class Softmax {
    private Softmax() {}

    /** out[r, :] = softmax(x[r, :]) for a [rows, cols] matrix. */
    public static void forward(float[] x, float[] out, int rows, int cols) {
        ElementWise.forRows(rows, 8L * cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                row(x, r * cols, out, r * cols, cols);
            }
        });
    }

    /** gx[r, :] += y[r, :] * (g[r, :] - dot(g[r, :], y[r, :])), where y is the forward's output. */
    public static void backwardAcc(float[] y, float[] g, float[] gx, int rows, int cols) {
        ElementWise.forRows(rows, 4L * cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int off = r * cols;
                rowBackwardAcc(y, off, g, off, ElementWise.dot(g, off, y, off, cols), gx, off, cols);
            }
        });
    }

    /** Softmax of one row src[sOff..sOff+n) into dst[dOff..) (dst may equal src). */
    public static void row(float[] src, int sOff, float[] dst, int dOff, int n) {
        if (n == 0) {
            return;
        }
        float max = ElementWise.max(src, sOff, n);
        float sum = expShifted(src, sOff, dst, dOff, n, max);
        scaleInPlace(dst, dOff, n, 1f / sum);
    }

    /** dst[i] = exp(src[i] - shift); returns the sum of the dst values. */
    public static float expShifted(float[] src, int sOff, float[] dst, int dOff, int n, float shift) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, src, sOff + i).sub(shift));
            e.intoArray(dst, dOff + i);
            acc = acc.add(e);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) {
            float e = VectorMath.exp(src[sOff + i] - shift);
            dst[dOff + i] = e;
            sum += e;
        }
        return sum;
    }

    /** Sum of exp(src[i] - shift) without storing the terms (cross-entropy's normaliser). */
    public static float sumExpShifted(float[] src, int sOff, int n, float shift) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += L) {
            acc = acc.add(VectorMath.exp(FloatVector.fromArray(F, src, sOff + i).sub(shift)));
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) {
            sum += VectorMath.exp(src[sOff + i] - shift);
        }
        return sum;
    }

    /** a[off..off+n) *= s. */
    public static void scaleInPlace(float[] a, int off, int n, float s) {
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(F, a, off + i).mul(s).intoArray(a, off + i);
        }
        for (; i < n; i++) {
            a[off + i] *= s;
        }
    }

    /** gx[i] += y[i] * (g[i] - dotGY) over one row: the softmax Jacobian-vector product. */
    public static void rowBackwardAcc(float[] y, int yOff, float[] g, int gOff, float dotGY, float[] gx, int gxOff,
                                      int n) {
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += L) {
            FloatVector yv = FloatVector.fromArray(F, y, yOff + i);
            FloatVector gv = FloatVector.fromArray(F, g, gOff + i).sub(dotGY);
            yv.fma(gv, FloatVector.fromArray(F, gx, gxOff + i)).intoArray(gx, gxOff + i);
        }
        for (; i < n; i++) {
            gx[gxOff + i] += y[yOff + i] * (g[gOff + i] - dotGY);
        }
    }
}
