package org.transformer4j.train;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import org.transformer4j.T4jException;
import org.transformer4j.kernels.Parallel;
import org.transformer4j.tensor.Tensor;

/**
 * AdamW with PyTorch's semantics (torch.optim.AdamW, amsgrad off), which nanoGPT trains with. Per step, for each
 * parameter p with gradient g:
 * <pre>
 *   p  = p * (1 - lr * weight_decay)            (only for parameters that decay)
 *   m  = m + (1 - beta1) * (g - m)              (PyTorch's lerp form)
 *   v  = v * beta2 + (1 - beta2) * g * g
 *   p  = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * The elementwise arithmetic is float32 and the same in vector lanes and the scalar tail, so results do not
 * depend on the vector width's alignment or the thread count. Parameters without a gradient array are skipped.
 */
public final class AdamW {
    /** A parameter tensor, its name (for state export) and whether weight decay applies to it. */
    public record Param(String name, Tensor tensor, boolean decay) {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Below this many elements a tensor is updated on the calling thread; the hand-off would cost more. */
    private static final int PARALLEL_MIN = 1 << 15;

    private final List<Param> params;
    private final List<Tensor> tensors;
    private final float[][] expAvg;
    private final float[][] expAvgSq;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private long step;

    public AdamW(List<Param> params, double beta1, double beta2, double eps, double weightDecay) {
        Set<String> names = new HashSet<>();
        for (Param p : params) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("duplicate parameter name '" + p.name() + "'");
            }
        }
        this.params = List.copyOf(params);
        this.tensors = params.stream().map(Param::tensor).toList();
        this.expAvg = new float[params.size()][];
        this.expAvgSq = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            expAvg[i] = new float[params.get(i).tensor().size()];
            expAvgSq[i] = new float[params.get(i).tensor().size()];
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /**
     * nanoGPT's grouping (GPT.configure_optimizers): tensors of rank >= 2 (matmul weights, embeddings) decay;
     * biases and norm gains do not. Parameters keep the map's iteration order.
     */
    public static AdamW forModel(Map<String, Tensor> named, double beta1, double beta2, double eps,
                                 double weightDecay) {
        List<Param> ps = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : named.entrySet()) {
            ps.add(new Param(e.getKey(), e.getValue(), e.getValue().rank() >= 2));
        }
        return new AdamW(ps, beta1, beta2, eps, weightDecay);
    }

    /** {@link #forModel} with beta1, beta2, adam_eps and weight_decay from the config. */
    public static AdamW forModel(Map<String, Tensor> named, TrainConfig c) {
        return forModel(named, c.beta1(), c.beta2(), c.adamEps(), c.weightDecay());
    }

    public List<Param> params() {
        return params;
    }

    /** The parameter tensors, in order (the same list every call: gradient clipping reads it every step). */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** The number of steps taken (PyTorch's {@code state['step']}). */
    public long stepCount() {
        return step;
    }

    /** nanoGPT's two lines about the decayed and non-decayed parameter groups. */
    public String describe() {
        long[] n = new long[2];
        long[] e = new long[2];
        for (Param p : params) {
            int g = p.decay() ? 0 : 1;
            n[g]++;
            e[g] += p.tensor().size();
        }
        return String.format("num decayed parameter tensors: %d, with %,d parameters%n"
                + "num non-decayed parameter tensors: %d, with %,d parameters", n[0], e[0], n[1], e[1]);
    }

    /** Sets every parameter's gradient to zero. */
    public void zeroGrad() {
        for (Param p : params) {
            p.tensor().zeroGrad();
        }
    }

    /** One optimizer step at learning rate {@code lr}. */
    public void step(double lr) {
        step++;
        double bc1 = 1.0 - Math.pow(beta1, step);
        double bc2 = 1.0 - Math.pow(beta2, step);
        float stepSize = (float) (lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float w1 = (float) (1.0 - beta1);
        float b2 = (float) beta2;
        float w2 = (float) (1.0 - beta2);
        float e = (float) eps;
        float decayed = (float) (1.0 - lr * weightDecay);
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            if (!p.tensor().hasGrad()) {
                continue;
            }
            float[] x = p.tensor().data();
            float[] g = p.tensor().grad();
            float[] m = expAvg[i];
            float[] v = expAvgSq[i];
            float keep = p.decay() ? decayed : 1f;
            if (x.length < PARALLEL_MIN) {
                update(x, g, m, v, 0, x.length, keep, w1, b2, w2, stepSize, bc2Sqrt, e);
            } else {
                Parallel.forRange(x.length, (from, to) ->
                        update(x, g, m, v, from, to, keep, w1, b2, w2, stepSize, bc2Sqrt, e));
            }
        }
    }

    private static void update(float[] x, float[] g, float[] m, float[] v, int from, int to, float keep,
                               float w1, float b2, float w2, float stepSize, float bc2Sqrt, float eps) {
        int i = from;
        int lanes = F.length();
        for (; i + lanes <= to; i += lanes) {
            FloatVector gv = FloatVector.fromArray(F, g, i);
            FloatVector mv = FloatVector.fromArray(F, m, i);
            mv = mv.add(gv.sub(mv).mul(w1));
            FloatVector vv = FloatVector.fromArray(F, v, i).mul(b2).add(gv.mul(gv).mul(w2));
            FloatVector denom = vv.sqrt().div(bc2Sqrt).add(eps);
            FloatVector xv = FloatVector.fromArray(F, x, i).mul(keep);
            xv = xv.sub(mv.div(denom).mul(stepSize));
            mv.intoArray(m, i);
            vv.intoArray(v, i);
            xv.intoArray(x, i);
        }
        for (; i < to; i++) {
            float gi = g[i];
            float mi = m[i] + (gi - m[i]) * w1;
            float vi = v[i] * b2 + gi * gi * w2;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            m[i] = mi;
            v[i] = vi;
            x[i] = x[i] * keep - mi / denom * stepSize;
        }
    }

    /**
     * The optimizer state for a checkpoint: {@code exp_avg.<name>} and {@code exp_avg_sq.<name>} per parameter
     * and {@code step} as a one-element array. The moment arrays are the live state, not copies: write them out
     * before the next {@link #step}. {@link #importState} restores it bit for bit.
     */
    public Map<String, float[]> exportState() {
        if (step > (1L << 24)) {
            throw new IllegalStateException("step " + step + " is not exact in a float");
        }
        Map<String, float[]> s = new LinkedHashMap<>();
        s.put("step", new float[] {step});
        for (int i = 0; i < params.size(); i++) {
            s.put("exp_avg." + params.get(i).name(), expAvg[i]);
            s.put("exp_avg_sq." + params.get(i).name(), expAvgSq[i]);
        }
        return s;
    }

    /**
     * Restores state written by {@link #exportState} (the arrays are copied).
     *
     * @throws T4jException when an entry is missing, unexpected or of the wrong length
     */
    public void importState(Map<String, float[]> state) {
        float[] st = state.get("step");
        if (st == null || st.length != 1 || !(st[0] >= 0) || st[0] != Math.rint(st[0])) {
            throw new T4jException("optimizer state: missing or bad 'step'");
        }
        Set<String> expected = new HashSet<>();
        expected.add("step");
        float[][] m = new float[params.size()][];
        float[][] v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            String name = params.get(i).name();
            int n = params.get(i).tensor().size();
            m[i] = entry(state, "exp_avg." + name, n);
            v[i] = entry(state, "exp_avg_sq." + name, n);
            expected.add("exp_avg." + name);
            expected.add("exp_avg_sq." + name);
        }
        for (String k : state.keySet()) {
            if (!expected.contains(k)) {
                throw new T4jException("optimizer state: unexpected entry '" + k + "' (the model has no such "
                        + "parameter)");
            }
        }
        for (int i = 0; i < params.size(); i++) {
            System.arraycopy(m[i], 0, expAvg[i], 0, m[i].length);
            System.arraycopy(v[i], 0, expAvgSq[i], 0, v[i].length);
        }
        step = (long) st[0];
    }

    private static float[] entry(Map<String, float[]> state, String key, int n) {
        float[] a = state.get(key);
        if (a == null) {
            throw new T4jException("optimizer state: missing '" + key + "'");
        }
        if (a.length != n) {
            throw new T4jException("optimizer state: '" + key + "' has " + a.length + " values, the parameter has "
                    + n);
        }
        return a;
    }
}
