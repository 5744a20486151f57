package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.io.Json;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.io.TensorInfo;
import org.transformer4j.nn.Activation;

/**
 * T5 and BART directories we write have transformers' layout: the same config.json keys and tensor names, shapes
 * and dtypes as the fixtures transformers' save_pretrained wrote (fixtures/t5/tied, fixtures/bart/model; the
 * untied T5 fixture is the layout older transformers saved, see make_t5_fixture.py). Each fixture is loaded,
 * saved again and compared key by key and tensor by tensor; a freshly configured model of each variant (as
 * {@code t4j train --arch=seq2seq} builds it) writes the same keys and tensor names as the fixture of its kind.
 */
class Seq2SeqSaveLayoutTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");

    /**
     * Keys transformers writes that say nothing about the model: the library version, a classification head's
     * label names (BartConfig's num_labels default), and PretrainedConfig defaults the old-layout untied fixture
     * spelled out (to_dict), which save_pretrained in transformers 5 leaves out.
     */
    static final Set<String> NOT_MODEL = Set.of("transformers_version", "_name_or_path", "id2label", "label2id",
            "output_attentions", "output_hidden_states", "return_dict", "problem_type", "chunk_size_feed_forward");

    @TempDir
    Path tmp;

    @Test
    void tiedT5RoundTripsToTransformersLayout() {
        roundTrip(FIXTURES.resolve("t5/tied"), Set.of());
    }

    @Test
    void untiedT5RoundTripsToTransformersLayout() {
        // The old layout's dtype is null (unset); we always write float32.
        roundTrip(FIXTURES.resolve("t5/untied"), Set.of("dtype"));
    }

    @Test
    void bartRoundTripsToTransformersLayout() {
        // We keep no bos id apart from the decoder start token (BART's fixture: bos 0, decoder start 2).
        roundTrip(FIXTURES.resolve("bart/model"), Set.of("bos_token_id"));
    }

    @Test
    void freshT5AndBartWriteTheFixturesKeysAndTensorNames() {
        Seq2SeqConfig tied = Seq2SeqConfig.t5(61, 32, 4, 6, 48, 2, 3, Activation.RELU, 8, 16, true, 0f, 0, 0, 1);
        Seq2SeqConfig untied = Seq2SeqConfig.t5(61, 32, 4, 6, 48, 2, 3, Activation.GATED_GELU, 8, 16, false, 0f, 0, 0, 1);
        Seq2SeqConfig bart = Seq2SeqConfig.bart(53, 24, 4, 40, 2, 2, 40, 0f, 1, 2, 2);
        sameLayout(tied, FIXTURES.resolve("t5/tied"), "tied");
        sameLayout(untied, FIXTURES.resolve("t5/untied"), "untied");
        sameLayout(bart, FIXTURES.resolve("bart/model"), "bart");
        // And the configs read back as the configs written.
        assertThat(EncoderDecoderFiles.load(tmp.resolve("tied")).config).isEqualTo(tied);
        assertThat(EncoderDecoderFiles.load(tmp.resolve("untied")).config).isEqualTo(untied);
        assertThat(EncoderDecoderFiles.load(tmp.resolve("bart")).config).isEqualTo(bart);
    }

    @Test
    void shapesTransformersCannotExpressAreRefused() {
        Seq2SeqConfig t = Seq2SeqConfig.t5(20, 16, 2, 8, 32, 1, 1, Activation.RELU, 8, 16, true, 0f, 0, 0, 1);
        Seq2SeqConfig scaledUntied = new Seq2SeqConfig("t5", 20, 16, 2, 8, 32, 1, 1, Activation.RELU, true, true, 1e-6f,
                false, false, 0f, 8, 16, false, false, true, 0, 1, 0, 0, 0, false, false);
        assertThat(t.scaleDecoderOutputs()).isTrue();
        assertThatThrownBy(() -> EncoderDecoderFiles.save(new EncoderDecoder(scaledUntied), tmp.resolve("x"), Map.of()))
                .hasMessageContaining("scale_decoder_outputs");
        assertThatThrownBy(() -> Seq2SeqConfig.t5(20, 16, 2, 8, 32, 1, 1, Activation.GELU, 8, 16, true, 0f, 0, 0, 1))
                .hasMessageContaining("relu or gated-gelu");
    }

    private void roundTrip(Path fixture, Set<String> valuesDiffer) {
        EncoderDecoder model = EncoderDecoderFiles.load(fixture);
        Path out = tmp.resolve("out");
        EncoderDecoderFiles.save(model, out, Map.of());
        Map<String, Object> theirs = modelKeys(fixture);
        Map<String, Object> ours = modelKeys(out);
        assertThat(ours.keySet()).isEqualTo(theirs.keySet());
        for (String k : theirs.keySet()) {
            if (!valuesDiffer.contains(k)) {
                assertThat(ours.get(k)).as(k).isEqualTo(theirs.get(k));
            }
        }
        try (SafetensorsFile a = SafetensorsFile.open(fixture.resolve("model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertThat(new TreeSet<>(b.names())).isEqualTo(new TreeSet<>(a.names()));
            for (String name : a.names()) {
                TensorInfo x = a.info(name);
                TensorInfo y = b.info(name);
                assertThat(y.dtype()).as(name).isEqualTo(x.dtype());
                assertThat(y.shape()).as(name).containsExactly(x.shape());
                assertThat(b.readFloats(name)).as(name).containsExactly(a.readFloats(name));
            }
            assertThat(b.metadata()).containsEntry("format", "pt");
        }
        // Loading what we wrote gives the model we saved.
        assertThat(EncoderDecoderFiles.load(out).config).isEqualTo(model.config);
    }

    private void sameLayout(Seq2SeqConfig c, Path fixture, String name) {
        Path out = tmp.resolve(name);
        EncoderDecoderFiles.save(new EncoderDecoder(c).initWeights(1), out, Map.of());
        assertThat(modelKeys(out).keySet()).as(name).isEqualTo(modelKeys(fixture).keySet());
        try (SafetensorsFile a = SafetensorsFile.open(fixture.resolve("model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertThat(new TreeSet<>(b.names())).as(name).isEqualTo(new TreeSet<>(a.names()));
            for (String t : a.names()) {
                assertThat(b.info(t).shape()).as(t).containsExactly(a.info(t).shape());
                assertThat(b.info(t).dtype()).as(t).isEqualTo(a.info(t).dtype());
            }
        }
    }

    private static Map<String, Object> modelKeys(Path dir) {
        Map<String, Object> m = new TreeMap<>(Json.parseObject(dir.resolve("config.json")));
        m.keySet().removeAll(NOT_MODEL);
        return m;
    }
}
