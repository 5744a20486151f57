package org.transformer4j.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;

/** Which files a directory's tokenizer comes from, the special-token API, and errors naming file and field. */
class TokenizerFilesTest {
    static final Path ROOT = HfTokenizerFixtureTest.ROOT;

    @TempDir
    Path tmp;

    static Tokenizer load(String name) {
        return TokenizerFiles.load(ROOT.resolve(name)).orElseThrow();
    }

    @Test
    void specialTokensOfEachFamily() {
        assertThat(load("bert").specialTokens()).isEqualTo(new SpecialTokens(-1, -1, 1, 0, 2, 3, 4));
        assertThat(load("bert-cased").specialTokens()).isEqualTo(new SpecialTokens(-1, -1, 1, 0, 2, 3, 4));
        assertThat(load("t5").specialTokens()).isEqualTo(new SpecialTokens(-1, 1, 2, 0, -1, -1, -1));
        assertThat(load("t5-spm").specialTokens()).isEqualTo(new SpecialTokens(-1, 1, 2, 0, -1, -1, -1));
        assertThat(load("bart").specialTokens()).isEqualTo(new SpecialTokens(0, 2, 3, 1, 0, 2, 800));
        assertThat(load("llama").specialTokens()).isEqualTo(new SpecialTokens(1, 2, 0, -1, -1, -1, -1));
        assertThat(load("gpt2").specialTokens()).isEqualTo(new SpecialTokens(0, 0, 0, -1, -1, -1, -1));
        assertThat(load("gpt2-files").specialTokens()).isEqualTo(new SpecialTokens(0, 0, 0, -1, -1, -1, -1));
    }

    @Test
    void tokenizerConfigNamesTheSpecialTokens() throws Exception {
        copy("t5", tmp);
        Files.writeString(tmp.resolve("tokenizer_config.json"),
                "{\"eos_token\": \"</s>\", \"pad_token\": {\"content\": \"<pad>\"}, \"unk_token\": \"<unk>\"}");
        assertThat(TokenizerFiles.load(tmp).orElseThrow().specialTokens()).isEqualTo(new SpecialTokens(-1, 1, 2, 0, -1, -1, -1));
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"eos_token\": \"<eos>\"}");
        assertThatThrownBy(() -> TokenizerFiles.load(tmp)).isInstanceOf(T4jException.class)
                .hasMessage(tmp.resolve("tokenizer_config.json") + ": eos_token \"<eos>\" is not in the vocabulary");
    }

    @Test
    void bertTemplatesAndWordPieceDetails() {
        Tokenizer bert = load("bert");
        int cls = 2, sep = 3;
        int[] a = bert.encode("hello world"), b = bert.encode("how are you");
        Encoded pair = bert.encodePair("hello world", "how are you");
        assertThat(pair.length()).isEqualTo(a.length + b.length + 3);
        assertThat(pair.ids()[0]).isEqualTo(cls);
        assertThat(pair.ids()[a.length + 1]).isEqualTo(sep);
        assertThat(pair.ids()[pair.length() - 1]).isEqualTo(sep);
        for (int i = 0; i < pair.length(); i++) assertThat(pair.typeIds()[i]).isEqualTo(i <= a.length + 1 ? 0 : 1);
        // a word longer than max_input_chars_per_word (100) is one [UNK], a shorter one is pieces
        assertThat(bert.encode("a".repeat(101))).containsExactly(1);
        assertThat(bert.encode("a".repeat(100)).length).isGreaterThan(1);
        // tokenizers cleans up each token on its own, so " ' " between pieces stays (checked against the Python library)
        assertThat(bert.decode(bert.encode("Unbelievable, isn't it?"))).isEqualTo("unbelievable, isn ' t it?");
        assertThat(bert.decode(bert.encodeWithSpecialTokens("hello").ids(), true)).isEqualTo("hello");
        assertThat(bert.idToToken(cls)).isEqualTo("[CLS]");
        assertThat(bert.tokenToId("[MASK]")).isEqualTo(4);
    }

    @Test
    void directoryPreferenceAndCopy() throws Exception {
        assertThat(TokenizerFiles.load(tmp)).isEmpty();
        assertThat(TokenizerFiles.present(tmp)).isFalse();
        // tokenizer.json wins over vocab.json + merges.txt (the gpt2 fixture has both; make them disagree)
        copy("gpt2", tmp);
        Files.writeString(tmp.resolve("merges.txt"), "#version: 0.2\nthis line is broken\n");
        assertThat(((HfTokenizer) TokenizerFiles.load(tmp).orElseThrow()).source()).endsWith("tokenizer.json");
        Files.delete(tmp.resolve("tokenizer.json"));
        assertThatThrownBy(() -> TokenizerFiles.load(tmp))
                .hasMessage(tmp.resolve("merges.txt") + ": line 2: expected two tokens separated by one space, found \"this line is broken\"");
    }

    @Test
    void malformedFilesAreNamed() throws Exception {
        Path tj = tmp.resolve("tokenizer.json");
        String good = Files.readString(ROOT.resolve("t5/tokenizer.json"));
        Files.writeString(tj, good.substring(0, 500));
        assertThatThrownBy(() -> TokenizerFiles.load(tmp)).isInstanceOf(T4jException.class).hasMessageStartingWith(tj + ": line 1");
        Files.writeString(tj, good.replace("\"type\":\"Unigram\"", "\"type\":\"WordLevel\""));
        assertThatThrownBy(() -> TokenizerFiles.load(tmp))
                .hasMessageStartingWith(tj + ": model.type: the model \"WordLevel\" is not supported");
        Files.writeString(tj, good.replace("{\"type\":\"NFKC\"}", "{\"type\":\"Nmt\"}"));
        assertThatThrownBy(() -> TokenizerFiles.load(tmp))
                .hasMessageStartingWith(tj + ": normalizer.normalizers[0].type: the normalizer \"Nmt\" is not supported");
        Files.writeString(tj, good.replace("{\"type\":\"WhitespaceSplit\"}", "{\"type\":\"UnicodeScripts\"}"));
        assertThatThrownBy(() -> TokenizerFiles.load(tmp))
                .hasMessageStartingWith(tj + ": pre_tokenizer.pretokenizers[0].type: the pre-tokenizer \"UnicodeScripts\" is not supported");
        Files.writeString(tj, good.replace("\"unk_id\":2", "\"unk_id\":\"2\""));
        assertThatThrownBy(() -> TokenizerFiles.load(tmp)).hasMessage(tj + ": model.unk_id: expected an integer, found a string \"2\"");
        String spm = Files.readString(ROOT.resolve("t5-spm/tokenizer.json"));
        Files.writeString(tj, spm.replaceFirst("\"precompiled_charsmap\":\"[^\"]*\"", "\"precompiled_charsmap\":\"AAAA\""));
        assertThatThrownBy(() -> TokenizerFiles.load(tmp)).hasMessageStartingWith(tj + ": normalizer.normalizers[0].precompiled_charsmap: the charsmap is 3 bytes, too short");

        String bpe = Files.readString(ROOT.resolve("gpt2/tokenizer.json"));
        Files.writeString(tj, bpe.replaceFirst("\"merges\":\\[\\[\"([^\"]*)\",\"([^\"]*)\"\\]", "\"merges\":[[\"$1\",\"nope\"]"));
        assertThatThrownBy(() -> TokenizerFiles.load(tmp))
                .hasMessageStartingWith(tj + ": model.merges[0]: merge ").hasMessageContaining("token \"nope\" is not in the vocabulary");
        Files.writeString(tj, bpe.replaceFirst("\"merges\":\\[\\[", "\"merges\":[7,["));
        assertThatThrownBy(() -> TokenizerFiles.load(tmp))
                .hasMessage(tj + ": model.merges[0]: expected \"left right\" or [\"left\", \"right\"]");
        Files.writeString(tj, bpe.replace("\"post_processor\":{\"type\":\"ByteLevel\"", "\"post_processor\":{\"type\":\"Magic\""));
        assertThatThrownBy(() -> TokenizerFiles.load(tmp)).hasMessageStartingWith(tj + ": post_processor.type: the post-processor \"Magic\"");
        Files.delete(tj);

        Files.writeString(tmp.resolve("vocab.txt"), "[PAD]\n[CLS]\n[SEP]\nhello\n");
        assertThatThrownBy(() -> TokenizerFiles.load(tmp))
                .hasMessage(tmp.resolve("vocab.txt") + ": the unknown token \"[UNK]\" is not in the vocabulary");
        Files.writeString(tmp.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": \"2\"}");
        Files.writeString(tmp.resolve("merges.txt"), "a b\n");
        assertThatThrownBy(() -> TokenizerFiles.load(tmp)).hasMessage(tmp.resolve("vocab.json") + ": ab: expected an integer, found a string \"2\"");
        Files.writeString(tmp.resolve("vocab.json"), "{\"a\": 0, \"b\": 1}");
        assertThatThrownBy(() -> TokenizerFiles.load(tmp))
                .hasMessage(tmp.resolve("merges.txt") + ": line 1: merge \"a b\": token \"ab\" is not in the vocabulary (" + tmp.resolve("vocab.json") + ")");
        Files.writeString(tmp.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 1}");
        assertThatThrownBy(() -> TokenizerFiles.load(tmp)).hasMessageContaining("id 1 is used by both");
    }

    @Test
    void decodingAnUnknownIdAndEncodingAnUncoverableCharacterAreErrors() {
        Tokenizer gpt2 = load("gpt2");
        assertThatThrownBy(() -> gpt2.decode(new int[] {5, 1000})).isInstanceOf(T4jException.class)
                .hasMessageContaining("token id 1000 at position 1 is outside the vocabulary");
        // the unigram fixture has an unk id: an unseen character is <unk>, not an error
        assertThat(load("t5").encode("\u2603")).contains(2);
    }

    @Test
    void aLongRunOfSpacesAndALongTextWithoutPreTokenizerEncode() {
        Tokenizer gpt2 = load("gpt2");
        String spaces = " ".repeat(20_000) + "x";
        assertThat(gpt2.decode(gpt2.encode(spaces))).isEqualTo(spaces);
        String text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\n".repeat(4_000);
        for (String name : new String[] {"gpt2", "bert", "t5", "llama"}) {
            Tokenizer t = load(name);
            int[] ids = t.encode(text);
            assertThat(ids.length).as(name).isGreaterThan(25_000);
        }
    }

    private static void copy(String fixture, Path to) throws Exception {
        try (var s = Files.list(ROOT.resolve(fixture))) {
            for (Path f : s.toList()) if (!f.getFileName().toString().equals("expected.json")) Files.copy(f, to.resolve(f.getFileName()));
        }
    }
}
