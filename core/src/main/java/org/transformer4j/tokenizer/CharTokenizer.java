package org.transformer4j.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.transformer4j.T4jException;

/**
 * nanoGPT's character-level tokenizer: one id per Unicode code point of a fixed vocabulary. Built from a text,
 * the vocabulary is the text's distinct code points sorted by value (Python's {@code sorted(set(text))}, which
 * orders by code point), so ids match nanoGPT's {@code shakespeare_char} exactly. A "character" is a code point,
 * never half of a surrogate pair.
 */
public final class CharTokenizer implements Tokenizer {
    /** Dense lookup (code point to id, -1 if absent) is used while the largest code point is at most this. */
    private static final int DENSE_LIMIT = 0xFFFF;

    private final int[] codePoints;   // id -> code point
    private final int[] dense;        // code point -> id or -1; null when a code point exceeds DENSE_LIMIT
    private final int[] sortedCps;    // for the sparse case: code points sorted, with their ids alongside
    private final int[] sortedIds;

    private CharTokenizer(int[] codePoints) {
        this.codePoints = codePoints;
        int max = -1;
        for (int cp : codePoints) max = Math.max(max, cp);
        if (max <= DENSE_LIMIT) {
            dense = new int[max + 1];
            Arrays.fill(dense, -1);
            for (int id = 0; id < codePoints.length; id++) {
                if (dense[codePoints[id]] >= 0) throw duplicate(codePoints[id]);
                dense[codePoints[id]] = id;
            }
            sortedCps = null;
            sortedIds = null;
        } else {
            dense = null;
            long[] packed = new long[codePoints.length];   // (code point << 32 | id) sorts by code point
            for (int id = 0; id < codePoints.length; id++) packed[id] = ((long) codePoints[id] << 32) | id;
            Arrays.sort(packed);
            sortedCps = new int[packed.length];
            sortedIds = new int[packed.length];
            for (int i = 0; i < packed.length; i++) {
                sortedCps[i] = (int) (packed[i] >>> 32);
                sortedIds[i] = (int) packed[i];
                if (i > 0 && sortedCps[i] == sortedCps[i - 1]) throw duplicate(sortedCps[i]);
            }
        }
    }

    /** The vocabulary of {@code text}: its distinct code points in increasing order. */
    public static CharTokenizer fromText(String text) {
        int[] cps = text.codePoints().distinct().sorted().toArray();
        if (cps.length == 0) throw new T4jException("cannot build a character vocabulary from an empty text");
        return new CharTokenizer(cps);
    }

    /** A vocabulary in the given id order; every code point must be valid and appear once. */
    public static CharTokenizer fromCodePoints(int[] codePoints) {
        if (codePoints.length == 0) throw new T4jException("a character vocabulary needs at least one character");
        for (int i = 0; i < codePoints.length; i++) {
            int cp = codePoints[i];
            if (!Character.isValidCodePoint(cp) || (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)) {
                throw new T4jException("vocabulary entry " + i + " is not a valid Unicode scalar value: " + hex(cp));
            }
        }
        return new CharTokenizer(codePoints.clone());
    }

    /** A vocabulary in the given id order; each entry must be exactly one code point. */
    public static CharTokenizer fromChars(List<String> chars) {
        int[] cps = new int[chars.size()];
        for (int i = 0; i < cps.length; i++) {
            String s = chars.get(i);
            if (s == null || s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
                throw new T4jException("vocabulary entry " + i + " must be exactly one character, got "
                        + (s == null ? "null" : "\"" + s + "\" (" + s.codePointCount(0, s.length()) + " characters)"));
            }
            cps[i] = s.codePointAt(0);
        }
        return fromCodePoints(cps);
    }

    @Override
    public String kind() {
        return "char";
    }

    @Override
    public int vocabSize() {
        return codePoints.length;
    }

    /** The characters in id order (each one code point, possibly two Java chars). */
    public List<String> chars() {
        List<String> out = new ArrayList<>(codePoints.length);
        for (int cp : codePoints) out.add(Character.toString(cp));
        return out;
    }

    /** The code points in id order (a copy). */
    public int[] codePoints() {
        return codePoints.clone();
    }

    /** The id of code point {@code cp}, or -1 when it is not in the vocabulary. */
    public int idOf(int cp) {
        if (dense != null) return cp >= 0 && cp < dense.length ? dense[cp] : -1;
        int i = Arrays.binarySearch(sortedCps, cp);
        return i >= 0 ? sortedIds[i] : -1;
    }

    @Override
    public int[] encode(String text) {
        int[] ids = new int[text.length()];   // upper bound: one id per Java char
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int id = idOf(cp);
            if (id < 0) {
                throw new T4jException("character " + describe(cp) + " at offset " + text.codePointCount(0, i)
                        + " is not in the vocabulary of " + codePoints.length + " characters");
            }
            ids[n++] = id;
            i += Character.charCount(cp);
        }
        return n == ids.length ? ids : Arrays.copyOf(ids, n);
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= codePoints.length) {
                throw new T4jException("token id " + id + " at position " + i + " is outside the vocabulary of "
                        + codePoints.length + " characters (valid ids are 0.." + (codePoints.length - 1) + ")");
            }
            sb.appendCodePoint(codePoints[id]);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CharTokenizer other && Arrays.equals(codePoints, other.codePoints);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(codePoints);
    }

    @Override
    public String toString() {
        return "CharTokenizer[" + codePoints.length + " characters]";
    }

    /** {@code 'ö' (U+00F6)}; invisible characters are shown escaped so the message stays on one line. */
    static String describe(int cp) {
        String shown = switch (cp) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT
                    || Character.getType(cp) == Character.LINE_SEPARATOR
                    || Character.getType(cp) == Character.PARAGRAPH_SEPARATOR ? null : Character.toString(cp);
        };
        return (shown == null ? "" : "'" + shown + "' ") + "(" + hex(cp) + ")";
    }

    private static String hex(int cp) {
        return String.format("U+%04X", cp);
    }

    private static T4jException duplicate(int cp) {
        return new T4jException("character " + describe(cp) + " appears twice in the vocabulary");
    }
}
