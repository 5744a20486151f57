package org.transformer4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.transformer4j.T4jException;

/**
 * A file of (text, label) rows for classification: TSV (text TAB label) or, for a .csv file, text and label
 * separated by the line's last comma (the text may be in double quotes, with "" for a quote). A first row whose
 * label column is "label" is a header and skipped; empty lines are skipped.
 */
record LabelledText(String text, String label, int line) {
    static List<LabelledText> read(Path file) throws IOException {
        boolean csv = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<LabelledText> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank()) {
                continue;
            }
            int cut = csv ? l.lastIndexOf(',') : l.lastIndexOf('\t');
            if (cut < 0) {
                throw new T4jException(file + " line " + (i + 1) + ": expected text" + (csv ? "," : " TAB ")
                        + "label, found no " + (csv ? "comma" : "tab"));
            }
            String text = l.substring(0, cut);
            String label = l.substring(cut + 1).strip();
            if (csv && text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
                text = text.substring(1, text.length() - 1).replace("\"\"", "\"");
            }
            if (out.isEmpty() && label.equalsIgnoreCase("label")) {
                continue; // header
            }
            if (label.isEmpty()) {
                throw new T4jException(file + " line " + (i + 1) + ": the label is empty");
            }
            if (text.isEmpty()) {
                throw new T4jException(file + " line " + (i + 1) + ": the text is empty");
            }
            out.add(new LabelledText(text, label, i + 1));
        }
        if (out.isEmpty()) {
            throw new T4jException(file + " has no (text, label) rows");
        }
        return out;
    }
}
