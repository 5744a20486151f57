package org.transformer4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.autograd.Ops;
import org.transformer4j.model.Bert;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;

/**
 * Fine-tuning a BERT with a sequence-classification head (BertForSequenceClassification): the pooled [CLS] output
 * goes through dropout and a linear layer to one logit per class, and every weight is trained with AdamW on the
 * cross-entropy of the labels, in shuffled, right-padded mini-batches, with a linear warmup and decay of the
 * learning rate (as BERT's paper fine-tunes). Deterministic for a seed and thread count.
 */
public final class SequenceClassification {
    private SequenceClassification() {}

    /**
     * One labelled input: token ids (with [CLS] first when the model uses one), their token types (segment ids:
     * 0 for the first text of a pair, 1 for the second; null means all 0) and a class index.
     */
    public record Example(int[] ids, int[] types, int label) {
        public Example {
            if (types != null && types.length != ids.length) {
                throw new IllegalArgumentException(ids.length + " ids but " + types.length + " token types");
            }
        }

        /** A single text: every token of type 0. */
        public Example(int[] ids, int label) {
            this(ids, null, label);
        }
    }

    /**
     * Fine-tuning settings.
     *
     * @param epochs        passes over the training examples
     * @param batchSize     examples per step
     * @param learningRate  peak learning rate
     * @param warmupFraction share of the steps with a linearly rising learning rate (then linear decay to 0)
     * @param weightDecay   AdamW weight decay (matrices only)
     * @param seed          shuffling and dropout
     */
    public record Settings(int epochs, int batchSize, double learningRate, double warmupFraction, double weightDecay,
                           long seed) {
        public Settings {
            if (epochs <= 0 || batchSize <= 0 || !(learningRate > 0) || warmupFraction < 0 || warmupFraction > 1
                    || weightDecay < 0) {
                throw new T4jException("bad fine-tuning settings: epochs and batch size must be positive, the learning "
                        + "rate above 0, the warmup fraction in [0, 1] and weight decay >= 0");
            }
        }
    }

    /** After each epoch: the mean training loss and the validation accuracy (NaN without validation examples). */
    public record Epoch(int epoch, double trainLoss, double valAccuracy) {}

    /** Trains {@code model} (which must have a classifier) in place and reports every epoch. */
    public static List<Epoch> train(Bert model, List<Example> train, List<Example> val, Settings s,
                                    Consumer<Epoch> listener) {
        if (model.classifier == null) {
            throw new IllegalArgumentException("the model has no classification head (see Bert.withClassifier)");
        }
        if (train.isEmpty()) {
            throw new T4jException("no training examples");
        }
        check(model, train);
        check(model, val);
        AdamW opt = AdamW.forModel(model.namedParameters(), 0.9, 0.999, 1e-8, s.weightDecay());
        int stepsPerEpoch = (train.size() + s.batchSize() - 1) / s.batchSize();
        int total = stepsPerEpoch * s.epochs();
        int warmup = (int) Math.round(s.warmupFraction() * total);
        SplittableRandom rng = new SplittableRandom(s.seed());
        List<Epoch> out = new ArrayList<>();
        int step = 0;
        for (int epoch = 1; epoch <= s.epochs(); epoch++) {
            int[] order = shuffled(train.size(), rng);
            double lossSum = 0;
            model.train(true);
            for (int start = 0; start < order.length; start += s.batchSize()) {
                int n = Math.min(s.batchSize(), order.length - start);
                List<Example> batch = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    batch.add(train.get(order[start + i]));
                }
                Tensor loss = loss(model, batch, ForwardContext.training(rng.split()));
                lossSum += loss.item() * n;
                loss.backward();
                GradClip.clipGradNorm(model.parameters(), 1.0);
                double lr = step < warmup ? s.learningRate() * (step + 1) / warmup
                        : s.learningRate() * Math.max(0, total - step) / Math.max(1, total - warmup);
                opt.step(lr);
                opt.zeroGrad();
                step++;
            }
            Epoch e = new Epoch(epoch, lossSum / train.size(), val.isEmpty() ? Double.NaN : accuracy(model, val, 32));
            out.add(e);
            listener.accept(e);
        }
        model.train(false);
        return out;
    }

    /** Mean cross-entropy of a batch (right-padded to its longest example). */
    static Tensor loss(Bert model, List<Example> batch, ForwardContext ctx) {
        int[] labels = new int[batch.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = batch.get(i).label();
        }
        return Ops.crossEntropy(logits(model, batch, ctx), labels);
    }

    private static Tensor logits(Bert model, List<Example> batch, ForwardContext ctx) {
        int b = batch.size();
        int t = 0;
        for (Example e : batch) {
            t = Math.max(t, e.ids().length);
        }
        int[] ids = new int[b * t];
        int[] lengths = new int[b];
        int[] types = batch.stream().anyMatch(e -> e.types() != null) ? new int[b * t] : null;
        for (int i = 0; i < b; i++) {
            int[] x = batch.get(i).ids();
            System.arraycopy(x, 0, ids, i * t, x.length);
            lengths[i] = x.length;
            if (types != null && batch.get(i).types() != null) {
                System.arraycopy(batch.get(i).types(), 0, types, i * t, x.length);
            }
        }
        return model.classify(model.encode(ids, types, b, t, lengths, ctx), ctx);
    }

    /** The predicted class of each example (evaluation mode, no graph). */
    public static int[] predict(Bert model, List<Example> examples, int batchSize) {
        int[] pred = new int[examples.size()];
        boolean was = model.isTraining();
        model.train(false);
        try (var noGrad = GradMode.off()) {
            for (int start = 0; start < examples.size(); start += batchSize) {
                List<Example> batch = examples.subList(start, Math.min(examples.size(), start + batchSize));
                float[] l = logits(model, batch, ForwardContext.INFERENCE).data();
                int k = model.config.numLabels();
                for (int i = 0; i < batch.size(); i++) {
                    int best = 0;
                    for (int c = 1; c < k; c++) {
                        if (l[i * k + c] > l[i * k + best]) {
                            best = c;
                        }
                    }
                    pred[start + i] = best;
                }
            }
        } finally {
            model.train(was);
        }
        return pred;
    }

    /** The share of examples whose predicted class is their label. */
    public static double accuracy(Bert model, List<Example> examples, int batchSize) {
        int[] pred = predict(model, examples, batchSize);
        int right = 0;
        for (int i = 0; i < pred.length; i++) {
            right += pred[i] == examples.get(i).label() ? 1 : 0;
        }
        return (double) right / Math.max(1, pred.length);
    }

    private static void check(Bert model, List<Example> examples) {
        for (int i = 0; i < examples.size(); i++) {
            Example e = examples.get(i);
            if (e.label() < 0 || e.label() >= model.config.numLabels()) {
                throw new T4jException("example " + i + ": label " + e.label() + " is outside [0, "
                        + model.config.numLabels() + ")");
            }
            if (e.types() != null) {
                for (int type : e.types()) {
                    if (type < 0 || type >= model.config.typeVocabSize()) {
                        throw new T4jException("example " + i + ": token type " + type + " is outside [0, "
                                + model.config.typeVocabSize() + ") (type_vocab_size)");
                    }
                }
            }
            if (e.ids().length == 0 || e.ids().length > model.config.maxPositions()) {
                throw new T4jException("example " + i + " has " + e.ids().length + " tokens; it must have 1.."
                        + model.config.maxPositions() + " (max_position_embeddings)");
            }
        }
    }

    private static int[] shuffled(int n, SplittableRandom rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

}
