package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.io.TensorInfo;
import org.transformer4j.nn.Activation;
import org.transformer4j.nn.Capture;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;

/**
 * Our BERT against Hugging Face transformers' BertForMaskedLM and BertModel, run in float64 by
 * fixtures/bert/make_bert_fixture.py: hidden states of every layer, MLM logits, pooler output, for unpadded and
 * right-padded batches (compared at real positions only); the MLM loss and every parameter gradient of a masked,
 * padded batch; and a saved model that has the names, shapes and dtypes transformers writes.
 *
 * <p>Tolerance 1e-4 absolute on activations (the bar): we compute in float32 (unit roundoff 6e-8); the
 * fixture's activations are O(1-10) (post-LN keeps the residual stream normalised) and every dot product has at
 * most 64 terms, so accumulated rounding is ~1e-6 relative. A real bug (a mask leaking padding, pre- instead of
 * post-LN, a query/key/value mix-up, the tanh GELU for the exact one) moves these outputs by 1e-2 or more.
 */
class BertReferenceTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/bert");
    static Bert mlm;
    static Bert base;
    static Map<String, double[]> ref = new HashMap<>();
    static Map<String, int[]> shapes = new HashMap<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        mlm = BertFiles.load(FIXTURE.resolve("mlm"));
        base = BertFiles.load(FIXTURE.resolve("base"));
        for (String f : new String[] {"mlm_reference.safetensors", "base_reference.safetensors"}) {
            try (SafetensorsFile sf = SafetensorsFile.open(FIXTURE.resolve(f))) {
                String prefix = f.startsWith("base") ? "base." : "";
                for (String name : sf.names()) {
                    ref.put(prefix + name, sf.readDoubles(name));
                    shapes.put(prefix + name, sf.info(name).shape());
                }
            }
        }
    }

    static int[] ints(double[] d) {
        int[] r = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = (int) d[i];
        }
        return r;
    }

    /** Max |ours - theirs| over the real positions of [B, T, W] arrays (all positions when lengths is null). */
    static double maxDiffAtRealPositions(float[] ours, double[] theirs, int b, int t, int w, int[] lengths) {
        assertThat(ours.length).isEqualTo(theirs.length);
        double m = 0;
        for (int row = 0; row < b; row++) {
            int len = lengths == null ? t : lengths[row];
            for (int i = row * t * w; i < (row * t + len) * w; i++) {
                m = Math.max(m, Math.abs(ours[i] - theirs[i]));
            }
        }
        return m;
    }

    /** Runs batch {@code key} ("plain"/"padded") and compares hidden states and logits at real positions. */
    void compareBatch(String key) {
        int[] shape = shapes.get(key + ".input_ids");
        int b = shape[0];
        int t = shape[1];
        int[] lengths = ref.containsKey(key + ".lengths") ? ints(ref.get(key + ".lengths")) : null;
        Capture capture = new Capture(false);
        Tensor logits;
        try (var noGrad = GradMode.off()) {
            Tensor hidden = mlm.encode(ints(ref.get(key + ".input_ids")), ints(ref.get(key + ".token_type_ids")), b, t,
                    lengths, ForwardContext.capturing(capture));
            logits = mlm.mlmLogits(hidden);
        }
        int c = mlm.config.hiddenSize();
        List<Tensor> hs = capture.hiddenStates();
        assertThat(hs).hasSize(mlm.config.numLayers() + 1);
        double[] refHidden = ref.get(key + ".hidden_states");
        int per = b * t * c;
        for (int l = 0; l < hs.size(); l++) {
            double[] slice = Arrays.copyOfRange(refHidden, l * per, (l + 1) * per);
            assertThat(maxDiffAtRealPositions(hs.get(l).data(), slice, b, t, c, lengths)).as("%s hidden state %d", key, l)
                    .isLessThan(1e-4);
        }
        assertThat(maxDiffAtRealPositions(logits.data(), ref.get(key + ".logits"), b, t, mlm.config.vocabSize(), lengths))
                .as("%s logits", key).isLessThan(1e-4);
    }

    @Test
    void hiddenStatesAndMlmLogitsMatchTransformers() {
        assertThat(mlm.mlm).isNotNull();
        assertThat(mlm.bert.pooler).isNull(); // BertForMaskedLM has no pooler
        compareBatch("plain");
    }

    @Test
    void paddedBatchMatchesTransformersAtRealPositions() {
        compareBatch("padded");
    }

    /** Each padded row, run alone without padding, gives the padded batch's outputs at its real positions. */
    @Test
    void paddedAndUnpaddedInputsGiveTheSameOutputs() {
        int[] shape = shapes.get("padded.input_ids");
        int b = shape[0];
        int t = shape[1];
        int[] ids = ints(ref.get("padded.input_ids"));
        int[] types = ints(ref.get("padded.token_type_ids"));
        int[] lengths = ints(ref.get("padded.lengths"));
        int v = mlm.config.vocabSize();
        try (var noGrad = GradMode.off()) {
            float[] padded = mlm.mlmLogits(mlm.encode(ids, types, b, t, lengths, ForwardContext.INFERENCE)).data();
            for (int row = 0; row < b; row++) {
                int n = lengths[row];
                assertThat(n).isLessThanOrEqualTo(t);
                float[] alone = mlm.mlmLogits(mlm.encode(Arrays.copyOfRange(ids, row * t, row * t + n),
                        Arrays.copyOfRange(types, row * t, row * t + n), 1, n, null, ForwardContext.INFERENCE)).data();
                for (int i = 0; i < n * v; i++) {
                    assertThat((double) Math.abs(alone[i] - padded[row * t * v + i])).isLessThan(1e-5);
                }
            }
        }
        assertThat(lengths).contains(4); // the fixture really pads
    }

    /**
     * The MLM loss of a padded batch with [MASK]s against transformers' (labels -100 elsewhere), and every
     * parameter's gradient within 1e-4 * max(1, max|ref|): the gradients are sums over at most 36 positions of
     * O(1) terms, each rounded at ~1e-6 relative in float32.
     */
    @Test
    void maskedLmLossAndEveryGradientMatchTransformers() {
        int[] shape = shapes.get("masked.input_ids");
        int b = shape[0];
        int t = shape[1];
        int[] labels = ints(ref.get("masked.labels"));
        for (int i = 0; i < labels.length; i++) {
            labels[i] = labels[i] == -100 ? -1 : labels[i];
        }
        mlm.zeroGrad();
        Tensor loss = mlm.mlmLoss(ints(ref.get("masked.input_ids")), ints(ref.get("masked.token_type_ids")), b, t,
                ints(ref.get("masked.lengths")), labels, ForwardContext.INFERENCE);
        assertThat(Math.abs(loss.item() - ref.get("masked.loss")[0])).isLessThan(1e-5);
        loss.backward();
        int checked = 0;
        for (var e : mlm.namedParameters().entrySet()) {
            assertGradient("grad." + BertFiles.hfName(e.getKey()), e.getValue().grad());
            checked++;
        }
        assertThat(checked).isEqualTo(ref.keySet().stream().filter(k -> k.startsWith("grad.")).count());
        mlm.zeroGrad();
    }

    static void assertGradient(String name, float[] ours) {
        double[] g = ref.get(name);
        assertThat(g).as("reference gradient %s", name).isNotNull();
        double scale = 1;
        for (double v : g) {
            scale = Math.max(scale, Math.abs(v));
        }
        double m = 0;
        for (int i = 0; i < g.length; i++) {
            m = Math.max(m, Math.abs(ours[i] - g[i]));
        }
        assertThat(m).as(name).isLessThan(1e-4 * scale);
    }

    /**
     * A BertModel directory (plain names, the position_ids buffer, a pooler, hidden_act gelu_new, three token
     * types, eps 1e-5): hidden states at real positions and the pooler output match transformers within 1e-4.
     */
    @Test
    void bertModelDirectoryWithPoolerMatchesTransformers() {
        assertThat(base.mlm).isNull();
        assertThat(base.config.activation()).isEqualTo(Activation.GELU_TANH);
        assertThat(base.config.layerNormEps()).isEqualTo(1e-5f);
        int[] shape = shapes.get("base.input_ids");
        int b = shape[0];
        int t = shape[1];
        int[] lengths = ints(ref.get("base.lengths"));
        Capture capture = new Capture(false);
        Tensor pooled;
        try (var noGrad = GradMode.off()) {
            Tensor hidden = base.encode(ints(ref.get("base.input_ids")), ints(ref.get("base.token_type_ids")), b, t,
                    lengths, ForwardContext.capturing(capture));
            pooled = base.pool(hidden);
        }
        int c = base.config.hiddenSize();
        double[] refHidden = ref.get("base.hidden_states");
        List<Tensor> hs = capture.hiddenStates();
        assertThat(hs).hasSize(base.config.numLayers() + 1);
        for (int l = 0; l < hs.size(); l++) {
            double[] slice = Arrays.copyOfRange(refHidden, l * b * t * c, (l + 1) * b * t * c);
            assertThat(maxDiffAtRealPositions(hs.get(l).data(), slice, b, t, c, lengths)).as("hidden %d", l)
                    .isLessThan(1e-4);
        }
        assertThat(maxDiffAtRealPositions(pooled.data(), ref.get("base.pooler_output"), b, 1, c, null)).isLessThan(1e-4);
    }

    /** Saving writes exactly the tensor names, shapes and dtypes transformers' save_pretrained wrote. */
    @Test
    void savedModelHasTheLayoutTransformersWrites() {
        BertFiles.save(mlm, tmp.resolve("out"), Map.of());
        Map<String, TensorInfo> theirs = new HashMap<>();
        try (SafetensorsFile sf = SafetensorsFile.open(FIXTURE.resolve("mlm/model.safetensors"))) {
            for (String n : sf.names()) {
                theirs.put(n, sf.info(n));
            }
        }
        try (SafetensorsFile ours = SafetensorsFile.open(tmp.resolve("out/model.safetensors"))) {
            assertThat(ours.names()).containsExactlyInAnyOrderElementsOf(theirs.keySet());
            for (String n : ours.names()) {
                assertThat(ours.info(n).shape()).as(n).containsExactly(theirs.get(n).shape());
                assertThat(ours.info(n).dtype()).as(n).isEqualTo(theirs.get(n).dtype());
            }
            try (SafetensorsFile orig = SafetensorsFile.open(FIXTURE.resolve("mlm/model.safetensors"))) {
                for (String n : ours.names()) {
                    assertThat(ours.readFloats(n)).as(n).containsExactly(orig.readFloats(n));
                }
            }
        }
        BertConfig again = BertFiles.readConfig(tmp.resolve("out"));
        assertThat(again).isEqualTo(mlm.config);
    }

    @Test
    void badDirectoriesAreErrorsNamingFileAndTensor() throws Exception {
        Path dir = tmp.resolve("bad");
        BertFiles.save(mlm, dir, Map.of());
        String config = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"bert\"", "\"roberta\""));
        assertThatThrownBy(() -> BertFiles.load(dir)).isInstanceOf(T4jException.class)
                .hasMessageContaining("config.json").hasMessageContaining("model_type 'roberta' is not bert");
        Files.writeString(dir.resolve("config.json"), config.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"mish\""));
        assertThatThrownBy(() -> BertFiles.load(dir)).hasMessageContaining("config.json").hasMessageContaining("mish");
        Files.writeString(dir.resolve("config.json"), config.replace("\"intermediate_size\": 64", "\"intermediate_size\": 65"));
        assertThatThrownBy(() -> BertFiles.load(dir)).hasMessageContaining("model.safetensors")
                .hasMessageContaining("'bert.encoder.layer.0.intermediate.dense.weight' has shape [64, 32]");
        Files.writeString(dir.resolve("config.json"), config);
        // drop one tensor
        Map<String, org.transformer4j.io.TensorData> kept = new java.util.LinkedHashMap<>();
        try (SafetensorsFile sf = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            for (String n : sf.names()) {
                if (!n.equals("bert.encoder.layer.1.attention.self.key.bias")) {
                    kept.put(n, org.transformer4j.io.TensorData.f32(sf.readFloats(n), sf.info(n).shape()));
                }
            }
        }
        org.transformer4j.io.Safetensors.write(dir.resolve("model.safetensors"), kept, Map.of());
        assertThatThrownBy(() -> BertFiles.load(dir)).hasMessageContaining("model.safetensors")
                .hasMessageContaining("missing tensor 'bert.encoder.layer.1.attention.self.key.bias'");
    }
}
