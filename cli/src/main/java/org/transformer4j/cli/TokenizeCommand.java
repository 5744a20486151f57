package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.transformer4j.T4jException;
import org.transformer4j.data.Prepare;
import org.transformer4j.tokenizer.CharTokenizer;
import org.transformer4j.tokenizer.Tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code t4j tokenize}: text to ids, or with --decode ids to text. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show the token ids of a text, or with --decode the text of token ids",
        footer = {"",
            "--tokenizer char builds the vocabulary from the text being encoded (the sorted characters of that text, "
                    + "as 'prepare' would); the ids then differ from a model's. To see the ids a prepared data "
                    + "directory or trained model uses, pass that directory. --decode needs a directory or gpt2.",
            "",
            "Examples:",
            "  t4j tokenize --tokenizer gpt2 --text 'Hello world'             -> 15496 995",
            "  t4j tokenize --tokenizer gpt2 --decode --text '15496 995'      -> Hello world",
            "  t4j tokenize --tokenizer data/shakespeare-char --input poem.txt --format json"})
public final class TokenizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = {"-t", "--tokenizer"}, required = true, paramLabel = "char|gpt2|DIR",
            description = "gpt2, char (vocabulary from the input itself), or a data/model directory with tokenizer files")
    String tokenizer;

    static final class Source {
        @Option(names = "--text", paramLabel = "TEXT", description = "the text (with --decode: ids such as \"1 2 3\", \"1,2,3\" or {\"ids\":[1,2,3]})")
        String text;

        @Option(names = {"-i", "--input"}, paramLabel = "FILE", description = "read the text (or ids) from a UTF-8 file; - for stdin")
        Path input;
    }

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "%nInput (one of):%n")
    Source source;

    @Option(names = "--decode", description = "turn ids into text instead of text into ids")
    boolean decode;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text: ids separated by spaces (or the bare decoded text); json: {\"ids\":[...]} or {\"text\":\"...\"}. Default: ${DEFAULT-VALUE}")
    String format;

    @Override
    public Integer call() throws IOException {
        if (source == null || (source.text == null && source.input == null)) {
            throw new ParameterException(spec.commandLine(), "give the input with --text TEXT or --input FILE");
        }
        boolean json = switch (format) {
            case "text" -> false;
            case "json" -> true;
            default -> throw new ParameterException(spec.commandLine(), "unknown --format '" + format + "' (choose text or json)");
        };
        String in = source.text != null ? source.text : read(source.input);
        PrintWriter out = spec.commandLine().getOut();
        if (decode) {
            int[] ids = parseIds(in);
            String text = resolve(null).decode(ids);
            if (json) out.println(JSON.createObjectNode().put("text", text));
            else out.print(text);
        } else {
            int[] ids = in.isEmpty() ? new int[0] : resolve(in).encode(in);
            if (json) {
                ArrayNode arr = JSON.createArrayNode();
                for (int id : ids) arr.add(id);
                out.println(JSON.createObjectNode().set("ids", arr));
            } else {
                StringBuilder sb = new StringBuilder(ids.length * 6);
                for (int i = 0; i < ids.length; i++) sb.append(i == 0 ? "" : " ").append(ids[i]);
                out.println(sb);
            }
        }
        out.flush();
        return Cli.EXIT_OK;
    }

    /** The tokenizer named by --tokenizer; {@code text} is the input to encode (null when decoding). */
    private Tokenizer resolve(String text) throws IOException {
        switch (tokenizer) {
            case "gpt2":
                return Gpt2Tokenizer.get();
            case "char": {
                if (text == null) {
                    throw new ParameterException(spec.commandLine(), "--decode with --tokenizer char has no "
                            + "vocabulary to decode with; pass the prepared data or model directory instead");
                }
                CharTokenizer tok = CharTokenizer.fromText(text);
                PrintWriter err = spec.commandLine().getErr();
                err.println("t4j: note: --tokenizer char: vocabulary built from this input (" + tok.vocabSize()
                        + " characters); pass a data or model directory to use its vocabulary");
                err.flush();
                return tok;
            }
            default: {
                Path dir = Path.of(tokenizer);
                if (!Files.exists(dir)) {
                    throw new T4jException("--tokenizer '" + tokenizer + "' is neither a tokenizer kind (char, gpt2) "
                            + "nor an existing directory");
                }
                return Tokenizers.require(dir);
            }
        }
    }

    private static String read(Path file) throws IOException {
        if (!file.toString().equals("-")) return Prepare.readUtf8(file);
        byte[] bytes = System.in.readAllBytes();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new T4jException("standard input: not valid UTF-8 text");
        }
    }

    /** Ids from "1 2 3", "1, 2, 3", "[1,2,3]" or {"ids":[1,2,3]} (the json output of encoding). */
    static int[] parseIds(String s) {
        String t = s.strip();
        if (t.startsWith("{") || t.startsWith("[")) {
            JsonNode node;
            try {
                node = JSON.readTree(t);
            } catch (JacksonException e) {
                throw new T4jException("cannot read the ids: invalid JSON: " + Cli.oneLine(e.getOriginalMessage()));
            }
            JsonNode arr = node.isObject() ? node.get("ids") : node;
            if (arr == null || !arr.isArray()) throw new T4jException("cannot read the ids: expected {\"ids\": [...]} or [...]");
            int[] ids = new int[arr.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode v = arr.get(i);
                if (!v.isIntegralNumber() || !v.canConvertToInt()) throw notAnId(v.toString());
                ids[i] = v.intValue();
            }
            return ids;
        }
        if (t.isEmpty()) return new int[0];
        String[] parts = t.split("[\\s,]+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw notAnId(parts[i]);
            }
        }
        return ids;
    }

    private static T4jException notAnId(String s) {
        return new T4jException("not a token id: '" + s + "' (expected integers separated by spaces or commas, "
                + "or {\"ids\": [...]})");
    }
}
