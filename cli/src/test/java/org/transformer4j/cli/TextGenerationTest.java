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
 * tiny T5, BART and Llama models of fixtures/text have the vocabularies of the tokenizer fixtures, and
 * fixtures/text/expected.json holds what transformers does with the same text: {@code tokenizer(text).input_ids}
 * (T5 {@code text </s>}, BART {@code <s> text </s>}, Llama {@code <s> text}), the greedy ids and their decoded text
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

    @Test
    void llamaPromptTextStartsWithBosAsInTransformers() throws Exception {
        Map<String, Object> e = expected("llama");
        Path dir = modelWithTokenizer("llama");
        String steps = String.valueOf(((Number) e.get("max_new_tokens")).intValue());
        CliTestSupport.Result r = CliTestSupport.run("generate", "--model", dir.toString(), "--prompt",
                (String) e.get("text"), "--temperature", "0", "--max-new-tokens", steps, "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> j = Json.parseObject(r.out().strip(), "output");
        assertThat(ints(j, "ids")).containsExactlyElementsOf(ints(e, "greedy_ids"));
        assertThat(j.get("text")).isEqualTo(e.get("decoded"));
        CliTestSupport.Result byIds = CliTestSupport.run("generate", "--model", dir.toString(), "--prompt-ids",
                csv(ints(e, "input_ids")), "--temperature", "0", "--max-new-tokens", steps, "--format", "json");
        assertThat(byIds.out()).isEqualTo(r.out());
        // inspect gets the same templated prompt: its logits are those of transformers' ids, [T, V] with T counting
        // the <s>, and differ from those of the prompt without it (what encode alone would give).
        Path a = tmp.resolve("a.npy"), b = tmp.resolve("b.npy"), c = tmp.resolve("c.npy");
        List<Integer> withBos = ints(e, "input_ids");
        r = CliTestSupport.run("inspect", "--model", dir.toString(), "--prompt", (String) e.get("text"),
                "--logits-out", a.toString());
        assertThat(r.code()).as(r.err()).isZero();
        r = CliTestSupport.run("inspect", "--model", dir.toString(), "--prompt-ids", csv(withBos),
                "--logits-out", b.toString());
        assertThat(r.code()).as(r.err()).isZero();
        r = CliTestSupport.run("inspect", "--model", dir.toString(), "--prompt-ids",
                csv(withBos.subList(1, withBos.size())), "--logits-out", c.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(org.transformer4j.io.Npy.read(a).shape()).containsExactly(withBos.size(), 959);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(org.transformer4j.io.Npy.read(c).shape()).containsExactly(withBos.size() - 1, 959);

        // sample streams the same greedy continuation after the same templated prompt, decoded after the prompt's
        // ids as transformers decodes prompt + continuation (Metaspace: " For" after a word, not "For").
        r = CliTestSupport.run("sample", "--model", dir.toString(), "--start", (String) e.get("text"),
                "--temperature", "0", "--max-new-tokens", steps, "--num-samples", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().findFirst().orElseThrow()).isEqualTo(e.get("decoded_with_prompt"));
    }
}
