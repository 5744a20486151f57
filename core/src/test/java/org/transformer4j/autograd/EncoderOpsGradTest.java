package org.transformer4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.tensor.Tensor;

/** Finite-difference checks of the ops BERT added: tanh (the pooler) and gatherRows (GradCheck's tolerances). */
class EncoderOpsGradTest {
    private final SplittableRandom rng = new SplittableRandom(5);

    @Test
    void tanh() {
        GradCheck.Result r = new GradCheck().check("tanh", t -> Ops.tanh(t[0]), GradCheck.param(rng, 1.5f, 3, 17));
        assertThat(r.checked()).isEqualTo(51);
        try (var noGrad = GradMode.off()) {
            assertThat(Ops.tanh(Tensor.of(new float[] {0f, 1f, -20f}, 3)).data())
                    .containsExactly(0f, (float) Math.tanh(1), -1f);
        }
    }

    @Test
    void gatherRowsWithRepeatsScatterAdds() {
        int[] rows = {4, 0, 4, 2};
        new GradCheck().check("gatherRows", t -> Ops.gatherRows(t[0], rows), GradCheck.param(rng, 1f, 5, 3));
        new GradCheck().check("gatherRows 3-d", t -> Ops.gatherRows(t[0], new int[] {5, 1}),
                GradCheck.param(rng, 1f, 2, 3, 4));
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        assertThat(Ops.gatherRows(x, new int[] {2, 0}).data()).containsExactly(5, 6, 1, 2);
        assertThatThrownBy(() -> Ops.gatherRows(x, new int[] {3})).hasMessageContaining("row 3 is outside [0, 3)");
    }
}
