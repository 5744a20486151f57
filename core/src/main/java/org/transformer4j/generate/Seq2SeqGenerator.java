package org.transformer4j.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.transformer4j.T4jException;
import org.transformer4j.model.EncoderDecoder;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.KVCache;
import org.transformer4j.tensor.Tensor;

/**
 * Generation with an encoder-decoder: the source is encoded once, each decoder layer's cross-attention keys and
 * values are projected once into a {@link KVCache}, and every new token costs one cached decoder step.
 * Greedy decoding and sampling run a whole batch of sources together (each row stops at end-of-sequence); beam
 * search keeps numBeams rows per source and reorders the cache as beams are extended.
 *
 * <p>Returned ids never include the decoder start token; they end with the end-of-sequence id when the model
 * produced it.
 */
public final class Seq2SeqGenerator {
    /** A generated sequence with its total log-probability and the score beam search ranked it by. */
    public record Hypothesis(int[] ids, double logProb, double score) {}

    private final EncoderDecoder model;
    private final int eos;

    /** Stops at the model's end-of-sequence id. */
    public Seq2SeqGenerator(EncoderDecoder model) {
        this(model, true);
    }

    /** @param stopAtEos false: always generate maxNewTokens (for comparisons with a fixed-length reference) */
    public Seq2SeqGenerator(EncoderDecoder model, boolean stopAtEos) {
        this.model = model;
        this.eos = stopAtEos ? model.config.eosId() : -1;
    }

    /** Sources padded into one batch [B, S] with their lengths. */
    private record Batch(int[] ids, int len, int[] lengths) {}

    private Batch pad(int[][] sources) {
        int len = 1;
        for (int[] s : sources) {
            if (s.length == 0) {
                throw new T4jException("a source is empty: give at least one token");
            }
            len = Math.max(len, s.length);
        }
        int[] ids = new int[sources.length * len];
        Arrays.fill(ids, model.config.padId());
        int[] lengths = new int[sources.length];
        for (int b = 0; b < sources.length; b++) {
            System.arraycopy(sources[b], 0, ids, b * len, sources[b].length);
            lengths[b] = sources[b].length;
        }
        return new Batch(ids, len, lengths);
    }

    /** The encoder output of the sources and a decoder cache over it. */
    private KVCache start(int[][] sources, int capacity) {
        Batch batch = pad(sources);
        model.train(false);
        Tensor memory = model.encode(batch.ids, sources.length, batch.len, batch.lengths, ForwardContext.INFERENCE);
        return model.startDecoding(memory, batch.lengths, capacity);
    }

    /**
     * Greedy decoding ({@code params} greedy) or sampling (temperature, top-k, top-p) of every source at once.
     * Rows finish at end-of-sequence; the others continue until maxNewTokens.
     */
    public List<Hypothesis> generate(int[][] sources, int maxNewTokens, SamplingParams params, long seed) {
        if (maxNewTokens < 0) {
            throw new T4jException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        int n = sources.length;
        int v = model.vocabSize();
        KVCache cache = start(sources, Math.max(1, maxNewTokens));
        Sampler sampler = new Sampler(params, seed);
        int[][] out = new int[n][maxNewTokens];
        int[] produced = new int[n];
        double[] logProb = new double[n];
        boolean[] done = new boolean[n];
        int[] tokens = new int[n];
        Arrays.fill(tokens, model.config.decoderStartId());
        float[] row = new float[v];
        for (int step = 0; step < maxNewTokens; step++) {
            float[] logits = model.decodeStep(tokens, cache);
            boolean all = true;
            for (int b = 0; b < n; b++) {
                if (done[b]) {
                    tokens[b] = model.config.padId(); // keeps the batch rectangular; never read
                    continue;
                }
                System.arraycopy(logits, b * v, row, 0, v);
                int next = sampler.next(row);
                logProb[b] += logSoftmax(row, next);
                out[b][produced[b]++] = next;
                tokens[b] = next;
                done[b] = next == eos;
                all &= done[b];
            }
            if (all) {
                break;
            }
        }
        List<Hypothesis> result = new ArrayList<>(n);
        for (int b = 0; b < n; b++) {
            result.add(new Hypothesis(Arrays.copyOf(out[b], produced[b]), logProb[b], logProb[b]));
        }
        return result;
    }

    /** Greedy decoding of one source. */
    public Hypothesis greedy(int[] source, int maxNewTokens) {
        return generate(new int[][] {source}, maxNewTokens, SamplingParams.greedy(), 0).getFirst();
    }

    /**
     * Beam search over one source: at each step every beam's extensions are ranked by total log-probability and
     * the best 2 * numBeams kept as candidates; candidates that end the sequence become finished hypotheses
     * (while they rank among the first numBeams), the rest fill the next beams. Returns the best hypothesis by
     * score (log-probability / length^lengthPenalty, the length counting the end-of-sequence token).
     */
    public Hypothesis beamSearch(int[] source, int maxNewTokens, BeamParams p) {
        if (maxNewTokens < 1) {
            throw new T4jException("max new tokens must be >= 1 for beam search, got " + maxNewTokens);
        }
        int k = p.numBeams();
        int v = model.vocabSize();
        int[][] sources = new int[k][];
        Arrays.fill(sources, source);
        KVCache cache = start(sources, maxNewTokens);
        double[] scores = new double[k];
        Arrays.fill(scores, Double.NEGATIVE_INFINITY);
        scores[0] = 0; // all beams start identical: expand only the first, or the first step would repeat k times
        int[][] seqs = new int[k][0];
        int[] tokens = new int[k];
        Arrays.fill(tokens, model.config.decoderStartId());
        List<Hypothesis> finished = new ArrayList<>();
        double[] lp = new double[v];
        int cand = 2 * k;
        for (int step = 0; step < maxNewTokens; step++) {
            float[] logits = model.decodeStep(tokens, cache);
            // Best 2k (beam, token) candidates by total log-probability; ties go to the lower beam, then token.
            double[] cScore = new double[cand];
            int[] cBeam = new int[cand];
            int[] cTok = new int[cand];
            Arrays.fill(cScore, Double.NEGATIVE_INFINITY);
            int count = 0;
            for (int b = 0; b < k; b++) {
                if (scores[b] == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                logSoftmaxRow(logits, b * v, v, lp);
                for (int t = 0; t < v; t++) {
                    double s = scores[b] + lp[t];
                    if (count < cand || s > cScore[count - 1]) {
                        int i = Math.min(count, cand - 1);
                        while (i > 0 && cScore[i - 1] < s) {
                            cScore[i] = cScore[i - 1];
                            cBeam[i] = cBeam[i - 1];
                            cTok[i] = cTok[i - 1];
                            i--;
                        }
                        cScore[i] = s;
                        cBeam[i] = b;
                        cTok[i] = t;
                        count = Math.min(count + 1, cand);
                    }
                }
            }
            int[] parents = new int[k];
            double[] nextScores = new double[k];
            int[][] nextSeqs = new int[k][];
            int filled = 0;
            for (int c = 0; c < count && filled < k; c++) {
                int[] seq = Arrays.copyOf(seqs[cBeam[c]], step + 1);
                seq[step] = cTok[c];
                if (cTok[c] == eos) {
                    if (c < k) {
                        finished.add(new Hypothesis(seq, cScore[c], cScore[c] / Math.pow(step + 1, p.lengthPenalty())));
                    }
                    continue;
                }
                parents[filled] = cBeam[c];
                nextScores[filled] = cScore[c];
                nextSeqs[filled] = seq;
                filled++;
            }
            for (; filled < k; filled++) { // fewer live candidates than beams (tiny vocabularies)
                parents[filled] = 0;
                nextScores[filled] = Double.NEGATIVE_INFINITY;
                nextSeqs[filled] = nextSeqs[0] == null ? new int[step + 1] : nextSeqs[0];
            }
            scores = nextScores;
            seqs = nextSeqs;
            if (isDone(finished, scores, step + 1, p)) {
                break;
            }
            cache.reorder(parents);
            for (int b = 0; b < k; b++) {
                tokens[b] = seqs[b][step];
            }
        }
        if (finished.size() < k) { // ran out of steps: the running beams count as they are
            for (int b = 0; b < k && finished.size() < k; b++) {
                if (scores[b] > Double.NEGATIVE_INFINITY) {
                    finished.add(new Hypothesis(seqs[b], scores[b],
                            scores[b] / Math.pow(seqs[b].length, p.lengthPenalty())));
                }
            }
        }
        return finished.stream().max(Comparator.comparingDouble(Hypothesis::score)).orElseThrow();
    }

    private static boolean isDone(List<Hypothesis> finished, double[] running, int len, BeamParams p) {
        if (finished.size() < p.numBeams()) {
            return false;
        }
        if (p.earlyStopping()) {
            return true;
        }
        double worst = Double.POSITIVE_INFINITY;
        List<Hypothesis> best = finished.stream().sorted(Comparator.comparingDouble(Hypothesis::score).reversed())
                .limit(p.numBeams()).toList();
        for (Hypothesis h : best) {
            worst = Math.min(worst, h.score());
        }
        double bestRunning = Double.NEGATIVE_INFINITY;
        for (double s : running) {
            bestRunning = Math.max(bestRunning, s);
        }
        return worst >= bestRunning / Math.pow(len, p.lengthPenalty());
    }

    /** log softmax(row)[id], in double. */
    static double logSoftmax(float[] row, int id) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : row) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : row) {
            sum += Math.exp(x - max);
        }
        return row[id] - max - Math.log(sum);
    }

    private static void logSoftmaxRow(float[] logits, int off, int v, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        double lse = max + Math.log(sum);
        for (int i = 0; i < v; i++) {
            out[i] = logits[off + i] - lse;
        }
    }
}
