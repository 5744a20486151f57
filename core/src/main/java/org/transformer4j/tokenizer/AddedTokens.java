package org.transformer4j.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokens matched in the text before the model sees it ({@code <|endoftext|>}, {@code [MASK]}, {@code </s>}):
 * tokenizer.json's "added_tokens". At each position the longest token that matches wins, leftmost first;
 * {@code lstrip}/{@code rstrip} swallow the whitespace beside a match, {@code singleWord} matches only whole words.
 */
final class AddedTokens {
    record Token(String content, int id, boolean special, boolean lstrip, boolean rstrip, boolean singleWord, boolean normalized) {}

    /** A stretch of text, or (text == null) the id of a matched token. */
    record Part(String text, int id, boolean atStart) {}

    private final Map<Character, List<Token>> byFirstChar = new HashMap<>();   // longest first
    private final java.util.BitSet firstChars = new java.util.BitSet(128);      // quick test before the map

    AddedTokens(List<Token> tokens) {
        for (Token t : tokens) {
            if (t.content().isEmpty()) continue;
            byFirstChar.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
            firstChars.set(t.content().charAt(0));
        }
        for (List<Token> l : byFirstChar.values()) l.sort((x, y) -> y.content().length() - x.content().length());
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    /** Splits {@code text} into stretches and matched tokens. */
    void split(String text, boolean atStart, List<Part> out) {
        if (byFirstChar.isEmpty()) {
            out.add(new Part(text, -1, atStart));
            return;
        }
        int last = 0;   // end of the previous match: text from here on is not yet emitted
        int i = 0;
        while (i < text.length()) {
            List<Token> cands = firstChars.get(text.charAt(i)) ? byFirstChar.get(text.charAt(i)) : null;
            Token hit = null;
            if (cands != null) {
                for (Token t : cands) {
                    if (text.startsWith(t.content(), i) && (!t.singleWord() || wholeWord(text, i, i + t.content().length()))) {
                        hit = t;
                        break;
                    }
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            int start = i, end = i + hit.content().length();
            if (hit.lstrip()) while (start > last && Normalizer.isWhitespace(text.charAt(start - 1))) start--;
            if (hit.rstrip()) while (end < text.length() && Normalizer.isWhitespace(text.charAt(end))) end++;
            if (start > last) out.add(new Part(text.substring(last, start), -1, atStart && last == 0));
            out.add(new Part(null, hit.id(), false));
            last = end;
            i = end;
        }
        if (last < text.length()) out.add(new Part(text.substring(last), -1, atStart && last == 0));
    }

    private static boolean wholeWord(String s, int start, int end) {
        boolean before = start == 0 || !isWordChar(s.codePointBefore(start));
        boolean after = end == s.length() || !isWordChar(s.codePointAt(end));
        return before && after;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}
