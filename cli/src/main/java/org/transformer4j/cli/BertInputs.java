package org.transformer4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import org.transformer4j.T4jException;
import org.transformer4j.model.Bert;
import org.transformer4j.model.BertFiles;
import org.transformer4j.tokenizer.Tokenizer;

/**
 * A BERT model directory opened for the encoder commands (inspect, embed, finetune): the model and its tokenizer,
 * and how text becomes the model's input. With a tokenizer that has no special tokens (char, gpt2) a t4j-trained
 * BERT reads [CLS] followed by the text's ids, as it was pretrained ({@code cls_token_id} in config.json).
 */
record BertInputs(Path dir, Bert model, Optional<Tokenizer> tokenizer) {
    static BertInputs open(Path dir) throws IOException {
        return new BertInputs(dir, BertFiles.load(dir), Tokenizers.load(dir));
    }

    /**
     * The model input for {@code text}. A Hugging Face BERT tokenizer (vocab.txt or tokenizer.json) lays it out
     * with its own template, {@code [CLS] text [SEP]}, as transformers does; otherwise [CLS] (when the model has
     * one) and the text's ids.
     */
    int[] encode(String text) {
        Tokenizer tok = tokenizer.orElseThrow(() -> new T4jException(dir + " has no tokenizer files, so text cannot "
                + "be encoded (give token ids instead)"));
        if (tok.specialTokens().cls() >= 0) {
            return tok.encodeWithSpecialTokens(text).ids();
        }
        int[] ids = tok.encode(text);
        int cls = model.config.clsTokenId();
        if (cls < 0) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = cls;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** Checks length and ids against the model; {@code what} names the input in the error ("line 3"). */
    int[] check(int[] ids, String what) {
        if (ids.length == 0) {
            throw new T4jException(what + " is empty: give at least one token");
        }
        if (ids.length > model.config.maxPositions()) {
            throw new T4jException(what + " has " + ids.length + " tokens; this model's max_position_embeddings is "
                    + model.config.maxPositions());
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= model.config.vocabSize()) {
                throw new T4jException(what + ": token id " + ids[i] + " at position " + i
                        + " is outside the vocabulary of size " + model.config.vocabSize());
            }
        }
        return ids;
    }

    /** Right-pads rows into one [B, T] batch; returns the ids and fills {@code lengths}. */
    static int[] pad(int[][] rows, int[] lengths) {
        int t = 0;
        for (int[] r : rows) {
            t = Math.max(t, r.length);
        }
        int[] ids = new int[rows.length * t];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(rows[b], 0, ids, b * t, rows[b].length);
            lengths[b] = rows[b].length;
        }
        return ids;
    }

    static int width(int[] lengths) {
        return Arrays.stream(lengths).max().orElse(0);
    }
}
