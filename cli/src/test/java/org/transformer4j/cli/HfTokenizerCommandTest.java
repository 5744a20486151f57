package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.model.GPT;
import org.transformer4j.model.GPTConfig;
import org.transformer4j.model.GPTFiles;
import org.transformer4j.tokenizer.Tokenizer;
import org.transformer4j.tokenizer.TokenizerFiles;

/** t4j tokenize and the model commands on directories with Hugging Face tokenizer files. */
class HfTokenizerCommandTest {
    static final Path FIXTURES = Path.of("../core/src/test/resources/fixtures/tokenizers");

    @TempDir
    Path tmp;

    @Test
    void tokenizeEncodesAndDecodesWithEachKindOfFile() {
        for (String name : new String[] {"gpt2", "gpt2-files", "bert", "bert-cased", "t5", "t5-spm", "llama", "bart"}) {
            Path dir = FIXTURES.resolve(name);
            Tokenizer tok = TokenizerFiles.load(dir).orElseThrow();
            String text = "Before we proceed any further, hear me speak.";
            CliTestSupport.Result r = CliTestSupport.run("tokenize", "--tokenizer", dir.toString(), "--text", text);
            assertThat(r.code()).as(name + ": " + r.err()).isZero();
            int[] ids = TokenizeCommand.parseIds(r.out());
            assertThat(ids).as(name).containsExactly(tok.encode(text));
            CliTestSupport.Result back = CliTestSupport.run("tokenize", "--tokenizer", dir.toString(), "--decode", "--text", r.out());
            assertThat(back.out()).as(name).isEqualTo(tok.decode(ids));
        }
    }

    @Test
    void aBrokenTokenizerFileIsAOneLineError() throws Exception {
        Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": {\"type\": \"WordLevel\", \"vocab\": {}}}");
        CliTestSupport.Result r = CliTestSupport.run("tokenize", "--tokenizer", tmp.toString(), "--text", "x");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).startsWith("t4j: error: " + tmp.resolve("tokenizer.json") + ": model.type: the model \"WordLevel\" is not supported")
                .doesNotContain("\tat ");
    }

    @Test
    void savingCopiesTheFilesAndAModelDirectoryUsesThem() throws Exception {
        Tokenizer tok = Tokenizers.require(FIXTURES.resolve("gpt2"));
        Path model = Files.createDirectory(tmp.resolve("model"));
        Tokenizers.save(tok, model);
        assertThat(Files.readString(model.resolve("tokenizer.json"))).isEqualTo(Files.readString(FIXTURES.resolve("gpt2/tokenizer.json")));
        GPT gpt = new GPT(GPTConfig.nanoGPT(tok.vocabSize(), 32, 1, 2, 16, true, 0f));
        GPTFiles.save(gpt, model, Map.of());
        String prompt = "ROMEO: But, soft!";
        CliTestSupport.Result r = CliTestSupport.run("generate", "--model", model.toString(), "--prompt", prompt,
                "--max-new-tokens", "4", "--temperature", "0", "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        StringBuilder ids = new StringBuilder();
        for (int id : tok.encode(prompt)) ids.append(ids.isEmpty() ? "" : ",").append(id);
        CliTestSupport.Result byIds = CliTestSupport.run("generate", "--model", model.toString(), "--prompt-ids", ids.toString(),
                "--max-new-tokens", "4", "--temperature", "0", "--format", "json");
        assertThat(r.out()).isEqualTo(byIds.out()).contains("\"ids\"");
        CliTestSupport.Result bad = CliTestSupport.run("tokenize", "--tokenizer", model.toString(), "--decode", "--text", "1000");
        assertThat(bad.err()).contains("token id 1000 at position 0 is outside the vocabulary");
    }
}
