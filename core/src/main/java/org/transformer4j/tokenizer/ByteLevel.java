package org.transformer4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level alphabet and pre-tokenizer regex. Every byte 0..255 has a printable stand-in character
 * (printable Latin-1 bytes stand for themselves; the others are shifted to U+0100 and up: a space is 'Ġ'), so a
 * BPE vocabulary over these characters covers any UTF-8 text without an unknown token.
 */
final class ByteLevel {
    private ByteLevel() {}

    /**
     * GPT-2's split into words. UNICODE_CHARACTER_CLASS makes {@code \s} and {@code \p{L}} match what Python's
     * {@code regex} module matches (Unicode whitespace such as U+3000, letters beyond Latin-1).
     */
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    /** The stand-in characters of the UTF-8 bytes of {@code s}. */
    static String toByteChars(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /** The byte a stand-in character stands for, or -1 for a character outside the alphabet. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** Llama/SentencePiece's byte-fallback spelling of a byte: {@code <0x0A>}. */
    static String byteToken(int b) {
        return "<0x" + Character.toUpperCase(Character.forDigit(b >> 4, 16)) + Character.toUpperCase(Character.forDigit(b & 15, 16)) + ">";
    }

    /** The byte of a {@code <0xNN>} token, or -1. */
    static int parseByteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
}
