package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.transformer4j.kernels.Parallel;
import org.transformer4j.tensor.Tensor;

class GradClipTest {
    private final int threads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threads);
    }

    /** Tensors with gradients; "big" spans several sum blocks, one tensor has no gradient at all. */
    private static List<Tensor> params(long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor a = Tensor.zeros(5, 3).requiresGrad(true);
        Tensor big = Tensor.zeros(200_003).requiresGrad(true);
        Tensor none = Tensor.zeros(4);
        for (Tensor t : List.of(a, big)) {
            float[] g = t.grad();
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) (r.nextGaussian() * scale);
            }
        }
        return List.of(a, big, none);
    }

    private static double referenceNorm(List<Tensor> ps) {
        double s = 0;
        for (Tensor t : ps) {
            if (t.hasGrad()) {
                for (float g : t.grad()) {
                    s += (double) g * g;
                }
            }
        }
        return Math.sqrt(s);
    }

    @Test
    void normMatchesNaiveDoubleSumAndIgnoresThreadCount() {
        List<Tensor> ps = params(1, 0.01);
        double want = referenceNorm(ps);
        Parallel.setThreads(1);
        double one = GradClip.globalNorm(ps);
        Parallel.setThreads(2);
        double two = GradClip.globalNorm(ps);
        assertThat(one).isCloseTo(want, org.assertj.core.data.Percentage.withPercentage(1e-10));
        assertThat(two).isEqualTo(one);
    }

    @Test
    void clipsToMaxNormAsPyTorchDoes() {
        List<Tensor> ps = params(2, 0.05);
        double before = referenceNorm(ps);
        assertThat(before).isGreaterThan(10);
        double returned = GradClip.clipGradNorm(ps, 1.0);
        assertThat(returned).isCloseTo(before, org.assertj.core.data.Percentage.withPercentage(1e-10));
        // torch: grads *= max_norm / (norm + 1e-6); float32 scaling leaves ~1e-7 relative error
        double after = referenceNorm(ps);
        assertThat(after).isCloseTo(1.0 * before / (before + 1e-6), org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void smallGradientsAreLeftAlone() {
        List<Tensor> ps = params(3, 1e-4);
        float[] copy = ps.get(1).grad().clone();
        double norm = GradClip.clipGradNorm(ps, 1.0);
        assertThat(norm).isLessThan(1.0);
        assertThat(ps.get(1).grad()).isEqualTo(copy);
    }

    @Test
    void nonFiniteNormPropagatesLikePyTorch() {
        List<Tensor> ps = params(4, 1.0);
        ps.get(0).grad()[0] = Float.NaN;
        assertThat(GradClip.clipGradNorm(ps, 1.0)).isNaN();
        assertThat(ps.get(1).grad()[5]).isNaN();
    }
}
