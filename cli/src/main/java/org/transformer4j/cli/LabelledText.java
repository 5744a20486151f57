package org.transformer4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.transformer4j.T4jException;

/**
 * A file of labelled rows for classification: TSV, text TAB label or text TAB text_pair TAB label (a sentence
 * pair, as BERT's pair tasks take), or, for a .csv file, text and label separated by the line's last comma (the
 * text may be in double quotes, with "" for a quote; CSV rows are single texts). A first row whose label column is
 * "label" is a header and skipped; empty lines are skipped. All rows of a file have the same number of columns.
 * {@code pair} is null for a single text.
 */
record LabelledText(String text, String pair, String label, int line) {
    static List<LabelledText> read(Path file) throws IOException {
        boolean csv = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<LabelledText> out = new ArrayList<>();
        int columns = 0;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            String text;
            String pair = null;
            String label;
            int n;
            if (csv) {
                int cut = l.lastIndexOf(',');
                if (cut < 0) {
                    throw new T4jException(where + ": expected text,label, found no comma");
                }
                text = l.substring(0, cut);
                label = l.substring(cut + 1).strip();
                if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
                    text = text.substring(1, text.length() - 1).replace("\"\"", "\"");
                }
                n = 2;
            } else {
                String[] f = l.split("\t", -1);
                n = f.length;
                if (n < 2 || n > 3) {
                    throw new T4jException(where + ": expected text TAB label or text TAB text_pair TAB label, found "
                            + (n == 1 ? "no tab" : (n - 1) + " tabs"));
                }
                text = f[0];
                pair = n == 3 ? f[1] : null;
                label = f[n - 1].strip();
            }
            if (out.isEmpty() && label.equalsIgnoreCase("label")) {
                columns = n;
                continue; // header
            }
            if (columns != 0 && n != columns) {
                throw new T4jException(where + ": has " + n + " columns but the rows before have " + columns
                        + " (a file is all (text, label) or all (text, text_pair, label))");
            }
            columns = n;
            if (label.isEmpty()) {
                throw new T4jException(where + ": the label is empty");
            }
            if (text.isEmpty()) {
                throw new T4jException(where + ": the text is empty");
            }
            if (pair != null && pair.isEmpty()) {
                throw new T4jException(where + ": the text_pair is empty");
            }
            out.add(new LabelledText(text, pair, label, i + 1));
        }
        if (out.isEmpty()) {
            throw new T4jException(file + " has no (text, label) rows");
        }
        return out;
    }
}
