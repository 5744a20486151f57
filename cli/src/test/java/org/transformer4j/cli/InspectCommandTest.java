package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.StringJoiner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.io.Npy;
import org.transformer4j.io.SafetensorsFile;

/**
 * t4j inspect on the GPT fixture of the core tests (a Hugging Face GPT2LMHeadModel directory): the logits and
 * hidden states it writes equal transformers' float64 reference for the first batch row within 1e-4, the same
 * bound as the core reference test; attention rows are distributions over the visible keys.
 */
class InspectCommandTest {
    static final Path FIXTURE = Path.of("../core/src/test/resources/fixtures/gpt");

    @TempDir
    Path tmp;

    @Test
    void writesLogitsHiddenStatesAndAttentionThatMatchTheReference() {
        double[] inputIds;
        double[] refLogits;
        double[] refHidden;
        int[] hiddenShape;
        int[] logitShape;
        try (SafetensorsFile sf = SafetensorsFile.open(FIXTURE.resolve("reference.safetensors"))) {
            inputIds = sf.readDoubles("input_ids");
            refLogits = sf.readDoubles("logits");
            refHidden = sf.readDoubles("hidden_states");
            hiddenShape = sf.info("hidden_states").shape(); // [L+1, B, T, C]
            logitShape = sf.info("logits").shape(); // [B, T, V]
        }
        int t = logitShape[1];
        int v = logitShape[2];
        StringJoiner ids = new StringJoiner(",");
        for (int i = 0; i < t; i++) {
            ids.add(Integer.toString((int) inputIds[i]));
        }
        Path l = tmp.resolve("l.npy");
        Path h = tmp.resolve("h.npy");
        Path a = tmp.resolve("a.npy");
        CliTestSupport.Result r = CliTestSupport.run("inspect", "--model", FIXTURE.resolve("model").toString(),
                "--prompt-ids", ids.toString(), "--logits-out", l.toString(), "--hidden-out", h.toString(),
                "--attention-out", a.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("next token:");

        Npy.Array logits = Npy.read(l);
        assertThat(logits.shape()).containsExactly(t, v);
        for (int i = 0; i < t * v; i++) {
            assertThat(Math.abs(logits.floats()[i] - refLogits[i])).isLessThan(1e-4);
        }
        Npy.Array hidden = Npy.read(h);
        int layers = hiddenShape[0];
        int c = hiddenShape[3];
        assertThat(hidden.shape()).containsExactly(layers, t, c);
        for (int layer = 0; layer < layers; layer++) {
            int refOff = layer * hiddenShape[1] * t * c; // batch row 0 of this layer
            for (int i = 0; i < t * c; i++) {
                assertThat(Math.abs(hidden.floats()[layer * t * c + i] - refHidden[refOff + i])).isLessThan(1e-4);
            }
        }
        Npy.Array att = Npy.read(a);
        assertThat(att.shape()[0]).isEqualTo(layers - 1);
        float[] p = att.floats();
        int heads = att.shape()[1];
        for (int row = 0; row < (layers - 1) * heads * t; row++) {
            int q = row % t;
            float[] weights = Arrays.copyOfRange(p, row * t, (row + 1) * t);
            double sum = 0;
            for (int s = 0; s < t; s++) {
                sum += weights[s];
                if (s > q) {
                    assertThat(weights[s]).isZero(); // causal: no weight on future positions
                }
            }
            assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }
}
