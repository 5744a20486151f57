package org.transformer4j.tokenizer;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.transformer4j.T4jException;

/**
 * The unigram language model of SentencePiece (Kudo, 2018), as T5 uses it: each piece has a log-probability
 * score, and a word is cut into the pieces whose scores sum highest (Viterbi over character positions). A
 * character no piece covers costs the lowest score minus 10 and becomes the unknown id; consecutive unknown
 * characters are fused into one, which with {@code byteFallback} becomes its UTF-8 bytes as {@code <0xNN>}.
 */
final class Unigram implements TokenModel {
    private static final double UNK_PENALTY = 10.0;
    private static final int CACHE_LIMIT = 200_000;

    private final String[] pieces;
    private final double[] scores;
    private final Map<String, Integer> ids;
    private final int unkId;
    private final boolean byteFallback;
    private final double unkScore;
    private final int maxPieceChars;   // longest piece in UTF-16 units
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    Unigram(String[] pieces, double[] scores, int unkId, boolean byteFallback, String vocabName) {
        this.pieces = pieces;
        this.scores = scores;
        this.ids = new HashMap<>(pieces.length * 2);
        double min = Double.POSITIVE_INFINITY;
        int maxLen = 1;
        for (int i = 0; i < pieces.length; i++) {
            if (ids.putIfAbsent(pieces[i], i) != null) {
                throw new T4jException(vocabName + "[" + i + "]: piece \"" + pieces[i] + "\" appears twice");
            }
            min = Math.min(min, scores[i]);
            maxLen = Math.max(maxLen, pieces[i].length());
        }
        if (unkId >= pieces.length) throw new T4jException(vocabName + ": unk_id " + unkId + " is outside the " + pieces.length + " pieces");
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        this.unkScore = min - UNK_PENALTY;
        this.maxPieceChars = maxLen;
    }

    @Override
    public void tokenize(String word, IntBuffer out) {
        if (word.isEmpty()) return;
        int[] r = cache.get(word);
        if (r == null) {
            r = encodeWord(word);
            if (cache.size() < CACHE_LIMIT) cache.put(word, r);
        }
        out.addAll(r);
    }

    private int[] encodeWord(String s) {
        int size = s.length();
        double[] best = new double[size + 1];
        int[] from = new int[size + 1];     // start of the best last piece ending here; -1 while unreached
        int[] piece = new int[size + 1];
        java.util.Arrays.fill(from, -1);
        for (int start = 0; start < size; ) {
            double here = best[start];
            int charLen = Character.charCount(s.codePointAt(start));
            boolean single = false;
            int limit = Math.min(size, start + maxPieceChars);
            // Candidates in increasing length, as SentencePiece's prefix search yields them; ties keep the first.
            for (int end = start + charLen; end <= limit; end += end < size ? Character.charCount(s.codePointAt(end)) : 1) {
                Integer id = ids.get(s.substring(start, end));
                if (id == null) continue;
                double cand = here + scores[id];
                if (from[end] < 0 || cand > best[end]) {
                    best[end] = cand;
                    from[end] = start;
                    piece[end] = id;
                }
                if (end - start == charLen) single = true;
            }
            if (!single) {
                int end = start + charLen;
                if (unkId < 0) {
                    throw new T4jException("character " + CharTokenizer.describe(s.codePointAt(start))
                            + " is not in the unigram vocabulary and the tokenizer has no unk_id");
                }
                double cand = here + unkScore;
                if (from[end] < 0 || cand > best[end]) {
                    best[end] = cand;
                    from[end] = start;
                    piece[end] = unkId;
                }
            }
            start += charLen;
        }
        // Walk back, fusing runs of unknown characters into one token.
        IntBuffer rev = new IntBuffer(16);
        int end = size;
        int unkEnd = -1;
        while (end > 0) {
            int start = from[end];
            if (piece[end] == unkId) {
                if (unkEnd < 0) unkEnd = end;
            } else {
                if (unkEnd >= 0) emitUnknown(s.substring(end, unkEnd), rev);
                unkEnd = -1;
                rev.add(piece[end]);
            }
            end = start;
        }
        if (unkEnd >= 0) emitUnknown(s.substring(0, unkEnd), rev);
        int[] outIds = new int[rev.size()];
        for (int i = 0; i < outIds.length; i++) outIds[i] = rev.get(outIds.length - 1 - i);
        return outIds;
    }

    /** Appends, reversed, the ids of a fused run of unknown characters. */
    private void emitUnknown(String text, IntBuffer rev) {
        Integer known = ids.get(text);   // a fused run can itself be a piece (only the unk piece in practice)
        if (known != null) {
            rev.add(known);
            return;
        }
        int[] bytes = byteFallback ? TokenModel.byteFallback(text, this) : null;
        if (bytes == null) {
            rev.add(unkId);
            return;
        }
        for (int i = bytes.length - 1; i >= 0; i--) rev.add(bytes[i]);
    }

    @Override
    public int size() {
        return pieces.length;
    }

    @Override
    public int tokenToId(String token) {
        return ids.getOrDefault(token, -1);
    }

    @Override
    public String idToToken(int id) {
        return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    @Override
    public String unkToken() {
        return unkId >= 0 ? pieces[unkId] : null;
    }

    @Override
    public String kind() {
        return "unigram";
    }
}
