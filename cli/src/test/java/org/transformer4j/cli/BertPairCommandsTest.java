package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.io.Json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Sentence pairs on the command line: {@code embed --text A --text-pair B}, a line "A TAB B" of {@code --input}
 * and {@code --ids} with {@code --type-ids} give transformers' mean-pooled embedding of the pair (fixture
 * bert/pair, from BertTokenizerFast and BertModel; within 1e-4), so token types 0/1 reach the model; finetune reads
 * a (text, text_pair, label) TSV and classify takes pairs the same way.
 */
class BertPairCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path FIXTURES = Path.of("../core/src/test/resources/fixtures");

    @TempDir
    Path tmp;

    Path model;
    List<Map<String, Object>> ref = new ArrayList<>();

    @BeforeEach
    @SuppressWarnings("unchecked")
    void setUp() throws IOException {
        model = tmp.resolve("bert");
        Files.createDirectories(model);
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(FIXTURES.resolve("bert/pair/model").resolve(f), model.resolve(f));
        }
        Files.copy(FIXTURES.resolve("tokenizers/bert/tokenizer.json"), model.resolve("tokenizer.json"));
        for (Object o : (List<?>) Json.parse(FIXTURES.resolve("bert/pair/reference.json"))) {
            ref.add((Map<String, Object>) o);
        }
    }

    static void assertEmbedding(JsonNode line, Map<String, Object> r) {
        List<?> expected = (List<?>) r.get("mean_embedding");
        JsonNode e = line.get("embedding");
        assertThat(e.size()).isEqualTo(expected.size());
        for (int j = 0; j < expected.size(); j++) {
            assertThat(Math.abs(e.get(j).asDouble() - ((Number) expected.get(j)).doubleValue())).as("dim %d", j)
                    .isLessThan(1e-4);
        }
    }

    static List<JsonNode> lines(String out) throws IOException {
        List<JsonNode> l = new ArrayList<>();
        for (String s : out.strip().split("\n")) {
            l.add(JSON.readTree(s));
        }
        return l;
    }

    @Test
    void embedPairsMatchTransformers() throws IOException {
        Map<String, Object> r0 = ref.get(0);
        CliTestSupport.Result r = CliTestSupport.run("embed", "--model", model.toString(), "--text",
                (String) r0.get("text"), "--text-pair", (String) r0.get("text_pair"));
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode one = lines(r.out()).getFirst();
        assertThat(one.get("text_pair").asText()).isEqualTo(r0.get("text_pair"));
        assertThat(one.get("tokens").asInt()).isEqualTo(((List<?>) r0.get("ids")).size());
        assertEmbedding(one, r0);

        // Batched and padded from a file: each TAB line is a pair; a line without a TAB is one text.
        Path input = tmp.resolve("pairs.txt");
        Files.writeString(input, ref.get(0).get("text") + "\t" + ref.get(0).get("text_pair") + "\n\n"
                + ref.get(1).get("text") + "\t" + ref.get(1).get("text_pair") + "\n" + ref.get(1).get("text") + "\n");
        r = CliTestSupport.run("embed", "--model", model.toString(), "--input", input.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> got = lines(r.out());
        assertThat(got).hasSize(3);
        assertEmbedding(got.get(0), ref.get(0));
        assertEmbedding(got.get(1), ref.get(1));
        assertThat(got.get(2).has("text_pair")).isFalse();
        assertThat(got.get(2).get("tokens").asInt()).isLessThan(got.get(1).get("tokens").asInt());

        // Ids and types given directly.
        String ids = String.join(",", ((List<?>) r0.get("ids")).stream().map(String::valueOf).toList());
        String types = String.join(",", ((List<?>) r0.get("token_type_ids")).stream().map(String::valueOf).toList());
        r = CliTestSupport.run("embed", "--model", model.toString(), "--ids", ids, "--type-ids", types);
        assertThat(r.code()).as(r.err()).isZero();
        assertEmbedding(lines(r.out()).getFirst(), r0);
        // The same ids with every type 0 are another input.
        r = CliTestSupport.run("embed", "--model", model.toString(), "--ids", ids);
        double d = 0;
        JsonNode e = lines(r.out()).getFirst().get("embedding");
        List<?> expected = (List<?>) r0.get("mean_embedding");
        for (int j = 0; j < e.size(); j++) {
            d = Math.max(d, Math.abs(e.get(j).asDouble() - ((Number) expected.get(j)).doubleValue()));
        }
        assertThat(d).isGreaterThan(1e-2);
    }

    @Test
    void pairOptionErrorsAreOneLine() throws IOException {
        CliTestSupport.Result r = CliTestSupport.run("embed", "--model", model.toString(), "--ids", "2,5,3",
                "--text-pair", "x");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--text-pair needs --text").doesNotContain("Exception");
        r = CliTestSupport.run("embed", "--model", model.toString(), "--ids", "2,5,3", "--type-ids", "0,1");
        assertThat(r.err()).contains("--type-ids has 2 entries but --ids has 3");
        r = CliTestSupport.run("embed", "--model", model.toString(), "--ids", "2,5,3", "--type-ids", "0,1,2");
        assertThat(r.err()).contains("token type 2 at position 2").contains("type_vocab_size 2");
        Path mixed = tmp.resolve("mixed.tsv");
        Files.writeString(mixed, "hello\tworld\tsame\nhello\tdifferent\n");
        r = CliTestSupport.run("finetune", "--model", model.toString(), "--train-file", mixed.toString(), "--out",
                tmp.resolve("x").toString());
        assertThat(r.err()).contains("mixed.tsv line 2").contains("columns");
        Files.writeString(mixed, "a\tb\tc\td\n");
        r = CliTestSupport.run("finetune", "--model", model.toString(), "--train-file", mixed.toString(), "--out",
                tmp.resolve("x").toString());
        assertThat(r.err()).contains("mixed.tsv line 1").contains("text TAB text_pair TAB label, found 3 tabs");
    }

    /**
     * A (text, text_pair, label) TSV: is the second text the first one again? Finetune reads it, and classify
     * gives a pair the same probabilities from --text/--text-pair as from a TAB line, and others without the pair.
     */
    @Test
    void finetuneOnPairsThenClassifyPairs() throws IOException {
        String[] words = {"hello", "world", "how", "are", "you", "today", "the", "quick", "brown", "fox", "lazy", "dog"};
        List<String> rows = new ArrayList<>(List.of("text\ttext_pair\tlabel"));
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        for (int i = 0; i < 120; i++) {
            String a = words[rng.nextInt(words.length)] + " " + words[rng.nextInt(words.length)];
            String b = i % 2 == 0 ? a : words[rng.nextInt(words.length)] + " " + words[rng.nextInt(words.length)];
            rows.add(a + "\t" + b + "\t" + (a.equals(b) ? "same" : "different"));
        }
        Path tsv = tmp.resolve("pairs.tsv");
        Files.write(tsv, rows);
        Path out = tmp.resolve("classifier");
        CliTestSupport.Result f = CliTestSupport.run("finetune", "--model", model.toString(), "--train-file",
                tsv.toString(), "--out", out.toString(), "--epochs", "2", "--val-fraction", "0.25", "--threads", "2");
        assertThat(f.code()).as(f.err()).isZero();
        assertThat(f.out()).contains("labels [different, same]").contains("on 90 rows, 30 held out").contains("epoch 2/2");

        CliTestSupport.Result one = CliTestSupport.run("classify", "--model", out.toString(), "--text", "hello world",
                "--text-pair", "hello world");
        assertThat(one.code()).as(one.err()).isZero();
        Path input = tmp.resolve("in.txt");
        Files.writeString(input, "hello world\thello world\nhello world\n");
        CliTestSupport.Result file = CliTestSupport.run("classify", "--model", out.toString(), "--input", input.toString());
        assertThat(file.code()).as(file.err()).isZero();
        JsonNode a = lines(one.out()).getFirst();
        List<JsonNode> b = lines(file.out());
        assertThat(a.get("text_pair").asText()).isEqualTo("hello world");
        assertThat(b.get(0).get("probabilities")).isEqualTo(a.get("probabilities"));
        assertThat(b.get(1).has("text_pair")).isFalse();
        assertThat(b.get(1).get("probabilities").get("same").asDouble())
                .isNotEqualTo(a.get("probabilities").get("same").asDouble());
    }
}
