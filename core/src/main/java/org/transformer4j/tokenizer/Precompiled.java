package org.transformer4j.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;
import java.util.Locale;

import org.transformer4j.T4jException;

/**
 * SentencePiece's precompiled normalization rules (nmt_nfkc and the like), as T5/ALBERT/XLNet tokenizer.json
 * files carry them in a "Precompiled" normalizer: a little-endian u32 byte size, a darts-clone double-array trie
 * of that size over UTF-8 keys, then the replacement strings, each ended by a NUL byte. The text is rewritten one
 * grapheme cluster at a time (whole when shorter than 6 bytes and in the trie, else character by character), the
 * replacement being the one of the shortest key that is a prefix of the cluster, as the tokenizers library does.
 */
final class Precompiled implements Normalizer {
    private final int[] trie;
    private final byte[] normalized;

    Precompiled(byte[] blob, String where) {
        if (blob.length == 0) {
            trie = null;
            normalized = null;
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        if (blob.length < 4) throw new T4jException(where + ": the charsmap is " + blob.length + " bytes, too short");
        long size = b.getInt() & 0xFFFFFFFFL;
        if (size % 4 != 0 || size > blob.length - 4L || size == 0) {
            throw new T4jException(where + ": the charsmap's trie size " + size + " does not fit its " + blob.length + " bytes");
        }
        trie = new int[(int) (size / 4)];
        for (int i = 0; i < trie.length; i++) trie[i] = b.getInt();
        normalized = new byte[blob.length - 4 - (int) size];
        b.get(normalized);
    }

    @Override
    public String normalize(String s) {
        if (trie == null || s.isEmpty()) return s;
        StringBuilder out = new StringBuilder(s.length() + 8);
        BreakIterator it = BreakIterator.getCharacterInstance(Locale.ROOT);
        it.setText(s);
        for (int start = it.first(), end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            String g = s.substring(start, end);
            byte[] gb = g.getBytes(StandardCharsets.UTF_8);
            if (gb.length < 6) {
                String r = transform(gb);
                if (r != null) {
                    out.append(r);
                    continue;
                }
            }
            for (int i = 0; i < g.length(); ) {
                int cp = g.codePointAt(i);
                int n = Character.charCount(cp);
                String r = transform(g.substring(i, i + n).getBytes(StandardCharsets.UTF_8));
                out.append(r != null ? r : g.substring(i, i + n));
                i += n;
            }
        }
        return out.toString();
    }

    /** The replacement of the shortest key that prefixes {@code key}, or null. */
    private String transform(byte[] key) {
        int pos = offset(trie[0]);
        for (byte kb : key) {
            int c = kb & 0xFF;
            if (c == 0) break;
            pos ^= c;
            if (pos < 0 || pos >= trie.length) return null;   // a malformed trie, read as "no key"
            int u = trie[pos];
            if (label(u) != c) return null;
            pos ^= offset(u);
            if (((u >>> 8) & 1) == 1) {                       // has a leaf: this prefix is a key
                return pos >= 0 && pos < trie.length ? replacement(trie[pos] & 0x7FFFFFFF) : null;
            }
        }
        return null;
    }

    private static int offset(int u) {
        return (u >>> 10) << ((u & (1 << 9)) >>> 6);
    }

    private static int label(int u) {
        return u & ((1 << 31) | 0xFF);
    }

    private String replacement(int index) {
        if (index < 0 || index >= normalized.length) return null;
        int end = index;
        while (end < normalized.length && normalized[end] != 0) end++;
        return new String(normalized, index, end - index, StandardCharsets.UTF_8);
    }
}
