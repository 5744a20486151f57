package org.transformer4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;
import org.transformer4j.data.TokenFile.Dtype;

class TokenFileTest {
    @TempDir
    Path tmp;

    @Test
    void uint16IsRawLittleEndianWithoutHeader() throws Exception {
        // The bytes numpy's np.array([1, 258, 65535], dtype=np.uint16).tofile() writes.
        Path f = tmp.resolve("a.bin");
        TokenFile.write(f, new int[] {1, 258, 65535}, Dtype.UINT16);
        assertThat(Files.readAllBytes(f)).containsExactly(1, 0, 2, 1, 0xFF, 0xFF);
        try (TokenFile t = TokenFile.open(f, Dtype.UINT16)) {
            assertThat(t.length()).isEqualTo(3);
            assertThat(t.get(0)).isEqualTo(1);
            assertThat(t.get(1)).isEqualTo(258);
            assertThat(t.get(2)).isEqualTo(65535);   // unsigned: not -1
        }
    }

    @Test
    void uint32RoundTripsAndCopyMatchesGet() throws Exception {
        Random r = new Random(7);
        int[] ids = new int[10_000];
        for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(100_000);
        Path f = tmp.resolve("b.bin");
        TokenFile.write(f, ids, Dtype.UINT32);
        assertThat(Files.size(f)).isEqualTo(40_000);
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(raw.getInt(4 * 1234)).isEqualTo(ids[1234]);
        try (TokenFile t = TokenFile.open(f, Dtype.UINT32)) {
            int[] dst = new int[110];
            t.copy(5000, dst, 10, 100);
            for (int k = 0; k < 100; k++) assertThat(dst[10 + k]).isEqualTo(ids[5000 + k]);
            assertThat(dst[0]).isZero();
            assertThat(t.get(9999)).isEqualTo(ids[9999]);
            assertThatThrownBy(() -> t.get(10_000)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> t.copy(9950, dst, 0, 51)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(t.firstIdAtLeast(100_000)).isEqualTo(-1);
        }
    }

    @Test
    void copyOfUint16MatchesAnIndependentDecode() throws Exception {
        Random r = new Random(11);
        int[] ids = new int[70_001];
        for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(65536);
        Path f = tmp.resolve("c.bin");
        TokenFile.write(f, ids, Dtype.UINT16);
        try (TokenFile t = TokenFile.open(f, Dtype.UINT16)) {
            int[] all = new int[ids.length];
            t.copy(0, all, 0, ids.length);
            assertThat(all).isEqualTo(ids);
            int first = -1;
            for (int i = 0; i < all.length && first < 0; i++) if (all[i] >= 60_000) first = i;
            assertThat(t.firstIdAtLeast(60_000)).isEqualTo(first);
        }
    }

    @Test
    void writeRejectsIdsThatDoNotFitAndLeavesNoTempFile() {
        Path f = tmp.resolve("d.bin");
        assertThatThrownBy(() -> TokenFile.write(f, new int[] {0, 65536}, Dtype.UINT16))
                .isInstanceOf(T4jException.class)
                .hasMessageContaining("token 1 has id 65536, which does not fit uint16");
        assertThat(f).doesNotExist();
        assertThat(tmp.toFile().list()).isEmpty();
    }

    @Test
    void openErrors() throws Exception {
        assertThatThrownBy(() -> TokenFile.open(tmp.resolve("missing.bin"), Dtype.UINT16))
                .isInstanceOf(NoSuchFileException.class);
        Path odd = tmp.resolve("odd.bin");
        Files.write(odd, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> TokenFile.open(odd, Dtype.UINT16))
                .isInstanceOf(T4jException.class)
                .hasMessageContaining("odd.bin: size 3 bytes is not a multiple of 2");
        Path empty = tmp.resolve("empty.bin");
        Files.write(empty, new byte[0]);
        try (TokenFile t = TokenFile.open(empty, Dtype.UINT32)) {
            assertThat(t.length()).isZero();
        }
    }

    @Test
    void dtypeFollowsTheVocabularySize() {
        assertThat(Dtype.forVocab(65)).isEqualTo(Dtype.UINT16);
        assertThat(Dtype.forVocab(50257)).isEqualTo(Dtype.UINT16);
        assertThat(Dtype.forVocab(65536)).isEqualTo(Dtype.UINT16);   // ids 0..65535 fit 16 bits
        assertThat(Dtype.forVocab(65537)).isEqualTo(Dtype.UINT32);
        assertThat(Dtype.parse("uint32")).isEqualTo(Dtype.UINT32);
        assertThat(Dtype.parse("int16")).isNull();
    }
}
