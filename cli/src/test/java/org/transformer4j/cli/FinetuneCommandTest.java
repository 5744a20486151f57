package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.model.Bert;
import org.transformer4j.model.BertFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The encoder workflow on the command line: {@code train --arch=bert} (masked-LM, briefly) makes a BERT directory
 * with a tokenizer, {@code finetune} trains a classifier on a TSV of Shakespeare lines labelled question/statement
 * (balanced: chance is 50%) and reports held-out accuracy, {@code classify} uses the result.
 */
class FinetuneCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void trainFinetuneAndClassify() throws IOException {
        String corpus = Files.readString(Path.of("../data/tinyshakespeare.txt"));
        Path text = tmp.resolve("corpus.txt");
        Files.writeString(text, corpus.substring(0, 100_000));
        Path run = tmp.resolve("bert");
        CliTestSupport.Result t = CliTestSupport.run("train", "--arch=bert", "--input=" + text,
                "--dataset=" + tmp.resolve("data"), "--out", run.toString(), "--n_layer=2", "--n_head=2", "--n_embd=32",
                "--block_size=48", "--batch_size=4", "--max_iters=4", "--eval_interval=2", "--eval_iters=1",
                "--warmup_iters=1", "--lr_decay_iters=4", "--learning_rate=1e-3", "--threads=2");
        assertThat(t.code()).as(t.err()).isZero();
        Bert pre = BertFiles.load(run);
        assertThat(pre.mlm).isNotNull();
        assertThat(pre.config.clsTokenId()).isEqualTo(pre.config.vocabSize() - 1);

        // question/statement rows from the whole corpus; the 100k-character slice's characters cover them
        List<String> rows = new ArrayList<>();
        rows.add("text\tlabel");
        int q = 0;
        int s = 0;
        for (String line : corpus.split("\n")) {
            String l = line.strip();
            if (l.length() < 4 || l.length() > 40 || l.endsWith(":") || !l.chars().allMatch(c -> corpus.substring(0, 100_000).indexOf(c) >= 0)) {
                continue;
            }
            boolean question = l.contains("?");
            if (question ? q < 300 : s < 300) {
                rows.add(l + "\t" + (question ? "question" : "statement"));
                q += question ? 1 : 0;
                s += question ? 0 : 1;
            }
        }
        Path tsv = tmp.resolve("lines.tsv");
        Files.write(tsv, rows);
        Path out = tmp.resolve("classifier");
        CliTestSupport.Result f = CliTestSupport.run("finetune", "--model", run.toString(), "--train-file", tsv.toString(),
                "--out", out.toString(), "--epochs", "4", "--learning-rate", "1e-3", "--val-fraction", "0.2",
                "--threads", "2");
        assertThat(f.code()).as(f.err()).isZero();
        assertThat(f.out()).contains("labels [question, statement]").contains("120 held out").contains("epoch 4/4");
        Matcher m = Pattern.compile("saved .* \\(val accuracy ([0-9.]+) on 120 rows\\)").matcher(f.out());
        assertThat(m.find()).as(f.out()).isTrue();
        double accuracy = Double.parseDouble(m.group(1));
        System.out.println(f.out());
        assertThat(accuracy).isGreaterThan(0.85);

        Bert tuned = BertFiles.load(out);
        assertThat(tuned.config.labels()).containsExactly("question", "statement");
        assertThat(Files.readString(out.resolve("config.json"))).contains("BertForSequenceClassification");
        CliTestSupport.Result c = CliTestSupport.run("classify", "--model", out.toString(), "--text", "What say you?");
        assertThat(c.code()).as(c.err()).isZero();
        JsonNode o = JSON.readTree(c.out().strip());
        assertThat(o.get("label").asText()).isEqualTo("question");
        assertThat(o.get("probabilities").get("question").asDouble()).isGreaterThan(0.5);

        Path bad = tmp.resolve("bad.tsv");
        Files.write(bad, List.of("fine\tyes", "no tab here"));
        CliTestSupport.Result e = CliTestSupport.run("finetune", "--model", run.toString(), "--train-file", bad.toString(),
                "--out", tmp.resolve("x").toString());
        assertThat(e.code()).isEqualTo(1);
        assertThat(e.err().strip()).isEqualTo("t4j: error: " + bad + " line 2: expected text TAB label or text TAB text_pair TAB label, "
                + "found no tab");
    }
}
