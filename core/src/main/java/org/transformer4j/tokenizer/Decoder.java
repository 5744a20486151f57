package org.transformer4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The last step of a Hugging Face tokenizer, run when decoding: the tokens' spellings back to text. Decoders
 * form a chain, each taking the list of token strings the previous one produced; the final strings are joined.
 */
@FunctionalInterface
interface Decoder {
    List<String> decode(List<String> tokens);

    static Decoder parse(Spec spec) {
        String type = spec.string("type");
        return switch (type) {
            case "Sequence" -> {
                List<Decoder> parts = new ArrayList<>();
                for (int i = 0; i < spec.list("decoders").size(); i++) parts.add(parse(spec.element("decoders", i)));
                yield tokens -> {
                    for (Decoder d : parts) tokens = d.decode(tokens);
                    return tokens;
                };
            }
            case "ByteLevel" -> Decoder::byteLevel;
            case "WordPiece" -> wordPiece(spec.string("prefix", "##"), spec.bool("cleanup", true));
            case "Metaspace" -> {
                String rep = spec.string("replacement", "\u2581");
                String scheme = spec.has("prepend_scheme") ? spec.string("prepend_scheme")
                        : spec.bool("add_prefix_space", true) ? "always" : "never";
                yield metaspace(rep, !scheme.equals("never"));
            }
            case "Replace" -> {
                Pattern p = Normalizer.pattern(spec);
                String content = Matcher.quoteReplacement(spec.string("content"));
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (String t : tokens) out.add(p.matcher(t).replaceAll(content));
                    return out;
                };
            }
            case "ByteFallback" -> Decoder::byteFallback;
            case "Fuse" -> tokens -> List.of(String.join("", tokens));
            case "Strip" -> {
                String c = spec.string("content");
                if (c.length() != 1) throw spec.error("content", "expected one character");
                int start = spec.integer("start"), stop = spec.integer("stop");
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (String t : tokens) out.add(strip(t, c.charAt(0), start, stop));
                    return out;
                };
            }
            case "BPEDecoder" -> {
                String suffix = spec.string("suffix", "</w>");
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (int i = 0; i < tokens.size(); i++) out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
                    return out;
                };
            }
            default -> throw spec.error("type", "the decoder \"" + type + "\" is not supported (supported: Sequence, "
                    + "ByteLevel, WordPiece, Metaspace, Replace, ByteFallback, Fuse, Strip, BPEDecoder)");
        };
    }

    /** Stand-in characters back to bytes, then UTF-8 with U+FFFD for malformed bytes. */
    static List<String> byteLevel(List<String> tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String t : tokens) {
            boolean all = true;
            for (int i = 0; i < t.length() && all; i++) all = ByteLevel.byteOf(t.charAt(i)) >= 0;
            if (all) for (int i = 0; i < t.length(); i++) bytes.write(ByteLevel.byteOf(t.charAt(i)));
            else bytes.writeBytes(t.getBytes(StandardCharsets.UTF_8));   // an added token outside the alphabet
        }
        return List.of(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
    }

    static Decoder wordPiece(String prefix, boolean cleanup) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i != 0) t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
                out.add(cleanup ? cleanup(t) : t);
            }
            return out;
        };
    }

    /** tokenizers' clean-up of spaces before punctuation and in English contractions. */
    static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    static Decoder metaspace(String rep, boolean prepended) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                out.add(i == 0 && prepended ? t.replace(rep, "") : t.replace(rep, " "));
            }
            return out;
        };
    }

    /** Runs of {@code <0xNN>} tokens become the text of their bytes; bytes that are not UTF-8 give one U+FFFD each. */
    static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        ByteArrayOutputStream run = new ByteArrayOutputStream();
        for (String t : tokens) {
            int b = ByteLevel.parseByteToken(t);
            if (b >= 0) {
                run.write(b);
                continue;
            }
            flush(run, out);
            out.add(t);
        }
        flush(run, out);
        return out;
    }

    private static void flush(ByteArrayOutputStream run, List<String> out) {
        if (run.size() == 0) return;
        byte[] bytes = run.toByteArray();
        run.reset();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            for (int i = 0; i < bytes.length; i++) out.add("\uFFFD");
        }
    }

    static String strip(String t, char c, int start, int stop) {
        int a = 0, b = t.length();
        for (int i = 0; i < start && a < b && t.charAt(a) == c; i++) a++;
        for (int i = 0; i < stop && b > a && t.charAt(b - 1) == c; i++) b--;
        return t.substring(a, b);
    }
}
