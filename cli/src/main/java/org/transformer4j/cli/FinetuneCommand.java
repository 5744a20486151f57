package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import org.transformer4j.T4jException;
import org.transformer4j.kernels.Parallel;
import org.transformer4j.model.Bert;
import org.transformer4j.model.BertFiles;
import org.transformer4j.train.SequenceClassification;
import org.transformer4j.train.SequenceClassification.Example;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code t4j finetune}: a sequence-classification head on a BERT, trained on a TSV/CSV of (text, label). */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune an encoder (BERT) to classify texts or text pairs, from a TSV/CSV of (text, label) "
                + "or (text, text_pair, label); reports accuracy",
        footer = {"",
            "The file has one example per line: text TAB label or, for sentence pairs, text TAB text_pair TAB label "
                    + "(.tsv), or text,label (.csv; the last comma separates the label). A first line with the label "
                    + "'label' is a header. Labels are any strings.",
            "A pair is encoded as BERT's sentence pairs are, [CLS] text [SEP] text_pair [SEP] with token types 0 "
                    + "then 1; 't4j classify --text A --text-pair B' classifies one the same way.",
            "Without --val-file the last --val-fraction of the rows (after a seeded shuffle) is held out.",
            "The result is a BertForSequenceClassification directory (config.json with id2label, model.safetensors, "
                    + "tokenizer files) that 't4j classify' and transformers read.",
            "",
            "Example:",
            "  t4j train --arch=bert --out runs/bert-char --max_iters=2000",
            "  t4j finetune --model runs/bert-char --train-file lines.tsv --out runs/bert-classifier --epochs 3"})
public final class FinetuneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "the BERT to start from (with tokenizer files)")
    Path model;

    @Option(names = "--train-file", required = true, paramLabel = "FILE", description = "training rows, .tsv or .csv")
    Path trainFile;

    @Option(names = "--val-file", paramLabel = "FILE", description = "validation rows (default: hold out --val-fraction)")
    Path valFile;

    @Option(names = "--val-fraction", defaultValue = "0.1", paramLabel = "F",
            description = "share held out when there is no --val-file (default: ${DEFAULT-VALUE})")
    double valFraction;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where to write the fine-tuned model")
    Path out;

    @Option(names = "--epochs", defaultValue = "3", description = "passes over the training rows (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--learning-rate", defaultValue = "5e-4", paramLabel = "LR", description = "peak learning rate "
            + "(linear warmup over --warmup of the steps, then linear decay; default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--warmup", defaultValue = "0.1", paramLabel = "F", description = "default: ${DEFAULT-VALUE}")
    double warmup;

    @Option(names = "--weight-decay", defaultValue = "0.01", paramLabel = "WD", description = "default: ${DEFAULT-VALUE}")
    double weightDecay;

    @Option(names = "--dropout", paramLabel = "P", description = "dropout while fine-tuning (default: the model's)")
    Double dropout;

    @Option(names = "--seed", defaultValue = "1337", description = "default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--threads", defaultValue = "0", description = "worker threads, 0 = all cores")
    int threads;

    @Override
    public Integer call() throws IOException {
        if (threads > 0) {
            Parallel.setThreads(threads);
        }
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new T4jException("--val-fraction must be in [0, 1), got " + valFraction);
        }
        PrintWriter w = spec.commandLine().getOut();
        BertInputs in = BertInputs.open(model);
        List<LabelledText> trainRows = LabelledText.read(trainFile);
        List<LabelledText> valRows;
        if (valFile != null) {
            valRows = LabelledText.read(valFile);
        } else {
            List<LabelledText> all = new ArrayList<>(trainRows);
            java.util.Collections.shuffle(all, new java.util.Random(seed));
            int nVal = (int) Math.round(all.size() * valFraction);
            valRows = all.subList(all.size() - nVal, all.size());
            trainRows = all.subList(0, all.size() - nVal);
        }
        if (trainRows.isEmpty()) {
            throw new T4jException(trainFile + ": no training rows left after holding out the validation share");
        }
        TreeSet<String> labelSet = new TreeSet<>();
        trainRows.forEach(r -> labelSet.add(r.label()));
        if (labelSet.size() < 2) {
            throw new T4jException(trainFile + ": needs at least two different labels, found " + labelSet);
        }
        List<String> labels = List.copyOf(labelSet);
        Path valSource = valFile != null ? valFile : trainFile;
        List<Example> train = examples(in, trainRows, labels, trainFile);
        List<Example> val = examples(in, valRows, labels, valSource);

        Bert base = in.model();
        if (dropout != null) {
            if (!(dropout >= 0 && dropout < 1)) {
                throw new T4jException("--dropout must be in [0, 1), got " + dropout);
            }
        }
        Bert start = base.classifier != null && base.config.labels().equals(labels) ? base
                : base.withClassifier(labels, seed, 0.02f);
        Bert bert = dropout == null ? start : copyWithDropout(start, dropout.floatValue());
        w.printf(Locale.ROOT, "fine-tuning %s (%,d parameters) on %d rows, %d held out; labels %s%n", model,
                bert.numParameters(), train.size(), val.size(), labels);
        w.flush();
        double before = val.isEmpty() ? Double.NaN : SequenceClassification.accuracy(bert, val, 32);
        if (!val.isEmpty()) {
            w.printf(Locale.ROOT, "before: val accuracy %.4f (chance with the majority label: %.4f)%n", before,
                    majority(val, labels.size()));
        }
        var settings = new SequenceClassification.Settings(epochs, batchSize, learningRate, warmup, weightDecay, seed);
        var result = SequenceClassification.train(bert, train, val, settings, e -> {
            w.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f%s%n", e.epoch(), epochs, e.trainLoss(),
                    Double.isNaN(e.valAccuracy()) ? "" : String.format(Locale.ROOT, ", val accuracy %.4f", e.valAccuracy()));
            w.flush();
        });
        BertFiles.save(bert, out, Map.of("t4j_task", "classify"));
        in.tokenizer().ifPresent(tok -> {
            try {
                Tokenizers.save(tok, out);
            } catch (IOException e) {
                throw new T4jException("cannot write tokenizer files into " + out + ": " + e.getMessage(), e);
            }
        });
        double acc = result.getLast().valAccuracy();
        w.printf(Locale.ROOT, "saved %s%s%n", out, Double.isNaN(acc) ? ""
                : String.format(Locale.ROOT, " (val accuracy %.4f on %d rows)", acc, val.size()));
        w.flush();
        return Cli.EXIT_OK;
    }

    private static List<Example> examples(BertInputs in, List<LabelledText> rows, List<String> labels, Path file) {
        List<Example> out = new ArrayList<>();
        for (LabelledText r : rows) {
            String what = file + " line " + r.line();
            int label = labels.indexOf(r.label());
            if (label < 0) {
                throw new T4jException(what + ": label '" + r.label() + "' does not occur in the training rows "
                        + labels);
            }
            org.transformer4j.tokenizer.Encoded e;
            try {
                e = in.check(in.encode(r.text(), r.pair()), what);
            } catch (T4jException ex) {
                throw ex.getMessage().startsWith(what) ? ex : new T4jException(what + ": " + ex.getMessage(), ex);
            }
            out.add(new Example(e.ids(), r.pair() == null ? null : e.typeIds(), label));
        }
        return out;
    }

    private static double majority(List<Example> val, int k) {
        int[] counts = new int[k];
        val.forEach(e -> counts[e.label()]++);
        return (double) java.util.Arrays.stream(counts).max().orElse(0) / val.size();
    }

    private static Bert copyWithDropout(Bert b, float p) {
        Bert out = new Bert(b.config.withDropout(p), b.mlm != null, b.bert.pooler != null);
        var src = b.namedParameters();
        out.namedParameters().forEach((name, t) -> System.arraycopy(src.get(name).data(), 0, t.data(), 0, t.size()));
        return out;
    }
}
