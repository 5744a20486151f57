package org.transformer4j.kernels;

import static org.transformer4j.kernels.ElementWise.F;
import static org.transformer4j.kernels.ElementWise.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Layer normalisation and RMS normalisation over the rows of a [rows, cols] matrix.
 *
 * <p>The variance is computed in two passes (mean first, then the mean of squared deviations) on values shifted by
 * the row's first element: the one-pass E[x^2] - E[x]^2 loses every significant digit when |mean| is large
 * relative to the spread. The forward saves the
 * per-row mean and 1/sqrt(var + eps) ("rstd") for the backward, which recomputes x-hat from x.
 */
public final class Norms {
    private Norms() {}

    /**
     * y = (x - mean) * rstd * gamma + beta per row; beta may be null. Writes mean[r] and rstd[r].
     */
    public static void layerNorm(float[] x, float[] gamma, float[] beta, float eps, float[] y, float[] mean,
                                 float[] rstd, int rows, int cols) {
        ElementWise.forRows(rows, 6L * cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int off = r * cols;
                // Shift by the row's first element: x - pivot is exact for values within a factor of 2 of each
                // other, so a large common offset costs no precision; the centred values are then
                // (x - pivot) - delta, never rounding the mean itself to a float near the offset.
                float pivot = x[off];
                FloatVector acc = FloatVector.zero(F);
                int i = 0;
                for (int end = F.loopBound(cols); i < end; i += L) {
                    acc = acc.add(FloatVector.fromArray(F, x, off + i).sub(pivot));
                }
                float sum = Lanes.sum(acc);
                for (; i < cols; i++) {
                    sum += x[off + i] - pivot;
                }
                float delta = sum / cols;
                acc = FloatVector.zero(F);
                i = 0;
                for (int end = F.loopBound(cols); i < end; i += L) {
                    FloatVector d = FloatVector.fromArray(F, x, off + i).sub(pivot).sub(delta);
                    acc = d.fma(d, acc);
                }
                float ss = Lanes.sum(acc);
                for (; i < cols; i++) {
                    float d = x[off + i] - pivot - delta;
                    ss += d * d;
                }
                float rs = (float) (1 / Math.sqrt(ss / cols + (double) eps));
                mean[r] = pivot + delta;
                rstd[r] = rs;
                i = 0;
                for (int end = F.loopBound(cols); i < end; i += L) {
                    FloatVector h = FloatVector.fromArray(F, x, off + i).sub(pivot).sub(delta).mul(rs);
                    FloatVector b = beta == null ? FloatVector.zero(F) : FloatVector.fromArray(F, beta, i);
                    h.fma(FloatVector.fromArray(F, gamma, i), b).intoArray(y, off + i);
                }
                for (; i < cols; i++) {
                    float h = (x[off + i] - pivot - delta) * rs;
                    y[off + i] = h * gamma[i] + (beta == null ? 0f : beta[i]);
                }
            }
        });
    }

    /**
     * Layer-norm backward. With h = x-hat and gh = g * gamma: gx += rstd * (gh - mean(gh) - h * mean(gh * h));
     * gGamma += sum over rows of g * h; gBeta += sum over rows of g. Any of gx, gGamma, gBeta may be null.
     */
    public static void layerNormBackwardAcc(float[] x, float[] gamma, float[] mean, float[] rstd, float[] g,
                                            float[] gx, float[] gGamma, float[] gBeta, int rows, int cols) {
        if (gx != null) {
            ElementWise.forRows(rows, 8L * cols, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    rowBackward(x, gamma, mean[r], rstd[r], g, gx, r * cols, cols, true);
                }
            });
        }
        if (gGamma != null || gBeta != null) {
            weightGrads(x, mean, rstd, g, gGamma, gBeta, rows, cols);
        }
    }

    /** y = x * rstd * gamma per row, rstd = 1/sqrt(mean(x^2) + eps); writes rstd[r]. */
    public static void rmsNorm(float[] x, float[] gamma, float eps, float[] y, float[] rstd, int rows, int cols) {
        ElementWise.forRows(rows, 4L * cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int off = r * cols;
                float ss = ElementWise.dot(x, off, x, off, cols);
                float rs = (float) (1 / Math.sqrt(ss / cols + (double) eps));
                rstd[r] = rs;
                int i = 0;
                for (int end = F.loopBound(cols); i < end; i += L) {
                    FloatVector.fromArray(F, x, off + i).mul(rs).mul(FloatVector.fromArray(F, gamma, i))
                            .intoArray(y, off + i);
                }
                for (; i < cols; i++) {
                    y[off + i] = x[off + i] * rs * gamma[i];
                }
            }
        });
    }

    /** RMS-norm backward: gx += rstd * (gh - h * mean(gh * h)); gGamma += sum over rows of g * h. */
    public static void rmsNormBackwardAcc(float[] x, float[] gamma, float[] rstd, float[] g, float[] gx,
                                          float[] gGamma, int rows, int cols) {
        if (gx != null) {
            ElementWise.forRows(rows, 8L * cols, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    rowBackward(x, gamma, 0f, rstd[r], g, gx, r * cols, cols, false);
                }
            });
        }
        if (gGamma != null) {
            weightGrads(x, null, rstd, g, gGamma, null, rows, cols);
        }
    }

    /** One row of the input gradient; {@code centre} selects layer norm (subtract the mean) or RMS norm. */
    private static void rowBackward(float[] x, float[] gamma, float mu, float rs, float[] g, float[] gx, int off,
                                    int cols, boolean centre) {
        FloatVector sumGh = FloatVector.zero(F);
        FloatVector sumGhH = FloatVector.zero(F);
        int i = 0;
        for (int end = F.loopBound(cols); i < end; i += L) {
            FloatVector h = FloatVector.fromArray(F, x, off + i).sub(mu).mul(rs);
            FloatVector gh = FloatVector.fromArray(F, g, off + i).mul(FloatVector.fromArray(F, gamma, i));
            sumGh = sumGh.add(gh);
            sumGhH = gh.fma(h, sumGhH);
        }
        float a = Lanes.sum(sumGh);
        float b = Lanes.sum(sumGhH);
        for (; i < cols; i++) {
            float h = (x[off + i] - mu) * rs;
            float gh = g[off + i] * gamma[i];
            a += gh;
            b += gh * h;
        }
        float meanGh = centre ? a / cols : 0f;
        float meanGhH = b / cols;
        i = 0;
        for (int end = F.loopBound(cols); i < end; i += L) {
            FloatVector h = FloatVector.fromArray(F, x, off + i).sub(mu).mul(rs);
            FloatVector gh = FloatVector.fromArray(F, g, off + i).mul(FloatVector.fromArray(F, gamma, i));
            FloatVector d = gh.sub(meanGh).sub(h.mul(meanGhH)).mul(rs);
            d.add(FloatVector.fromArray(F, gx, off + i)).intoArray(gx, off + i);
        }
        for (; i < cols; i++) {
            float h = (x[off + i] - mu) * rs;
            float gh = g[off + i] * gamma[i];
            gx[off + i] += (gh - meanGh - h * meanGhH) * rs;
        }
    }

    /** gGamma += sum_r g * h, gBeta += sum_r g (mean null: RMS norm, h = x * rstd). Column blocks in parallel. */
    private static void weightGrads(float[] x, float[] mean, float[] rstd, float[] g, float[] gGamma, float[] gBeta,
                                    int rows, int cols) {
        ElementWise.forColumnBlocks(rows, cols, (c0, c1) -> {
            for (int r = 0; r < rows; r++) {
                int off = r * cols;
                float mu = mean == null ? 0f : mean[r];
                float rs = rstd[r];
                int c = c0;
                for (int end = c0 + F.loopBound(c1 - c0); c < end; c += L) {
                    FloatVector gv = FloatVector.fromArray(F, g, off + c);
                    if (gGamma != null) {
                        FloatVector h = FloatVector.fromArray(F, x, off + c).sub(mu).mul(rs);
                        gv.fma(h, FloatVector.fromArray(F, gGamma, c)).intoArray(gGamma, c);
                    }
                    if (gBeta != null) {
                        gv.add(FloatVector.fromArray(F, gBeta, c)).intoArray(gBeta, c);
                    }
                }
                for (; c < c1; c++) {
                    if (gGamma != null) {
                        gGamma[c] += g[off + c] * (x[off + c] - mu) * rs;
                    }
                    if (gBeta != null) {
                        gBeta[c] += g[off + c];
                    }
                }
            }
        });
    }
}
