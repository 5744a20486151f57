package org.transformer4j.data;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

import org.transformer4j.T4jException;
import org.transformer4j.data.TokenFile.Dtype;

/**
 * A prepared data directory, as written by {@link Prepare}: {@code train.bin} and {@code val.bin} (see
 * {@link TokenFile}), {@code meta.json} describing them, and the tokenizer's files. Opening it checks that
 * meta.json is well-formed and that both token files have exactly the size it announces, so a truncated copy
 * fails here with a message naming the file instead of as a wrong loss hours later.
 */
public final class DataDir implements AutoCloseable {
    public static final String TRAIN = "train.bin";
    public static final String VAL = "val.bin";
    public static final String META = "meta.json";

    /** The contents of meta.json. {@code tokenizer} is "char" or "gpt2"; {@code source} the input file's name. */
    public record Meta(int vocabSize, Dtype dtype, long trainTokens, long valTokens, String tokenizer, String source) {
        public String toJson() {
            return "{\n"
                    + "  \"vocab_size\": " + vocabSize + ",\n"
                    + "  \"dtype\": " + org.transformer4j.io.Json.write(dtype.jsonName()) + ",\n"
                    + "  \"train_tokens\": " + trainTokens + ",\n"
                    + "  \"val_tokens\": " + valTokens + ",\n"
                    + "  \"tokenizer\": " + org.transformer4j.io.Json.write(tokenizer) + ",\n"
                    + "  \"source\": " + org.transformer4j.io.Json.write(source) + "\n"
                    + "}\n";
        }

        /** Reads and checks {@code file}; every problem is a T4jException naming the file and the key. */
        public static Meta read(Path file) throws IOException {
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
            } catch (CharacterCodingException e) {
                throw new T4jException(file + ": not valid UTF-8");
            }
            Object root = org.transformer4j.io.Json.parse(text, file.toString()); // errors name file, line, column
            if (!(root instanceof Map<?, ?> m)) throw new T4jException(file + ": expected a JSON object");
            long vocab = integer(file, m, "vocab_size", 1, Integer.MAX_VALUE);
            String dtypeName = string(file, m, "dtype");
            Dtype dtype = Dtype.parse(dtypeName);
            if (dtype == null) throw new T4jException(file + ": \"dtype\" must be \"uint16\" or \"uint32\", got \"" + dtypeName + "\"");
            if (dtype == Dtype.UINT16 && vocab > 65536) {
                throw new T4jException(file + ": \"dtype\" uint16 cannot hold the ids of a vocabulary of " + vocab);
            }
            long train = integer(file, m, "train_tokens", 0, Long.MAX_VALUE);
            long val = integer(file, m, "val_tokens", 0, Long.MAX_VALUE);
            String tok = string(file, m, "tokenizer");
            Object src = m.get("source");
            return new Meta((int) vocab, dtype, train, val, tok, src instanceof String s ? s : "");
        }

        private static long integer(Path file, Map<?, ?> m, String key, long min, long max) {
            Object v = m.get(key);
            if (v == null) throw new T4jException(file + ": missing key \"" + key + "\"");
            if (v instanceof Long x && x >= min && x <= max) return x;
            throw new T4jException(file + ": \"" + key + "\" must be an integer in [" + min + ", " + max + "], got " + v);
        }

        private static String string(Path file, Map<?, ?> m, String key) {
            Object v = m.get(key);
            if (v == null) throw new T4jException(file + ": missing key \"" + key + "\"");
            if (!(v instanceof String s)) throw new T4jException(file + ": \"" + key + "\" must be a string, got " + v);
            return s;
        }
    }

    private final Path dir;
    private final Meta meta;
    private final TokenFile train;
    private final TokenFile val;

    private DataDir(Path dir, Meta meta, TokenFile train, TokenFile val) {
        this.dir = dir;
        this.meta = meta;
        this.train = train;
        this.val = val;
    }

    /** True when {@code dir} looks like a prepared data directory (it has a meta.json). */
    public static boolean isDataDir(Path dir) {
        return Files.isRegularFile(dir.resolve(META));
    }

    /** Opens and checks {@code dir}; see the class comment. Close it to unmap the token files. */
    public static DataDir open(Path dir) throws IOException {
        if (!Files.exists(dir)) throw new T4jException("data directory " + dir + " does not exist");
        if (!Files.isDirectory(dir)) throw new T4jException(dir + " is not a directory (expected a prepared data directory)");
        Path metaFile = dir.resolve(META);
        if (!Files.exists(metaFile)) {
            throw new T4jException(dir + " is not a prepared data directory: it has no " + META + " (create one with 't4j prepare')");
        }
        Meta meta = Meta.read(metaFile);
        TokenFile train = openChecked(dir.resolve(TRAIN), meta.dtype(), meta.trainTokens());
        try {
            TokenFile val = openChecked(dir.resolve(VAL), meta.dtype(), meta.valTokens());
            return new DataDir(dir, meta, train, val);
        } catch (IOException | RuntimeException e) {
            train.close();
            throw e;
        }
    }

    private static TokenFile openChecked(Path file, Dtype dtype, long tokens) throws IOException {
        if (!Files.exists(file)) throw new T4jException(file + " is missing (" + META + " announces " + String.format("%,d", tokens) + " tokens)");
        long expected = tokens * dtype.bytes();
        long actual = Files.size(file);
        if (actual != expected) {
            throw new T4jException(String.format("%s: expected %,d bytes (%,d %s tokens) but the file has %,d bytes",
                    file, expected, tokens, dtype.jsonName(), actual));
        }
        try {
            return TokenFile.open(file, dtype);
        } catch (NoSuchFileException e) {
            throw new T4jException(file + " is missing");
        }
    }

    /** Checks that every id in both files is below vocab_size (reads the whole files). */
    public void validate() {
        for (TokenFile f : new TokenFile[] {train, val}) {
            long i = f.firstIdAtLeast(meta.vocabSize());
            if (i >= 0) {
                throw new T4jException(String.format("%s: token %,d has id %s but vocab_size in %s is %d",
                        f.path(), i, Integer.toUnsignedString(f.get(i)), META, meta.vocabSize()));
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public Meta meta() {
        return meta;
    }

    public int vocabSize() {
        return meta.vocabSize();
    }

    public TokenFile train() {
        return train;
    }

    public TokenFile val() {
        return val;
    }

    @Override
    public void close() {
        train.close();
        val.close();
    }
}
