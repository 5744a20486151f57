package org.transformer4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;
import org.transformer4j.tokenizer.CharTokenizer;

class PrepareTest {
    @TempDir
    Path tmp;

    @Test
    void splitsAtNinetyPercentOfCharactersLikeNanoGpt() throws Exception {
        // 46 code points, one of them a surrogate pair: Python's int(46 * 0.9) = 41 characters go to train and
        // val is ' dog.' (split by Java chars it would be 'dog.').
        String text = "The quick brown fox \uD83E\uDD8A jumps over the lazy dog.";
        assertThat(text.codePointCount(0, text.length())).isEqualTo(46);
        Path input = tmp.resolve("in.txt");
        Files.writeString(input, text);
        CharTokenizer tok = CharTokenizer.fromText(text);
        Path out = tmp.resolve("out");
        Prepare.Summary s = Prepare.run(input, tok, out);

        assertThat(s.characters()).isEqualTo(46);
        assertThat(s.trainTokens()).isEqualTo(41);
        assertThat(s.valTokens()).isEqualTo(5);
        assertThat(s.vocabSize()).isEqualTo(tok.vocabSize());
        assertThat(Files.size(out.resolve("train.bin"))).isEqualTo(82);
        assertThat(Files.size(out.resolve("val.bin"))).isEqualTo(10);
        try (DataDir d = DataDir.open(out)) {
            int[] all = new int[46];
            d.train().copy(0, all, 0, 41);
            d.val().copy(0, all, 41, 5);
            assertThat(tok.decode(all)).isEqualTo(text);
            int[] val = new int[5];
            d.val().copy(0, val, 0, 5);
            assertThat(tok.decode(val)).isEqualTo(" dog.");
            assertThat(d.meta().source()).isEqualTo("in.txt");
            assertThat(d.meta().tokenizer()).isEqualTo("char");
            d.validate();
        }
        // Only the data files and no leftover temporary files.
        assertThat(out.toFile().list()).containsExactlyInAnyOrder("train.bin", "val.bin", "meta.json");
    }

    @Test
    void extraFilesAreWrittenBeforeMetaJson() throws Exception {
        Path out = tmp.resolve("out");
        Prepare.run("abcdefghij", "x.txt", CharTokenizer.fromText("abcdefghij"), out, dir -> {
            assertThat(dir.resolve("train.bin")).exists();
            assertThat(dir.resolve("meta.json")).doesNotExist();
            Files.writeString(dir.resolve("extra.json"), "{}");
        });
        assertThat(out.resolve("extra.json")).exists();
        assertThat(out.resolve("meta.json")).exists();
    }

    @Test
    void badInputsAreNamed() throws Exception {
        Path out = tmp.resolve("out");
        CharTokenizer tok = CharTokenizer.fromText("ab");
        Path missing = tmp.resolve("missing.txt");
        assertThatThrownBy(() -> Prepare.run(missing, tok, out)).isInstanceOf(T4jException.class)
                .hasMessage(missing + ": no such file");
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "");
        assertThatThrownBy(() -> Prepare.run(empty, tok, out)).hasMessage(empty + ": the file is empty");
        Path binary = tmp.resolve("binary.txt");
        Files.write(binary, new byte[] {'a', 'b', (byte) 0xFF, 'c'});
        assertThatThrownBy(() -> Prepare.run(binary, tok, out)).hasMessageStartingWith(binary + ": not valid UTF-8 text");
        assertThatThrownBy(() -> Prepare.run(tmp, tok, out)).hasMessageContaining("is a directory");
        Path one = tmp.resolve("one.txt");
        Files.writeString(one, "a");
        assertThatThrownBy(() -> Prepare.run(one, tok, out)).hasMessageContaining("too short to split");
        assertThat(out).doesNotExist();
    }

    @Test
    void anInterruptedRewriteIsNotMistakenForACompleteDirectory() throws Exception {
        Path out = tmp.resolve("out");
        Prepare.run("abcdefghij", "x.txt", CharTokenizer.fromText("abcdefghij"), out, null);
        assertThatThrownBy(() -> Prepare.run("abcdefghij", "x.txt", CharTokenizer.fromText("abcdefghij"), out,
                dir -> { throw new java.io.IOException("disk full"); })).hasMessage("disk full");
        assertThat(DataDir.isDataDir(out)).isFalse();
    }
}
