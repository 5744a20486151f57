package org.transformer4j.tokenizer;

/**
 * The ids of a tokenizer's special tokens, -1 where it has none: beginning and end of sequence, unknown,
 * padding, BERT's classifier, separator and mask tokens. GPT-2's {@code <|endoftext|>} is bos, eos and unk;
 * BERT has unk/pad/cls/sep/mask; T5 has eos {@code </s>}, pad and unk; BART/RoBERTa have bos=cls {@code <s>},
 * eos=sep {@code </s>}, pad, unk and mask; Llama has bos {@code <s>}, eos {@code </s>} and unk.
 */
public record SpecialTokens(int bos, int eos, int unk, int pad, int cls, int sep, int mask) {
    public static final SpecialTokens NONE = new SpecialTokens(-1, -1, -1, -1, -1, -1, -1);
}
