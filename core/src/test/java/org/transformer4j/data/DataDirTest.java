package org.transformer4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;
import org.transformer4j.data.TokenFile.Dtype;
import org.transformer4j.tokenizer.CharTokenizer;

class DataDirTest {
    @TempDir
    Path tmp;

    /** A prepared directory of "0123456789" * 10 (100 characters: 90 train, 10 val). */
    private Path prepared() throws Exception {
        Path dir = tmp.resolve("data");
        String text = "0123456789".repeat(10);
        Prepare.run(text, "digits.txt", CharTokenizer.fromText(text), dir, null);
        return dir;
    }

    @Test
    void opensAPreparedDirectory() throws Exception {
        try (DataDir d = DataDir.open(prepared())) {
            assertThat(d.meta()).isEqualTo(new DataDir.Meta(10, Dtype.UINT16, 90, 10, "char", "digits.txt"));
            assertThat(d.train().length()).isEqualTo(90);
            assertThat(d.val().get(9)).isEqualTo(9);
            d.validate();
        }
    }

    @Test
    void truncatedValFileIsReportedWithExpectedAndActualSizes() throws Exception {
        // The numbers of the brief's example: a val.bin of 111,540 uint16 tokens cut to 1000 bytes.
        Path dir = prepared();
        Files.writeString(dir.resolve("meta.json"), new DataDir.Meta(65, Dtype.UINT16, 90, 111_540, "char", "x").toJson());
        Files.write(dir.resolve("val.bin"), new byte[1000]);
        assertThatThrownBy(() -> DataDir.open(dir))
                .isInstanceOf(T4jException.class)
                .hasMessage(dir.resolve("val.bin") + ": expected 223,080 bytes (111,540 uint16 tokens) but the file has 1,000 bytes");
    }

    @Test
    void missingFilesAreNamed() throws Exception {
        Path dir = prepared();
        Files.delete(dir.resolve("train.bin"));
        assertThatThrownBy(() -> DataDir.open(dir)).isInstanceOf(T4jException.class)
                .hasMessage(dir.resolve("train.bin") + " is missing (meta.json announces 90 tokens)");
        Files.delete(dir.resolve("meta.json"));
        assertThatThrownBy(() -> DataDir.open(dir)).isInstanceOf(T4jException.class)
                .hasMessageContaining("has no meta.json").hasMessageContaining("t4j prepare");
        assertThatThrownBy(() -> DataDir.open(tmp.resolve("nope"))).isInstanceOf(T4jException.class)
                .hasMessage("data directory " + tmp.resolve("nope") + " does not exist");
    }

    @Test
    void garbledMetaJsonIsReportedWithFileAndPosition() throws Exception {
        Path dir = prepared();
        Path meta = dir.resolve("meta.json");
        Files.writeString(meta, "{\n  \"vocab_size\": 10,\n  \"dtype\" \"uint16\"\n}");
        assertThatThrownBy(() -> DataDir.open(dir)).isInstanceOf(T4jException.class)
                .hasMessage(meta + ": line 3, column 11: expected ':' after the key");
        Files.writeString(meta, "{\"vocab_size\": 10, \"dtype\": \"uint16\", \"train_tokens\": 90, \"tokenizer\": \"char\"}");
        assertThatThrownBy(() -> DataDir.open(dir)).hasMessage(meta + ": missing key \"val_tokens\"");
        Files.writeString(meta, "{\"vocab_size\": 10.5, \"dtype\": \"uint16\"}");
        assertThatThrownBy(() -> DataDir.open(dir)).hasMessageContaining("\"vocab_size\" must be an integer");
        Files.writeString(meta, "{\"vocab_size\": 70000, \"dtype\": \"uint16\"}");
        assertThatThrownBy(() -> DataDir.open(dir)).hasMessageContaining("uint16 cannot hold the ids of a vocabulary of 70000");
        Files.writeString(meta, "{\"vocab_size\": 10, \"dtype\": \"float32\"}");
        assertThatThrownBy(() -> DataDir.open(dir)).hasMessageContaining("\"dtype\" must be \"uint16\" or \"uint32\", got \"float32\"");
        Files.write(meta, new byte[] {'{', (byte) 0xC3, '}'});
        assertThatThrownBy(() -> DataDir.open(dir)).hasMessage(meta + ": not valid UTF-8");
        Files.writeString(meta, "[1, 2]");
        assertThatThrownBy(() -> DataDir.open(dir)).hasMessage(meta + ": expected a JSON object");
    }

    @Test
    void validateFindsIdsOutsideTheVocabulary() throws Exception {
        Path dir = prepared();
        Path meta = dir.resolve("meta.json");
        // Claim a vocabulary of 5: ids 5..9 in the data are then out of range; the first is at index 5.
        Files.writeString(meta, new DataDir.Meta(5, Dtype.UINT16, 90, 10, "char", "digits.txt").toJson(), StandardCharsets.UTF_8);
        try (DataDir d = DataDir.open(dir)) {
            assertThatThrownBy(d::validate).isInstanceOf(T4jException.class)
                    .hasMessage(dir.resolve("train.bin") + ": token 5 has id 5 but vocab_size in meta.json is 5");
        }
    }

    @Test
    void metaJsonRoundTripsThroughTheParserIncludingEscapes() throws Exception {
        DataDir.Meta m = new DataDir.Meta(50257, Dtype.UINT16, 301_966, 36_059, "gpt2", "a \"quoted\"\\name\n.txt");
        Path f = tmp.resolve("meta.json");
        Files.writeString(f, m.toJson());
        assertThat(DataDir.Meta.read(f)).isEqualTo(m);
    }
}
