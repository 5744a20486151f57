package org.transformer4j.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.transformer4j.T4jException;
import org.transformer4j.io.Json;

/**
 * The Hugging Face tokenizer of a model directory, read by our own code: {@code tokenizer.json} when present
 * (model BPE, WordPiece or Unigram), else GPT-2's {@code vocab.json} + {@code merges.txt} (byte-level BPE; with
 * RoBERTa/BART's {@code <s> a </s>} when tokenizer_config.json names such a class), else BERT's
 * {@code vocab.txt} (WordPiece; {@code do_lower_case}, {@code strip_accents}, {@code tokenize_chinese_chars}
 * from tokenizer_config.json). Special tokens come from tokenizer_config.json / special_tokens_map.json, or,
 * without them, from the usual spellings. Malformed files throw a T4jException naming the file and line or field.
 */
public final class TokenizerFiles {
    private TokenizerFiles() {}

    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String VOCAB_JSON = "vocab.json";
    public static final String MERGES = "merges.txt";
    public static final String VOCAB_TXT = "vocab.txt";
    public static final String CONFIG = "tokenizer_config.json";
    public static final String SPECIAL_MAP = "special_tokens_map.json";
    public static final String ADDED_JSON = "added_tokens.json";

    /** Whether {@code dir} holds Hugging Face tokenizer files this class reads. */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve(TOKENIZER_JSON))
                || (Files.isRegularFile(dir.resolve(VOCAB_JSON)) && Files.isRegularFile(dir.resolve(MERGES)))
                || Files.isRegularFile(dir.resolve(VOCAB_TXT));
    }

    /** The tokenizer of {@code dir}, or empty when it has none of the files above. */
    public static Optional<Tokenizer> load(Path dir) {
        Map<String, Object> config = Files.isRegularFile(dir.resolve(CONFIG)) ? Json.parseObject(dir.resolve(CONFIG)) : Map.of();
        HfTokenizer tok;
        if (Files.isRegularFile(dir.resolve(TOKENIZER_JSON))) tok = readTokenizerJson(dir.resolve(TOKENIZER_JSON));
        else if (Files.isRegularFile(dir.resolve(VOCAB_JSON)) && Files.isRegularFile(dir.resolve(MERGES))) tok = readGpt2(dir, config);
        else if (Files.isRegularFile(dir.resolve(VOCAB_TXT))) tok = readBert(dir, config);
        else return Optional.empty();
        tok.setSpecialTokens(specialTokens(tok, dir, config));
        return Optional.of(tok);
    }

    // ---------------------------------------------------------------- tokenizer.json

    /** Reads one tokenizer.json (special tokens guessed from their spellings; see {@link #load} for a directory). */
    public static HfTokenizer readTokenizerJson(Path file) {
        Spec root = new Spec(file.toString(), "", Json.parseObject(file));
        Spec m = root.object("model");
        String type = m.has("type") ? m.string("type")
                : m.raw("vocab") instanceof List ? "Unigram" : m.has("merges") ? "BPE" : "WordPiece";
        TokenModel model = switch (type) {
            case "BPE" -> bpeModel(m);
            case "WordPiece" -> wordPieceModel(m);
            case "Unigram" -> unigramModel(m);
            default -> throw m.error("type", "the model \"" + type + "\" is not supported (supported: BPE, WordPiece, Unigram)");
        };
        List<AddedTokens.Token> added = new ArrayList<>();
        if (root.has("added_tokens")) {
            for (int i = 0; i < root.list("added_tokens").size(); i++) {
                Spec t = root.element("added_tokens", i);
                added.add(new AddedTokens.Token(t.string("content"), t.integer("id"), t.bool("special", false),
                        t.bool("lstrip", false), t.bool("rstrip", false), t.bool("single_word", false),
                        t.bool("normalized", !t.bool("special", false))));
            }
        }
        Spec n = root.objectOrNull("normalizer"), p = root.objectOrNull("pre_tokenizer");
        Spec pp = root.objectOrNull("post_processor"), d = root.objectOrNull("decoder");
        HfTokenizer tok = new HfTokenizer(model, n == null ? null : Normalizer.parse(n), p == null ? null : PreTokenizer.parse(p),
                pp == null ? null : PostProcessor.parse(pp), d == null ? null : Decoder.parse(d), added, file.toString(),
                siblings(file.getParent(), TOKENIZER_JSON));
        tok.setSpecialTokens(guessSpecials(tok));
        return tok;
    }

    private static Bpe bpeModel(Spec m) {
        Spec v = m.object("vocab");
        Map<String, Integer> vocab = Bpe.newVocab(v.map.size());
        for (String k : v.map.keySet()) vocab.put(k, v.integer(k));
        List<Object> raw = m.has("merges") ? m.list("merges") : List.of();
        List<String[]> merges = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            Object e = raw.get(i);
            if (e instanceof String s) {
                String[] parts = s.split(" ", -1);
                if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                    throw new T4jException(m.where("merges") + "[" + i + "]: expected \"left right\", found \"" + s + "\"");
                }
                merges.add(parts);
            } else if (e instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String a && l.get(1) instanceof String b) {
                merges.add(new String[] {a, b});
            } else {
                throw new T4jException(m.where("merges") + "[" + i + "]: expected \"left right\" or [\"left\", \"right\"]");
            }
        }
        Object dropout = m.raw("dropout");
        if (dropout instanceof Number x && x.doubleValue() > 0) throw m.error("dropout", "BPE dropout is not supported (it makes encoding random)");
        return new Bpe(vocab, merges, i -> m.where("merges") + "[" + i + "]", m.string("unk_token", null),
                m.bool("byte_fallback", false), m.bool("fuse_unk", false), m.bool("ignore_merges", false),
                m.string("continuing_subword_prefix", null), m.string("end_of_word_suffix", null), m.where("vocab"));
    }

    private static WordPiece wordPieceModel(Spec m) {
        Spec v = m.object("vocab");
        Map<String, Integer> vocab = Bpe.newVocab(v.map.size());
        for (String k : v.map.keySet()) vocab.put(k, v.integer(k));
        return new WordPiece(vocab, Bpe.invert(vocab, m.where("vocab")), m.string("unk_token", "[UNK]"),
                m.string("continuing_subword_prefix", "##"), m.integer("max_input_chars_per_word", 100), m.where("vocab"));
    }

    private static Unigram unigramModel(Spec m) {
        List<Object> v = m.list("vocab");
        String[] pieces = new String[v.size()];
        double[] scores = new double[v.size()];
        for (int i = 0; i < pieces.length; i++) {
            if (!(v.get(i) instanceof List<?> e) || e.size() != 2 || !(e.get(0) instanceof String piece)
                    || !(e.get(1) instanceof Number score)) {
                throw new T4jException(m.where("vocab") + "[" + i + "]: expected [\"piece\", score]");
            }
            pieces[i] = piece;
            scores[i] = score.doubleValue();
        }
        int unk = m.has("unk_id") ? m.integer("unk_id") : -1;
        return new Unigram(pieces, scores, unk, m.bool("byte_fallback", false), m.where("vocab"));
    }

    // ---------------------------------------------------------------- vocab.json + merges.txt

    private static HfTokenizer readGpt2(Path dir, Map<String, Object> config) {
        Path vf = dir.resolve(VOCAB_JSON), mf = dir.resolve(MERGES);
        Spec v = new Spec(vf.toString(), "", Json.parseObject(vf));
        Map<String, Integer> vocab = Bpe.newVocab(v.map.size());
        for (String k : v.map.keySet()) vocab.put(k, v.integer(k));
        List<String> lines = readLines(mf);
        List<String[]> merges = new ArrayList<>(lines.size());
        List<Integer> lineNo = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if ((i == 0 && line.startsWith("#version")) || line.isEmpty()) continue;
            String[] parts = line.split(" ", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new T4jException(mf + ": line " + (i + 1) + ": expected two tokens separated by one space, found \"" + line + "\"");
            }
            merges.add(parts);
            lineNo.add(i + 1);
        }
        Bpe model = new Bpe(vocab, merges, r -> mf + ": line " + lineNo.get(r), null, false, false, false, null, null, vf.toString());
        String cls = str(config.get("tokenizer_class"));
        boolean roberta = cls != null && (cls.startsWith("Roberta") || cls.startsWith("Bart") || cls.startsWith("Longformer"));
        boolean prefixSpace = config.get("add_prefix_space") instanceof Boolean b && b;
        List<AddedTokens.Token> added = configAddedTokens(dir, config, vocab);
        if (added.isEmpty()) {
            for (String name : roberta ? List.of("<s>", "<pad>", "</s>", "<unk>", "<mask>") : List.of("<|endoftext|>")) {
                Integer id = vocab.get(name);
                if (id != null) added.add(new AddedTokens.Token(name, id, true, name.equals("<mask>"), false, false, false));
            }
        }
        PostProcessor post = PostProcessor.NONE;
        if (roberta) {
            Integer s = vocab.get("<s>"), e = vocab.get("</s>");
            if (s == null || e == null) throw new T4jException(vf + ": " + cls + " needs <s> and </s> in the vocabulary");
            post = PostProcessor.roberta(s, e);
        }
        return new HfTokenizer(model, null, PreTokenizer.byteLevel(prefixSpace, true), post, Decoder::byteLevel, added,
                dir.resolve(VOCAB_JSON) + " + " + MERGES, siblings(dir, VOCAB_JSON, MERGES));
    }

    // ---------------------------------------------------------------- vocab.txt

    private static HfTokenizer readBert(Path dir, Map<String, Object> config) {
        Path vf = dir.resolve(VOCAB_TXT);
        List<String> lines = readLines(vf);
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines = lines.subList(0, lines.size() - 1);
        Map<String, Integer> vocab = Bpe.newVocab(lines.size());
        String[] byId = new String[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i);
            if (t.endsWith("\r")) t = t.substring(0, t.length() - 1);
            vocab.put(t, i);   // a repeated line maps to its last id, as transformers' load_vocab
            byId[i] = t;
        }
        if (vocab.isEmpty()) throw new T4jException(vf + ": the vocabulary is empty");
        String unk = tokenString(config.get("unk_token"), "[UNK]");
        WordPiece model = new WordPiece(vocab, byId, unk, "##", 100, vf.toString());
        boolean lower = !(config.get("do_lower_case") instanceof Boolean b) || b;
        Object sa = config.get("strip_accents");
        boolean strip = sa instanceof Boolean b ? b : lower;
        boolean chinese = !(config.get("tokenize_chinese_chars") instanceof Boolean b) || b;
        List<AddedTokens.Token> added = configAddedTokens(dir, config, vocab);
        if (added.isEmpty()) {
            for (String key : List.of("unk_token", "sep_token", "pad_token", "cls_token", "mask_token")) {
                String name = tokenString(config.get(key), switch (key) {
                    case "unk_token" -> "[UNK]";
                    case "sep_token" -> "[SEP]";
                    case "pad_token" -> "[PAD]";
                    case "cls_token" -> "[CLS]";
                    default -> "[MASK]";
                });
                Integer id = vocab.get(name);
                if (id != null) added.add(new AddedTokens.Token(name, id, true, false, false, false, false));
            }
        }
        String cls = tokenString(config.get("cls_token"), "[CLS]"), sep = tokenString(config.get("sep_token"), "[SEP]");
        if (!vocab.containsKey(cls) || !vocab.containsKey(sep)) {
            throw new T4jException(vf + ": the vocabulary has no " + (vocab.containsKey(cls) ? sep : cls) + " token");
        }
        Normalizer norm = Normalizer.bert(true, chinese, strip, lower);
        PreTokenizer pre = (p, out) -> PreTokenizer.splitChars(p, Normalizer::isWhitespace, PreTokenizer.Behavior.REMOVED,
                q -> PreTokenizer.splitChars(q, Normalizer::isPunctuation, PreTokenizer.Behavior.ISOLATED, out::add));
        return new HfTokenizer(model, norm, pre, PostProcessor.bert(vocab.get(cls), vocab.get(sep)), Decoder.wordPiece("##", true),
                added, vf.toString(), siblings(dir, VOCAB_TXT));
    }

    // ---------------------------------------------------------------- special tokens

    /** Added tokens named by tokenizer_config.json's added_tokens_decoder and by added_tokens.json. */
    private static List<AddedTokens.Token> configAddedTokens(Path dir, Map<String, Object> config, Map<String, Integer> vocab) {
        List<AddedTokens.Token> out = new ArrayList<>();
        Path cf = dir.resolve(CONFIG);
        if (config.get("added_tokens_decoder") != null) {
            Spec dec = new Spec(cf.toString(), "", config).object("added_tokens_decoder");
            for (String key : dec.map.keySet()) {
                int id;
                try {
                    id = Integer.parseInt(key);
                } catch (NumberFormatException e) {
                    throw dec.error(key, "expected an integer id as the key");
                }
                Spec t = dec.object(key);
                out.add(new AddedTokens.Token(t.string("content"), id, t.bool("special", false), t.bool("lstrip", false),
                        t.bool("rstrip", false), t.bool("single_word", false), t.bool("normalized", !t.bool("special", false))));
            }
        }
        Path af = dir.resolve(ADDED_JSON);
        if (Files.isRegularFile(af)) {
            Spec a = new Spec(af.toString(), "", Json.parseObject(af));
            for (String content : a.map.keySet()) {
                int id = a.integer(content);
                if (out.stream().noneMatch(t -> t.id() == id)) out.add(new AddedTokens.Token(content, id, false, false, false, false, true));
            }
        }
        for (AddedTokens.Token t : out) {
            if (vocab.containsKey(t.content()) && vocab.get(t.content()) != t.id()) {
                throw new T4jException(cf + ": added token \"" + t.content() + "\" has id " + t.id() + " but the vocabulary gives it "
                        + vocab.get(t.content()));
            }
        }
        return out;
    }

    private static SpecialTokens specialTokens(HfTokenizer tok, Path dir, Map<String, Object> config) {
        Map<String, Object> named = new LinkedHashMap<>();
        Path sm = dir.resolve(SPECIAL_MAP);
        if (Files.isRegularFile(sm)) named.putAll(Json.parseObject(sm));
        for (String k : KEYS) if (config.get(k) != null) named.put(k, config.get(k));
        boolean any = false;
        int[] ids = new int[KEYS.size()];
        for (int i = 0; i < ids.length; i++) {
            String name = tokenString(named.get(KEYS.get(i)), null);
            ids[i] = name == null ? -1 : tok.tokenToId(name);
            if (name != null) {
                any = true;
                if (ids[i] < 0) {
                    throw new T4jException((config.containsKey(KEYS.get(i)) ? dir.resolve(CONFIG) : sm) + ": " + KEYS.get(i)
                            + " \"" + name + "\" is not in the vocabulary");
                }
            }
        }
        if (!any) return guessSpecials(tok);
        return new SpecialTokens(ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]);
    }

    private static final List<String> KEYS = List.of("bos_token", "eos_token", "unk_token", "pad_token", "cls_token", "sep_token", "mask_token");

    /** Special tokens from their usual spellings, for a tokenizer.json without a tokenizer_config.json. */
    static SpecialTokens guessSpecials(HfTokenizer tok) {
        boolean roberta = tok.postProcessor().roberta;
        int unk = tok.modelUnkToken() != null ? tok.tokenToId(tok.modelUnkToken()) : first(tok, "<unk>", "[UNK]", "<|endoftext|>");
        return new SpecialTokens(
                first(tok, "<s>", "<|begin_of_text|>", "<|startoftext|>", "<|endoftext|>"),
                first(tok, "</s>", "<|end_of_text|>", "<|endoftext|>"),
                unk,
                first(tok, "<pad>", "[PAD]", "<|pad|>"),
                roberta ? first(tok, "<s>") : first(tok, "[CLS]"),
                roberta ? first(tok, "</s>") : first(tok, "[SEP]"),
                first(tok, "[MASK]", "<mask>"));
    }

    private static int first(HfTokenizer tok, String... names) {
        for (String n : names) {
            int id = tok.tokenToId(n);
            if (id >= 0) return id;
        }
        return -1;
    }

    /** A token in tokenizer_config.json: a string or an AddedToken object {"content": ...}. */
    private static String tokenString(Object v, String def) {
        if (v instanceof String s) return s;
        if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) return s;
        return def;
    }

    private static String str(Object v) {
        return v instanceof String s ? s : null;
    }

    private static List<String> readLines(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new T4jException(file + ": cannot read: " + e.getMessage(), e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new T4jException(file + ": not valid UTF-8 text");
        }
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        return lines;
    }

    /** The given files of {@code dir} plus the configuration files beside them, those that exist. */
    private static List<Path> siblings(Path dir, String... names) {
        List<Path> out = new ArrayList<>();
        if (dir == null) dir = Path.of(".");
        for (String n : names) out.add(dir.resolve(n));
        for (String n : List.of(CONFIG, SPECIAL_MAP, ADDED_JSON)) if (Files.isRegularFile(dir.resolve(n))) out.add(dir.resolve(n));
        return out;
    }

}
