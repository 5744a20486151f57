package org.transformer4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The second step of a Hugging Face tokenizer: normalized text into words, each then encoded on its own by the
 * model. A {@link Piece} remembers whether it starts the original text, which Metaspace's "first" scheme needs.
 */
@FunctionalInterface
interface PreTokenizer {
    /** A word and whether it begins at offset 0 of the text being encoded. */
    record Piece(String text, boolean atStart) {}

    void split(Piece piece, List<Piece> out);

    default List<Piece> apply(List<Piece> in) {
        List<Piece> out = new ArrayList<>(in.size() * 4);
        for (Piece p : in) split(p, out);
        return out;
    }

    /** How a split keeps its delimiters: tokenizers' SplitDelimiterBehavior. */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    static PreTokenizer parse(Spec spec) {
        String type = spec.string("type");
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> parts = new ArrayList<>();
                for (int i = 0; i < spec.list("pretokenizers").size(); i++) parts.add(parse(spec.element("pretokenizers", i)));
                yield new PreTokenizer() {
                    @Override
                    public void split(Piece piece, List<Piece> out) {
                        List<Piece> cur = List.of(piece);
                        for (PreTokenizer p : parts) cur = p.apply(cur);
                        out.addAll(cur);
                    }
                };
            }
            case "ByteLevel" -> byteLevel(spec.bool("add_prefix_space", true), spec.bool("use_regex", true));
            case "Metaspace" -> metaspace(spec);
            case "BertPreTokenizer" -> (p, out) -> splitChars(p, Normalizer::isWhitespace, Behavior.REMOVED,
                    q -> splitChars(q, Normalizer::isPunctuation, Behavior.ISOLATED, out::add));
            case "WhitespaceSplit" -> (p, out) -> splitChars(p, Normalizer::isWhitespace, Behavior.REMOVED, out::add);
            case "Whitespace" -> {
                Pattern words = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
                yield (p, out) -> splitRegex(p, words, Behavior.REMOVED, true, out);
            }
            case "Punctuation" -> {
                Behavior b = behavior(spec, "behavior", Behavior.ISOLATED);
                yield (p, out) -> splitChars(p, Normalizer::isPunctuation, b, out::add);
            }
            case "Digits" -> {
                boolean single = spec.bool("individual_digits", false);
                IntPredicate digit = cp -> {
                    int t = Character.getType(cp);
                    return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
                };
                yield (p, out) -> splitChars(p, digit, single ? Behavior.ISOLATED : Behavior.CONTIGUOUS, out::add);
            }
            case "CharDelimiterSplit" -> {
                String d = spec.string("delimiter");
                if (d.codePointCount(0, d.length()) != 1) throw spec.error("delimiter", "expected one character");
                int dc = d.codePointAt(0);
                yield (p, out) -> splitChars(p, cp -> cp == dc, Behavior.REMOVED, out::add);
            }
            case "Split" -> {
                Pattern pat = Normalizer.pattern(spec);
                Behavior b = behavior(spec, "behavior", null);
                boolean invert = spec.bool("invert", false);
                yield (p, out) -> splitRegex(p, pat, b, invert, out);
            }
            default -> throw spec.error("type", "the pre-tokenizer \"" + type + "\" is not supported (supported: Sequence, "
                    + "ByteLevel, Metaspace, BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits, "
                    + "CharDelimiterSplit, Split)");
        };
    }

    private static Behavior behavior(Spec spec, String key, Behavior def) {
        if (!spec.has(key) && def != null) return def;
        String b = spec.string(key);
        return switch (b) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw spec.error(key, "unknown behavior \"" + b + "\" (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
        };
    }

    /** GPT-2's: optionally a leading space, the GPT-2 regex split, then every byte as its stand-in character. */
    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        return (p, out) -> {
            String t = addPrefixSpace && !p.text().startsWith(" ") ? " " + p.text() : p.text();
            if (!useRegex) {
                if (!t.isEmpty()) out.add(new Piece(ByteLevel.toByteChars(t), p.atStart()));
                return;
            }
            Matcher m = ByteLevel.GPT2_SPLIT.matcher(t);
            boolean first = p.atStart();
            int last = 0;
            while (m.find()) {
                if (m.start() > last) out.add(new Piece(ByteLevel.toByteChars(t.substring(last, m.start())), false));
                out.add(new Piece(ByteLevel.toByteChars(t.substring(m.start(), m.end())), first && m.start() == 0));
                last = m.end();
            }
            if (last < t.length()) out.add(new Piece(ByteLevel.toByteChars(t.substring(last)), false));
        };
    }

    /** SentencePiece's spaces: ' ' becomes '▁', a '▁' is prepended per the scheme, words split before each '▁'. */
    private static PreTokenizer metaspace(Spec spec) {
        String rep = spec.string("replacement", "\u2581");
        String scheme;
        if (spec.has("prepend_scheme")) scheme = spec.string("prepend_scheme");
        else scheme = spec.bool("add_prefix_space", true) ? "always" : "never";
        if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never")) {
            throw spec.error("prepend_scheme", "unknown scheme \"" + scheme + "\" (always, first, never)");
        }
        if (rep.codePointCount(0, rep.length()) != 1) throw spec.error("replacement", "expected one character");
        int repCp = rep.codePointAt(0);
        boolean split = spec.bool("split", true);
        return (p, out) -> {
            String t = p.text().replace(" ", rep);
            boolean prepend = scheme.equals("always") || (scheme.equals("first") && p.atStart());
            if (prepend && !t.startsWith(rep)) t = rep + t;
            Piece q = new Piece(t, p.atStart());
            if (split) splitChars(q, cp -> cp == repCp, Behavior.MERGED_WITH_NEXT, out::add);
            else if (!t.isEmpty()) out.add(q);
        };
    }

    /** Splits at every character matching {@code delim}, each such character being one delimiter match. */
    static void splitChars(Piece p, IntPredicate delim, Behavior b, java.util.function.Consumer<Piece> out) {
        String s = p.text();
        if (b == Behavior.REMOVED || b == Behavior.ISOLATED) {   // the common cases, without the span lists
            int start = 0;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                int n = Character.charCount(cp);
                if (delim.test(cp)) {
                    if (i > start) out.accept(new Piece(s.substring(start, i), p.atStart() && start == 0));
                    if (b == Behavior.ISOLATED) out.accept(new Piece(s.substring(i, i + n), p.atStart() && i == 0));
                    start = i + n;
                }
                i += n;
            }
            if (start < s.length()) out.accept(new Piece(start == 0 ? s : s.substring(start), p.atStart() && start == 0));
            return;
        }
        List<int[]> matches = new ArrayList<>();
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            if (delim.test(cp)) matches.add(new int[] {i, i + n});
            i += n;
        }
        emit(p, matches, b, false, out);
    }

    static void splitRegex(Piece p, Pattern pattern, Behavior b, boolean invert, List<Piece> out) {
        List<int[]> matches = new ArrayList<>();
        Matcher m = pattern.matcher(p.text());
        while (m.find()) if (m.end() > m.start()) matches.add(new int[] {m.start(), m.end()});
        emit(p, matches, b, invert, out::add);
    }

    /** Cuts {@code p} into matched and unmatched spans and combines them as the behavior says. */
    private static void emit(Piece p, List<int[]> matches, Behavior b, boolean invert, java.util.function.Consumer<Piece> out) {
        String s = p.text();
        // spans covering s: [start, end, isMatch]
        List<int[]> spans = new ArrayList<>(matches.size() * 2 + 1);
        int last = 0;
        for (int[] m : matches) {
            if (m[0] > last) spans.add(new int[] {last, m[0], invert ? 1 : 0});
            spans.add(new int[] {m[0], m[1], invert ? 0 : 1});
            last = m[1];
        }
        if (last < s.length()) spans.add(new int[] {last, s.length(), invert ? 1 : 0});
        List<int[]> parts = new ArrayList<>(spans.size());   // [start, end]
        switch (b) {
            case REMOVED -> {
                for (int[] sp : spans) if (sp[2] == 0) parts.add(new int[] {sp[0], sp[1]});
            }
            case ISOLATED -> {
                for (int[] sp : spans) parts.add(new int[] {sp[0], sp[1]});
            }
            case CONTIGUOUS -> {
                boolean prevMatch = false;
                for (int[] sp : spans) {
                    if (sp[2] == 1 && prevMatch) parts.get(parts.size() - 1)[1] = sp[1];
                    else parts.add(new int[] {sp[0], sp[1]});
                    prevMatch = sp[2] == 1;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean prevMatch = false;
                for (int[] sp : spans) {
                    if (sp[2] == 1 && !prevMatch && !parts.isEmpty()) parts.get(parts.size() - 1)[1] = sp[1];
                    else parts.add(new int[] {sp[0], sp[1]});
                    prevMatch = sp[2] == 1;
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean prevMatch = false;
                for (int i = spans.size() - 1; i >= 0; i--) {
                    int[] sp = spans.get(i);
                    if (sp[2] == 1 && !prevMatch && !parts.isEmpty()) parts.get(parts.size() - 1)[0] = sp[0];
                    else parts.add(new int[] {sp[0], sp[1]});
                    prevMatch = sp[2] == 1;
                }
                java.util.Collections.reverse(parts);
            }
        }
        for (int[] part : parts) {
            if (part[1] > part[0]) out.accept(new Piece(s.substring(part[0], part[1]), p.atStart() && part[0] == 0));
        }
    }
}
