package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.autograd.Ops;
import org.transformer4j.model.Bert;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tokenizer.Encoded;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code t4j classify}: the label a fine-tuned BERT gives each input, as JSON lines. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Classify texts with a fine-tuned encoder (a BertForSequenceClassification directory)",
        footer = {"", "Output: one JSON object per input: {\"index\": 0, \"text\": \"...\", \"label\": \"...\", "
                + "\"probabilities\": {\"label\": p, ...}}",
            "A pair (--text A --text-pair B, or a line A TAB B) is encoded as BERT's sentence pairs are, "
                    + "[CLS] A [SEP] B [SEP] with token types 0 then 1 (\"text_pair\" is then in the output too).",
            "Example: t4j classify --model runs/bert-classifier --text 'What say you?'"})
public final class ClassifyCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "fine-tuned model directory")
    Path model;

    static final class Source {
        @Option(names = "--text", paramLabel = "TEXT", description = "one text")
        String text;

        @Option(names = "--input", paramLabel = "FILE", description = "one text per line (empty lines skipped); a "
                + "line with a TAB is a pair, text TAB text_pair")
        Path input;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--text-pair", paramLabel = "TEXT", description = "with --text: the second text of a pair "
            + "([CLS] text [SEP] pair [SEP], token types 0 then 1)")
    String textPair;

    @Override
    public Integer call() throws IOException {
        BertInputs in = BertInputs.open(model);
        Bert bert = in.model();
        if (bert.classifier == null) {
            throw new T4jException(model + " has no classification head (fine-tune one with 't4j finetune')");
        }
        List<BertInputs.TextInput> texts = BertInputs.readTexts(source.text, textPair, source.input);
        PrintWriter w = spec.commandLine().getOut();
        List<String> labels = bert.config.labels();
        bert.train(false);
        for (int i = 0; i < texts.size(); i++) {
            BertInputs.TextInput text = texts.get(i);
            Encoded e = in.check(in.encode(text.text(), text.pair()),
                    source.text != null ? "--text" : source.input + " input " + (i + 1));
            int[] ids = e.ids();
            float[] p;
            try (var noGrad = GradMode.off()) {
                p = Ops.softmax(bert.classify(bert.encode(ids, e.typeIds(), 1, ids.length, null, ForwardContext.INFERENCE),
                        ForwardContext.INFERENCE)).data();
            }
            int best = 0;
            for (int k = 1; k < p.length; k++) {
                best = p[k] > p[best] ? k : best;
            }
            ObjectNode o = JSON.createObjectNode();
            o.put("index", i);
            o.put("text", text.text());
            if (text.pair() != null) {
                o.put("text_pair", text.pair());
            }
            o.put("label", labels.get(best));
            ObjectNode probs = o.putObject("probabilities");
            for (int k = 0; k < p.length; k++) {
                probs.put(labels.get(k), p[k]);
            }
            w.println(JSON.writeValueAsString(o));
        }
        w.flush();
        return Cli.EXIT_OK;
    }
}
