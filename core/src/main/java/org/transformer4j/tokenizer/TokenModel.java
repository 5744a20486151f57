package org.transformer4j.tokenizer;

/**
 * The algorithm that turns one pre-tokenized word into ids: {@link Bpe}, {@link WordPiece} or {@link Unigram}.
 * Ids are those of the vocabulary file; the tokenizer around it handles added tokens and templates.
 */
interface TokenModel {
    /** Appends the ids of {@code word} (already normalized and pre-tokenized) to {@code out}. */
    void tokenize(String word, IntBuffer out);

    /** One more than the largest id of the vocabulary. */
    int size();

    /** The id of a vocabulary entry, or -1. */
    int tokenToId(String token);

    /** The vocabulary entry of {@code id}, or null. */
    String idToToken(int id);

    /** The unknown token's spelling, or null when the model has none. */
    String unkToken();

    /** "bpe", "wordpiece" or "unigram". */
    String kind();

    /** The UTF-8 bytes of {@code s} as byte-fallback tokens {@code <0x41>}; null if one of them is missing. */
    static int[] byteFallback(String s, TokenModel m) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = m.tokenToId(ByteLevel.byteToken(bytes[i] & 0xFF));
            if (ids[i] < 0) return null;
        }
        return ids;
    }
}
