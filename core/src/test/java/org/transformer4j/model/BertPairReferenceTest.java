package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.io.Json;
import org.transformer4j.nn.Capture;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.tokenizer.Encoded;
import org.transformer4j.tokenizer.Tokenizer;
import org.transformer4j.tokenizer.TokenizerFiles;

/**
 * Sentence pairs from text against transformers (fixtures/bert/make_bert_pair_fixture.py): our WordPiece tokenizer
 * lays out (text, text_pair) as BertTokenizerFast does, [CLS] a [SEP] b [SEP] with token types 0 then 1, and the
 * BERT's hidden states on those ids and types match BertModel's within 1e-4 (float32 against float64, hidden
 * states of size ~1-3 after LayerNorm: rounding is ~1e-6), both from tokenizer.json and from vocab.txt. With all
 * token types 0 instead the hidden states move by far more than that, so the types do reach the embeddings.
 */
class BertPairReferenceTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");

    @TempDir
    Path tmp;

    @Test
    void pairsFromTextMatchTransformers() throws Exception {
        for (String file : List.of("tokenizer.json", "vocab.txt")) {
            Path dir = tmp.resolve(file);
            Files.createDirectories(dir);
            for (String f : List.of("config.json", "model.safetensors")) {
                Files.copy(FIXTURES.resolve("bert/pair/model").resolve(f), dir.resolve(f));
            }
            Files.copy(FIXTURES.resolve("tokenizers/bert").resolve(file), dir.resolve(file));
            Tokenizer tok = TokenizerFiles.load(dir).orElseThrow();
            Bert bert = BertFiles.load(dir);
            for (Object o : (List<?>) Json.parse(FIXTURES.resolve("bert/pair/reference.json"))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> r = (Map<String, Object>) o;
                Encoded e = tok.encodePair((String) r.get("text"), (String) r.get("text_pair"));
                assertThat(e.ids()).as(file).containsExactly(ints(r.get("ids")));
                assertThat(e.typeIds()).as(file).containsExactly(ints(r.get("token_type_ids")));
                int t = e.length();
                int c = bert.config.hiddenSize();
                Capture capture = new Capture(false);
                Tensor zeroTypes;
                try (var noGrad = GradMode.off()) {
                    bert.encode(e.ids(), e.typeIds(), 1, t, null, ForwardContext.capturing(capture));
                    zeroTypes = bert.encode(e.ids(), null, 1, t, null, ForwardContext.INFERENCE);
                }
                List<?> ref = (List<?>) r.get("hidden_states");
                List<Tensor> ours = capture.hiddenStates();
                assertThat(ours).hasSize(ref.size());
                for (int l = 0; l < ref.size(); l++) {
                    assertThat(maxDiff(ours.get(l).data(), (List<?>) ref.get(l), c)).as("%s hidden state %d", file, l)
                            .isLessThan(1e-4);
                }
                assertThat(maxDiff(zeroTypes.data(), (List<?>) ref.getLast(), c)).isGreaterThan(1e-1);
                float[] mean = Bert.meanPool(ours.getLast(), new int[] {t}, false);
                List<?> refMean = (List<?>) r.get("mean_embedding");
                for (int j = 0; j < c; j++) {
                    assertThat(Math.abs(mean[j] - ((Number) refMean.get(j)).doubleValue())).isLessThan(1e-4);
                }
            }
        }
    }

    static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(x -> ((Number) x).intValue()).toArray();
    }

    /** Max |ours - theirs| of [T, C] floats against a list of T rows. */
    static double maxDiff(float[] ours, List<?> rows, int c) {
        double m = 0;
        for (int i = 0; i < rows.size(); i++) {
            List<?> row = (List<?>) rows.get(i);
            for (int j = 0; j < c; j++) {
                m = Math.max(m, Math.abs(ours[i * c + j] - ((Number) row.get(j)).doubleValue()));
            }
        }
        return m;
    }
}
