package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.io.Npy;
import org.transformer4j.model.Bert;
import org.transformer4j.model.BertFiles;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.tokenizer.CharTokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * inspect and embed on the BERT fixture of the core tests (a transformers BertForMaskedLM directory, whose outputs
 * BertReferenceTest checks against transformers): what the commands write is what the model computes, embeddings
 * do not depend on the batch they were padded in, and bad inputs are one-line errors.
 */
class BertCommandsTest {
    static final Path FIXTURE = Path.of("../core/src/test/resources/fixtures/bert");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void inspectWritesMlmLogitsAndHiddenStatesOfTheEncoder() {
        int[] ids = {2, 17, 3, 40, 98, 5, 3};
        Path l = tmp.resolve("l.npy");
        Path h = tmp.resolve("h.npy");
        Path a = tmp.resolve("a.npy");
        CliTestSupport.Result r = CliTestSupport.run("inspect", "--model", FIXTURE.resolve("mlm").toString(),
                "--prompt-ids", "2,17,3,40,98,5,3", "--logits-out", l.toString(), "--hidden-out", h.toString(),
                "--attention-out", a.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Bert bert = BertFiles.load(FIXTURE.resolve("mlm"));
        org.transformer4j.nn.Capture capture = new org.transformer4j.nn.Capture(false);
        Tensor logits;
        try (var noGrad = GradMode.off()) {
            logits = bert.mlmLogits(bert.encode(ids, null, 1, ids.length, null, ForwardContext.capturing(capture)));
        }
        Npy.Array lo = Npy.read(l);
        assertThat(lo.shape()).containsExactly(ids.length, 99);
        assertThat(lo.floats()).containsExactly(logits.data());
        Npy.Array hi = Npy.read(h);
        assertThat(hi.shape()).containsExactly(3, ids.length, 32);
        for (int layer = 0; layer < 3; layer++) {
            float[] ours = capture.hiddenStates().get(layer).data();
            for (int i = 0; i < ours.length; i++) {
                assertThat(hi.floats()[layer * ours.length + i]).isEqualTo(ours[i]);
            }
        }
        Npy.Array at = Npy.read(a);
        assertThat(at.shape()).containsExactly(2, 4, ids.length, ids.length);
        // bidirectional: the first query attends to the last key
        assertThat(at.floats()[ids.length - 1]).isPositive();

        CliTestSupport.Result bad = CliTestSupport.run("inspect", "--model", FIXTURE.resolve("mlm").toString(),
                "--prompt-ids", "1,99");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("t4j: error: the prompt: token id 99 at position 1 is outside the "
                + "vocabulary of size 99");
        CliTestSupport.Result noHead = CliTestSupport.run("inspect", "--model", FIXTURE.resolve("base").toString(),
                "--prompt-ids", "1,2", "--logits-out", l.toString());
        assertThat(noHead.code()).isEqualTo(1);
        assertThat(noHead.err()).contains("has no masked-LM head");
    }

    /** A copy of the fixture with a char tokenizer, so text can be embedded. */
    Path modelWithTokenizer() throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(FIXTURE.resolve("mlm").resolve(f), dir.resolve(f));
        }
        Tokenizers.save(CharTokenizer.fromText("abcdefghijklmnopqrstuvwxyz ,.!?ABCDEFGHIJKLMNOPQRSTUVWXYZ"), dir);
        return dir;
    }

    @Test
    void embedPrintsMeanPooledEmbeddingsThatDoNotDependOnPadding() throws IOException {
        Path dir = modelWithTokenizer();
        Path input = tmp.resolve("lines.txt");
        List<String> lines = List.of("To be, or not to be", "", "that is the question", "Ay", "Whether tis nobler");
        Files.write(input, lines);
        CliTestSupport.Result r = CliTestSupport.run("embed", "--model", dir.toString(), "--input", input.toString(),
                "--batch-size", "3");
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : r.out().strip().split("\n")) {
            rows.add(JSON.readTree(line));
        }
        assertThat(rows).hasSize(4); // the empty line is skipped
        assertThat(rows.get(1).get("text").asText()).isEqualTo("that is the question");
        assertThat(rows.get(1).get("tokens").asInt()).isEqualTo(20);
        Bert bert = BertFiles.load(dir);
        CharTokenizer tok = (CharTokenizer) Tokenizers.load(dir).orElseThrow();
        for (JsonNode row : rows) {
            int[] ids = tok.encode(row.get("text").asText());
            float[] alone;
            Tensor hidden;
            try (var noGrad = GradMode.off()) {
                hidden = bert.encode(ids, null, 1, ids.length, null, ForwardContext.INFERENCE);
                alone = Bert.meanPool(hidden, null, false);
            }
            JsonNode e = row.get("embedding");
            assertThat(e.size()).isEqualTo(32);
            for (int j = 0; j < 32; j++) {
                double mean = 0;
                for (int t = 0; t < ids.length; t++) {
                    mean += hidden.data()[t * 32 + j] / ids.length;
                }
                assertThat(e.get(j).asDouble()).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-5));
                assertThat(e.get(j).asDouble()).isCloseTo(alone[j], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
        CliTestSupport.Result n = CliTestSupport.run("embed", "--model", dir.toString(), "--text", "Ay", "--normalize");
        assertThat(n.code()).as(n.err()).isZero();
        JsonNode e = JSON.readTree(n.out().strip()).get("embedding");
        double norm = 0;
        double dot = 0;
        for (int j = 0; j < 32; j++) {
            norm += e.get(j).asDouble() * e.get(j).asDouble();
            dot += e.get(j).asDouble() * rows.get(2).get("embedding").get(j).asDouble();
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(dot).isPositive(); // same direction as the unnormalised "Ay"

        CliTestSupport.Result ids = CliTestSupport.run("embed", "--model", FIXTURE.resolve("mlm").toString(), "--ids", "5,6,7");
        assertThat(ids.code()).as(ids.err()).isZero();
        assertThat(JSON.readTree(ids.out().strip()).get("ids").toString()).isEqualTo("[5,6,7]");
    }

    @Test
    void embedErrorsAreOneLine() throws IOException {
        Path dir = modelWithTokenizer();
        Path input = tmp.resolve("bad.txt");
        Files.write(input, List.of("fine", "not fine: \u00e9"));
        CliTestSupport.Result r = CliTestSupport.run("embed", "--model", dir.toString(), "--input", input.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("t4j: error: " + input + " line 2");
        assertThat(r.err().strip().lines().count()).isEqualTo(1);
        CliTestSupport.Result noTok = CliTestSupport.run("embed", "--model", FIXTURE.resolve("mlm").toString(),
                "--text", "hello");
        assertThat(noTok.code()).isEqualTo(1);
        assertThat(noTok.err()).contains("has no tokenizer files");
        CliTestSupport.Result tooLong = CliTestSupport.run("embed", "--model", dir.toString(), "--text", "a".repeat(41));
        assertThat(tooLong.code()).isEqualTo(1);
        assertThat(tooLong.err()).contains("--text has 41 tokens; this model's max_position_embeddings is 40");
        CliTestSupport.Result gpt = CliTestSupport.run("embed", "--model", "../core/src/test/resources/fixtures/gpt/model",
                "--ids", "1");
        assertThat(gpt.code()).isEqualTo(1);
        assertThat(gpt.err()).contains("model_type 'gpt2' is not bert");
    }
}
