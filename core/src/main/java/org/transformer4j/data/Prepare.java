package org.transformer4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.transformer4j.T4jException;
import org.transformer4j.data.TokenFile.Dtype;
import org.transformer4j.tokenizer.Tokenizer;

/**
 * Turns a text file into a {@link DataDir}, as nanoGPT's {@code data/shakespeare_char/prepare.py} and
 * {@code data/shakespeare/prepare.py} do: the first 90% of the text's characters (code points, Python's
 * {@code int(n * 0.9)}) become train.bin and the rest val.bin, each half encoded on its own. For a character
 * tokenizer this is exactly a 90/10 split of the token sequence; for GPT-2 it reproduces nanoGPT's files id
 * for id (no token straddles the split).
 */
public final class Prepare {
    private Prepare() {}

    /** Fraction of the text that goes to train.bin. */
    public static final double TRAIN_FRACTION = 0.9;

    /** What was written. */
    public record Summary(Path outDir, String source, long characters, String tokenizer, int vocabSize, Dtype dtype,
                          long trainTokens, long valTokens) {}

    /** Writes extra files (the tokenizer's) into the output directory before meta.json marks it complete. */
    @FunctionalInterface
    public interface ExtraFiles {
        void write(Path dir) throws IOException;
    }

    /** Reads {@code input} as strict UTF-8; a missing, unreadable, non-UTF-8 or empty file is a T4jException. */
    public static String readText(Path input) throws IOException {
        String text = readUtf8(input);
        if (text.isEmpty()) throw new T4jException(input + ": the file is empty");
        return text;
    }

    /** Reads {@code input} as strict UTF-8 (malformed bytes are an error naming the file, never replaced). */
    public static String readUtf8(Path input) throws IOException {
        if (Files.isDirectory(input)) throw new T4jException(input + ": is a directory, expected a text file");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(input);
        } catch (NoSuchFileException e) {
            throw new T4jException(input + ": no such file");
        } catch (AccessDeniedException e) {
            throw new T4jException(input + ": permission denied");
        } catch (OutOfMemoryError e) {
            throw new T4jException(input + ": too large to read into memory");
        }
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return dec.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw new T4jException(input + ": not valid UTF-8 text (bad byte near offset " + in.position() + ")");
        }
    }

    /** Reads {@code input}, encodes it with {@code tok} and writes the data directory {@code outDir}. */
    public static Summary run(Path input, Tokenizer tok, Path outDir) throws IOException {
        return run(readText(input), String.valueOf(input.getFileName()), tok, outDir, null);
    }

    /**
     * Encodes {@code text} with {@code tok} into {@code outDir} (created if needed). meta.json is removed first
     * and written last, so an interrupted run leaves a directory that {@link DataDir#open} rejects rather than
     * one mixing old and new files. {@code extra} (may be null) writes the tokenizer files.
     */
    public static Summary run(String text, String source, Tokenizer tok, Path outDir, ExtraFiles extra) throws IOException {
        long chars = text.codePointCount(0, text.length());
        long split = (long) (chars * TRAIN_FRACTION);
        if (split == 0 || split == chars) {
            throw new T4jException(source + ": too short to split 90/10 into train and validation text ("
                    + chars + " characters; need at least 2)");
        }
        int cut = text.offsetByCodePoints(0, (int) split);
        int[] train = tok.encode(text.substring(0, cut));
        int[] val = tok.encode(text.substring(cut));
        Dtype dtype = Dtype.forVocab(tok.vocabSize());

        if (Files.exists(outDir) && !Files.isDirectory(outDir)) throw new T4jException(outDir + " exists and is not a directory");
        Files.createDirectories(outDir);
        Files.deleteIfExists(outDir.resolve(DataDir.META));
        TokenFile.write(outDir.resolve(DataDir.TRAIN), train, dtype);
        TokenFile.write(outDir.resolve(DataDir.VAL), val, dtype);
        if (extra != null) extra.write(outDir);
        DataDir.Meta meta = new DataDir.Meta(tok.vocabSize(), dtype, train.length, val.length, tok.kind(), source);
        org.transformer4j.io.AtomicFiles.writeString(outDir.resolve(DataDir.META), meta.toJson());
        return new Summary(outDir, source, chars, tok.kind(), tok.vocabSize(), dtype, train.length, val.length);
    }

}
