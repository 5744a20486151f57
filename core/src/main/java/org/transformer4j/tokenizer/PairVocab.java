package org.transformer4j.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.transformer4j.T4jException;
import org.transformer4j.io.AtomicFiles;
import org.transformer4j.io.Json;

/**
 * The character vocabulary of a sequence-to-sequence model trained on (source, target) pairs: three special ids
 * first, <pad> = 0, <s> = 1 (decoder start) and </s> = 2 (end of sequence), then every character of the pairs in
 * code point order. Saved beside the model as vocab.json (token to id) and tokenizer_config.json
 * ("t4j_tokenizer": "seq2seq-char"). {@link #encode} never adds specials; {@link #decode} drops them.
 */
public final class PairVocab implements Tokenizer {
    public static final int PAD = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    public static final List<String> SPECIALS = List.of("<pad>", "<s>", "</s>");
    public static final String KIND = "seq2seq-char";
    static final String VOCAB = "vocab.json";
    static final String CONFIG = "tokenizer_config.json";

    private final CharTokenizer chars;

    private PairVocab(CharTokenizer chars) {
        this.chars = chars;
    }

    /** The vocabulary of the given texts (every source and target). */
    public static PairVocab fromTexts(Iterable<String> texts) {
        TreeSet<Integer> cps = new TreeSet<>();
        for (String t : texts) {
            t.codePoints().forEach(cps::add);
        }
        if (cps.isEmpty()) {
            throw new T4jException("cannot build a vocabulary: the pairs contain no characters");
        }
        return new PairVocab(CharTokenizer.fromCodePoints(cps.stream().mapToInt(Integer::intValue).toArray()));
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int vocabSize() {
        return SPECIALS.size() + chars.vocabSize();
    }

    @Override
    public int[] encode(String text) {
        int[] ids = chars.encode(text);
        for (int i = 0; i < ids.length; i++) {
            ids[i] += SPECIALS.size();
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        int n = 0;
        int[] kept = new int[ids.length];
        for (int id : ids) {
            if (id < 0 || id >= vocabSize()) {
                throw new T4jException("token id " + id + " is outside the vocabulary of size " + vocabSize());
            }
            if (id >= SPECIALS.size()) {
                kept[n++] = id - SPECIALS.size();
            }
        }
        return chars.decode(java.util.Arrays.copyOf(kept, n));
    }

    /** Writes vocab.json and tokenizer_config.json into {@code dir}. */
    public void save(Path dir) {
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int i = 0; i < SPECIALS.size(); i++) {
            vocab.put(SPECIALS.get(i), i);
        }
        List<String> cs = chars.chars();
        for (int i = 0; i < cs.size(); i++) {
            vocab.put(cs.get(i), i + SPECIALS.size());
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("tokenizer_class", "t4j-seq2seq-char");
        config.put("t4j_tokenizer", KIND);
        config.put("vocab_size", vocabSize());
        config.put("pad_token", SPECIALS.get(PAD));
        config.put("bos_token", SPECIALS.get(BOS));
        config.put("eos_token", SPECIALS.get(EOS));
        AtomicFiles.writeString(dir.resolve(VOCAB), Json.writePretty(vocab) + "\n");
        AtomicFiles.writeString(dir.resolve(CONFIG), Json.writePretty(config) + "\n");
    }

    /** Whether {@code dir} holds a vocabulary written by {@link #save}. */
    public static boolean isIn(Path dir) {
        Path config = dir.resolve(CONFIG);
        return Files.isRegularFile(config)
                && KIND.equals(Json.getString(Json.parseObject(config), "t4j_tokenizer", ""));
    }

    /** Reads the vocabulary {@link #save} wrote. */
    public static PairVocab load(Path dir) {
        Path file = dir.resolve(VOCAB);
        if (!Files.isRegularFile(file)) {
            throw new T4jException(dir + ": " + VOCAB + " is missing (the seq2seq vocabulary)");
        }
        Map<String, Object> m = Json.parseObject(file);
        String[] byId = new String[m.size()];
        for (var e : m.entrySet()) {
            if (!(e.getValue() instanceof Number num) || num.intValue() < 0 || num.intValue() >= byId.length
                    || byId[num.intValue()] != null) {
                throw new T4jException(file + ": bad or repeated id for " + e.getKey() + " (ids must be 0.." + (byId.length - 1)
                        + ", each once)");
            }
            byId[num.intValue()] = e.getKey();
        }
        for (int i = 0; i < SPECIALS.size(); i++) {
            if (!SPECIALS.get(i).equals(byId[i])) {
                throw new T4jException(file + ": id " + i + " must be " + SPECIALS.get(i) + ", got " + byId[i]);
            }
        }
        List<String> cs = new ArrayList<>();
        for (int i = SPECIALS.size(); i < byId.length; i++) {
            cs.add(byId[i]);
        }
        return new PairVocab(CharTokenizer.fromChars(cs));
    }
}
