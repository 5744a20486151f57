package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.kernels.Parallel;
import org.transformer4j.model.Bert;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.tokenizer.Encoded;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code t4j embed}: a sentence embedding per input, from an encoder (BERT) model. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print sentence embeddings of an encoder (BERT) model: one JSON object per input line",
        footer = {"",
            "The embedding is the mean of the last hidden states over the input's tokens (padding excluded), as "
                    + "sentence-transformers' mean pooling; --normalize scales it to unit length, so dot products are "
                    + "cosine similarities. Inputs are run in padded batches; padding does not change the result.",
            "Output: {\"index\": 0, \"text\": \"...\", \"tokens\": 12, \"embedding\": [...]} (\"ids\" instead of "
                    + "\"text\" for --ids; \"text_pair\" too for a pair).",
            "A pair (--text A --text-pair B, or a line A TAB B) is encoded as BERT's sentence pairs are, "
                    + "[CLS] A [SEP] B [SEP] with token types 0 then 1.",
            "",
            "Examples:",
            "  t4j embed --model runs/bert-char --text 'To be, or not to be' --normalize",
            "  t4j embed --model runs/bert-char --input lines.txt > embeddings.jsonl",
            "  t4j embed --model DIR --text 'How old are you?' --text-pair 'I am six.'"})
public final class EmbedCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "BERT model directory")
    Path model;

    static final class Source {
        @Option(names = "--text", paramLabel = "TEXT", description = "one text (needs the model's tokenizer)")
        String text;

        @Option(names = "--input", paramLabel = "FILE", description = "a UTF-8 file: one text per line (empty lines "
                + "skipped); a line with a TAB is a pair, text TAB text_pair")
        Path input;

        @Option(names = "--ids", paramLabel = "IDS", description = "token ids of one input, e.g. 1,2,3 (used as given)")
        String ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--text-pair", paramLabel = "TEXT", description = "with --text: the second text of a pair "
            + "([CLS] text [SEP] pair [SEP], token types 0 then 1)")
    String textPair;

    @Option(names = "--type-ids", paramLabel = "IDS", description = "with --ids: the token type of each id, e.g. "
            + "0,0,1 (default: all 0)")
    String typeIds;

    @Option(names = "--normalize", description = "scale each embedding to unit L2 norm")
    boolean normalize;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N",
            description = "inputs per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--threads", defaultValue = "0", description = "worker threads, 0 = all cores")
    int threads;

    @Override
    public Integer call() throws IOException {
        if (batchSize <= 0) {
            throw new T4jException("--batch-size must be positive, got " + batchSize);
        }
        if (threads > 0) {
            Parallel.setThreads(threads);
        }
        BertInputs.requireTextForPair(source.text, textPair);
        if (typeIds != null && source.ids == null) {
            throw new T4jException("--type-ids needs --ids");
        }
        BertInputs in = BertInputs.open(model);
        List<String[]> texts = new ArrayList<>();
        List<Encoded> rows = new ArrayList<>();
        if (source.ids != null) {
            int[] ids = LoadedModel.parseIds(source.ids, "--ids");
            int[] types = typeIds == null ? new int[ids.length] : LoadedModel.parseIds(typeIds, "--type-ids");
            if (types.length != ids.length) {
                throw new T4jException("--type-ids has " + types.length + " entries but --ids has " + ids.length);
            }
            rows.add(in.check(new Encoded(ids, types), "--ids"));
            texts.add(null);
        } else {
            for (BertInputs.TextInput text : BertInputs.readTexts(source.text, textPair, source.input)) {
                String what = text.line() == 0 ? "--text" : source.input + " line " + text.line();
                try {
                    rows.add(in.check(in.encode(text.text(), text.pair()), what));
                } catch (T4jException e) {
                    throw text.line() == 0 || e.getMessage().startsWith(what) ? e
                            : new T4jException(what + ": " + e.getMessage(), e);
                }
                texts.add(new String[] {text.text(), text.pair()});
            }
            if (rows.isEmpty()) {
                throw new T4jException(source.input + " has no non-empty lines");
            }
        }
        Bert bert = in.model();
        bert.train(false);
        int c = bert.config.hiddenSize();
        PrintWriter w = spec.commandLine().getOut();
        for (int start = 0; start < rows.size(); start += batchSize) {
            int n = Math.min(batchSize, rows.size() - start);
            Encoded[] encoded = rows.subList(start, start + n).toArray(Encoded[]::new);
            int[][] batch = java.util.Arrays.stream(encoded).map(Encoded::ids).toArray(int[][]::new);
            int[] lengths = new int[n];
            int[] ids = BertInputs.pad(batch, lengths);
            int t = BertInputs.width(lengths);
            int[] types = BertInputs.padTypes(encoded, t);
            float[] emb;
            try (var noGrad = GradMode.off()) {
                Tensor hidden = bert.encode(ids, types, n, t, lengths, ForwardContext.INFERENCE);
                emb = Bert.meanPool(hidden, lengths, normalize);
            }
            for (int b = 0; b < n; b++) {
                ObjectNode o = JSON.createObjectNode();
                o.put("index", start + b);
                String[] text = texts.get(start + b);
                if (text != null) {
                    o.put("text", text[0]);
                    if (text[1] != null) {
                        o.put("text_pair", text[1]);
                    }
                } else {
                    ArrayNode a = o.putArray("ids");
                    for (int id : batch[b]) {
                        a.add(id);
                    }
                }
                o.put("tokens", lengths[b]);
                ArrayNode e = o.putArray("embedding");
                for (int j = 0; j < c; j++) {
                    e.add(emb[b * c + j]);
                }
                w.println(JSON.writeValueAsString(o));
            }
        }
        w.flush();
        return Cli.EXIT_OK;
    }
}
