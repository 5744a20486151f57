package org.transformer4j.autograd;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.transformer4j.tensor.Tensor;

/**
 * Finite-difference gradient checker for ops and small graphs.
 *
 * <p>The output is reduced to the scalar F = sum(out * R) for a fixed random R (so every output element and every
 * direction of the Jacobian matters, not just the all-ones one). The analytic gradient comes from back-propagating
 * R; the numeric one from central differences (F(x + h e_i) - F(x - h e_i)) / 2h, F evaluated in double from the
 * float outputs, for every element of each input that requires grad (or a random sample of {@link #maxSamples}).
 *
 * <p>Tolerance: an element passes when |analytic - numeric| <= atol + rtol * |numeric|. With h = 1e-2 on inputs
 * of order 1 the truncation error of central differences is h^2/6 * f''' ~ 2e-5 relative for these smooth ops,
 * and float32 rounding of the affected outputs (~6e-8 relative each) divided by 2h adds ~1e-5 absolute; defaults
 * rtol = 2e-3 and atol = 1e-4 leave a margin of about 10x over both while still catching a wrong factor, a missing
 * term or a sign error (which are O(1) relative).
 */
public final class GradCheck {
    private double step = 1e-2;
    private double rtol = 2e-3;
    private double atol = 1e-4;
    private int maxSamples = 200;
    private long seed = 42;

    public GradCheck step(double h) {
        this.step = h;
        return this;
    }

    public GradCheck tolerance(double relative, double absolute) {
        this.rtol = relative;
        this.atol = absolute;
        return this;
    }

    public GradCheck maxSamples(int n) {
        this.maxSamples = n;
        return this;
    }

    /** Result: the worst error ratio |a - n| / (atol + rtol |n|) seen (pass iff <= 1) and how many were checked. */
    public record Result(double worstRatio, int checked, String worst) {}

    /**
     * Checks the gradients of {@code f} with respect to every input that requires grad. Throws AssertionError
     * describing the worst element when any element fails.
     */
    public Result check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        for (Tensor t : inputs) {
            t.clearGrad();
        }
        Tensor out = f.apply(inputs);
        if (out.gradFn() == null) {
            throw new AssertionError(name + ": output has no gradFn");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        float[] r = new float[out.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        System.arraycopy(r, 0, out.grad(), 0, r.length);
        Backprop.runWithSeed(out);

        double worst = 0;
        String worstText = "";
        int checked = 0;
        List<String> failures = new ArrayList<>();
        for (int in = 0; in < inputs.length; in++) {
            Tensor x = inputs[in];
            if (!x.requiresGrad()) {
                continue;
            }
            float[] analytic = x.grad().clone();
            for (int idx : sample(x.size(), rng)) {
                float[] d = x.data();
                float saved = d[idx];
                double plus;
                double minus;
                try (var ignored = GradMode.off()) {
                    d[idx] = (float) (saved + step);
                    double hp = d[idx] - saved;
                    plus = project(f.apply(inputs), r);
                    d[idx] = (float) (saved - step);
                    double hm = saved - d[idx];
                    minus = project(f.apply(inputs), r);
                    d[idx] = saved;
                    double numeric = (plus - minus) / (hp + hm);
                    double err = Math.abs(analytic[idx] - numeric);
                    double ratio = err / (atol + rtol * Math.abs(numeric));
                    checked++;
                    String text = String.format("%s: input %d element %d analytic %.7g numeric %.7g", name, in, idx,
                            analytic[idx], numeric);
                    if (ratio > worst) {
                        worst = ratio;
                        worstText = text;
                    }
                    if (ratio > 1 && failures.size() < 5) {
                        failures.add(text);
                    }
                } finally {
                    d[idx] = saved;
                }
            }
        }
        if (checked == 0) {
            throw new AssertionError(name + ": no input requires grad");
        }
        if (!failures.isEmpty()) {
            throw new AssertionError("gradient check failed (rtol " + rtol + ", atol " + atol + "):\n  "
                    + String.join("\n  ", failures));
        }
        return new Result(worst, checked, worstText);
    }

    private int[] sample(int n, SplittableRandom rng) {
        if (n <= maxSamples) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] s = new int[maxSamples];
        for (int i = 0; i < maxSamples; i++) {
            s[i] = rng.nextInt(n);
        }
        return s;
    }

    private static double project(Tensor out, float[] r) {
        double s = 0;
        float[] d = out.data();
        for (int i = 0; i < d.length; i++) {
            s += (double) d[i] * r[i];
        }
        return s;
    }

    /** A tensor of N(0, std^2) values that requires grad. */
    public static Tensor param(SplittableRandom rng, float std, int... shape) {
        return Tensor.randn(rng, std, shape).requiresGrad(true);
    }
}
