package org.transformer4j.tokenizer;

/**
 * Text to token ids and back.
 *
 * <p>{@link #encode} gives the ids of a text alone, without the tokens a model's template adds around it (as
 * Hugging Face's {@code encode(text, add_special_tokens=False)}); a special token spelled out in the text (such
 * as {@code [MASK]} or {@code </s>}) becomes its own id for Hugging Face tokenizers. {@link #encodeWithSpecialTokens}
 * and {@link #encodePair} apply the template: {@code [CLS] a [SEP]} and {@code [CLS] a [SEP] b [SEP]} with token
 * type ids for BERT, {@code a </s>} for T5, {@code <s> a </s>} for BART, {@code <s> a} for Llama, nothing for
 * GPT-2. {@link #specialTokens} gives the ids of bos/eos/unk/pad/cls/sep/mask, -1 where absent.
 * Implementations are thread-safe.
 */
public interface Tokenizer {
    /** A short name of the kind ("char", "gpt2", "bpe", "wordpiece", "unigram"). */
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

    /** The text of {@code ids}, leaving out special tokens ([CLS], [SEP], </s>, ...) when asked to. */
    default String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(ids);
    }

    /** {@code text} with the special tokens of the tokenizer's single-sequence template; type ids all 0 here. */
    default Encoded encodeWithSpecialTokens(String text) {
        return Encoded.of(encode(text));
    }

    /** A pair of texts laid out by the tokenizer's pair template; without one, a's ids (type 0) then b's (type 1). */
    default Encoded encodePair(String a, String b) {
        int[] x = encode(a), y = encode(b);
        int[] ids = new int[x.length + y.length], types = new int[ids.length];
        System.arraycopy(x, 0, ids, 0, x.length);
        System.arraycopy(y, 0, ids, x.length, y.length);
        java.util.Arrays.fill(types, x.length, ids.length, 1);
        return new Encoded(ids, types);
    }

    /** The ids of the special tokens; -1 for those this tokenizer does not have. */
    default SpecialTokens specialTokens() {
        return SpecialTokens.NONE;
    }

    /** The id of a token spelled as in the vocabulary ("##ing", "Ġthe", "▁the", "[MASK]"), or -1. */
    default int tokenToId(String token) {
        return -1;
    }

    /** The vocabulary spelling of {@code id}, or null when the tokenizer has no such spelling or id. */
    default String idToToken(int id) {
        return null;
    }
}
