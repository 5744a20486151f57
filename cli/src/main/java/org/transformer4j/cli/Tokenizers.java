package org.transformer4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.transformer4j.T4jException;
import org.transformer4j.data.Prepare;
import org.transformer4j.tokenizer.CharTokenizer;
import org.transformer4j.tokenizer.HfTokenizer;
import org.transformer4j.tokenizer.Tokenizer;
import org.transformer4j.tokenizer.TokenizerFiles;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Tokenizer files in a data or model directory, in Hugging Face's layout so the directory stays familiar:
 * <ul>
 * <li>{@code tokenizer_config.json}: {@code {"tokenizer_class": "t4j-char" | "GPT2Tokenizer",
 *     "t4j_tokenizer": "char" | "gpt2", ...}};</li>
 * <li>for the char tokenizer, {@code vocab.json}: a JSON object mapping each character to its id, written in
 *     id order (ids are explicit, so the order of keys does not matter when reading).</li>
 * </ul>
 * A Hugging Face model directory's own tokenizer files are read by {@link TokenizerFiles} (core, our own code):
 * tokenizer.json, else vocab.json + merges.txt (GPT-2 byte-level BPE), else vocab.txt (BERT WordPiece). A
 * directory with only a tokenizer_config.json naming GPT2Tokenizer/GPT2TokenizerFast loads JTokkit's r50k_base.
 * Saving a Hugging Face tokenizer copies its files, so a trained model directory carries the tokenizer it used.
 */
public final class Tokenizers {
    private Tokenizers() {}

    public static final String CONFIG = "tokenizer_config.json";
    public static final String VOCAB = "vocab.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** The tokenizer named by a kind: "gpt2" (the only kind that needs no vocabulary file). */
    public static Tokenizer byKind(String kind) {
        return switch (kind) {
            case "gpt2" -> Gpt2Tokenizer.get();
            case "char" -> throw new T4jException("the char tokenizer has no fixed vocabulary: build it from a text "
                    + "or load it from a prepared data or model directory");
            default -> throw new T4jException("unknown tokenizer '" + kind + "' (known: char, gpt2)");
        };
    }

    /** Writes the files of {@code tok} into {@code dir} (which must exist), each atomically. */
    public static void save(Tokenizer tok, Path dir) throws IOException {
        if (tok instanceof HfTokenizer hf) {
            for (Path f : hf.files()) {
                Path target = dir.resolve(f.getFileName().toString());
                if (Files.exists(target) && Files.isSameFile(f, target)) continue;
                org.transformer4j.io.AtomicFiles.writeBytes(target, Files.readAllBytes(f));
            }
            return;
        }
        ObjectNode config = JSON.createObjectNode();
        switch (tok) {
            case CharTokenizer c -> {
                config.put("tokenizer_class", "t4j-char");
                config.put("t4j_tokenizer", "char");
                config.put("vocab_size", c.vocabSize());
                ObjectNode vocab = JSON.createObjectNode();
                List<String> chars = c.chars();
                for (int id = 0; id < chars.size(); id++) vocab.put(chars.get(id), id);
                org.transformer4j.io.AtomicFiles.writeString(dir.resolve(VOCAB), JSON.writeValueAsString(vocab) + "\n");
            }
            case Gpt2Tokenizer g -> {
                config.put("tokenizer_class", "GPT2Tokenizer");
                config.put("t4j_tokenizer", "gpt2");
                config.put("vocab_size", g.vocabSize());
                config.put("encoding", "r50k_base");
                config.put("eos_token", "<|endoftext|>");
                config.put("bos_token", "<|endoftext|>");
                config.put("unk_token", "<|endoftext|>");
                config.put("model_max_length", 1024);
            }
            default -> throw new IllegalArgumentException("cannot save a tokenizer of kind " + tok.kind());
        }
        org.transformer4j.io.AtomicFiles.writeString(dir.resolve(CONFIG), JSON.writeValueAsString(config) + "\n");
    }

    /**
     * The tokenizer stored in {@code dir}, or empty when the directory has no tokenizer files. Our own files
     * (tokenizer_config.json with t4j_tokenizer) come first, then Hugging Face's ({@link TokenizerFiles}).
     * Unreadable or inconsistent files throw a T4jException naming the file.
     */
    public static Optional<Tokenizer> load(Path dir) throws IOException {
        Path configFile = dir.resolve(CONFIG);
        JsonNode config = Files.isRegularFile(configFile) ? readJson(configFile) : null;
        if (config != null && !config.isObject()) throw new T4jException(configFile + ": expected a JSON object");
        String kind = config == null ? null : text(config, "t4j_tokenizer");
        if (kind == null && TokenizerFiles.present(dir)) return TokenizerFiles.load(dir);
        if (config == null) return Optional.empty();
        String cls = text(config, "tokenizer_class");
        if (kind == null) {
            if ("GPT2Tokenizer".equals(cls) || "GPT2TokenizerFast".equals(cls)) kind = "gpt2";
            else if (cls != null) {
                throw new T4jException(configFile + ": tokenizer_class \"" + cls + "\" is not supported without its "
                        + "files (t4j reads tokenizer.json, vocab.json + merges.txt or vocab.txt; none is in " + dir + ")");
            } else {
                throw new T4jException(configFile + ": missing key \"t4j_tokenizer\" (\"char\" or \"gpt2\")");
            }
        }
        return Optional.of(switch (kind) {
            case "gpt2" -> Gpt2Tokenizer.get();
            case "char" -> loadChar(dir.resolve(VOCAB), config, configFile);
            case org.transformer4j.tokenizer.PairVocab.KIND -> org.transformer4j.tokenizer.PairVocab.load(dir);
            default -> throw new T4jException(configFile + ": unknown t4j_tokenizer \"" + kind + "\" (known: char, gpt2)");
        });
    }

    /** Like {@link #load} but a directory without a tokenizer is an error. */
    public static Tokenizer require(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new T4jException(Files.exists(dir) ? dir + " is not a directory" : dir + ": no such directory");
        }
        return load(dir).orElseThrow(() -> new T4jException(dir + " has no tokenizer (none of tokenizer.json, "
                + "vocab.json + merges.txt, vocab.txt, " + CONFIG + ")"));
    }

    private static CharTokenizer loadChar(Path vocabFile, JsonNode config, Path configFile) throws IOException {
        if (!Files.isRegularFile(vocabFile)) throw new T4jException(vocabFile + " is missing (the char tokenizer's vocabulary)");
        JsonNode vocab = readJson(vocabFile);
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new T4jException(vocabFile + ": expected a non-empty JSON object mapping characters to ids");
        }
        int n = vocab.size();
        String[] byId = new String[n];
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            String ch = e.getKey();
            JsonNode v = e.getValue();
            if (!v.canConvertToInt() || !v.isIntegralNumber()) {
                throw new T4jException(vocabFile + ": the id of " + quoted(ch) + " must be an integer, got " + v);
            }
            int id = v.intValue();
            if (id < 0 || id >= n) {
                throw new T4jException(vocabFile + ": id " + id + " of " + quoted(ch) + " is outside 0.." + (n - 1)
                        + " (ids must be 0..size-1, each used once)");
            }
            if (byId[id] != null) {
                throw new T4jException(vocabFile + ": id " + id + " is used twice (" + quoted(byId[id]) + " and " + quoted(ch) + ")");
            }
            if (ch.isEmpty() || ch.codePointCount(0, ch.length()) != 1) {
                throw new T4jException(vocabFile + ": key " + quoted(ch) + " must be exactly one character");
            }
            byId[id] = ch;
        }
        JsonNode declared = config.get("vocab_size");
        if (declared != null && declared.canConvertToInt() && declared.intValue() != n) {
            throw new T4jException(configFile + ": vocab_size " + declared.intValue() + " does not match the "
                    + n + " entries of " + vocabFile.getFileName());
        }
        try {
            return CharTokenizer.fromChars(new ArrayList<>(List.of(byId)));
        } catch (T4jException e) {
            throw new T4jException(vocabFile + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || node.isMissingNode()) throw new T4jException(file + ": the file is empty");
            return node;
        } catch (JacksonException e) {
            String msg = e.getOriginalMessage();
            var loc = e.getLocation();
            throw new T4jException(file + ": invalid JSON" + (loc != null ? " at line " + loc.getLineNr()
                    + ", column " + loc.getColumnNr() : "") + ": " + Cli.oneLine(msg), e);
        }
    }

    private static String text(JsonNode obj, String key) {
        JsonNode v = obj.get(key);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static String quoted(String s) {
        return JSON.valueToTree(s).toString();
    }

    /** A descriptive name of the tokenizer: "char (65 characters)" or "gpt2 (r50k_base, 50257 ids)". */
    public static String describe(Tokenizer tok) {
        return switch (tok) {
            case CharTokenizer c -> "char (" + c.vocabSize() + " characters)";
            case Gpt2Tokenizer g -> "gpt2 (r50k_base, " + g.vocabSize() + " ids)";
            case HfTokenizer h -> h.kind() + " (" + h.source() + ", " + h.vocabSize() + " ids)";
            default -> tok.kind() + " (" + tok.vocabSize() + " ids)";
        };
    }
}
