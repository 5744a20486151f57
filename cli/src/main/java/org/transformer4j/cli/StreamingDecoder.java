package org.transformer4j.cli;

import java.util.Arrays;

import org.transformer4j.tokenizer.Tokenizer;

/**
 * Turns a stream of token ids into text as it comes. A byte-level BPE token can end inside a multi-byte
 * character, so the text of the ids seen so far is decoded again and only the part after what was already
 * printed is emitted, holding back while it ends in an incomplete character (U+FFFD).
 */
final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private int[] ids = new int[64];
    private int count;
    private int printed;

    StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
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
