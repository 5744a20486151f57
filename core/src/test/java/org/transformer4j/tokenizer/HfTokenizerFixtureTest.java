package org.transformer4j.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.transformer4j.io.Json;

/**
 * Our tokenizers against the Python ones: for each small tokenizer trained by
 * fixtures/tokenizers/make_tokenizer_fixtures.py, the ids (without and with special tokens), type ids, pairs and
 * decoded text of a few dozen hard strings and 4,000 characters of Tiny Shakespeare must equal what the
 * {@code tokenizers} library (and transformers' slow GPT2Tokenizer/BertTokenizer) computed, exactly.
 */
class HfTokenizerFixtureTest {
    static final Path ROOT = Path.of("src/test/resources/fixtures/tokenizers");

    @ParameterizedTest(name = "{0} (expected from {1})")
    @CsvSource({
        "gpt2, gpt2", "gpt2-files, gpt2", "llama3, llama3", "bart, bart", "bert, bert", "bert-cased, bert-cased",
        "t5, t5", "t5-spm, t5-spm", "llama, llama", "llama-meta, llama-meta"})
    @SuppressWarnings("unchecked")
    void matchesThePythonTokenizer(String dir, String expectedDir) {
        Tokenizer tok = TokenizerFiles.load(ROOT.resolve(dir)).orElseThrow();
        Map<String, Object> exp = Json.parseObject(ROOT.resolve(expectedDir).resolve("expected.json"));
        assertThat(tok.vocabSize()).isEqualTo(((Long) exp.get("vocab_size")).intValue());
        for (Map.Entry<String, Object> e : ((Map<String, Object>) exp.get("added_tokens")).entrySet()) {
            assertThat(tok.tokenToId(e.getKey())).as(e.getKey()).isEqualTo(((Long) e.getValue()).intValue());
        }
        boolean filesOnly = dir.equals("gpt2-files") || dir.equals("bert-cased");
        for (Object o : (List<Object>) exp.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            String text = (String) c.get("text");
            String what = dir + ": " + Json.write(text.length() > 60 ? text.substring(0, 60) : text);
            int[] ids = tok.encode(text);
            assertThat(ids).as(what).containsExactly(ints(c.get("ids")));
            Encoded full = tok.encodeWithSpecialTokens(text);
            if (!dir.equals("gpt2-files")) {
                assertThat(full.ids()).as(what + " with special tokens").containsExactly(ints(c.get("ids_with_special")));
                assertThat(full.typeIds()).as(what + " type ids").containsExactly(ints(c.get("type_ids_with_special")));
            }
            if (!filesOnly || dir.equals("gpt2-files")) {
                assertThat(tok.decode(ids)).as(what + " decoded").isEqualTo(c.get("decoded"));
                assertThat(tok.decode(full.ids(), false)).as(what + " decoded").isEqualTo(c.get("decoded_with_special"));
                assertThat(tok.decode(full.ids(), true)).as(what + " decoded, skipping special tokens").isEqualTo(c.get("decoded_skip_special"));
            }
        }
        if (!dir.equals("gpt2-files")) {
            for (Object o : (List<Object>) exp.get("pairs")) {
                Map<String, Object> p = (Map<String, Object>) o;
                Encoded e = tok.encodePair((String) p.get("a"), (String) p.get("b"));
                assertThat(e.ids()).as(dir + " pair " + p.get("a")).containsExactly(ints(p.get("ids")));
                assertThat(e.typeIds()).as(dir + " pair type ids " + p.get("a")).containsExactly(ints(p.get("type_ids")));
            }
        }
    }

    static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Long) l.get(i)).intValue();
        return a;
    }
}
