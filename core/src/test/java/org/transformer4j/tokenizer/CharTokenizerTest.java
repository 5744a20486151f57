package org.transformer4j.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.transformer4j.T4jException;

class CharTokenizerTest {

    @Test
    void vocabularyIsTheSortedDistinctCharactersLikeNanoGpt() {
        CharTokenizer tok = CharTokenizer.fromText("hello world\n");
        // Python: sorted(set("hello world\n")) == ['\n', ' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']
        assertThat(tok.chars()).containsExactly("\n", " ", "d", "e", "h", "l", "o", "r", "w");
        assertThat(tok.vocabSize()).isEqualTo(9);
        assertThat(tok.kind()).isEqualTo("char");
        assertThat(tok.encode("hello")).containsExactly(4, 3, 5, 5, 6);
        assertThat(tok.decode(new int[] {8, 6, 7, 5, 2})).isEqualTo("world");
    }

    @Test
    void surrogatePairsAreOneCharacterAndSortByCodePoint() {
        // U+1F600 (a surrogate pair in UTF-16) sorts after U+FF21 by code point, although its first UTF-16 unit
        // (0xD83D) sorts before 0xFF21: sorting Java chars instead of code points would get this wrong.
        String text = "a\uD83D\uDE00\uFF21b\uD83D\uDE00";
        CharTokenizer tok = CharTokenizer.fromText(text);
        assertThat(tok.codePoints()).containsExactly('a', 'b', 0xFF21, 0x1F600);
        int[] ids = tok.encode(text);
        assertThat(ids).containsExactly(0, 3, 2, 1, 3);
        assertThat(tok.decode(ids)).isEqualTo(text);
    }

    @Test
    void roundTripsMixedScripts() {
        String text = "Grüße, 世界! 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \t\r\n end";
        CharTokenizer tok = CharTokenizer.fromText(text);
        assertThat(tok.vocabSize()).isEqualTo((int) text.codePoints().distinct().count());
        assertThat(tok.encode(text)).hasSize(text.codePointCount(0, text.length()));
        assertThat(tok.decode(tok.encode(text))).isEqualTo(text);
    }

    @Test
    void unknownCharacterNamesItTheOffsetAndTheVocabularySize() {
        CharTokenizer tok = CharTokenizer.fromText("abc");
        assertThatThrownBy(() -> tok.encode("abcaö"))
                .isInstanceOf(T4jException.class)
                .hasMessage("character 'ö' (U+00F6) at offset 4 is not in the vocabulary of 3 characters");
        // The offset counts characters (code points): two emoji are 2 characters, not 4 Java chars.
        CharTokenizer withEmoji = CharTokenizer.fromText("ab\uD83D\uDE00");
        assertThatThrownBy(() -> withEmoji.encode("\uD83D\uDE00\uD83D\uDE00\n"))
                .hasMessage("character '\\n' (U+000A) at offset 2 is not in the vocabulary of 3 characters");
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        CharTokenizer tok = CharTokenizer.fromText("xyz");
        assertThatThrownBy(() -> tok.decode(new int[] {0, 3}))
                .isInstanceOf(T4jException.class)
                .hasMessage("token id 3 at position 1 is outside the vocabulary of 3 characters (valid ids are 0..2)");
        assertThatThrownBy(() -> tok.decode(new int[] {-1})).isInstanceOf(T4jException.class);
    }

    @Test
    void fromCharsKeepsTheGivenIdOrderAndValidates() {
        CharTokenizer tok = CharTokenizer.fromChars(List.of("z", "a", "\uD83D\uDE00"));
        assertThat(tok.encode("a\uD83D\uDE00z")).containsExactly(1, 2, 0);
        assertThat(tok).isEqualTo(CharTokenizer.fromCodePoints(new int[] {'z', 'a', 0x1F600}));
        assertThatThrownBy(() -> CharTokenizer.fromChars(List.of("a", "bc")))
                .hasMessageContaining("vocabulary entry 1 must be exactly one character");
        assertThatThrownBy(() -> CharTokenizer.fromChars(List.of("a", "a")))
                .hasMessage("character 'a' (U+0061) appears twice in the vocabulary");
        assertThatThrownBy(() -> CharTokenizer.fromCodePoints(new int[] {0xD800}))
                .hasMessageContaining("not a valid Unicode scalar value");
        assertThatThrownBy(() -> CharTokenizer.fromText("")).isInstanceOf(T4jException.class);
    }

    @Test
    void sparseVocabularyAboveTheBmpWorks() {
        // Vocabulary with code points > 0xFFFF takes the binary-search path; duplicates are detected there too.
        CharTokenizer tok = CharTokenizer.fromCodePoints(new int[] {0x1F601, 'q', 0x10FFFF, 0x1F600});
        assertThat(tok.idOf(0x1F600)).isEqualTo(3);
        assertThat(tok.idOf(0x10FFFF)).isEqualTo(2);
        assertThat(tok.idOf('r')).isEqualTo(-1);
        String s = new StringBuilder().appendCodePoint(0x10FFFF).append('q').appendCodePoint(0x1F601).toString();
        assertThat(tok.decode(tok.encode(s))).isEqualTo(s);
        assertThatThrownBy(() -> CharTokenizer.fromCodePoints(new int[] {0x1F600, 0x1F600}))
                .hasMessageContaining("appears twice");
    }
}
