package org.transformer4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.transformer4j.io.Json;

/**
 * {@link TorchGenerator} against numbers drawn by torch 2.13 (fixtures/torch_rng/make_torch_rng_fixture.py).
 * randint and uniform_ are exact integer/bit computations and must match exactly; normal_ goes through log, sqrt,
 * cos and sin, which PyTorch evaluates in float (vectorised) and we in double rounded to float, so they agree to a
 * couple of float ulps: 1e-6 relative (about 8 ulps) is the stated tolerance.
 */
class TorchGeneratorTest {
    static final Map<String, Object> DRAWS =
            Json.parseObject(Path.of("src/test/resources/fixtures/torch_rng/draws.json"));

    static double[] numbers(String key) {
        List<?> l = (List<?>) DRAWS.get(key);
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = ((Number) l.get(i)).doubleValue();
        }
        return d;
    }

    @Test
    void randintIsTorchs() {
        TorchGenerator g = new TorchGenerator(1337);
        double[] want = numbers("randint_1003790");
        for (double w : want) {
            assertThat(g.randint(1003790)).isEqualTo((long) w);
        }
        assertThat(g.position()).isEqualTo(want.length);
    }

    @Test
    void uniformIsTorchsBitForBit() {
        TorchGenerator g = new TorchGenerator(1337);
        float[] u = new float[5];
        g.uniform(u, 0, 5, -0.5f, 0.25f);
        double[] want = numbers("uniform_5");
        for (int i = 0; i < 5; i++) {
            assertThat(u[i]).isEqualTo((float) want[i]);
        }
    }

    @Test
    void normalMatchesBothOfTorchsPaths() {
        // 20 elements: the vectorised path with a redrawn tail of 16; then 5 elements: the scalar double path.
        TorchGenerator g = new TorchGenerator(42);
        float[] a = new float[20];
        float[] b = new float[5];
        g.normal(a, 0, 20, 1.0, 2.0);
        g.normal(b, 0, 5, 0.0, 1.0);
        double[] want = numbers("normal_20_then_5");
        for (int i = 0; i < 25; i++) {
            float got = i < 20 ? a[i] : b[i - 20];
            assertThat((double) got).as("element %d", i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(
                    1e-6 * Math.max(1, Math.abs(want[i]))));
        }
        assertThat(g.position()).isEqualTo(20 + 16 + 3 * 4); // 5 scalar normals: 3 pairs of two 64-bit uniforms
    }

    @Test
    void copyContinuesTheSameStreamAndAdvanceRefusesToGoBack() {
        TorchGenerator g = new TorchGenerator(5);
        g.skip(1000);
        TorchGenerator c = g.copy();
        for (int i = 0; i < 700; i++) { // across a twist
            assertThat(c.nextWord()).isEqualTo(g.nextWord());
        }
        assertThatThrownBy(() -> g.advanceTo(10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> g.randint(1L << 32)).isInstanceOf(IllegalArgumentException.class);
    }
}
