package org.transformer4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.transformer4j.T4jException;
import org.transformer4j.model.Bert;
import org.transformer4j.model.BertFiles;
import org.transformer4j.tokenizer.Encoded;
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

    /** The model input for one text (every token of type 0): see {@link #encode(String, String)}. */
    int[] encode(String text) {
        return encode(text, null).ids();
    }

    /**
     * The model input for {@code text}, or for the pair ({@code text}, {@code pair}) when {@code pair} is not null,
     * with its token types. A Hugging Face BERT tokenizer (vocab.txt or tokenizer.json) lays it out with its own
     * template, {@code [CLS] text [SEP]} or {@code [CLS] text [SEP] pair [SEP]} with types 0 up to and including
     * the first [SEP] and 1 after, as transformers' tokenizer(text, text_pair) does. Otherwise (a t4j-trained BERT
     * with a char or gpt2 tokenizer, which has no [SEP]) [CLS] when the model has one, the text's ids, then the
     * pair's ids with type 1.
     */
    Encoded encode(String text, String pair) {
        Tokenizer tok = tokenizer.orElseThrow(() -> new T4jException(dir + " has no tokenizer files, so text cannot "
                + "be encoded (give token ids instead)"));
        if (tok.specialTokens().cls() >= 0) {
            return pair == null ? tok.encodeWithSpecialTokens(text) : tok.encodePair(text, pair);
        }
        int[] a = tok.encode(text);
        int[] b = pair == null ? new int[0] : tok.encode(pair);
        int cls = model.config.clsTokenId() < 0 ? 0 : 1;
        int[] ids = new int[cls + a.length + b.length];
        int[] types = new int[ids.length];
        if (cls == 1) {
            ids[0] = model.config.clsTokenId();
        }
        System.arraycopy(a, 0, ids, cls, a.length);
        System.arraycopy(b, 0, ids, cls + a.length, b.length);
        Arrays.fill(types, cls + a.length, ids.length, 1);
        return new Encoded(ids, types);
    }

    /** Checks ids (see {@link #check(int[], String)}) and token types against the model. */
    Encoded check(Encoded e, String what) {
        check(e.ids(), what);
        int n = model.config.typeVocabSize();
        for (int i = 0; i < e.typeIds().length; i++) {
            int type = e.typeIds()[i];
            if (type < 0 || type >= n) {
                throw new T4jException(what + ": token type " + type + " at position " + i + " is outside this "
                        + "model's type_vocab_size " + n + (n == 1 ? " (it takes single texts, not pairs)" : ""));
            }
        }
        return e;
    }

    /** One input of embed or classify: a text, the second text of a pair (or null), its line (0 for --text). */
    record TextInput(String text, String pair, int line) {}

    /** {@code --text-pair} only completes {@code --text}; a file gives its pairs as text TAB text_pair lines. */
    static void requireTextForPair(String text, String textPair) {
        if (textPair != null && text == null) {
            throw new T4jException("--text-pair needs --text (for --input, put text TAB text_pair on each line)");
        }
    }

    /**
     * The inputs of {@code --text} (with {@code --text-pair}) or, when text is null, of the {@code --input} file:
     * one per non-empty line, a TAB splitting a pair.
     */
    static List<TextInput> readTexts(String text, String textPair, Path input) throws IOException {
        requireTextForPair(text, textPair);
        if (text != null) {
            return List.of(new TextInput(text, textPair, 0));
        }
        List<String> lines = Files.readAllLines(input, StandardCharsets.UTF_8);
        List<TextInput> inputs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                String[] pair = splitPair(lines.get(i));
                inputs.add(new TextInput(pair[0], pair[1], i + 1));
            }
        }
        return inputs;
    }

    /** Splits an input line at its first TAB into (text, text_pair); a line without a TAB is one text. */
    private static String[] splitPair(String line) {
        int tab = line.indexOf('\t');
        return tab < 0 ? new String[] {line, null} : new String[] {line.substring(0, tab), line.substring(tab + 1)};
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

    /** The token types of encoded rows right-padded (with 0) like {@link #pad}. */
    static int[] padTypes(Encoded[] rows, int width) {
        int[] types = new int[rows.length * width];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(rows[b].typeIds(), 0, types, b * width, rows[b].length());
        }
        return types;
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
