package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.transformer4j.data.Prepare;
import org.transformer4j.tokenizer.CharTokenizer;
import org.transformer4j.tokenizer.Tokenizer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code t4j prepare}: a text file to train.bin / val.bin / meta.json plus the tokenizer files. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Tokenize a text file into a training data directory",
        footer = {"", "The first 90%% of the text becomes train.bin, the rest val.bin, as in nanoGPT's prepare.py. "
                + "With the char tokenizer the vocabulary is the sorted set of characters of the whole file.",
                "Example: t4j prepare --input data/tinyshakespeare.txt --tokenizer char --out data/shakespeare-char"})
public final class PrepareCommand implements Callable<Integer> {
    /** The tokenizer kinds prepare can build. */
    public enum Kind { CHAR, GPT2 }

    @Spec
    CommandSpec spec;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE", description = "UTF-8 text file")
    Path input;

    @Option(names = {"-t", "--tokenizer"}, paramLabel = "KIND", defaultValue = "char",
            converter = KindConverter.class,
            description = "char (one id per character) or gpt2 (GPT-2 BPE, 50257 ids). Default: ${DEFAULT-VALUE}")
    Kind tokenizer;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "output directory (created; existing data files in it are replaced)")
    Path out;

    @Override
    public Integer call() throws IOException {
        long t0 = System.nanoTime();
        String text = Prepare.readText(input);
        Tokenizer tok = tokenizer == Kind.CHAR ? CharTokenizer.fromText(text) : Gpt2Tokenizer.get();
        Prepare.Summary s = Prepare.run(text, String.valueOf(input.getFileName()), tok, out, dir -> Tokenizers.save(tok, dir));
        PrintWriter w = spec.commandLine().getOut();
        w.printf("prepared %s from %s (%,d characters) in %s%n", out, input, s.characters(),
                Progress.format(java.time.Duration.ofNanos(System.nanoTime() - t0)));
        w.printf("tokenizer: %s, vocab size %,d, ids stored as %s%n", s.tokenizer(), s.vocabSize(), s.dtype().jsonName());
        w.printf("train.bin: %,d tokens%n", s.trainTokens());
        w.printf("val.bin:   %,d tokens%n", s.valTokens());
        w.flush();
        return Cli.EXIT_OK;
    }

    /** Case-insensitive kind with a clear message listing the choices. */
    static final class KindConverter implements picocli.CommandLine.ITypeConverter<Kind> {
        @Override
        public Kind convert(String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "char" -> Kind.CHAR;
                case "gpt2" -> Kind.GPT2;
                default -> throw new picocli.CommandLine.TypeConversionException(
                        "unknown tokenizer '" + value + "' (choose char or gpt2)");
            };
        }
    }
}
