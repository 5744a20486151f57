package org.transformer4j.tokenizer;

import java.util.Map;

import org.transformer4j.T4jException;

/**
 * BERT's WordPiece: greedy longest-match-first over the vocabulary, continuation pieces spelled with a
 * {@code ##} prefix. A word with a part no piece covers, or longer than {@code maxInputCharsPerWord}
 * characters, becomes the unknown token as a whole (as BERT does).
 */
final class WordPiece implements TokenModel {
    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final String unk;
    private final int unkId;
    private final String prefix;
    private final int maxInputCharsPerWord;

    WordPiece(Map<String, Integer> vocab, String[] idToToken, String unk, String prefix, int maxInputCharsPerWord, String vocabName) {
        this.vocab = vocab;
        this.idToToken = idToToken;
        this.unk = unk;
        Integer u = vocab.get(unk);
        if (u == null) throw new T4jException(vocabName + ": the unknown token \"" + unk + "\" is not in the vocabulary");
        this.unkId = u;
        this.prefix = prefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
    }

    @Override
    public void tokenize(String word, IntBuffer out) {
        if (word.isEmpty()) return;
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        int[] pieces = new int[word.length()];
        int n = 0;
        for (int start = 0; start < word.length(); ) {
            int found = -1, foundEnd = -1;
            for (int end = word.length(); end > start; end = word.offsetByCodePoints(end, -1)) {
                String sub = word.substring(start, end);
                Integer id = vocab.get(start > 0 ? prefix + sub : sub);
                if (id != null) {
                    found = id;
                    foundEnd = end;
                    break;
                }
            }
            if (found < 0) {
                out.add(unkId);
                return;
            }
            pieces[n++] = found;
            start = foundEnd;
        }
        assert out.size() == mark;
        for (int i = 0; i < n; i++) out.add(pieces[i]);
    }

    @Override
    public int size() {
        return idToToken.length;
    }

    @Override
    public int tokenToId(String token) {
        return vocab.getOrDefault(token, -1);
    }

    @Override
    public String idToToken(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    @Override
    public String unkToken() {
        return unk;
    }

    @Override
    public String kind() {
        return "wordpiece";
    }
}
