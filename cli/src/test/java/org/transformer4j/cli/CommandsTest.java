package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.cli.CliTestSupport.Result;
import org.transformer4j.data.DataDir;
import org.transformer4j.tokenizer.CharTokenizer;
import org.transformer4j.tokenizer.Tokenizer;

/** prepare and tokenize, run through the CLI as a user would. */
class CommandsTest {
    @TempDir
    Path tmp;

    private static final String TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n";

    private Path input() throws Exception {
        Path in = tmp.resolve("corpus.txt");
        Files.writeString(in, TEXT);
        return in;
    }

    @Test
    void prepareCharWritesSplitFilesAndAReloadableTokenizer() throws Exception {
        Path out = tmp.resolve("data");
        Result r = CliTestSupport.run("prepare", "--input", input().toString(), "--tokenizer", "char", "--out", out.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        int n = TEXT.length();                 // ASCII: characters == chars
        int train = (int) (n * 0.9);
        CharTokenizer expected = CharTokenizer.fromText(TEXT);
        assertThat(r.out()).contains("vocab size " + expected.vocabSize(), "train.bin: " + train + " tokens",
                "val.bin:   " + (n - train) + " tokens");
        assertThat(Files.size(out.resolve("train.bin"))).isEqualTo(2L * train);
        assertThat(Files.size(out.resolve("val.bin"))).isEqualTo(2L * (n - train));

        Tokenizer back = Tokenizers.require(out);
        assertThat(back).isEqualTo(expected);
        try (DataDir d = DataDir.open(out)) {
            d.validate();
            int[] ids = new int[n];
            d.train().copy(0, ids, 0, train);
            d.val().copy(0, ids, train, n - train);
            assertThat(ids).isEqualTo(back.encode(TEXT));
        }
    }

    @Test
    void prepareGpt2() throws Exception {
        Path out = tmp.resolve("gpt2");
        Result r = CliTestSupport.run("prepare", "-i", input().toString(), "-t", "gpt2", "-o", out.toString());
        assertThat(r.code()).isZero();
        try (DataDir d = DataDir.open(out)) {
            assertThat(d.meta().tokenizer()).isEqualTo("gpt2");
            assertThat(d.vocabSize()).isEqualTo(50257);
            String cut = TEXT.substring(0, (int) (TEXT.length() * 0.9));
            int[] trainIds = Gpt2Tokenizer.get().encode(cut);
            assertThat(d.train().length()).isEqualTo(trainIds.length);
            assertThat(d.train().get(0)).isEqualTo(trainIds[0]);
        }
        assertThat(Tokenizers.require(out)).isSameAs(Gpt2Tokenizer.get());
    }

    @Test
    void tokenizeTextAndJson() {
        Result text = CliTestSupport.run("tokenize", "--tokenizer", "gpt2", "--text", "Hello world");
        assertThat(text.code()).isZero();
        assertThat(text.out()).isEqualTo("15496 995" + System.lineSeparator());
        Result json = CliTestSupport.run("tokenize", "--tokenizer", "gpt2", "--text", "Hello world", "--format", "json");
        assertThat(json.out()).isEqualTo("{\"ids\":[15496,995]}" + System.lineSeparator());
        assertThat(json.err()).isEmpty();
    }

    @Test
    void decodeAcceptsSpacesCommasAndTheJsonOutput() {
        for (String ids : new String[] {"15496 995", "15496,995", " 15496, 995\n", "[15496, 995]", "{\"ids\":[15496,995]}"}) {
            Result r = CliTestSupport.run("tokenize", "-t", "gpt2", "--decode", "--text", ids);
            assertThat(r.code()).as(ids).isZero();
            assertThat(r.out()).as(ids).isEqualTo("Hello world");
        }
        Result json = CliTestSupport.run("tokenize", "-t", "gpt2", "--decode", "--text", "15496 995", "--format", "json");
        assertThat(json.out()).isEqualTo("{\"text\":\"Hello world\"}" + System.lineSeparator());
        Result bad = CliTestSupport.run("tokenize", "-t", "gpt2", "--decode", "--text", "12 x3");
        assertThat(bad.code()).isEqualTo(Cli.EXIT_ERROR);
        assertThat(bad.err()).startsWith("t4j: error: not a token id: 'x3'");
    }

    @Test
    void tokenizeWithCharBuildsTheVocabularyFromTheInputAndSaysSo() {
        Result r = CliTestSupport.run("tokenize", "-t", "char", "--text", "abca");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("0 1 2 0" + System.lineSeparator());
        assertThat(r.err()).startsWith("t4j: note: --tokenizer char: vocabulary built from this input (3 characters)");
        Result decode = CliTestSupport.run("tokenize", "-t", "char", "--decode", "--text", "0 1");
        assertThat(decode.code()).isEqualTo(Cli.EXIT_USAGE);
        assertThat(decode.err()).contains("pass the prepared data or model directory instead");
    }

    @Test
    void tokenizeWithADataDirectoryUsesItsVocabulary() throws Exception {
        Path out = tmp.resolve("data");
        assertThat(CliTestSupport.run("prepare", "-i", input().toString(), "-o", out.toString()).code()).isZero();
        CharTokenizer tok = CharTokenizer.fromText(TEXT);
        Result r = CliTestSupport.run("tokenize", "-t", out.toString(), "--text", "speak", "--format", "json");
        assertThat(r.err()).isEmpty();
        int[] ids = tok.encode("speak");
        assertThat(r.out()).isEqualTo("{\"ids\":[" + ids[0] + "," + ids[1] + "," + ids[2] + "," + ids[3] + "," + ids[4] + "]}"
                + System.lineSeparator());
        Result back = CliTestSupport.run("tokenize", "-t", out.toString(), "--decode", "--text", r.out());
        assertThat(back.out()).isEqualTo("speak");
        Result unknown = CliTestSupport.run("tokenize", "-t", out.toString(), "--text", "xyz");
        assertThat(unknown.code()).isEqualTo(Cli.EXIT_ERROR);
        assertThat(unknown.err()).isEqualTo("t4j: error: character 'x' (U+0078) at offset 0 is not in the vocabulary of "
                + tok.vocabSize() + " characters" + System.lineSeparator());
        Result notADir = CliTestSupport.run("tokenize", "-t", tmp.resolve("nope").toString(), "--text", "a");
        assertThat(notADir.err()).contains("is neither a tokenizer kind (char, gpt2) nor an existing directory");
    }

    @Test
    void tokenizeReadsAFile() throws Exception {
        Result r = CliTestSupport.run("tokenize", "-t", "gpt2", "--input", input().toString());
        assertThat(r.out().strip().split(" ")).hasSize(Gpt2Tokenizer.get().encode(TEXT).length);
        Result both = CliTestSupport.run("tokenize", "-t", "gpt2", "--input", "x", "--text", "y");
        assertThat(both.code()).isEqualTo(Cli.EXIT_USAGE);
        Result neither = CliTestSupport.run("tokenize", "-t", "gpt2");
        assertThat(neither.code()).isEqualTo(Cli.EXIT_USAGE);
    }
}
