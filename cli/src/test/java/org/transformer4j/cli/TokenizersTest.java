package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;
import org.transformer4j.tokenizer.CharTokenizer;
import org.transformer4j.tokenizer.Tokenizer;

class TokenizersTest {
    @TempDir
    Path tmp;

    @Test
    void gpt2IdsMatchTiktoken() {
        // Reference ids from OpenAI's tiktoken: get_encoding("gpt2").encode_ordinary(s).
        Gpt2Tokenizer g = Gpt2Tokenizer.get();
        assertThat(g.encode("Hello world")).containsExactly(15496, 995);
        assertThat(g.encode("hello world")).containsExactly(31373, 995);
        assertThat(g.encode(" the")).containsExactly(262);
        // Ordinary text: the special token's spelling is plain characters, never id 50256.
        assertThat(g.encode("<|endoftext|>")).containsExactly(27, 91, 437, 1659, 5239, 91, 29);
        assertThat(g.vocabSize()).isEqualTo(50257);
        assertThat(g.decode(new int[] {15496, 995})).isEqualTo("Hello world");
        assertThat(g.decode(new int[] {Gpt2Tokenizer.END_OF_TEXT})).isEqualTo("<|endoftext|>");
        String s = "Grüße 世界 🦊\n\tend";
        assertThat(g.decode(g.encode(s))).isEqualTo(s);
    }

    @Test
    void gpt2DecodeRejectsIdsOutsideTheVocabulary() {
        assertThatThrownBy(() -> Gpt2Tokenizer.get().decode(new int[] {15496, 50257}))
                .isInstanceOf(T4jException.class)
                .hasMessage("token id 50257 at position 1 is outside GPT-2's vocabulary (valid ids are 0..50256)");
    }

    @Test
    void charTokenizerRoundTripsThroughItsFiles() throws Exception {
        String text = "To be, or not to be: \"that\" is the \\question\\\n🦊\t";
        CharTokenizer tok = CharTokenizer.fromText(text);
        Tokenizers.save(tok, tmp);
        assertThat(Files.readString(tmp.resolve("tokenizer_config.json")))
                .contains("\"tokenizer_class\" : \"t4j-char\"").contains("\"t4j_tokenizer\" : \"char\"");
        // vocab.json lists the characters in id order: "\n" (U+000A) has id 1 after "\t".
        assertThat(Files.readString(tmp.resolve("vocab.json"))).startsWith("{\n  \"\\t\" : 0,\n  \"\\n\" : 1,");
        Tokenizer back = Tokenizers.load(tmp).orElseThrow();
        assertThat(back).isEqualTo(tok);
        assertThat(back.encode(text)).isEqualTo(tok.encode(text));
    }

    @Test
    void charVocabularyOrderComesFromTheIdsNotTheKeyOrder() throws Exception {
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"t4j_tokenizer\": \"char\"}");
        Files.writeString(tmp.resolve("vocab.json"), "{\"b\": 1, \"c\": 2, \"a\": 0}");
        assertThat(Tokenizers.load(tmp).orElseThrow().encode("abc")).containsExactly(0, 1, 2);
    }

    @Test
    void gpt2AndHuggingFaceGpt2DirectoriesLoad() throws Exception {
        Tokenizers.save(Gpt2Tokenizer.get(), tmp);
        assertThat(Tokenizers.load(tmp)).containsSame(Gpt2Tokenizer.get());
        Path hf = Files.createDirectory(tmp.resolve("hf"));
        Files.writeString(hf.resolve("tokenizer_config.json"), "{\"model_max_length\": 1024, \"tokenizer_class\": \"GPT2Tokenizer\"}");
        assertThat(Tokenizers.load(hf)).containsSame(Gpt2Tokenizer.get());
        assertThat(Tokenizers.load(Files.createDirectory(tmp.resolve("none")))).isEmpty();
    }

    @Test
    void brokenFilesAreNamed() throws Exception {
        Path config = tmp.resolve("tokenizer_config.json");
        Path vocab = tmp.resolve("vocab.json");
        Files.writeString(config, "{\"t4j_tokenizer\": \"char\",}");
        assertThatThrownBy(() -> Tokenizers.load(tmp)).isInstanceOf(T4jException.class)
                .hasMessageStartingWith(config + ": invalid JSON at line 1");
        Files.writeString(config, "{\"t4j_tokenizer\": \"char\"}");
        assertThatThrownBy(() -> Tokenizers.load(tmp)).hasMessage(vocab + " is missing (the char tokenizer's vocabulary)");
        Files.writeString(vocab, "{\"a\": 0, \"b\": 0}");
        assertThatThrownBy(() -> Tokenizers.load(tmp)).hasMessage(vocab + ": id 0 is used twice (\"a\" and \"b\")");
        Files.writeString(vocab, "{\"a\": 0, \"b\": 2}");
        assertThatThrownBy(() -> Tokenizers.load(tmp)).hasMessageContaining(vocab + ": id 2 of \"b\" is outside 0..1");
        Files.writeString(vocab, "{\"a\": 0, \"bc\": 1}");
        assertThatThrownBy(() -> Tokenizers.load(tmp)).hasMessage(vocab + ": key \"bc\" must be exactly one character");
        Files.writeString(vocab, "{\"a\": \"0\"}");
        assertThatThrownBy(() -> Tokenizers.load(tmp)).hasMessage(vocab + ": the id of \"a\" must be an integer, got \"0\"");
        Files.writeString(vocab, "{\"a\": 0, \"a\": 1}");
        assertThatThrownBy(() -> Tokenizers.load(tmp)).hasMessageContaining(vocab + ": invalid JSON").hasMessageContaining("Duplicate field 'a'");
        Files.writeString(config, "{\"tokenizer_class\": \"LlamaTokenizer\"}");
        assertThatThrownBy(() -> Tokenizers.load(tmp)).hasMessageContaining(config + ": tokenizer_class \"LlamaTokenizer\" is not supported");
        Files.writeString(config, "");
        assertThatThrownBy(() -> Tokenizers.load(tmp)).hasMessage(config + ": the file is empty");
        assertThatThrownBy(() -> Tokenizers.require(tmp.resolve("nope"))).hasMessage(tmp.resolve("nope") + ": no such directory");
    }
}
