package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.transformer4j.io.Json;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.tensor.TorchGenerator;

/**
 * nanoGPT's initial weights, as torch 2.13 draws them after {@code torch.manual_seed(seed)} with nanoGPT's
 * module structure (fixtures/torch_rng/make_torch_rng_fixture.py), against {@link TorchInit}: every parameter,
 * and the generator's next randint (which shows that exactly as many words were consumed). Two cases: a small
 * GPT without biases, and one with biases and tensors under 16 elements and not multiples of 16 (the other
 * normal_ paths). Tolerance 1e-6 relative to the init scale: see TorchGeneratorTest (float-vs-double Box-Muller).
 */
class TorchInitTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/torch_rng");

    @Test
    void smallGptWithoutBiases() {
        check("small");
    }

    @Test
    void oddSizesWithBiases() {
        check("odd");
    }

    @SuppressWarnings("unchecked")
    private static void check(String name) {
        Map<String, Object> c = (Map<String, Object>) Json.parseObject(DIR.resolve("draws.json")).get(name);
        int vocab = Json.getInt(c, "vocab");
        int block = Json.getInt(c, "block");
        int nLayer = Json.getInt(c, "n_layer");
        int nEmbd = Json.getInt(c, "n_embd");
        GPTConfig config = GPTConfig.nanoGPT(vocab, block, nLayer, 1, nEmbd, Json.getBool(c, "bias"), 0f);
        GPT model = new GPT(config);
        TorchGenerator g = TorchInit.nanoGpt(model, Json.getLong(c, "seed"), 0.02);

        Map<String, Tensor> ours = model.namedParameters();
        try (SafetensorsFile sf = SafetensorsFile.open(DIR.resolve(name + ".safetensors"))) {
            assertThat(ours.keySet()).containsExactlyInAnyOrderElementsOf(sf.names());
            for (String p : sf.names()) {
                double[] want = sf.readDoubles(p);
                float[] got = ours.get(p).data();
                assertThat(got).as(p).hasSize(want.length);
                for (int i = 0; i < want.length; i++) {
                    assertThat((double) got[i]).as("%s[%d]", p, i)
                            .isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-6 * 0.02 * 8));
                }
            }
        }
        assertThat(TorchInit.generatorAfter(config, Json.getLong(c, "seed")).position()).isEqualTo(g.position());
        for (Object w : (List<?>) c.get("randint_after_init")) {
            assertThat(g.randint(1000)).isEqualTo(((Number) w).longValue());
        }
    }
}
