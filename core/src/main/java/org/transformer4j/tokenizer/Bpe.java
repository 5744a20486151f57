package org.transformer4j.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.transformer4j.T4jException;

/**
 * Byte-pair encoding (Sennrich et al.; GPT-2's byte-level variant, Llama's with byte fallback). A word starts
 * as its characters; the adjacent pair with the lowest merge rank is merged, leftmost first, until no pair
 * has a rank. A character missing from the vocabulary becomes its UTF-8 bytes as {@code <0xNN>} tokens when
 * {@code byteFallback} is on, else the unknown token (consecutive ones fused when {@code fuseUnk}). Words seen
 * before come from a cache, since natural text repeats its words.
 */
final class Bpe implements TokenModel {
    private static final int CACHE_LIMIT = 200_000;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final LongIntMap ranks = new LongIntMap();   // (left id, right id) -> rank
    private int[] mergedId;                              // rank -> id of the merged token
    private final String unk;
    private final int unkId;
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final String prefix;   // continuing_subword_prefix, or null
    private final String suffix;   // end_of_word_suffix, or null
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param merges each entry a pair of vocabulary tokens, in rank order; {@code where.apply(i)} names entry i in
     *               errors ("merges.txt: line 7")
     */
    Bpe(Map<String, Integer> vocab, List<String[]> merges, java.util.function.IntFunction<String> where, String unk,
        boolean byteFallback, boolean fuseUnk, boolean ignoreMerges, String prefix, String suffix, String vocabName) {
        this.vocab = vocab;
        this.idToToken = invert(vocab, vocabName);
        this.unk = unk;
        this.unkId = unk == null ? -1 : vocab.getOrDefault(unk, -1);
        if (unk != null && unkId < 0) throw new T4jException(vocabName + ": the unknown token \"" + unk + "\" is not in the vocabulary");
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        this.prefix = prefix == null || prefix.isEmpty() ? null : prefix;
        this.suffix = suffix == null || suffix.isEmpty() ? null : suffix;
        mergedId = new int[merges.size()];
        for (int r = 0; r < merges.size(); r++) {
            String a = merges.get(r)[0], b = merges.get(r)[1];
            Integer ia = vocab.get(a), ib = vocab.get(b);
            String joined = a + (this.prefix != null && b.startsWith(this.prefix) ? b.substring(this.prefix.length()) : b);
            Integer ij = vocab.get(joined);
            String missing = ia == null ? a : ib == null ? b : ij == null ? joined : null;
            if (missing != null) {
                throw new T4jException(where.apply(r) + ": merge \"" + a + " " + b + "\": token \"" + missing
                        + "\" is not in the vocabulary (" + vocabName + ")");
            }
            long key = key(ia, ib);
            if (ranks.get(key) < 0) ranks.put(key, r);   // a repeated merge keeps its first (lowest) rank
            mergedId[r] = ij;
        }
    }

    static String[] invert(Map<String, Integer> vocab, String vocabName) {
        int max = -1;
        for (int id : vocab.values()) {
            if (id < 0) throw new T4jException(vocabName + ": negative id " + id);
            max = Math.max(max, id);
        }
        String[] byId = new String[max + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (byId[e.getValue()] != null) {
                throw new T4jException(vocabName + ": id " + e.getValue() + " is used by both \"" + byId[e.getValue()]
                        + "\" and \"" + e.getKey() + "\"");
            }
            byId[e.getValue()] = e.getKey();
        }
        return byId;
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    @Override
    public void tokenize(String word, IntBuffer out) {
        if (word.isEmpty()) return;
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = encodeWord(word);
            if (cache.size() < CACHE_LIMIT) cache.put(word, ids);
        }
        out.addAll(ids);
    }

    private int[] encodeWord(String word) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) return new int[] {whole};
        }
        int[] sym = new int[word.length() * 4];   // room for byte-fallback tokens
        int n = 0;
        boolean lastUnk = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int next = i + Character.charCount(cp);
            String s = word.substring(i, next);
            if (i > 0 && prefix != null) s = prefix + s;
            if (next == word.length() && suffix != null) s = s + suffix;
            Integer id = vocab.get(s);
            if (id != null) {
                sym[n++] = id;
                lastUnk = false;
            } else {
                int[] bytes = byteFallback ? TokenModel.byteFallback(word.substring(i, next), this) : null;
                if (bytes != null) {
                    for (int b : bytes) sym[n++] = b;
                    lastUnk = false;
                } else if (unkId >= 0) {
                    if (!(fuseUnk && lastUnk)) sym[n++] = unkId;
                    lastUnk = true;
                } else {
                    throw new T4jException("character " + CharTokenizer.describe(cp) + " is not in the BPE vocabulary"
                            + " and the tokenizer has no unknown token");
                }
            }
            i = next;
        }
        return merge(sym, n);
    }

    /**
     * Merges the lowest-ranked adjacent pair, leftmost first, until no pair has a rank. The symbols form a linked
     * list and the candidate pairs a heap ordered by (rank, position), so a long word (Llama's files have no
     * pre-tokenizer: a whole text can be one word) costs n log n rather than n squared.
     */
    private int[] merge(int[] id, int n) {
        if (n < 2) return Arrays.copyOf(id, n);
        int[] next = new int[n], prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            int r = ranks.get(key(id[i], id[i + 1]));
            if (r >= 0) heap.push(((long) r << 32) | i);
        }
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int r = (int) (top >>> 32), at = (int) top;
            int nx = next[at];
            if (id[at] < 0 || nx < 0 || ranks.get(key(id[at], id[nx])) != r) continue;   // stale entry
            id[at] = mergedId[r];
            id[nx] = -1;
            next[at] = next[nx];
            if (next[nx] >= 0) prev[next[nx]] = at;
            alive--;
            if (prev[at] >= 0) {
                int rp = ranks.get(key(id[prev[at]], id[at]));
                if (rp >= 0) heap.push(((long) rp << 32) | prev[at]);
            }
            if (next[at] >= 0) {
                int rn = ranks.get(key(id[at], id[next[at]]));
                if (rn >= 0) heap.push(((long) rn << 32) | at);
            }
        }
        int[] out = new int[alive];
        for (int i = 0, k = 0; i >= 0; i = next[i]) out[k++] = id[i];
        return out;
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int n;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return n == 0;
        }

        void push(long v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            int i = n++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) break;
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long v = a[--n];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= n) break;
                if (c + 1 < n && a[c + 1] < a[c]) c++;
                if (a[c] >= v) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = v;
            return top;
        }
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
        return "bpe";
    }

    static Map<String, Integer> newVocab(int size) {
        return new HashMap<>(Math.max(16, size * 4 / 3 + 1));
    }

    /** Open-addressing map from a long key to a non-negative int; -1 means absent. */
    static final class LongIntMap {
        private long[] keys = new long[1024];
        private int[] values = new int[1024];
        private boolean[] used = new boolean[1024];
        private int size;

        int get(long k) {
            int mask = keys.length - 1;
            for (int i = hash(k) & mask; used[i]; i = (i + 1) & mask) {
                if (keys[i] == k) return values[i];
            }
            return -1;
        }

        void put(long k, int v) {
            if (2 * (size + 1) > keys.length) grow();
            int mask = keys.length - 1;
            int i = hash(k) & mask;
            while (used[i] && keys[i] != k) i = (i + 1) & mask;
            if (!used[i]) size++;
            used[i] = true;
            keys[i] = k;
            values[i] = v;
        }

        private void grow() {
            long[] ok = keys;
            int[] ov = values;
            boolean[] ou = used;
            keys = new long[ok.length * 2];
            values = new int[ok.length * 2];
            used = new boolean[ok.length * 2];
            size = 0;
            for (int i = 0; i < ok.length; i++) if (ou[i]) put(ok[i], ov[i]);
        }

        private static int hash(long k) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
