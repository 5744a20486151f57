package org.transformer4j.tokenizer;

import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first step of a Hugging Face tokenizer: text to normalized text (Unicode forms, BERT's cleanup, lower
 * case, Llama's Prepend + Replace). Each type of tokenizer.json's "normalizer" is one small function here.
 */
@FunctionalInterface
interface Normalizer {
    String normalize(String s);

    static Normalizer parse(Spec spec) {
        String type = spec.string("type");
        return switch (type) {
            case "Sequence" -> {
                List<Normalizer> parts = new ArrayList<>();
                for (int i = 0; i < spec.list("normalizers").size(); i++) parts.add(parse(spec.element("normalizers", i)));
                yield s -> {
                    for (Normalizer n : parts) s = n.normalize(s);
                    return s;
                };
            }
            case "NFC" -> s -> java.text.Normalizer.normalize(s, Form.NFC);
            case "NFD" -> s -> java.text.Normalizer.normalize(s, Form.NFD);
            case "NFKC" -> s -> java.text.Normalizer.normalize(s, Form.NFKC);
            case "NFKD" -> s -> java.text.Normalizer.normalize(s, Form.NFKD);
            case "Lowercase" -> Normalizer::lowercase;
            case "StripAccents" -> Normalizer::stripMarks;
            case "Strip" -> {
                boolean left = spec.bool("strip_left", true), right = spec.bool("strip_right", true);
                yield s -> strip(s, left, right);
            }
            case "Prepend" -> {
                String p = spec.string("prepend");
                yield s -> s.isEmpty() ? s : p + s;
            }
            case "Replace" -> {
                Pattern p = pattern(spec);
                String content = spec.string("content");
                String literal = Matcher.quoteReplacement(content);
                yield s -> p.matcher(s).replaceAll(literal);
            }
            case "Precompiled" -> {
                Object cm = spec.raw("precompiled_charsmap");
                if (cm == null) yield s -> s;
                if (!(cm instanceof String b64)) throw spec.error("precompiled_charsmap", "expected a base64 string");
                byte[] blob;
                try {
                    blob = java.util.Base64.getDecoder().decode(b64);
                } catch (IllegalArgumentException e) {
                    throw spec.error("precompiled_charsmap", "not valid base64: " + e.getMessage());
                }
                yield new Precompiled(blob, spec.where("precompiled_charsmap"));
            }
            case "BertNormalizer" -> {
                boolean lower = spec.bool("lowercase", true);
                Object sa = spec.raw("strip_accents");
                if (sa != null && !(sa instanceof Boolean)) throw spec.error("strip_accents", "expected true, false or null");
                yield bert(spec.bool("clean_text", true), spec.bool("handle_chinese_chars", true),
                        sa == null ? lower : (Boolean) sa, lower);
            }
            default -> throw spec.error("type", "the normalizer \"" + type + "\" is not supported (supported: Sequence, "
                    + "NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Prepend, Replace, BertNormalizer, Precompiled)");
        };
    }

    /** The "pattern" of a Replace or Split: {"String": "..."} (literal) or {"Regex": "..."}. */
    static Pattern pattern(Spec spec) {
        Spec p = spec.object("pattern");
        if (p.has("String")) return Pattern.compile(Pattern.quote(p.string("String")));
        if (p.has("Regex")) {
            try {
                return Pattern.compile(p.string("Regex"), Pattern.UNICODE_CHARACTER_CLASS);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw p.error("Regex", "not a regular expression Java can read: " + e.getDescription());
            }
        }
        throw spec.error("pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
    }

    /** BERT's BasicTokenizer cleanup, in tokenizers' order: clean, space out CJK, strip accents, lower-case. */
    static Normalizer bert(boolean cleanText, boolean chinese, boolean stripAccents, boolean lowercase) {
        return s -> {
            StringBuilder sb = new StringBuilder(s.length() + 8);
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                if (cleanText) {
                    if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
                    if (isWhitespace(cp)) cp = ' ';
                }
                if (chinese && isChinese(cp)) sb.append(' ').appendCodePoint(cp).append(' ');
                else sb.appendCodePoint(cp);
            }
            String out = sb.toString();
            if (stripAccents) out = stripMarks(java.text.Normalizer.normalize(out, Form.NFD));
            if (lowercase) out = lowercase(out);
            return out;
        };
    }

    /** Lower case one code point at a time (as Rust's char::to_lowercase, no context rules such as final sigma). */
    static String lowercase(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            int lower = Character.toLowerCase(cp);
            if (lower != cp || cp == 0x130) {
                if (sb == null) sb = new StringBuilder(s.length()).append(s, 0, i);
                if (cp == 0x130) sb.append("i\u0307");   // İ lower-cases to two code points
                else sb.appendCodePoint(lower);
            } else if (sb != null) {
                sb.appendCodePoint(cp);
            }
            i += n;
        }
        return sb == null ? s : sb.toString();
    }

    /** Removes non-spacing marks (Mn), which is what accent stripping after NFD amounts to. */
    static String stripMarks(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (Character.getType(cp) != Character.NON_SPACING_MARK) sb.appendCodePoint(cp);
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    static String strip(String s, boolean left, boolean right) {
        int a = 0, b = s.length();
        while (left && a < b && isWhitespace(s.codePointAt(a))) a += Character.charCount(s.codePointAt(a));
        while (right && b > a && isWhitespace(s.codePointBefore(b))) b -= Character.charCount(s.codePointBefore(b));
        return s.substring(a, b);
    }

    /** Unicode's White_Space property (Rust's char::is_whitespace): Zs, Zl, Zp, \t..\r and U+0085. */
    static boolean isWhitespace(int cp) {
        return (cp >= 9 && cp <= 13) || cp == 0x85 || Character.isSpaceChar(cp);
    }

    /** BERT's control characters: the "Other" categories (Cc, Cf, Cs, Co, Cn) except tab, newline, return. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE
                || t == Character.PRIVATE_USE || t == Character.UNASSIGNED;
    }

    /** BERT's punctuation: ASCII punctuation (including $+<=>^`|~) and the Unicode P* categories. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION
                || t == Character.FINAL_QUOTE_PUNCTUATION || t == Character.OTHER_PUNCTUATION;
    }

    /** The CJK ideograph blocks BERT splits into single characters. */
    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

}
