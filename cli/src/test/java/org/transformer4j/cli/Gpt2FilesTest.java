package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.io.Json;
import org.transformer4j.tokenizer.Tokenizer;
import org.transformer4j.tokenizer.TokenizerFiles;

/**
 * Our byte-level BPE reading GPT-2's real vocab.json + merges.txt gives the ids of JTokkit's r50k_base (the
 * oracle, which matches OpenAI's tiktoken). The two files are rebuilt here from the ranks inside the JTokkit jar,
 * the way GPT-2's files relate to them: a token's id is its rank, and its merge is the split that BPE with the
 * lower ranks reaches.
 */
class Gpt2FilesTest {
    @TempDir
    static Path dir;
    static Tokenizer ours;

    static final String[] HARD = {
        "Hello world", " leading", "trailing   ", "   ", "a\n\n\nb", "\n\n\n\n", "line\r\nline\r\n", "  \n  \n",
        "non\u00a0breaking\u00a0space", "ideographic\u3000space", "x\u3000\u3000y", "a \u00a0 b", "   \u3000",
        "\u2003\u2003\u2003end", "tab\t \tmix \n \n", "line\u2028sep\u0085next",
        "I'm you're he's they've we'll she'd can't don't", "I'M YOU'RE HE'S", "''double'' 's 't",
        "numbers 1234567890 and 3.14159 and 1,000,000", "\u00bd \u2460 \u0663\u0664\u0665",
        "caf\u00e9 na\u00efve cafe\u0301", "\u4f60\u597d\u4e16\u754c\uff0c\u8fd9\u662f\u4e2d\u6587\u3002",
        "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8", "\ud55c\uad6d\uc5b4", "\u0645\u0631\u062d\u0628\u0627",
        "emoji \uD83D\uDE00\uD83C\uDF89 \uD83E\uDD17", "\uD83D\uDC68\u200d\uD83D\uDC69\u200d\uD83D\uDC67 \uD83C\uDDEB\uD83C\uDDF7",
        "punctuation!!! ...??? ---", "email@example.com https://example.com/path?q=1&r=2",
        "control\u0007char \u0000 null", "zero\u200bwidth", "<|endoftext|> is ordinary text here",
        " ".repeat(300) + "x", "\n".repeat(200), "a".repeat(500), "x" + " \t".repeat(100),
    };

    @BeforeAll
    static void writeGpt2Files() throws Exception {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        List<byte[]> byRank = new ArrayList<>();
        try (var in = Gpt2FilesTest.class.getResourceAsStream("/com/knuddels/jtokkit/r50k_base.tiktoken");
             var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] p = line.split(" ");
                byte[] b = Base64.getDecoder().decode(p[0]);
                assertThat(Integer.parseInt(p[1])).isEqualTo(byRank.size());
                byRank.add(b);
                ranks.put(key(b), byRank.size() - 1);
            }
        }
        Map<String, Object> vocab = new LinkedHashMap<>();
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        for (int rank = 0; rank < byRank.size(); rank++) {
            byte[] tok = byRank.get(rank);
            vocab.put(chars(tok), (long) rank);
            if (tok.length < 2) continue;
            List<byte[]> parts = bpe(tok, ranks, rank);
            assertThat(parts).hasSize(2);
            merges.append(chars(parts.get(0))).append(' ').append(chars(parts.get(1))).append('\n');
        }
        vocab.put("<|endoftext|>", 50256L);
        Files.writeString(dir.resolve("vocab.json"), Json.write(vocab));
        Files.writeString(dir.resolve("merges.txt"), merges);
        ours = TokenizerFiles.load(dir).orElseThrow();
    }

    /** BPE of {@code tok} using only merges of rank below {@code maxRank}. */
    private static List<byte[]> bpe(byte[] tok, Map<String, Integer> ranks, int maxRank) {
        List<byte[]> parts = new ArrayList<>();
        for (byte b : tok) parts.add(new byte[] {b});
        while (true) {
            int best = -1, bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = ranks.get(key(concat(parts.get(i), parts.get(i + 1))));
                if (r != null && r < maxRank && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) return parts;
            parts.set(best, concat(parts.get(best), parts.remove(best + 1)));
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static String key(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** GPT-2's printable stand-ins of bytes (as in vocab.json). */
    private static String chars(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte x : bytes) sb.append(STAND_IN.get(x & 0xFF));
        return sb.toString();
    }

    private static final Map<Integer, Character> STAND_IN = new HashMap<>();

    static {
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            STAND_IN.put(b, printable ? (char) b : (char) (256 + n++));
        }
    }

    @Test
    void hardStringsGiveJTokkitsIds() {
        for (String s : HARD) {
            String text = s.replace("<|endoftext|>", "<|endoftext |>");   // ours splits out the special token; see below
            int[] expected = Gpt2Tokenizer.get().encode(text);
            assertThat(ours.encode(text)).as(Json.write(text)).containsExactly(expected);
            assertThat(ours.decode(expected)).isEqualTo(Gpt2Tokenizer.get().decode(expected));
        }
    }

    @Test
    void tinyShakespeareGivesJTokkitsIds() throws Exception {
        String text = Files.readString(Path.of("../data/tinyshakespeare.txt")).substring(0, 300_000);
        int[] expected = Gpt2Tokenizer.get().encode(text);
        int[] got = ours.encode(text);
        assertSameIds(got, expected, "Tiny Shakespeare");
        assertThat(ours.decode(expected)).isEqualTo(text);
    }

    /** Equal id arrays; on a difference, the first position and the ids around it (AssertJ's diff is quadratic). */
    static void assertSameIds(int[] actual, int[] expected, String what) {
        int n = Math.min(actual.length, expected.length), i = 0;
        while (i < n && actual[i] == expected[i]) i++;
        if (i == n && actual.length == expected.length) return;
        int from = Math.max(0, i - 3);
        throw new AssertionError(what + ": ids differ at position " + i + " (of " + expected.length + " expected, "
                + actual.length + " actual): expected " + java.util.Arrays.toString(java.util.Arrays.copyOfRange(expected, from, Math.min(expected.length, i + 5)))
                + ", actual " + java.util.Arrays.toString(java.util.Arrays.copyOfRange(actual, from, Math.min(actual.length, i + 5))));
    }

    @Test
    void endOfTextIsSpecialAndEverythingElseIsJTokkits() {
        assertThat(ours.encode("a<|endoftext|>b")).containsExactly(64, 50256, 65);
        assertThat(ours.specialTokens().eos()).isEqualTo(50256);
        assertThat(ours.specialTokens().bos()).isEqualTo(50256);
        assertThat(ours.decode(new int[] {64, 50256, 65}, true)).isEqualTo("ab");
        assertThat(ours.vocabSize()).isEqualTo(50257);
    }
}
