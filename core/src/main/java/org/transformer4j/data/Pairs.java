package org.transformer4j.data;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.transformer4j.T4jException;

/** A file of (source TAB target) lines, the training data of a sequence-to-sequence model. */
public final class Pairs {
    public record Pair(String source, String target) {}

    /** The two parts of a split: training pairs and held-out pairs. */
    public record Split(List<Pair> train, List<Pair> heldOut) {}

    private Pairs() {}

    /**
     * Reads UTF-8 lines "source\ttarget" (blank lines skipped, a trailing \r dropped). A line without a TAB, or
     * with an empty side, is an error naming the file and line.
     */
    public static List<Pair> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new T4jException(file + ": not valid UTF-8");
        } catch (IOException e) {
            throw new T4jException("cannot read pairs file " + file + ": " + e.getMessage(), e);
        }
        List<Pair> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isBlank()) {
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab < 0) {
                throw new T4jException(file + ":" + (i + 1) + ": expected 'source<TAB>target', found no TAB");
            }
            String src = line.substring(0, tab);
            String tgt = line.substring(tab + 1);
            if (src.isEmpty() || tgt.isEmpty()) {
                throw new T4jException(file + ":" + (i + 1) + ": the " + (src.isEmpty() ? "source" : "target")
                        + " is empty");
            }
            out.add(new Pair(src, tgt));
        }
        if (out.isEmpty()) {
            throw new T4jException(file + ": no pairs");
        }
        return out;
    }

    /** A deterministic split: a seeded shuffle, then the last {@code fraction} of the pairs held out. */
    public static Split split(List<Pair> pairs, double fraction, long seed) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new T4jException("the held-out fraction must be in [0, 1), got " + fraction);
        }
        List<Pair> shuffled = new ArrayList<>(pairs);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Pair t = shuffled.get(i);
            shuffled.set(i, shuffled.get(j));
            shuffled.set(j, t);
        }
        int held = (int) Math.round(shuffled.size() * fraction);
        int cut = shuffled.size() - held;
        return new Split(List.copyOf(shuffled.subList(0, cut)), List.copyOf(shuffled.subList(cut, shuffled.size())));
    }
}
