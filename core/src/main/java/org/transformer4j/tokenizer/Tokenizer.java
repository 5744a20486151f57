package org.transformer4j.tokenizer;

/** Text to token ids and back. */
public interface Tokenizer {
    /** A short name of the kind ("char", "gpt2", ...). */
    String kind();

    /** Number of distinct ids; every id this tokenizer produces is in [0, vocabSize()). */
    int vocabSize();

    /**
     * The ids of {@code text}. Text this tokenizer cannot represent (a character outside a char vocabulary)
     * throws {@link org.transformer4j.T4jException} naming the character and its position.
     */
    int[] encode(String text);

    /** The text of {@code ids}; an id outside the vocabulary throws {@link org.transformer4j.T4jException}. */
    String decode(int[] ids);
}
