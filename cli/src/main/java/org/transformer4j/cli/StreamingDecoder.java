package org.transformer4j.cli;

import java.util.Arrays;

import org.transformer4j.tokenizer.Tokenizer;

/**
 * Turns a stream of token ids into text as it comes. A byte-level BPE token can end inside a multi-byte
 * character, so the text of the ids seen so far is decoded again and only the part after what was already
 * printed is emitted, holding back while it ends in an incomplete character (U+FFFD). The ids are decoded after
 * the prompt's, because a token's text can depend on what precedes it (a SentencePiece "▁For" is " For" after a
 * word but "For" at the start of a text).
 */
final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private int[] ids = new int[64];
    private int count;
    private int printed;

    StreamingDecoder(Tokenizer tokenizer) {
        this(tokenizer, new int[0]);
    }

    /** A decoder whose text starts after that of {@code prompt} (the prompt itself is never returned). */
    StreamingDecoder(Tokenizer tokenizer, int[] prompt) {
        this.tokenizer = tokenizer;
        this.ids = Arrays.copyOf(prompt, Math.max(64, prompt.length * 2));
        this.count = prompt.length;
        this.printed = prompt.length == 0 ? 0 : tokenizer.decode(prompt).length();
    }

    /** Adds one id and returns the new text that can be printed now (possibly empty). */
    String add(int id) {
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        String text = tokenizer.decode(Arrays.copyOf(ids, count));
        if (text.endsWith("\uFFFD")) {
            return "";
        }
        String fresh = text.substring(Math.min(printed, text.length()));
        printed = text.length();
        return fresh;
    }

    /** Whatever is left (an incomplete character at the very end is printed as it is). */
    String finish() {
        String text = tokenizer.decode(Arrays.copyOf(ids, count));
        String fresh = text.substring(Math.min(printed, text.length()));
        printed = text.length();
        return fresh;
    }
}
