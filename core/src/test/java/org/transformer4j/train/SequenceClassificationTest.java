package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.transformer4j.model.Bert;
import org.transformer4j.model.BertConfig;
import org.transformer4j.tokenizer.CharTokenizer;

/**
 * Fine-tuning a classification head: Tiny Shakespeare lines labelled "question" when they contain '?' and
 * "statement" otherwise (balanced, so chance is 50%). The label depends on one character anywhere in the line, so
 * the [CLS] position must learn to attend to it through padded batches of lines of different lengths.
 */
class SequenceClassificationTest {
    /** Balanced (text, label) pairs from the corpus: up to {@code perClass} lines of each class, 4..40 characters. */
    static List<String[]> questionData(int perClass) throws IOException {
        List<String[]> q = new ArrayList<>();
        List<String[]> s = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("../data/tinyshakespeare.txt"))) {
            String l = line.strip();
            if (l.length() < 4 || l.length() > 40 || l.endsWith(":")) {
                continue;
            }
            List<String[]> into = l.contains("?") ? q : s;
            if (into.size() < perClass) {
                into.add(new String[] {l, l.contains("?") ? "question" : "statement"});
            }
        }
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            out.add(q.get(i));
            out.add(s.get(i));
        }
        return out;
    }

    @Test
    void fineTunedHeadClassifiesHeldOutLinesFarAboveChance() throws IOException {
        List<String[]> data = questionData(400);
        CharTokenizer tok = CharTokenizer.fromText(Files.readString(Path.of("../data/tinyshakespeare.txt")));
        int v = tok.vocabSize();
        int cls = v + 1;
        List<SequenceClassification.Example> train = new ArrayList<>();
        List<SequenceClassification.Example> val = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            int[] text = tok.encode(data.get(i)[0]);
            int[] ids = new int[text.length + 1];
            ids[0] = cls;
            System.arraycopy(text, 0, ids, 1, text.length);
            var ex = new SequenceClassification.Example(ids, data.get(i)[1].equals("question") ? 0 : 1);
            (i < 600 ? train : val).add(ex);
        }
        BertConfig cfg = BertConfig.of(v + 2, 48, 2, 2, 32, 0.1f).withSpecialIds(v, cls);
        Bert model = new Bert(cfg, true, false).initWeights(1, 0.02f).withClassifier(List.of("question", "statement"), 2,
                0.02f);
        double before = SequenceClassification.accuracy(model, val, 32);
        var epochs = SequenceClassification.train(model, train, val,
                new SequenceClassification.Settings(4, 16, 1e-3, 0.1, 0.01, 3), e -> System.out.println(e));
        double after = epochs.getLast().valAccuracy();
        System.out.printf("question/statement: val accuracy %.3f before, %.3f after fine-tuning (%d held out)%n", before,
                after, val.size());
        assertThat(val).hasSize(200);
        assertThat(after).isGreaterThan(0.85);
        assertThat(epochs.getLast().trainLoss()).isLessThan(epochs.getFirst().trainLoss());
        // deterministic: the same seed gives the same model
        Bert again = new Bert(cfg, true, false).initWeights(1, 0.02f).withClassifier(List.of("question", "statement"), 2,
                0.02f);
        var epochs2 = SequenceClassification.train(again, train, val,
                new SequenceClassification.Settings(4, 16, 1e-3, 0.1, 0.01, 3), e -> {});
        assertThat(epochs2).isEqualTo(epochs);
    }
}
