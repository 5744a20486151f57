package org.transformer4j.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;

/**
 * A Hugging Face tokenizer, the same pipeline as the {@code tokenizers} library: added tokens are split out of
 * the text first (those marked normalized after normalizing), the rest is normalized, pre-tokenized into words,
 * and each word is encoded by the model ({@link Bpe}, {@link WordPiece} or {@link Unigram}); the post-processor's
 * template adds special tokens when asked. Decoding maps ids to their spellings and runs the decoder chain.
 * Built by {@link TokenizerFiles} from tokenizer.json, vocab.json + merges.txt, or vocab.txt.
 */
public final class HfTokenizer implements Tokenizer {
    private final TokenModel model;
    private final Normalizer normalizer;        // null: none
    private final PreTokenizer preTokenizer;    // null: the whole text is one word
    private final PostProcessor post;
    private final Decoder decoder;              // null: tokens joined with spaces
    private final AddedTokens rawTokens;        // matched in the raw text
    private final AddedTokens normalizedTokens; // matched in normalized text
    private final Map<Integer, AddedTokens.Token> addedById = new HashMap<>();
    private final Map<String, Integer> addedByContent = new HashMap<>();
    private final int vocabSize;
    private final String source;
    private final List<Path> files;
    private SpecialTokens specials = SpecialTokens.NONE;

    HfTokenizer(TokenModel model, Normalizer normalizer, PreTokenizer preTokenizer, PostProcessor post, Decoder decoder,
                List<AddedTokens.Token> added, String source, List<Path> files) {
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.post = post == null ? PostProcessor.NONE : post;
        this.decoder = decoder;
        this.source = source;
        this.files = List.copyOf(files);
        List<AddedTokens.Token> raw = new ArrayList<>(), norm = new ArrayList<>();
        int size = model.size();
        for (AddedTokens.Token t : added) {
            addedById.put(t.id(), t);
            addedByContent.put(t.content(), t.id());
            size = Math.max(size, t.id() + 1);
            if (t.normalized() && normalizer != null) {
                norm.add(new AddedTokens.Token(normalizer.normalize(t.content()), t.id(), t.special(), t.lstrip(),
                        t.rstrip(), t.singleWord(), true));
            } else {
                raw.add(t);
            }
        }
        this.rawTokens = new AddedTokens(raw);
        this.normalizedTokens = new AddedTokens(norm);
        this.vocabSize = size;
    }

    @Override
    public String kind() {
        return model.kind();
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /** Where the tokenizer came from ("DIR/tokenizer.json"). */
    public String source() {
        return source;
    }

    /** The files it was read from, to be copied when a model directory is written. */
    public List<Path> files() {
        return files;
    }

    @Override
    public int[] encode(String text) {
        IntBuffer out = new IntBuffer(text.length() / 3 + 4);
        List<AddedTokens.Part> parts = new ArrayList<>();
        rawTokens.split(text, true, parts);
        for (AddedTokens.Part p : parts) {
            if (p.text() == null) {
                out.add(p.id());
                continue;
            }
            String normalized = normalizer == null ? p.text() : normalizer.normalize(p.text());
            if (normalizedTokens.isEmpty()) {
                encodeWords(normalized, p.atStart(), out);
                continue;
            }
            List<AddedTokens.Part> inner = new ArrayList<>();
            normalizedTokens.split(normalized, p.atStart(), inner);
            for (AddedTokens.Part q : inner) {
                if (q.text() == null) out.add(q.id());
                else encodeWords(q.text(), q.atStart(), out);
            }
        }
        return out.toArray();
    }

    private void encodeWords(String normalized, boolean atStart, IntBuffer out) {
        if (normalized.isEmpty()) return;
        PreTokenizer.Piece whole = new PreTokenizer.Piece(normalized, atStart);
        if (preTokenizer == null) {
            model.tokenize(normalized, out);
            return;
        }
        List<PreTokenizer.Piece> words = new ArrayList<>();
        preTokenizer.split(whole, words);
        for (PreTokenizer.Piece w : words) model.tokenize(w.text(), out);
    }

    @Override
    public Encoded encodeWithSpecialTokens(String text) {
        return post.apply(encode(text), null);
    }

    @Override
    public Encoded encodePair(String a, String b) {
        return post.apply(encode(a), encode(b));
    }

    @Override
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            AddedTokens.Token added = addedById.get(ids[i]);
            if (added != null) {
                if (!(skipSpecialTokens && added.special())) tokens.add(added.content());
                continue;
            }
            String t = model.idToToken(ids[i]);
            if (t == null) {
                throw new T4jException("token id " + ids[i] + " at position " + i + " is outside the vocabulary of "
                        + source + " (valid ids are 0.." + (vocabSize - 1) + ")");
            }
            tokens.add(t);
        }
        if (decoder == null) return String.join(" ", tokens);
        return String.join("", decoder.decode(tokens));
    }

    @Override
    public SpecialTokens specialTokens() {
        return specials;
    }

    void setSpecialTokens(SpecialTokens s) {
        this.specials = s;
    }

    /** Whether {@code id} is a special added token ([CLS], </s>, ...). */
    public boolean isSpecial(int id) {
        AddedTokens.Token t = addedById.get(id);
        return t != null && t.special();
    }

    @Override
    public int tokenToId(String token) {
        Integer id = addedByContent.get(token);
        return id != null ? id : model.tokenToId(token);
    }

    @Override
    public String idToToken(int id) {
        AddedTokens.Token t = addedById.get(id);
        return t != null ? t.content() : model.idToToken(id);
    }

    String modelUnkToken() {
        return model.unkToken();
    }

    PostProcessor postProcessor() {
        return post;
    }

    /** The added tokens marked special, by content. */
    List<String> specialContents() {
        List<String> out = new ArrayList<>();
        for (AddedTokens.Token t : addedById.values()) if (t.special()) out.add(t.content());
        return out;
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + model.kind() + ", " + vocabSize + " ids, " + source + "]";
    }
}
