package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.io.Json;

/**
 * Text in, text out through {@code t4j generate} with a Hugging Face model directory and its tokenizer.json: the
 * tiny T5 and BART models of fixtures/text have the vocabularies of the tokenizer fixtures, and
 * fixtures/text/expected.json holds what transformers does with the same text: {@code tokenizer(text).input_ids}
 * (T5 {@code text </s>}, BART {@code <s> text </s>}), the greedy ids and their decoded text
 * (float64 reference; the smallest top-1/top-2 logit gap over the steps is 0.02, far above float32 rounding).
 */
class TextGenerationTest {
    static final Path FIXTURES = Path.of("../core/src/test/resources/fixtures");

    @TempDir
    Path tmp;

    static Map<String, Object> expected(String model) throws Exception {
        Map<String, Object> all = Json.parseObject(Files.readString(FIXTURES.resolve("text/expected.json")), "expected");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) all.get(model);
        return m;
    }

    static List<Integer> ints(Map<String, Object> m, String key) {
        return Json.getList(m, key).stream().map(o -> ((Number) o).intValue()).toList();
    }

    /** A copy of fixtures/text/NAME with fixtures/tokenizers/NAME/tokenizer.json beside it. */
    Path modelWithTokenizer(String name) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(FIXTURES.resolve("text").resolve(name).resolve(f), dir.resolve(f));
        }
        Files.copy(FIXTURES.resolve("tokenizers").resolve(name).resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        return dir;
    }

    static String csv(List<Integer> ids) {
        return String.join(",", ids.stream().map(String::valueOf).toList());
    }

    void checkEncoderDecoder(String name) throws Exception {
        Map<String, Object> e = expected(name);
        Path dir = modelWithTokenizer(name);
        assertThat(java.util.Arrays.stream(Tokenizers.load(dir).orElseThrow().encodeWithSpecialTokens((String) e.get("text")).ids()).boxed().toList())
                .containsExactlyElementsOf(ints(e, "input_ids"));
        String steps = String.valueOf(((Number) e.get("max_new_tokens")).intValue());
        CliTestSupport.Result r = CliTestSupport.run("generate", "--model", dir.toString(), "--source",
                (String) e.get("text"), "--temperature", "0", "--max-new-tokens", steps, "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> j = Json.parseObject(r.out().strip(), "output");
        assertThat(ints(j, "ids")).containsExactlyElementsOf(ints(e, "greedy_ids"));
        assertThat(j.get("text")).isEqualTo(e.get("decoded"));

        // The same source given as transformers' ids gives the same output, log-probability included.
        CliTestSupport.Result byIds = CliTestSupport.run("generate", "--model", dir.toString(), "--source-ids",
                csv(ints(e, "input_ids")), "--temperature", "0", "--max-new-tokens", steps, "--format", "json");
        assertThat(byIds.code()).as(byIds.err()).isZero();
        assertThat(byIds.out()).isEqualTo(r.out());

        // Without the template's special tokens the source differs, and so does what the model makes of it.
        Files.delete(dir.resolve("tokenizer.json"));
        r = CliTestSupport.run("generate", "--model", dir.toString(), "--source", "x", "--temperature", "0");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("has no tokenizer files").contains("--source-ids");
    }

    @Test
    void t5SourceTextIsEncodedWithEosAndTheOutputDecoded() throws Exception {
        checkEncoderDecoder("t5");
    }

    @Test
    void bartSourceTextIsEncodedBetweenBosAndEos() throws Exception {
        checkEncoderDecoder("bart");
    }
}
