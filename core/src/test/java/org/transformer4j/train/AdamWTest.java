package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.T4jException;
import org.transformer4j.tensor.Tensor;

class AdamWTest {
    private static final double B1 = 0.9;
    private static final double B2 = 0.95;
    private static final double EPS = 1e-8;
    private static final double WD = 0.1;

    /** A weight (rank 2, odd size so the scalar tail runs), a bias, and one big enough for the parallel path. */
    private static Map<String, Tensor> model(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", Tensor.randn(r, 1f, 7, 11).requiresGrad(true));
        m.put("b", Tensor.randn(r, 1f, 13).requiresGrad(true));
        m.put("big", Tensor.randn(r, 0.02f, 300, 131).requiresGrad(true));
        return m;
    }

    private static void randomGrads(Map<String, Tensor> m, SplittableRandom r) {
        for (Tensor t : m.values()) {
            float[] g = t.grad();
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) (r.nextGaussian() * (i % 5 == 0 ? 1e-4 : 1.0));
            }
        }
    }

    /** torch.optim.AdamW from its documented formula, in double. */
    private static final class Reference {
        final double[] p;
        final double[] m;
        final double[] v;
        final boolean decay;

        Reference(Tensor t, boolean decay) {
            p = new double[t.size()];
            for (int i = 0; i < p.length; i++) {
                p[i] = t.data()[i];
            }
            m = new double[p.length];
            v = new double[p.length];
            this.decay = decay;
        }

        void step(float[] g, double lr, int t) {
            for (int i = 0; i < p.length; i++) {
                if (decay) {
                    p[i] *= 1 - lr * WD;
                }
                m[i] = B1 * m[i] + (1 - B1) * g[i];
                v[i] = B2 * v[i] + (1 - B2) * g[i] * (double) g[i];
                double mHat = m[i] / (1 - Math.pow(B1, t));
                double vHat = v[i] / (1 - Math.pow(B2, t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + EPS);
            }
        }
    }

    @Test
    void stepsMatchDoublePrecisionReference() {
        Map<String, Tensor> model = model(1);
        AdamW opt = AdamW.forModel(model, B1, B2, EPS, WD);
        assertThat(opt.params()).extracting(AdamW.Param::decay).containsExactly(true, false, true);
        Map<String, Reference> ref = new HashMap<>();
        for (AdamW.Param p : opt.params()) {
            ref.put(p.name(), new Reference(p.tensor(), p.decay()));
        }
        SplittableRandom r = new SplittableRandom(7);
        double[] lrs = {1e-2, 3e-3, 1e-3, 5e-3, 2e-2};
        double lrSum = 0;
        for (int t = 1; t <= lrs.length; t++) {
            randomGrads(model, r);
            for (Map.Entry<String, Tensor> e : model.entrySet()) {
                ref.get(e.getKey()).step(e.getValue().grad(), lrs[t - 1], t);
            }
            opt.step(lrs[t - 1]);
            lrSum += lrs[t - 1];
            assertThat(opt.stepCount()).isEqualTo(t);
            // float32 state and update: each step adds a few ulps of |p| and a float rounding (~1e-7 relative) of
            // an update of size at most lr; so the drift is bounded by 1e-6 of (|p| + the sum of the lrs so far).
            for (Map.Entry<String, Tensor> e : model.entrySet()) {
                float[] got = e.getValue().data();
                Reference want = ref.get(e.getKey());
                for (int i = 0; i < got.length; i++) {
                    assertThat(Math.abs(got[i] - want.p[i])).as("%s[%d] step %d", e.getKey(), i, t)
                            .isLessThanOrEqualTo(1e-6 * (Math.abs(want.p[i]) + lrSum));
                }
                float[] m = opt.exportState().get("exp_avg." + e.getKey());
                float[] v = opt.exportState().get("exp_avg_sq." + e.getKey());
                for (int i = 0; i < got.length; i++) {
                    // m can cancel towards zero; its rounding error scales with the gradients, i.e. sqrt(v)
                    assertThat(Math.abs(m[i] - want.m[i]))
                            .isLessThanOrEqualTo(1e-6 * (Math.abs(want.m[i]) + Math.sqrt(want.v[i])));
                    assertThat(Math.abs(v[i] - want.v[i])).isLessThanOrEqualTo(1e-6 * Math.abs(want.v[i]) + 1e-30);
                }
            }
        }
    }

    @Test
    void firstStepMovesByLrTimesSignOfGradient() {
        // Independent of the formula's details: Adam's first step is lr * g / (|g| + eps) without decay.
        Tensor w = Tensor.of(new float[] {1f, -2f, 0.5f}, 3).requiresGrad(true);
        w.grad()[0] = 3f;
        w.grad()[1] = -0.25f;
        w.grad()[2] = 1e-3f;
        AdamW opt = new AdamW(List.of(new AdamW.Param("w", w, false)), B1, B2, EPS, WD);
        opt.step(0.1);
        assertThat(w.data()[0]).isCloseTo(0.9f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(w.data()[1]).isCloseTo(-1.9f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(w.data()[2]).isCloseTo(0.4f, org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void weightDecayOnlyWhereFlagged() {
        Map<String, Tensor> model = model(2);
        Map<String, float[]> before = new HashMap<>();
        for (Map.Entry<String, Tensor> e : model.entrySet()) {
            before.put(e.getKey(), e.getValue().data().clone());
            e.getValue().grad(); // zero gradient: Adam's update is 0 / (0 + eps) = 0, only decay remains
        }
        AdamW opt = AdamW.forModel(model, B1, B2, EPS, 0.5);
        opt.step(0.2);
        float keep = (float) (1 - 0.2 * 0.5);
        for (Map.Entry<String, Tensor> e : model.entrySet()) {
            float[] b = before.get(e.getKey());
            float[] a = e.getValue().data();
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).isEqualTo(e.getKey().equals("b") ? b[i] : b[i] * keep);
            }
        }
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        Tensor w = Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2);
        AdamW opt = new AdamW(List.of(new AdamW.Param("w", w, true)), B1, B2, EPS, WD);
        opt.step(0.1);
        assertThat(w.data()).containsExactly(1f, 2f, 3f, 4f);
    }

    @Test
    void exportImportResumesBitForBit() {
        Map<String, Tensor> a = model(3);
        AdamW optA = AdamW.forModel(a, B1, B2, EPS, WD);
        SplittableRandom ra = new SplittableRandom(11);
        for (int t = 0; t < 3; t++) {
            randomGrads(a, ra);
            optA.step(1e-2);
        }
        // "checkpoint": copy weights and optimizer state
        Map<String, Tensor> b = new LinkedHashMap<>();
        a.forEach((k, t) -> b.put(k, t.copy().requiresGrad(true)));
        Map<String, float[]> saved = new HashMap<>();
        optA.exportState().forEach((k, v) -> saved.put(k, v.clone()));
        AdamW optB = AdamW.forModel(b, B1, B2, EPS, WD);
        optB.importState(saved);
        assertThat(optB.stepCount()).isEqualTo(3);

        SplittableRandom rb = new SplittableRandom(99);
        ra = new SplittableRandom(99);
        for (int t = 0; t < 2; t++) {
            randomGrads(a, ra);
            randomGrads(b, rb);
            optA.step(5e-3);
            optB.step(5e-3);
        }
        for (String k : a.keySet()) {
            assertThat(b.get(k).data()).as(k).isEqualTo(a.get(k).data());
        }
        assertThat(optB.exportState().get("exp_avg_sq.big")).isEqualTo(optA.exportState().get("exp_avg_sq.big"));
    }

    @Test
    void importRejectsMismatchedState() {
        Map<String, Tensor> a = model(4);
        AdamW opt = AdamW.forModel(a, B1, B2, EPS, WD);
        Map<String, float[]> s = new HashMap<>(opt.exportState());
        s.remove("exp_avg.b");
        assertThatThrownBy(() -> opt.importState(s)).isInstanceOf(T4jException.class)
                .hasMessage("optimizer state: missing 'exp_avg.b'");
        s.put("exp_avg.b", new float[3]);
        assertThatThrownBy(() -> opt.importState(s))
                .hasMessage("optimizer state: 'exp_avg.b' has 3 values, the parameter has 13");
        s.put("exp_avg.b", new float[13]);
        s.put("exp_avg.c", new float[13]);
        assertThatThrownBy(() -> opt.importState(s))
                .hasMessage("optimizer state: unexpected entry 'exp_avg.c' (the model has no such parameter)");
    }

    @Test
    void zeroGradAndDescribe() {
        Map<String, Tensor> a = model(5);
        randomGrads(a, new SplittableRandom(1));
        AdamW opt = AdamW.forModel(a, TrainConfig.defaults());
        opt.zeroGrad();
        for (Tensor t : a.values()) {
            for (float g : t.grad()) {
                assertThat(g).isZero();
            }
        }
        assertThat(opt.describe()).contains("num decayed parameter tensors: 2, with 39,377 parameters")
                .contains("num non-decayed parameter tensors: 1, with 13 parameters");
    }
}
