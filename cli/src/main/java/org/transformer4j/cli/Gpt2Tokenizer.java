package org.transformer4j.cli;

import org.transformer4j.T4jException;
import org.transformer4j.tokenizer.Tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * GPT-2's byte-level BPE (OpenAI's r50k_base, 50,257 ids), through JTokkit. Text is encoded as ordinary text:
 * a literal {@code <|endoftext|>} in the input becomes the ids of its characters, as tiktoken's
 * {@code encode_ordinary} and nanoGPT's prepare.py do, never the special id 50256. Thread-safe.
 */
public final class Gpt2Tokenizer implements Tokenizer {
    public static final int VOCAB_SIZE = 50257;
    /** The id of {@code <|endoftext|>}, GPT-2's document separator. */
    public static final int END_OF_TEXT = 50256;

    private static final Gpt2Tokenizer INSTANCE = new Gpt2Tokenizer();

    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    private Gpt2Tokenizer() {}

    public static Gpt2Tokenizer get() {
        return INSTANCE;
    }

    @Override
    public String kind() {
        return "gpt2";
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int[] encode(String text) {
        return encoding.encodeOrdinary(text).toArray();
    }

    /**
     * The text of {@code ids}. Byte sequences that are not valid UTF-8 (a multi-byte character cut between
     * tokens) decode to U+FFFD, as Python's {@code bytes.decode(errors="replace")} used by tiktoken.
     */
    @Override
    public String decode(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= VOCAB_SIZE) {
                throw new T4jException("token id " + ids[i] + " at position " + i
                        + " is outside GPT-2's vocabulary (valid ids are 0.." + (VOCAB_SIZE - 1) + ")");
            }
            list.add(ids[i]);
        }
        return encoding.decode(list);
    }

    @Override
    public String toString() {
        return "Gpt2Tokenizer[r50k_base]";
    }
}
